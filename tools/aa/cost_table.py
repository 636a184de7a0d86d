"""Summarize AccuracyAware runs side by side: one Markdown row per accuracy-aware-report.json.

Usage: python cost_table.py LABEL=path/to/accuracy-aware-report.json [LABEL=...]

Columns: ranking mode, status, reverted nodes, final metric value(s) and drop, the search counted in
validation passes (ranking + screen + validation, from the report's `cost`; independent of machine
load), the search's and the whole algorithm's wall time in validation passes, and the budget
(reverted + 5). The wall-time unit is the median of the INT8 validation passes the run measured (the
base plan's and every candidate plan's pass): reports written by pot4j since issue 15 carry it as
`timing.validation_pass_seconds`; for older reports it is recomputed here from the same passes.
"""
import json
import statistics
import sys


def pass_times(r):
    """INT8 validation pass times of a report: the initial one and each candidate plan's."""
    ranking_by_iteration = {}
    for rk in r.get("rankings", []):
        ranking_by_iteration[rk["iteration"]] = ranking_by_iteration.get(rk["iteration"], 0) + rk.get("seconds", 0)
    times = []
    for it in r.get("iterations", []):
        s = it["seconds"]
        if r.get("ranking") == "exact" and it["iteration"] > 1:
            # an exact iteration's seconds include a re-ranking before it (the first ranking runs before the loop)
            s -= ranking_by_iteration.get(it["iteration"], 0)
        times.append(s)
    return times


def unit(r):
    t = r.get("timing", {})
    if "validation_pass" in t and str(t["validation_pass"]).startswith("median"):
        return t["validation_pass_seconds"]
    # older reports: the first INT8 pass was the unit; add the candidate passes and take the median
    first = t.get("validation_pass_seconds")
    times = pass_times(r) + ([first] if first else [])
    return statistics.median(times) if times else float("nan")


def row(label, r):
    c = r["cost"]
    u = unit(r)
    search_s = c["ranking_seconds"] + c["screen_seconds"] + c["validation_seconds"]
    finals = ", ".join(f"{m['name']} {m.get('int8', float('nan')):.4f} -> {m['final']:.4f}" for m in r["metrics"])
    return (f"| {label} | {r['ranking']} | {r['status']} | {r['reverted_count']} of {r['quantized_node_count']} | {finals}"
            f" (drop {r['final_drop']:.4f}, max {r['maximal_drop']}) | {c['ranking_passes']:.2f} + {c['screen_passes']:.2f}"
            f" + {c['validation_passes']} = {c['search_passes']:.2f} | {search_s / u:.1f} | {c['total_seconds'] / u:.1f}"
            f" ({c['total_seconds']:.0f} s, pass {u:.2f} s) | {r['reverted_count'] + 5} |")


def main(argv):
    print("| run | ranking | status | reverted | metric (INT8 -> final) | search, counted passes (rank + screen + validate)"
          " | search wall, passes | AA wall, passes | budget |")
    print("|---|---|---|---|---|---|---|---|---|")
    for arg in argv:
        label, path = arg.split("=", 1)
        with open(path) as f:
            print(row(label, json.load(f)))


if __name__ == "__main__":
    main(sys.argv[1:])
