"""Print the conformance summary: per golden kind, passed / failed / skipped with reasons
(``netviz list`` goldens, and the ``netviz diff`` goldens as kinds ``diff/<fmt>``).

    .venv/bin/python -m tests.conformance.report [-v]

``known`` counts goldens that differ for a documented reason (``KNOWN`` in the test, run
there as strict xfail). ``-v`` also lists every failing golden and every skipped scenario with its reason.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict

from .goldens import discover, shared_dir, tier_kinds, uses_ingress, uses_tiers
from .runner import actual_and_expected
from .test_diff_conformance import actual_and_expected as diff_actual_and_expected
from .test_diff_conformance import discover_diff
from .test_netpol_analyzer import KNOWN


def main(argv: list[str]) -> int:
    root = shared_dir()
    if root is None:
        print("../shared/conformance/netpol-analyzer not found: nothing to report")
        return 0
    verbose = "-v" in argv
    passed: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    known: Counter[str] = Counter()
    fail_names: list[str] = []
    skip_scen: dict[str, str] = {}
    skip_reasons: dict[str, Counter[str]] = defaultdict(Counter)
    #: golden kind -> status -> count, for goldens of scenarios with cluster policies
    tiered: dict[str, Counter[str]] = defaultdict(Counter)
    #: the same per cluster policy kind(s) of the scenario -> status -> count
    by_tier_kind: dict[str, Counter[str]] = defaultdict(Counter)
    #: the same, for scenarios with Ingress/Route objects
    ingress: dict[str, Counter[str]] = defaultdict(Counter)
    for g in discover(root):
        if uses_tiers(root, g.scenario):
            status = "skipped" if g.skip else "run"
            tiered[g.kind][status] += 1
        if uses_ingress(root, g.scenario) and g.skip:
            ingress[g.kind]["skipped"] += 1
        if g.skip:
            skipped[g.kind] += 1
            skip_reasons[g.kind][g.skip] += 1
            skip_scen[g.scenario or g.name] = g.skip
            continue
        try:
            actual, expected = actual_and_expected(root, g)
            ok = actual == expected
        except Exception as exc:  # report, do not stop
            ok = False
            fail_names.append(f"{g.name}: {type(exc).__name__}: {exc}")
        if uses_tiers(root, g.scenario):
            st = "passed" if ok else "known" if g.name in KNOWN else "failed"
            tiered[g.kind][st] += 1
            by_tier_kind[tier_kinds(root, g.scenario)][st] += 1
        if uses_ingress(root, g.scenario):
            ingress[g.kind]["passed" if ok else "known" if g.name in KNOWN else "failed"] += 1
        if ok:
            passed[g.kind] += 1
        elif g.name in KNOWN:
            known[g.kind] += 1
            fail_names.append(f"{g.name}: known difference: {KNOWN[g.name]}")
        else:
            failed[g.kind] += 1
            if not fail_names or not fail_names[-1].startswith(g.name):
                fail_names.append(g.name)
    # netviz diff: expected/diff goldens (kind diff/<fmt>; see test_diff_conformance)
    for dg in discover_diff(root):
        diff_tiered = uses_tiers(root, dg.before) or uses_tiers(root, dg.after)
        if diff_tiered and dg.skip:
            tiered[dg.kind]["skipped"] += 1
        if dg.skip:
            skipped[dg.kind] += 1
            skip_reasons[dg.kind][dg.skip] += 1
            skip_scen[f"{dg.before} -> {dg.after}"] = dg.skip
            continue
        try:
            actual, expected = diff_actual_and_expected(root, dg)
            ok = actual == expected
        except Exception as exc:  # report, do not stop
            ok = False
            fail_names.append(f"{dg.name}: {type(exc).__name__}: {exc}")
        if diff_tiered:
            tiered[dg.kind]["passed" if ok else "failed"] += 1
            by_tier_kind[tier_kinds(root, dg.before, dg.after)]["passed" if ok else "failed"] += 1
        if uses_ingress(root, dg.before) or uses_ingress(root, dg.after):
            ingress[dg.kind]["passed" if ok else "failed"] += 1
        if ok:
            passed[dg.kind] += 1
        else:
            failed[dg.kind] += 1
            if not fail_names or not fail_names[-1].startswith(dg.name):
                fail_names.append(dg.name)
    kinds = sorted(set(passed) | set(failed) | set(skipped) | set(known))
    print(f"{'golden kind':<22} {'passed':>6} {'known':>6} {'failed':>6} {'skipped':>7}")
    for k in kinds:
        print(f"{k:<22} {passed[k]:>6} {known[k]:>6} {failed[k]:>6} {skipped[k]:>7}")
    print(
        f"{'total':<22} {sum(passed.values()):>6} {sum(known.values()):>6} "
        f"{sum(failed.values()):>6} {sum(skipped.values()):>7}"
    )
    for title, group in (
        ("AdminNetworkPolicy/BaselineAdminNetworkPolicy scenarios (policy tiers)", tiered),
        ("Ingress/Route scenarios ({ingress-controller})", ingress),
    ):
        print(f"\nof which {title}:")
        print(f"{'golden kind':<22} {'passed':>6} {'known':>6} {'failed':>6} {'skipped':>7}")
        for k in sorted(group):
            c = group[k]
            print(f"{k:<22} {c['passed']:>6} {c['known']:>6} {c['failed']:>6} {c['skipped']:>7}")
        tot: Counter[str] = Counter()
        for c in group.values():
            tot.update(c)
        print(f"{'total':<22} {tot['passed']:>6} {tot['known']:>6} {tot['failed']:>6} "
              f"{tot['skipped']:>7}")
    print("\npolicy tier goldens (run) by the cluster policy kinds of their scenarios:")
    print(f"{'kinds':<45} {'passed':>6} {'known':>6} {'failed':>6}")
    for k in sorted(by_tier_kind):
        c = by_tier_kind[k]
        print(f"{k:<45} {c['passed']:>6} {c['known']:>6} {c['failed']:>6}")
    reasons: Counter[str] = Counter()
    for c in skip_reasons.values():
        reasons.update(c)
    print("\nskip reasons (goldens):")
    for r, n in reasons.most_common():
        print(f"  {n:>4}  {r}")
    if verbose:
        print("\nskipped scenarios:")
        for s, r in sorted(skip_scen.items()):
            print(f"  {s}: {r}")
        if fail_names:
            print("\nfailing goldens (and known differences):")
            for n in fail_names:
                print(f"  {n}")
    return 1 if sum(failed.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
