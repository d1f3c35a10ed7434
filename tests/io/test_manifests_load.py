"""Behaviour of ``netviz.io.manifests``: inputs, Lists, JSON, stdin, records, progress, cancel,
snapshots, and what the loaded cluster contains."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from netviz.io.errors import LoadCancelled, NetvizIOError
from netviz.io.manifests import DocumentRecord, LoadResult, load_paths, load_text
from netviz.model import IPBlock, LabelSelector, PolicyPort, Requirement
from netviz.model.diagnostics import Severity

DATA = Path(__file__).parents[1] / "data" / "manifests"


@pytest.fixture(scope="module")
def fixture_folder() -> LoadResult:
    return load_paths([str(DATA)])


# --------------------------------------------------------------------------- paths


def test_folder_is_walked_sorted_skipping_hidden_and_other_extensions(
    fixture_folder: LoadResult,
) -> None:
    assert fixture_folder.files == [
        str(DATA / "pods.json"),
        str(DATA / "shop.yaml"),
        str(DATA / "sub" / "workloads.yml"),
    ]
    assert fixture_folder.cluster.namespace("hidden") is None


def test_only_info_and_cidr_warnings_for_the_good_fixtures(fixture_folder: LoadResult) -> None:
    codes = sorted({(d.severity, d.code) for d in fixture_folder.diagnostics})
    assert codes == [
        (Severity.INFO, "kind-skipped"),
        (Severity.WARNING, "noncanonical-cidr"),
    ]
    assert fixture_folder.diagnostics == sorted(
        fixture_folder.diagnostics, key=lambda d: (d.file or "", d.line or 0)
    )


def test_a_file_named_explicitly_is_read_whatever_its_extension(tmp_path: Path) -> None:
    f = tmp_path / "manifest.txt"
    f.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: txt}\n")
    r = load_paths([str(f)])
    assert r.cluster.namespace("txt") is not None


def test_same_file_twice_is_read_once(tmp_path: Path) -> None:
    f = tmp_path / "ns.yaml"
    f.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: once}\n")
    r = load_paths([str(f), str(tmp_path)])
    assert r.files == [str(f)]
    assert not [d for d in r.diagnostics if d.code == "duplicate-object"]


def test_stdin() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: from-stdin}\n"
    r = load_paths(["-"], stdin=io.StringIO(text))
    assert r.files == ["<stdin>"]
    (pod,) = r.cluster.pods
    assert pod.key == "default/from-stdin"
    assert pod.source is not None and pod.source.file == "<stdin>"


def test_progress_and_cancel() -> None:
    seen: list[tuple[int, int, str]] = []
    load_paths([str(DATA)], progress=lambda d, t, p: seen.append((d, t, p)))
    assert [s[:2] for s in seen] == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert seen[0][2].endswith("pods.json")

    calls = 0

    def cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls > 1

    with pytest.raises(LoadCancelled) as info:
        load_paths([str(DATA)], cancel=cancel)
    assert isinstance(info.value, NetvizIOError)
    assert "cancelled after 1 of 3" in str(info.value)


def test_cancel_inside_a_big_file() -> None:
    text = "".join(
        f"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: n{i}}}\n" for i in range(2000)
    )
    stream = io.StringIO(text)
    count = 0

    def cancel() -> bool:
        nonlocal count
        count += 1
        return count > 2  # before the file, then while reading it

    with pytest.raises(LoadCancelled):
        load_paths(["-"], stdin=stream, cancel=cancel)


# --------------------------------------------------------------------------- documents


def test_document_records_cover_the_text_and_can_be_spliced() -> None:
    text = (DATA / "shop.yaml").read_text()
    r = load_text(text, "shop.yaml")
    assert [d.kind for d in r.documents] == [
        "Namespace",
        "Deployment",
        "Service",
        "Service",
        "Service",
        "NetworkPolicy",
        "ConfigMap",
    ]
    assert [d.doc for d in r.documents] == list(range(1, 8))
    # chunks tile the file: splicing each one back gives the same text
    assert "".join(text[d.start_offset : d.end_offset] for d in r.documents) == text
    np_doc = r.documents[5]
    assert (np_doc.namespace, np_doc.name) == ("shop", "web-policy")
    assert text[np_doc.start_offset : np_doc.end_offset].startswith("---\n")
    lines = text.splitlines()
    assert lines[np_doc.start_line - 1] == "---"
    assert lines[np_doc.end_line - 1] == "  - {}"
    assert isinstance(np_doc, DocumentRecord)


def test_document_numbers_follow_yaml() -> None:
    text = "# header comment\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\nkind: Oops: x\n"
    r = load_text(text)
    assert [d.doc for d in r.documents] == [1, 2, 3]
    (err,) = r.errors
    assert (err.doc, err.line, err.code) == (3, 8, "yaml-syntax")


def test_directives_belong_to_their_document() -> None:
    text = "%YAML 1.1\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"
    r = load_text(text)
    assert not r.diagnostics and r.cluster.namespace("a") is not None


def test_json_several_values_and_lines(tmp_path: Path) -> None:
    objs = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "j1"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": 1}}},
    ]
    f = tmp_path / "two.json"
    f.write_text("\n".join(json.dumps(o, indent=2) for o in objs))
    r = load_paths([str(f)])
    assert r.cluster.namespace("j1") is not None
    (err,) = r.errors
    assert err.doc == 2 and err.code == "wrong-type"
    assert f.read_text().splitlines()[err.line - 1].strip().startswith('"a": 1')


def test_flow_yaml_that_looks_like_json_is_yaml() -> None:
    r = load_text("{apiVersion: v1, kind: Namespace, metadata: {name: flow}}\n", "x.yaml")
    assert r.cluster.namespace("flow") is not None and not r.diagnostics


def test_merge_keys_and_harmless_aliases() -> None:
    text = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: &labels {app: web}
spec:
  template:
    metadata:
      labels:
        <<: *labels
        extra: "yes"
    spec:
      containers:
      - &c {name: a, ports: [{containerPort: 80}]}
      - *c
---
kind: Service
apiVersion: v1
metadata: {name: web}
spec:
  selector: *labels
"""
    r = load_text(text)
    # anchors do not cross documents (YAML): the Service's alias is a located syntax error
    (err,) = r.diagnostics
    assert (err.code, err.doc, err.line) == ("yaml-syntax", 2, 21)
    (wl,) = r.cluster.workloads
    assert wl.labels == {"app": "web", "extra": "yes"} and len(wl.ports) == 2


# --------------------------------------------------------------------------- Lists, snapshot


def test_typed_list_items_without_kind(fixture_folder: LoadResult) -> None:
    pod = next(p for p in fixture_folder.cluster.pods if not p.synthetic and p.name != "done")
    assert pod.key == "shop/web-5d8f-abcde"
    assert pod.ips == ("10.244.0.5", "fd00::5")
    assert pod.owner == ("ReplicaSet", "web-5d8f")  # controller: true wins over the first
    assert pod.workload_key == "shop/web[Deployment]"
    assert pod.phase == "Running"
    # the Succeeded pod is kept: manifests are analysed as written (snapshots drop them)
    assert "shop/done" in {p.key for p in fixture_folder.cluster.pods}


def test_nested_lists(fixture_folder: LoadResult) -> None:
    deny = next(p for p in fixture_folder.cluster.policies if p.name == "deny-all")
    assert deny.policy_types == {"Ingress", "Egress"} and deny.policy_types_given
    assert deny.source is not None and deny.source.file.endswith("workloads.yml")
    assert deny.source.line == 59


def _snapshot_text(gaps: list[dict[str, str]]) -> str:
    doc = {
        "apiVersion": "netviz.io/v1alpha1",
        "kind": "ClusterSnapshot",
        "metadata": {"name": "prod"},
        "header": {
            "context": "prod",
            "server": "https://k8s.example:6443",
            "takenAt": "2026-01-02T03:04:05Z",
            "netvizVersion": "0.1.0",
            "lists": [{"kind": "Pod", "apiVersion": "v1", "resourceVersion": "7", "count": 1}],
            "gaps": gaps,
        },
        "items": [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
                "status": {"phase": "Running", "podIP": "10.0.0.1"},
            },
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": 7, "namespace": "shop"}},
        ],
    }
    import yaml

    return yaml.safe_dump(doc, sort_keys=False)


def test_snapshot_header_info_and_gaps() -> None:
    gaps = [
        {"kind": "NetworkPolicy", "namespace": "payments", "reason": "403 Forbidden: no access"},
        {"kind": "Namespace", "reason": "403 Forbidden"},
    ]
    r = load_text(_snapshot_text(gaps), "prod.yaml")
    assert r.snapshot is not None and r.snapshot["context"] == "prod"
    assert [p.key for p in r.cluster.pods] == ["shop/web-1"]
    info = [d for d in r.diagnostics if d.code == "snapshot"]
    assert len(info) == 1 and info[0].severity is Severity.INFO
    assert "'prod'" in info[0].message and "2026-01-02T03:04:05Z" in info[0].message
    gap_msgs = [d.message for d in r.diagnostics if d.code == "snapshot-gap"]
    assert gap_msgs == [
        "NetworkPolicies in namespace payments could not be read: 403 Forbidden: no access "
        "— results may be incomplete",
        "Namespaces could not be read: 403 Forbidden — results may be incomplete",
    ]
    (err,) = r.errors  # the bad item is skipped, located and named
    assert err.message.startswith("items[2].metadata.name:")
    assert _snapshot_text(gaps).splitlines()[err.line - 1].strip().startswith("name: 7")


def test_no_snapshot_for_plain_manifests(fixture_folder: LoadResult) -> None:
    assert fixture_folder.snapshot is None


# --------------------------------------------------------------------------- converted objects


def test_workloads(fixture_folder: LoadResult) -> None:
    wl = {w.key: w for w in fixture_folder.cluster.workloads}
    web = wl["shop/web[Deployment]"]
    assert web.replicas == 3
    assert web.labels == {"app": "web", "tier": "front"}
    assert web.object_labels == {"owner": "alice"}
    # init containers' ports are not served
    assert [(p.port, p.name, p.protocol) for p in web.ports] == [
        (8080, "http", "TCP"),
        (5353, None, "UDP"),
    ]
    assert wl["kube-system/agent[DaemonSet]"].replicas == 1  # DaemonSet: 1 whatever is written
    assert wl["kube-system/agent[DaemonSet]"].host_network is True
    assert wl["default/nightly[CronJob]"].labels == {"app": "report"}  # jobTemplate; default ns
    assert wl["default/nightly[CronJob]"].ports[0].port == 9000
    assert wl["shop/web-5d8f[ReplicaSet]"].owner == ("Deployment", "web")
    assert wl["shop/once[Job]"].replicas == 1
    assert wl["shop/legacy[ReplicationController]"].labels == {"app": "legacy"}
    # a workload owned by a loaded Deployment gets no synthetic pods of its own
    assert not [p for p in fixture_folder.cluster.pods if p.workload_key.endswith("[ReplicaSet]")]


def test_services(fixture_folder: LoadResult) -> None:
    svc = {s.name: s for s in fixture_folder.cluster.services}
    web = svc["web"]
    assert web.selector == {"app": "web"} and web.type == "ClusterIP" and not web.headless
    assert [(p.port, p.target_port, p.protocol) for p in web.ports] == [
        (80, "http", "TCP"),
        (5353, 5353, "UDP"),
    ]
    assert svc["db-headless"].headless
    assert svc["payments"].type == "ExternalName"
    assert svc["payments"].external_name == "payments.example.com"
    assert svc["payments"].selector is None


def test_namespaces(fixture_folder: LoadResult) -> None:
    shop = fixture_folder.cluster.namespace("shop")
    assert shop is not None and not shop.implicit
    assert shop.labels == {"team": "retail", "kubernetes.io/metadata.name": "shop"}
    default = fixture_folder.cluster.namespace("default")
    assert default is not None and default.implicit


def test_network_policy(fixture_folder: LoadResult) -> None:
    np = next(p for p in fixture_folder.cluster.policies if p.name == "web-policy")
    assert np.pod_selector == LabelSelector((("app", "web"),))
    assert np.policy_types == {"Ingress", "Egress"} and not np.policy_types_given
    (rule,) = np.ingress
    assert rule.peers_given and rule.ports_given
    both, ipb = rule.peers
    assert both.namespace_selector == LabelSelector((("team", "retail"),))
    assert both.pod_selector == LabelSelector((), (Requirement("tier", "NotIn", ("batch",)),))
    assert ipb.ip_block == IPBlock("10.0.0.0/8", ("10.9.0.0/16",))
    assert rule.ports == (PolicyPort("TCP", "http"), PolicyPort("TCP", 8000, 8100))
    to_v6, allow_all = np.egress
    assert to_v6.peers[0].ip_block == IPBlock("2001:db8::/32")
    assert allow_all.all_peers and allow_all.all_ports
    assert not allow_all.peers_given and not allow_all.ports_given
    # located: rules and peers have their own lines
    text = (DATA / "shop.yaml").read_text().splitlines()
    assert rule.source is not None and text[rule.source.line - 1].strip() == "- from:"
    assert ipb.source is not None and text[ipb.source.line - 1].strip() == "- ipBlock:"
    assert np.source is not None and text[np.source.line - 1] == "apiVersion: networking.k8s.io/v1"


POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: p}}
spec:
  podSelector: {{}}
{body}"""


@pytest.mark.parametrize(
    ("body", "types", "given"),
    [
        # the API server's defaulting (pkg/apis/networking/v1/defaults.go)
        ("", {"Ingress"}, False),
        ("  ingress: [{}]\n", {"Ingress"}, False),
        ("  egress: []\n", {"Ingress"}, False),
        ("  egress: [{}]\n", {"Ingress", "Egress"}, False),
        ("  policyTypes: []\n  egress: [{}]\n", {"Ingress", "Egress"}, False),
        ("  policyTypes: [Egress]\n", {"Egress"}, True),
        ("  policyTypes: [Ingress, Egress]\n", {"Ingress", "Egress"}, True),
    ],
    ids=["nothing", "ingress-only", "empty-egress", "egress-rule", "empty-types", "egress", "both"],
)
def test_policy_types_defaulting(body: str, types: set[str], given: bool) -> None:
    r = load_text(POLICY.format(body=body))
    (np,) = r.cluster.policies
    assert (np.policy_types, np.policy_types_given) == (types, given)


def test_rules_for_a_direction_not_in_policy_types_warn() -> None:
    r = load_text(POLICY.format(body="  policyTypes: [Ingress]\n  egress: [{}]\n"))
    assert [d.code for d in r.diagnostics] == ["rules-ignored"]
    assert r.cluster.policies[0].policy_types == {"Ingress"}


def test_empty_lists_are_given_null_is_not() -> None:
    r = load_text(POLICY.format(body="  ingress:\n  - from: []\n    ports:\n"))
    (rule,) = r.cluster.policies[0].ingress
    assert rule.peers_given and not rule.ports_given
    assert rule.all_peers and rule.all_ports


def test_ipv6_except_and_normalisation() -> None:
    body = "  egress:\n  - to:\n    - ipBlock: {cidr: 'fd00:0::/8', except: ['fd00::1:0/112']}\n"
    (np,) = load_text(POLICY.format(body=body)).cluster.policies
    assert np.egress[0].peers[0].ip_block == IPBlock("fd00::/8", ("fd00::1:0/112",))


def test_except_equal_to_cidr_is_an_error() -> None:
    body = "  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}\n"
    r = load_text(POLICY.format(body=body))
    assert [d.code for d in r.errors] == ["except-not-in-cidr"] and not r.cluster.policies


def test_all_problems_of_an_object_are_reported() -> None:
    body = (
        "  ingress:\n  - ports:\n    - {port: 0}\n    - {port: 80, protocol: tcp}\n"
        "    from:\n    - podSelector: {matchExpressions: [{key: a, operator: in, values: [x]}]}\n"
    )
    r = load_text(POLICY.format(body=body))
    assert sorted(d.code for d in r.errors) == [
        "bad-selector-operator",
        "invalid-protocol",
        "port-out-of-range",
    ]
    assert "case-sensitive: In" in next(
        d.message for d in r.errors if d.code == "bad-selector-operator"
    )
    assert "(upper case)" in next(d.message for d in r.errors if d.code == "invalid-protocol")


def test_kinds_not_used_are_info_and_anp_is_loaded() -> None:
    text = """apiVersion: v1
kind: ConfigMap
metadata: {name: i}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: r}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: a}
spec:
  priority: 5
  subject: {namespaces: {}}
  ingress:
  - {action: Deny, from: [{namespaces: {}}]}
"""
    r = load_text(text)
    assert [(d.severity, d.code) for d in r.diagnostics] == [
        (Severity.INFO, "kind-skipped"),
        (Severity.INFO, "kind-skipped"),
    ]
    (anp,) = r.cluster.cluster_policies
    assert (anp.kind, anp.name, anp.priority, len(anp.ingress)) == ("AdminNetworkPolicy", "a", 5, 1)


def test_label_value_that_yaml_reads_as_int_or_bool_is_an_error() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {enabled: yes}\n"
    (d,) = load_text(text).errors
    assert d.code == "wrong-type" and "true" in d.message


def test_invalid_names_warn_but_load() -> None:
    r = load_text(POLICY.format(body="").replace("name: p", "name: my_policy"))
    assert [d.code for d in r.diagnostics] == ["invalid-name"]
    assert r.cluster.policies[0].name == "my_policy"


# --------------------------------------------------------------------------- speed


def _generated(workloads: int, policies: int) -> str:
    out = []
    for i in range(workloads):
        out.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{i}\n"
            f"  namespace: ns{i % 20}\nspec:\n  replicas: 2\n  template:\n    metadata:\n"
            f"      labels:\n        app: app{i}\n        tier: t{i % 5}\n    spec:\n"
            f"      containers:\n      - name: main\n        image: img:{i}\n        ports:\n"
            f"        - containerPort: 8080\n          name: http\n"
        )
    for i in range(policies):
        out.append(
            f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p{i}\n"
            f"  namespace: ns{i % 20}\nspec:\n  podSelector:\n    matchLabels: {{app: app{i}}}\n"
            f"  ingress:\n  - from:\n    - podSelector:\n        matchLabels: {{tier: t1}}\n"
            f"    ports:\n    - port: 8080\n  egress:\n  - to:\n    - ipBlock:\n"
            f"        cidr: 10.0.0.0/8\n"
        )
    return "---\n".join(out)


def test_1000_workloads_400_policies_load_cleanly() -> None:
    """The size of the speed target (timed by benchmarks/limits_bench.py, not here)."""
    r = load_text(_generated(1000, 400))
    assert len(r.cluster.workloads) == 1000 and len(r.cluster.policies) == 400
    assert not r.diagnostics


def test_json_is_not_parsed_twice_without_need() -> None:
    """JSON rules and peers share the object's Source (locating them would mean composing the
    text as YAML); a diagnostic still gets its exact line."""
    obj = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "j"},
        "spec": {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]},
    }
    r = load_text(json.dumps(obj, indent=1), "p.json")
    (np,) = r.cluster.policies
    assert np.ingress[0].source == np.source == np.ingress[0].peers[0].source
    bad = dict(obj, spec={"podSelector": {}, "ingress": [{"ports": [{"port": 0}]}]})
    text = json.dumps(bad, indent=1)
    (d,) = load_text(text, "p.json").errors
    assert text.splitlines()[d.line - 1].strip() == '"port": 0'
