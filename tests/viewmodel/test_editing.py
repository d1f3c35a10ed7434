"""What-if editing (``netviz.viewmodel.editing``): every edit kind, undo/redo and history, the
difference (incremental = full ``diff`` = ``netviz diff``), save round trips, conflicts and
crash recovery. Manifests are real files in ``tmp_path``, loaded by the loader."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from netviz.engine import Analyzer
from netviz.engine.connlist import connlist, known_names
from netviz.engine.diff import ADDED, CHANGED, REMOVED, diff, diff_result
from netviz.io.appfiles import autosave_path
from netviz.io.errors import SaveConflict
from netviz.io.manifests import load_paths
from netviz.io.save import document_text
from netviz.ui.editor.parse import make_session, parse_policy, read_decoded
from netviz.ui.editor.saving import save_as_file, save_as_folder, save_in_place
from netviz.viewmodel.editing import (
    BASELINE,
    DIFFERENCE,
    EDITED,
    EditError,
    EditSession,
    rename_in_text,
)
from netviz.viewmodel.graph import GraphModel
from netviz.viewmodel.state import AppState
from netviz.viewmodel.templates import render_template

WEB = "shop/web[Deployment]"
API = "shop/api[Deployment]"
DB = "shop/db[StatefulSet]"
MON = "ops/monitor[Deployment]"

APPS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    team: a
---
apiVersion: v1
kind: Namespace
metadata:
  name: ops
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: c, ports: [{name: http, containerPort: 8000}]}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: c, ports: [{name: postgres, containerPort: 5432}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: monitor, namespace: ops}
spec:
  template:
    metadata: {labels: {app: monitor}}
    spec:
      containers: [{name: c}]
"""

POLICIES = """\
# shop policies — reviewed 2024-05
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}   # every pod
  policyTypes: [Ingress]
---
# the API only from the web tier
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-from-web
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: api}
  ingress:
    - from:
        - podSelector:
            matchLabels: {app: web}
      ports:
        - port: 8000
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db-from-api
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: db}
  ingress:
    - from:
        - podSelector:
            matchLabels: {app: api}
      ports:
        - port: postgres
# end of file
"""


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    d = tmp_path / "manifests"
    d.mkdir()
    (d / "apps.yaml").write_text(APPS, encoding="utf-8")
    (d / "policies.yaml").write_text(POLICIES, encoding="utf-8")
    return d


def load(path: Path):
    r = load_paths([str(path)])
    assert not r.errors, r.errors
    return r


@pytest.fixture
def session(inputs: Path) -> EditSession:
    s = make_session(load(inputs), inputs=[str(inputs)])
    s.clock = Clock()
    return s


def full_diff(s: EditSession) -> list:
    """The difference computed from scratch on the edited cluster."""
    an = Analyzer(s.edited_cluster())
    b = s.baseline.analyzer
    return diff(connlist(b), connlist(an), known_names(b), known_names(an))


def pair_kinds(s: EditSession) -> dict[tuple[str, str], str]:
    return {(e.src.key, e.dst.key): e.kind for e in s.difference}


def entry_id(s: EditSession, key: str) -> str:
    got = s.find(key)
    assert got is not None, key
    return got


# --------------------------------------------------------------------------- baseline


def test_baseline_texts_are_the_documents_as_written(session: EditSession, inputs: Path) -> None:
    e = session.entry(entry_id(session, "shop/api-from-web"))
    assert e.in_place and e.origin == (str(inputs / "policies.yaml"), 2)
    assert e.text.startswith("# the API only from the web tier\n")
    assert not session.dirty and session.difference == []
    assert session.history()[0].description == "Loaded"


# --------------------------------------------------------------------------- edit kinds


def test_set_policy_text_changes_ports(session: EditSession) -> None:
    i = entry_id(session, "shop/api-from-web")
    diags = session.set_policy_text(i, session.entry(i).text.replace("port: 8000",
                                                                       "port: 9000"))
    assert diags == []
    assert pair_kinds(session) == {(WEB, API): CHANGED}  # TCP 8000 -> TCP 9000
    assert session.difference == full_diff(session)
    assert session.dirty and session.entry(i).status == "modified"


@pytest.mark.parametrize("warm", [False, True])
def test_the_first_edit_makes_the_indexes_or_finds_them_warmed(inputs: Path, warm: bool) -> None:
    # a new session makes no index over the baseline's pairs (the window's first paint does
    # not wait for it); ``warm`` makes them, and the first edit gives the same either way
    s = make_session(load(inputs), inputs=[str(inputs)])
    ev = s.evaluation
    assert ev._base_pair_index is None and ev._node_index is None
    if warm:
        ev.warm()
        assert ev._base_pair_index is not None and ev._node_index is not None
    i = entry_id(s, "shop/api-from-web")
    s.set_policy_text(i, s.entry(i).text.replace("port: 8000", "port: 9000"))
    assert pair_kinds(s) == {(WEB, API): CHANGED}
    assert s.difference == full_diff(s)


def test_invalid_text_is_kept_and_last_valid_version_evaluated(session: EditSession) -> None:
    i = entry_id(session, "shop/api-from-web")
    session.set_policy_text(i, session.entry(i).text.replace("port: 8000", "port: 8001"))
    before = list(session.difference)
    bad = session.entry(i).text.replace("podSelector:\n    matchLabels",
                                        "podSelectr:\n    matchLabels")
    diags = session.set_policy_text(i, bad)
    assert any(d.code == "unknown-field" and d.line is not None for d in diags)
    e = session.entry(i)
    assert e.text == bad and not e.valid and e.status == "invalid"
    assert session.difference == before  # the graph keeps the last valid version
    with pytest.raises(EditError, match="api-from-web"):
        session.save_request()


def test_add_policy_from_template(session: EditSession) -> None:
    i = session.add_policy(render_template("deny-ingress", namespace="ops"))
    e = session.entry(i)
    assert e.is_new and e.valid and e.key == "ops/default-deny-ingress"
    kinds = pair_kinds(session)
    assert kinds and set(kinds.values()) == {REMOVED}
    assert all(d == MON for _, d in kinds)
    assert session.difference == full_diff(session)


def test_duplicate_keeps_comments_and_changes_nothing(session: EditSession) -> None:
    i = entry_id(session, "shop/api-from-web")
    j = session.duplicate(i)
    copy = session.entry(j)
    assert copy.key == "shop/api-from-web-copy"
    assert copy.text.startswith("# the API only from the web tier\n")
    assert session.difference == []  # the same rules twice allow the same
    k = session.duplicate(i)
    assert session.entry(k).key == "shop/api-from-web-copy-2"


def test_duplicate_name_is_an_error(session: EditSession) -> None:
    i = session.add_policy(render_template("deny-ingress", namespace="shop",
                                           name="default-deny"))
    e = session.entry(i)
    assert not e.valid and any(d.code == "duplicate-policy" for d in e.diagnostics)


def test_delete_and_restore(session: EditSession) -> None:
    i = entry_id(session, "shop/default-deny")
    session.delete(i)
    assert session.entry(i).deleted
    kinds = pair_kinds(session)
    assert kinds[(MON, WEB)] == ADDED
    assert (WEB, DB) not in kinds and (WEB, API) not in kinds  # still isolated by the others
    assert session.difference == full_diff(session)
    session.undo()
    assert session.difference == []
    # a deleted new policy just goes
    n = session.add_policy(render_template("deny-egress", namespace="ops"))
    session.delete(n)
    with pytest.raises(KeyError):
        session.entry(n)


def test_disable_enable(session: EditSession) -> None:
    i = entry_id(session, "shop/db-from-api")
    session.set_enabled(i, False)
    assert session.entry(i).status == "disabled"
    assert pair_kinds(session) == {(API, DB): REMOVED}
    session.set_enabled(i, True)
    assert session.difference == []


def test_labels_of_namespace_and_workload(session: EditSession) -> None:
    # db accepts api's pods: give web's pods app=api and they get in (and lose api)
    session.set_label(("workload", WEB), "app", "api")
    kinds = pair_kinds(session)
    assert kinds[(WEB, DB)] == ADDED and kinds[(WEB, API)] == REMOVED
    assert session.difference == full_diff(session)
    assert session.effective_labels(("workload", WEB))["app"] == "api"
    # setting the loaded value again is back to the baseline
    session.set_label(("workload", WEB), "app", "web")
    assert session.difference == [] and not session.labels
    # namespaces: a policy allowing team=b namespaces; relabel ops
    session.add_policy(APP_FROM_TEAM_B)
    assert pair_kinds(session) == {}
    session.set_label(("namespace", "ops"), "team", "b")
    assert pair_kinds(session)[(MON, DB)] == ADDED
    assert session.difference == full_diff(session)
    session.set_label(("namespace", "ops"), "team", None)
    assert pair_kinds(session) == {}
    with pytest.raises(EditError, match="metadata.name"):
        session.set_label(("namespace", "ops"), "kubernetes.io/metadata.name", "x")
    with pytest.raises(EditError, match="no workload"):
        session.set_label(("workload", "shop/nope[Deployment]"), "a", "b")


APP_FROM_TEAM_B = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-team-b, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {team: b}}
"""


# --------------------------------------------------------------------------- undo / redo


def test_undo_redo_history_and_goto(session: EditSession) -> None:
    i = entry_id(session, "shop/api-from-web")
    original = session.entry(i).text
    session.set_policy_text(i, original.replace("8000", "9000"))
    session.delete(entry_id(session, "shop/default-deny"))
    session.set_label(("workload", MON), "app", "api")
    assert [h.description for h in session.history()] == [
        "Loaded", "Edit shop/api-from-web", "Delete shop/default-deny",
        "Set label app=api on ops/monitor[Deployment]"]
    after_all = list(session.difference)
    assert session.undo() and session.undo()
    assert session.entry(i).text != original and not session.labels
    assert session.history()[1].current and session.history()[3].undone
    assert session.redo()
    assert session.entry(entry_id(session, "shop/default-deny")).deleted
    session.goto(0)
    assert session.difference == [] and session.entry(i).text == original
    assert not session.can_undo and session.can_redo
    session.goto(3)
    assert session.difference == after_all
    # a new command drops the redo side
    session.undo()
    session.set_enabled(i, False)
    assert not session.can_redo
    assert session.history()[-1].description == "Disable shop/api-from-web"


def test_typing_merges_into_one_step(session: EditSession) -> None:
    clock = session.clock
    assert isinstance(clock, Clock)
    i = entry_id(session, "shop/api-from-web")
    text = session.entry(i).text
    for n, port in enumerate(("9", "90", "900", "9000")):
        clock.t = n * 0.5
        session.set_policy_text(i, text.replace("8000", port), merge=True)
    assert len(session.history()) == 2
    clock.t = 10.0
    session.set_policy_text(i, text.replace("8000", "9001"), merge=True)
    assert len(session.history()) == 3
    session.undo()
    assert "port: 9000" in session.entry(i).text
    session.undo()
    assert session.entry(i).text == text


# --------------------------------------------------------------------------- difference


def test_incremental_difference_equals_full_diff_and_graph(session: EditSession) -> None:
    rnd = random.Random(4)
    graph = GraphModel(session.edited_cluster(), session.connections, session.analyzer,
                       difference=session.difference)
    ports = ["8000", "9000", "http", "8000-8100"]
    external_edits = 0
    for _ in range(30):
        ids = [e.id for e in session.entries if not e.deleted]
        i = rnd.choice(ids)
        op = rnd.random()
        if op < 0.5:
            e = session.entry(i)
            text = e.text
            for p in ports:
                text = text.replace(f"port: {p}\n", "port: {}\n")
            new = text.replace("{}", rnd.choice(ports[:3]))
            session.set_policy_text(i, new)
        elif op < 0.7:
            session.set_enabled(i, not session.entry(i).enabled)
        elif op < 0.8:
            session.add_policy(render_template("allow-from-pods", namespace="shop",
                                               pod_labels="app=db", from_labels="app=web",
                                               port=rnd.choice(["5432", "postgres", ""]),
                                               name=f"x{rnd.randrange(1000)}"))
        elif op < 0.85:
            # an ipBlock: the external ranges are cut anew (ingress or egress)
            cidr, exc = rnd.choice([("0.0.0.0/0", "10.0.0.0/8"), ("10.0.0.0/8", "10.1.0.0/16"),
                                    ("203.0.113.0/24", "203.0.113.128/25"),
                                    ("172.16.0.0/12", "")])
            block = f"ipBlock: {{cidr: {cidr}" + (f", except: [{exc}]" if exc else "") + "}"
            way, peer = rnd.choice([("Ingress", "ingress:\n    - from"),
                                    ("Egress", "egress:\n    - to")])
            session.add_policy(
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
                f"  name: ip{rnd.randrange(1000)}\n  namespace: shop\nspec:\n"
                f"  podSelector: {{}}\n  policyTypes: [{way}]\n  {peer}:\n      - {block}\n")
        elif op < 0.9:
            session.undo()
        else:
            session.delete(i)
        assert session.difference == full_diff(session)
        if session.changed_pairs is None:
            graph = GraphModel(session.edited_cluster(), session.connections,
                               session.analyzer, difference=session.difference)
        else:
            graph = graph.updated(session.edited_cluster(), session.connections,
                                  session.analyzer, session.changed_pairs, session.difference)
        fresh = GraphModel(session.edited_cluster(), session.connections, session.analyzer,
                           difference=session.difference)
        assert graph.statements(graph.edges) == fresh.statements(fresh.edges)
        external_edits += any("[External]" in a + b for a, b in session.changed_pairs or ())
    assert external_edits >= 2  # edits that cut the external ranges anew were among them


def test_difference_view_agrees_with_netviz_diff(session: EditSession, inputs: Path,
                                                 tmp_path: Path) -> None:
    """Edit in the app, save the edited state as manifests, and compare the app's difference
    with ``netviz diff`` on the files (CLI and engine path)."""
    session.set_policy_text(entry_id(session, "shop/api-from-web"),
                            session.entry(entry_id(session, "shop/api-from-web")).text
                            .replace("port: 8000", "port: http"))
    session.delete(entry_id(session, "shop/db-from-api"))
    session.add_policy(render_template("allow-from-namespace", namespace="shop",
                                       from_namespace="ops", pod_labels="app=web"))
    after = tmp_path / "after"
    after.mkdir()
    (after / "apps.yaml").write_text(APPS, encoding="utf-8")
    save_as_file(session, str(after / "policies.yaml"))
    assert session.difference, "the edits change connectivity"
    # the engine path netviz diff takes
    engine = diff_result(load(inputs), load(after))
    assert engine.entries == session.difference
    # the CLI itself, in a reference format
    from netviz.cli import main
    from netviz.export.diff_formats import render_diff

    out = tmp_path / "out.csv"
    code = main(["diff", str(inputs), str(after), "-o", "csv", "-f", str(out), "-q"])
    assert code == 1  # differences
    assert out.read_text(encoding="utf-8") == render_diff("csv", session.diff_result())


def test_apply_to_state_follows_the_view_mode(session: EditSession) -> None:
    state = AppState()
    events: list[str] = []
    state.subscribe(events.append)
    session.set_policy_text(entry_id(session, "shop/db-from-api"),
                            session.entry(entry_id(session, "shop/db-from-api")).text
                            .replace("port: postgres", "port: 5433"))
    session.set_view_mode(DIFFERENCE)
    session.apply_to(state)
    assert state.difference == session.difference and state.difference
    assert state.cluster is session.edited_cluster()
    session.set_view_mode(EDITED)
    session.apply_to(state)
    assert state.difference is None and state.connections is session.connections
    session.set_view_mode(BASELINE)
    session.apply_to(state)
    assert state.cluster is session.baseline.cluster
    assert events == ["evaluated"] * 3
    with pytest.raises(ValueError):
        session.set_view_mode("nope")


# --------------------------------------------------------------------------- saving


def test_save_round_trip_keeps_untouched_documents_byte_identical(session: EditSession,
                                                                  inputs: Path) -> None:
    pol_file = inputs / "policies.yaml"
    apps_before = (inputs / "apps.yaml").read_bytes()
    result = load(inputs)
    untouched_before = document_text(read_decoded(str(pol_file)) or "",
                                     next(r for r in result.documents
                                          if r.name == "default-deny"))
    s = make_session(result, inputs=[str(inputs)])
    i = entry_id(s, "shop/api-from-web")
    s.set_policy_text(i, s.entry(i).text.replace("port: 8000", "port: 8080"))
    s.delete(entry_id(s, "shop/db-from-api"))
    s.add_policy(render_template("deny-egress", namespace="ops"))
    s.autosave()
    assert s.autosave_file is not None and s.autosave_file.exists()
    written = save_in_place(s)
    assert written == [str(pol_file)]
    assert not s.dirty and not s.autosave_file.exists()
    assert (inputs / "apps.yaml").read_bytes() == apps_before
    text = pol_file.read_text(encoding="utf-8")
    assert text.startswith("# shop policies — reviewed 2024-05\n")
    assert untouched_before in text
    assert "# the API only from the web tier\n" in text and "port: 8080" in text
    assert "db-from-api" not in text
    again = load(inputs)
    keys = sorted(p.key for p in again.cluster.policies)
    assert keys == ["ops/default-deny-egress", "shop/api-from-web", "shop/default-deny"]
    # the saved files evaluate to the edited state
    assert diff(connlist(Analyzer(again.cluster)), s.connections) == []


def test_save_disabled_policies_keep_or_remove(session: EditSession, inputs: Path) -> None:
    result = load(inputs)
    s = make_session(result, inputs=[str(inputs)], autosave=False)
    s.set_enabled(entry_id(s, "shop/db-from-api"), False)
    assert s.save_request(disabled="keep").empty
    req = s.save_request(disabled="remove")
    assert req.edits == [(str(inputs / "policies.yaml"), 3, None)]
    save_in_place(s, disabled="remove")
    assert "db-from-api" not in (inputs / "policies.yaml").read_text(encoding="utf-8")


def test_save_conflict_when_the_file_changed_on_disk(inputs: Path) -> None:
    result = load(inputs)
    s = make_session(result, inputs=[str(inputs)], autosave=False)
    i = entry_id(s, "shop/api-from-web")
    s.set_policy_text(i, s.entry(i).text.replace("8000", "8443"))
    pol_file = inputs / "policies.yaml"
    theirs = pol_file.read_text(encoding="utf-8") + "# someone else's change\n"
    pol_file.write_text(theirs, encoding="utf-8")
    with pytest.raises(SaveConflict) as exc:
        save_in_place(s)
    assert exc.value.paths == [str(pol_file)]
    assert pol_file.read_text(encoding="utf-8") == theirs  # nothing was overwritten
    assert s.dirty
    # "overwrite" is an explicit choice... but offsets are only valid in the text they came
    # from, so the GUI offers "save elsewhere": that always works
    out = inputs.parent / "elsewhere"
    paths = save_as_folder(s, str(out))
    assert sorted(Path(p).relative_to(out).as_posix() for p in paths) == [
        "shop/api-from-web.yaml", "shop/db-from-api.yaml", "shop/default-deny.yaml"]
    assert "8443" in (out / "shop" / "api-from-web.yaml").read_text(encoding="utf-8")
    with pytest.raises(SaveConflict):
        save_as_folder(s, str(out))
    with pytest.raises(SaveConflict):
        save_as_file(s, str(out / "shop" / "api-from-web.yaml"))


def test_new_policy_without_policy_files_goes_to_first_input(tmp_path: Path) -> None:
    f = tmp_path / "apps.yaml"
    f.write_text(APPS, encoding="utf-8")
    result = load(f)
    s = make_session(result, inputs=[str(f)], autosave=False)
    s.add_policy(render_template("deny-all", namespace="shop"))
    assert s.save_request().new_docs[0][0] == str(f)
    save_in_place(s)
    assert [p.key for p in load(f).cluster.policies] == ["shop/default-deny-all"]
    assert f.read_text(encoding="utf-8").startswith(APPS)


# --------------------------------------------------------------------------- crash recovery


def test_crash_recovery_restores_the_autosaved_session(inputs: Path) -> None:
    a = make_session(load(inputs), inputs=[str(inputs)])
    assert a.autosave_file == autosave_path([str(inputs)])
    i = entry_id(a, "shop/api-from-web")
    a.set_policy_text(i, a.entry(i).text.replace("8000", "8100") + "# half typed: [\n")
    a.set_enabled(entry_id(a, "shop/db-from-api"), False)
    a.delete(entry_id(a, "shop/default-deny"))
    a.add_policy(render_template("allow-dns", namespace="shop"))
    a.set_label(("namespace", "ops"), "team", "b")
    assert a.autosave() == a.autosave_file
    # ... the app crashes; the next start opens the same inputs
    b = make_session(load(inputs), inputs=[str(inputs)])
    data = b.read_autosave()
    assert data is not None and data["inputs"] == [str(inputs)]
    assert b.autosave_file is not None and b.autosave_file.stat().st_mode & 0o777 == 0o600
    assert b.restore() == 5
    assert [(e.key, e.text, e.enabled, e.deleted, e.valid) for e in b.entries] == [
        (e.key, e.text, e.enabled, e.deleted, e.valid) for e in a.entries]
    assert dict(b.labels) == dict(a.labels)
    assert b.difference == a.difference
    assert b.history()[-1].description == "Restore autosaved edits"
    b.undo()
    assert b.difference == []
    # discarding removes it
    b.clear_autosave()
    assert b.read_autosave() is None and b.restore() == 0


def test_restore_after_the_file_changed_keeps_every_text(inputs: Path) -> None:
    a = make_session(load(inputs), inputs=[str(inputs)])
    i = entry_id(a, "shop/api-from-web")
    a.set_policy_text(i, a.entry(i).text.replace("8000", "8100"))
    a.autosave()
    # the file is edited outside: documents move
    pol = inputs / "policies.yaml"
    pol.write_text(POLICIES.replace("# the API only", "# (moved)\n# the API only"),
                   encoding="utf-8")
    b = make_session(load(inputs), inputs=[str(inputs)])
    assert b.restore() == 1
    e = b.entry(entry_id(b, "shop/api-from-web"))
    assert "8100" in e.text and not e.is_new  # matched by name


def test_autosave_without_edits_writes_nothing(session: EditSession) -> None:
    assert session.autosave() is None
    assert not autosave_path([str(p) for p in session.baseline.inputs]).exists()


# --------------------------------------------------------------------------- helpers


def test_rename_in_text() -> None:
    text = "metadata:\n  labels:\n    name: x\n  name: a  # c\nspec: {}\n"
    assert rename_in_text(text, "b") == "metadata:\n  labels:\n    name: x\n  name: b\nspec: {}\n"
    assert rename_in_text("metadata: {name: a}\n", "b") is None


def test_parse_policy_errors() -> None:
    pol, diags = parse_policy(render_template("deny-ingress", namespace="a"))
    assert pol is not None and diags == []
    pol, diags = parse_policy(render_template("deny-ingress", namespace="a") + "---\n"
                              + render_template("deny-egress", namespace="a"))
    assert pol is None and diags[-1].code == "several-documents" and diags[-1].line == 10
    pol, diags = parse_policy("kind: Namespace\napiVersion: v1\nmetadata: {name: x}\n")
    assert pol is None and diags[-1].code == "not-a-policy"
    pol, diags = parse_policy("kind: [\n")
    assert pol is None and diags[0].code == "yaml-syntax"
    pol, diags = parse_policy("")
    assert pol is None


def test_report_of_the_difference(session: EditSession) -> None:
    from netviz.export.diff_report import render_report

    session.delete(entry_id(session, "shop/db-from-api"))
    text = render_report(session.diff_result(), before="loaded", after="edited")
    assert "db" in text and text.endswith("\n")
    buf = io.StringIO(text)
    assert buf.readline().startswith("# ")


# --------------------------------------------------------------------------- policy tiers

TIERS = """\
# cluster-wide rules
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: ops-in
spec:
  priority: 10
  subject:
    namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}
  ingress:
    - name: from-ops
      action: Pass   # let the namespace's policies decide
      from:
        - namespaces: {matchLabels: {kubernetes.io/metadata.name: ops}}
"""


@pytest.fixture
def tier_session(inputs: Path) -> EditSession:
    (inputs / "tiers.yaml").write_text(TIERS, encoding="utf-8")
    s = make_session(load(inputs), inputs=[str(inputs)], autosave=False)
    s.clock = Clock()
    return s


def test_cluster_policies_are_edited_like_networkpolicies(tier_session: EditSession,
                                                          inputs: Path) -> None:
    s = tier_session
    i = entry_id(s, "AdminNetworkPolicy/ops-in")
    e = s.entry(i)
    assert e.in_place and e.text.startswith("# cluster-wide rules\n")
    # Pass -> Allow: ops reaches the shop although default-deny isolates it
    s.set_policy_text(i, e.text.replace("action: Pass", "action: Allow"))
    assert pair_kinds(s) == {(MON, WEB): ADDED, (MON, API): ADDED, (MON, DB): ADDED}
    assert s.difference == full_diff(s)
    assert [p.key for p in s.edited_cluster().cluster_policies] == ["AdminNetworkPolicy/ops-in"]
    s.undo()
    assert s.difference == []
    # disabling it changes nothing here (Pass and the default deny agree)
    s.set_enabled(i, False)
    assert s.difference == [] and not s.edited_cluster().cluster_policies
    s.set_enabled(i, True)
    # an invalid edit keeps the last valid version evaluated
    diags = s.set_policy_text(i, s.entry(i).text.replace("priority: 10", "priority: 5000"))
    assert [d.code for d in diags] == ["anp-invalid"] and not s.entry(i).valid
    assert s.edited_cluster().cluster_policies[0].priority == 10


def test_tier_templates_duplicates_and_saving(tier_session: EditSession, inputs: Path) -> None:
    s = tier_session
    new = s.add_policy(render_template("baseline-default-deny", api="v1alpha2",
                                       direction="ingress", name="baseline-deny",
                                       priority="1000", namespace_labels=""))
    assert s.entry(new).policy is not None
    assert s.entry(new).key == "ClusterNetworkPolicy/baseline-deny"
    # shop pods are all isolated by NetworkPolicies: the Baseline tier changes only ops
    assert set(pair_kinds(s)) == {(WEB, MON), (API, MON), (DB, MON)}
    assert s.difference == full_diff(s)
    dup = s.duplicate(entry_id(s, "AdminNetworkPolicy/ops-in"))
    assert s.entry(dup).key == "AdminNetworkPolicy/ops-in-copy"
    assert s.entry(dup).text.startswith("# cluster-wide rules\n")
    # a second policy with the key of a live one is refused
    s.add_policy(TIERS)
    assert [d.code for d in s.entries[-1].diagnostics] == ["duplicate-policy"]
    s.delete(s.entries[-1].id)
    s.delete(dup)
    save_in_place(s)
    tiers_text = (inputs / "tiers.yaml").read_text(encoding="utf-8")
    assert tiers_text.startswith("# cluster-wide rules\n")
    assert "kind: ClusterNetworkPolicy" in tiers_text  # new cluster policies join their kind
    again = load(inputs)
    assert sorted(p.key for p in again.cluster.cluster_policies) == [
        "AdminNetworkPolicy/ops-in", "ClusterNetworkPolicy/baseline-deny"]
    assert diff(connlist(Analyzer(again.cluster)), s.connections) == []


def test_parse_policy_accepts_cluster_policies() -> None:
    pol, diags = parse_policy(TIERS)
    assert diags == [] and pol is not None and pol.key == "AdminNetworkPolicy/ops-in"
    pol, diags = parse_policy("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    assert pol is None and "expected a policy" in diags[-1].message


def test_a_second_baseline_admin_network_policy_says_to_edit_the_one_there(
    tier_session: EditSession,
) -> None:
    """A cluster has one BaselineAdminNetworkPolicy and it must be named default: adding the
    v1alpha1 'Default deny (Baseline tier)' template next to an existing one cannot be fixed by
    renaming it (as the generic duplicate message advised); the message says what can."""
    s = tier_session
    first = s.add_policy(render_template("baseline-default-deny", api="v1alpha1",
                                         direction="ingress", name="default-deny",
                                         priority="1000", namespace_labels=""))
    assert s.entry(first).valid
    s.add_policy(render_template("baseline-default-deny", api="v1alpha1", direction="egress",
                                 name="default-deny", priority="1000", namespace_labels=""))
    (d,) = s.entries[-1].diagnostics
    assert d.code == "duplicate-policy"
    assert "another name" not in d.message
    assert "edit that one" in d.message and "ClusterNetworkPolicy with tier: Baseline" in d.message


def test_duplicating_the_baseline_admin_network_policy_is_refused(
    tier_session: EditSession,
) -> None:
    """A copy of the BaselineAdminNetworkPolicy would be named ``default-copy``, which the API
    rejects (the singleton is always ``default``): the duplicate is refused, with what to do,
    and nothing is added."""
    s = tier_session
    first = s.add_policy(render_template("baseline-default-deny", api="v1alpha1",
                                         direction="ingress", name="default-deny",
                                         priority="1000", namespace_labels=""))
    assert s.entry(first).valid
    n = len(s.entries)
    with pytest.raises(EditError, match="singleton, always named default"):
        s.duplicate(first)
    assert len(s.entries) == n
