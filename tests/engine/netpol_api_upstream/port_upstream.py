"""Port the upstream conformance tests of kubernetes-sigs/network-policy-api to table data.

    python gen.py REPO TAG OUT_PY OUT_DIR

Reads conformance/tests/*.go at TAG and writes a Python module with one ``Case`` per upstream
test: the manifests it applies and its steps in order (policy edits and probes).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HN_PORTS = [34345 + i for i in range(7)]


def show(repo: str, tag: str, path: str) -> str:
    return subprocess.run(["git", "-C", repo, "show", f"{tag}:{path}"], capture_output=True,
                          text=True, check=True).stdout


def ls(repo: str, tag: str, prefix: str) -> list[str]:
    out = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", tag, prefix],
                         capture_output=True, text=True, check=True).stdout
    return [p for p in out.splitlines() if p]


def short_ns(ns: str) -> str:
    return ns.replace("network-policy-conformance-", "")


def _flush(steps: list[tuple], policy: str | None, code: list[str], vars_: dict) -> list[str]:
    """Close a block of policy-editing code (kept with the pod variables it may name)."""
    if code:
        steps.append(("code", policy, code, dict(vars_)))
    return []


def parse_test_file(src: str) -> list[dict]:
    tests = []
    # split into ConformanceTest blocks
    for m in re.finditer(r'var (\w+) = suite\.ConformanceTest\{(.*?)\n\}\n', src, re.S):
        name, body = m.group(1), m.group(2)
        manifests = re.findall(r'"(base/[^"]+)"', re.search(r'Manifests: \[\]string\{([^}]*)\}', body).group(1))
        steps: list[tuple] = []
        lines = [ln.strip() for ln in body.splitlines()]
        vars_: dict[str, tuple[str, str]] = {}
        pending_pod = None
        pending_pol = None
        pending_np = None
        code: list[str] = []
        policy = None
        i = 0

        while i < len(lines):
            ln = lines[i]
            if ln.startswith("//"):
                i += 1
                continue
            if ln.startswith("t.Run("):
                code = _flush(steps, policy, code, vars_)
                steps.append(("subtest", re.search(r't\.Run\("((?:[^"\\]|\\.)*)"', ln).group(1)))
            mp = re.match(r'(\w+) := &v1\.Pod\{\}', ln)
            if mp:
                pending_pod = mp.group(1)
            mg = re.match(r'(\w+) :?= kubernetes\.GetPod\(t, s\.Client, "([^"]+)", "([^"]+)"', ln)
            if mg:
                vars_[mg.group(1)] = (short_ns(mg.group(2)), mg.group(3))
            if re.match(r'\w+ := &(v1alpha1|api)\.\w*(AdminNetworkPolicy|ClusterNetworkPolicy)\{\}', ln):
                pending_pol = True
            if re.match(r'np := &networkingv1\.NetworkPolicy\{\}', ln):
                pending_np = True
            mc = re.match(r'\w+ :?= kubernetes\.Get(ClusterNetworkPolicy|AdminNetworkPolicy|BaselineAdminNetworkPolicy)\(t, s\.Client, "([^"]+)"', ln)
            if mc:
                code = _flush(steps, policy, code, vars_)
                policy = mc.group(2)
            mk = re.match(r'\}, (\w+)\)$', ln)
            if mk and lines[i - 2].startswith("Namespace:") and (
                    mk.group(1) == pending_pod or mk.group(1) in vars_):
                # ``s.Client.Get(ctx, client.ObjectKey{Namespace: ..., Name: ...}, pod)``: a pod
                # variable (re)assigned
                ns = re.search(r'"([^"]+)"', lines[i - 2]).group(1)
                nm = re.search(r'"([^"]+)"', lines[i - 1]).group(1)
                vars_[mk.group(1)] = (short_ns(ns), nm)
                pending_pod = None
            elif pending_np and ln.startswith("Namespace:"):
                ns = re.search(r'"([^"]+)"', ln).group(1)
                nm = re.search(r'"([^"]+)"', lines[i + 1]).group(1)
                pending_np = (short_ns(ns), nm)
            elif pending_pol and ln.startswith("Name:"):
                code = _flush(steps, policy, code, vars_)
                policy = re.search(r'"([^"]+)"', ln).group(1)
                pending_pol = None
            if "s.Client.Delete(ctx, np)" in ln:
                code = _flush(steps, policy, code, vars_)
                steps.append(("delete_np", *pending_np))
            if "PokeServer(" in ln:
                code = _flush(steps, policy, code, vars_)
                call = ln
                depth = call.count("(") - call.count(")")
                j = i
                while depth > 0:
                    j += 1
                    call += " " + lines[j]
                    depth += lines[j].count("(") - lines[j].count(")")
                a = re.search(r'PokeServer\(t, s\.ClientSet, &s\.KubeConfig, "([^"]+)", "([^"]+)", "(\w+)",\s*(\w+)\.Status\.PodIP(?: \+ \w+)?, int32\(([\w.\[\]]+)\), s\.TimeoutConfig(?:\.\w+)?, (true|false)\)', call)
                assert a, call
                cns, cpod, proto, var, port, exp = a.groups()
                if port.startswith("s.HostNetworkPorts"):
                    port = str(HN_PORTS[int(re.search(r"\[(\d+)\]", port).group(1))])
                dns, dpod = vars_[var]
                steps.append(("probe", short_ns(cns), cpod, proto.upper(), dns, dpod, int(port), exp == "true"))
                i = j
            elif (("mutate" in ln and "DeepCopy" not in ln and "Patch" not in ln) or "Rule" in ln
                  or re.search(r'(Port|mask|Networks|CIDR|Action:|Name:\s+"|SetLabels|GetNamespace)', ln)) \
                    and not ln.startswith(("require", "assert", "err", "success")) and "ObjectKey" not in ln:
                if not (pending_pod or pending_np or pending_pol) and not ln.startswith(
                        ("ShortName", "Description", "suite.", "Name:      \"", "Name: \"")):
                    code.append(ln)
            i += 1
        code = _flush(steps, policy, code, vars_)
        tests.append({"name": name, "manifests": manifests, "steps": steps})
    return tests


def to_ops(code: list[str], vars_: dict) -> list[tuple] | None:
    """Known mutation shapes -> ops; None when the block needs a hand-written op."""
    text = "\n".join(code)
    ops: list[tuple] = []
    m = re.search(r'(\w+) := mutate(?:\.DeepCopy\(\))?\.Spec\.(Ingress|Egress)\[(\d+)\]\n'
                  r'\w+ := "([\w-]+)"\n.*(?:NamedPort: &?\w+).*\nmutate\.Spec\.\2\[\3\] = \1$', text, re.S)
    if m:
        return [("named_port", m.group(2).lower(), int(m.group(3)), m.group(4))]
    m = re.search(r'newRule := .*Name:\s+"([^"]+)",\nAction: "(\w+)",\nNetworks: .*?\n'
                  r'((?:\w+\.CIDR\(\w+\.Status\.PodIP \+ mask\),\n)+)'
                  r'mutate\.Spec\.Egress = append\(newRule, mutate\.Spec\.Egress\.\.\.\)', text, re.S)
    if m:
        pods = [vars_[v] for v in re.findall(r'CIDR\((\w+)\.Status', m.group(3))]
        return [("prepend_networks_rule", m.group(1), m.group(2), pods)]
    m = re.search(r'GetNamespace\(t, s\.Client, "network-policy-conformance-([\w-]+)".*'
                  r'SetLabels\(map\[string\]string\{"([\w.-]+)": "([\w.-]+)"\}\)', text, re.S)
    if m:
        return [("namespace_labels", m.group(1), {m.group(2): m.group(3)})]
    swaps = re.findall(r'(\w+) := mutate\.Spec\.(Ingress|Egress)\[(\d+)\]\n'
                       r'mutate\.Spec\.\2\[\3\] = mutate\.Spec\.\2\[(\d+)\]\n'
                       r'mutate\.Spec\.\2\[\4\] = \1(?:\n|$)', text + "\n")
    rest = re.sub(r'(\w+) := mutate\.Spec\.(Ingress|Egress)\[(\d+)\]\n'
                  r'mutate\.Spec\.\2\[\3\] = mutate\.Spec\.\2\[(\d+)\]\n'
                  r'mutate\.Spec\.\2\[\4\] = \1(?:\n|$)', "", text + "\n").strip()
    if swaps and not rest:
        return [("swap", d.lower(), int(i), int(j)) for _, d, i, j in swaps]
    m = re.fullmatch(r'mutate\.Spec\.(Ingress|Egress)\[(\d+)\]\.Action = \w+\.\w+RuleAction(\w+)', text)
    if m:
        return [("action", m.group(1).lower(), int(m.group(2)), m.group(3))]
    m = re.fullmatch(r'mutate\.Spec\.Priority = (\d+)', text)
    if m:
        return [("priority", int(m.group(1)))]
    return None if text else ops


def main() -> None:
    repo, tag, out_py, out_dir = sys.argv[1:5]
    out = Path(out_py)
    tests: list[dict] = []
    for path in ls(repo, tag, "conformance/tests"):
        if not path.endswith(".go") or path.endswith("main.go"):
            continue
        for t in parse_test_file(show(repo, tag, path)):
            t["file"] = path.rsplit("/", 1)[1]
            tests.append(t)
    manifests = sorted({m for t in tests for m in t["manifests"]})
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    for m in manifests:
        text = show(repo, tag, f"conformance/{m}")
        text = re.sub(r"\{\{ index \.HostNetworkPorts (\d+) \}\}", lambda mm: str(HN_PORTS[int(mm.group(1))]), text)
        dest = d / m.split("/", 1)[1]
        dest.parent.mkdir(parents=True, exist_ok=True)
        head = (f"# kubernetes-sigs/network-policy-api {tag}: conformance/{m} (Apache-2.0, "
                "Copyright The Kubernetes Authors)\n")
        if "HostNetworkPorts" in show(repo, tag, f"conformance/{m}"):
            head += f"# host-network ports templated as {HN_PORTS} (the suite's defaults)\n"
        dest.write_text(head + text)
    lines = []
    todo = 0
    for t in tests:
        lines.append(f"    Case({t['name']!r}, {[m.split('/', 1)[1] for m in t['manifests']]!r}, [")
        for st in t["steps"]:
            if st[0] == "subtest":
                lines.append(f"        # {st[1]}")
            elif st[0] == "probe":
                lines.append(f"        {st[1:]!r},")
            elif st[0] == "delete_np":
                lines.append(f"        ('delete', 'NetworkPolicy', {st[1]!r}, {st[2]!r}),")
            else:
                _, policy, code, vars_ = st
                ops = to_ops(code, vars_)
                if ops is None:
                    todo += 1
                    lines.append(f"        # TODO {policy}: " + " | ".join(code))
                else:
                    for op in ops:
                        if op[0] == "namespace_labels":
                            lines.append(f"        ('namespace', {op[1]!r}, {op[2]!r}),")
                        else:
                            lines.append(f"        ('edit', {policy!r}, {op!r}),")
        lines.append("    ]),")
    head = [
        f'"""The conformance tests of kubernetes-sigs/network-policy-api at {tag}, as tables.',
        "",
        "Generated by ``port_upstream.py`` from ``conformance/tests/*.go``: one ``Case`` per",
        "upstream test, with the policy manifests it applies and its steps in order: probes",
        "``(client namespace, client pod, protocol, server namespace, server pod, port, expected)``",
        "and edits of the policies (``('edit', policy, op)``), namespaces and NetworkPolicies as the",
        'upstream test makes them between probes (they persist, as upstream)."""',
        "",
        "from __future__ import annotations",
        "",
        "from netpol_api_upstream.model import Case",
        "",
        "CASES = [",
    ]
    out.write_text("\n".join(head + lines) + "\n]\n")
    print(f"{len(tests)} tests, {sum(1 for t in tests for s in t['steps'] if s[0] == 'probe')} probes, {todo} TODO blocks, {len(manifests)} manifests")


if __name__ == "__main__":
    main()
