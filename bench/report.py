"""The benchmark's tables and chart, from the results ``bench/run.py`` writes as JSON.

Usage (to redraw a saved run)::

    .venv/bin/python bench/report.py bench/results/<UTC time>.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# The budgets. Throughput: minimum ratio to the baseline (sign-in: to the raw
# argon2 verify rate); growth: maximum p50 ratio largest / smallest size for every
# scenario; footprint: maximum seconds and MiB.
THROUGHPUT_BUDGETS = {
    "verify (no db)": {"sqlite": 0.8, "postgresql": 0.8},
    "session create": {"sqlite": 0.4, "postgresql": 0.3},
    "refresh": {"sqlite": 0.35, "postgresql": 0.3},
    "sign-in (production hash)": {"sqlite": 0.9, "postgresql": 0.9},
}
GROWTH_BUDGET = 1.3
COLD_START_BUDGET_S = 1.5
RSS_BUDGET_MIB = 80


def _size_label(size: str | int) -> str:
    size = int(size)
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def growth(scenario: dict[str, Any]) -> float:
    """p50 at the largest size over p50 at the smallest; infinite when no request finished
    at the largest size within the measurement (wrk then reports no latency at all)."""
    sizes = scenario["sizes"]
    smallest, largest = sizes[min(sizes, key=int)], sizes[max(sizes, key=int)]
    if largest["rps"] == 0 or smallest["p50_us"] == 0:
        return float("inf")
    return largest["p50_us"] / smallest["p50_us"]


def budgets(db: str, result: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(budget, figure, met) for every budget of one database's results."""
    scenarios = result["scenarios"]
    checks: list[tuple[str, str, bool]] = []
    for name, limits in THROUGHPUT_BUDGETS.items():
        if name not in scenarios:
            continue  # a run of some scenarios only (--scenarios)
        sizes = scenarios[name]["sizes"]
        ratio = sizes[min(sizes, key=int)]["ratio"]
        to = "raw verify rate" if "hash" in name else "baseline"
        checks.append((f"{name} >= {limits[db]} x {to}", f"{ratio:.2f}", ratio >= limits[db]))
    worst = max(scenarios, key=lambda name: growth(scenarios[name]))
    worst_growth = growth(scenarios[worst])
    checks.append(
        (
            f"growth p50 <= {GROWTH_BUDGET} (every scenario)",
            f"{worst_growth:.2f} worst ({worst})",
            worst_growth <= GROWTH_BUDGET,
        )
    )
    foot = result["footprint"]
    checks.append(
        (
            f"cold start <= {COLD_START_BUDGET_S} s",
            f"{foot['cold_start_s']:.2f} s",
            foot["cold_start_s"] <= COLD_START_BUDGET_S,
        )
    )
    checks.append(
        (
            f"RSS per worker after {foot['mixed_requests']:,} requests <= {RSS_BUDGET_MIB} MiB",
            f"{foot['rss_mib_after_load']:.1f} MiB",
            foot["rss_mib_after_load"] <= RSS_BUDGET_MIB,
        )
    )
    return checks


def markdown(results: dict[str, Any]) -> str:
    """Per database: every scenario at every size, then the budgets, met or not."""
    setup = results["setup"]
    lines = [
        f"# Benchmark {results['time']}",
        "",
        f"gunicorn {setup['workers']} workers x {setup['threads']} threads "
        f"({setup['worker_class']}), {setup['load']}, {setup['duration_s']} s per "
        f"measurement, medians of {setup['rounds']} rounds; "
        f"{results['machine']['cpus']} CPUs, Python {results['machine']['python']}.",
        "Ratio: throughput over the baseline's (a plain Flask JSON route) measured in "
        "the same run; production-hash rows over the raw argon2 rate of the same "
        "worker set-up. Growth: p50 at the largest size over p50 at the smallest.",
        "",
    ]
    for db, result in results["databases"].items():
        sizes = [str(size) for size in setup["sizes"]]
        header = ["scenario"]
        for size in sizes:
            label = _size_label(size)
            header += [f"req/s @{label}", f"ratio @{label}", f"p50 ms @{label}", f"p99 ms @{label}"]
        header += ["growth p50", "failed"]
        lines += [
            f"## {db}",
            "",
            f"Baseline: {result['baseline']['rps']:,.0f} req/s. Raw argon2 (production "
            f"settings): {result['raw_hash_rate']['hash']:.1f} hashes/s, "
            f"{result['raw_hash_rate']['verify']:.1f} verifications/s. Seeding: "
            + ", ".join(
                f"{_size_label(size)} in {seconds:.0f} s"
                for size, seconds in result["seed_s"].items()
            )
            + ".",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
        ]
        for name, scenario in result["scenarios"].items():
            cells = [name]
            failed = 0
            for size in sizes:
                row = scenario["sizes"][size]
                cells += [
                    f"{row['rps']:,.0f}",
                    f"{row['ratio']:.2f}",
                    f"{row['p50_us'] / 1000:.2f}",
                    f"{row['p99_us'] / 1000:.2f}",
                ]
                failed += row["failed"]
            ratio = growth(scenario)
            shown = "no answer at the largest size" if ratio == float("inf") else f"{ratio:.2f}"
            cells += [shown + ("" if ratio <= GROWTH_BUDGET else " (over)"), str(failed)]
            lines.append("| " + " | ".join(cells) + " |")
        foot = result["footprint"]
        lines += [
            "",
            f"Footprint: cold start {foot['cold_start_s']:.2f} s (median of "
            f"{len(foot['cold_start_s_all'])}); RSS per worker "
            f"{foot['rss_mib_after_start']:.1f} MiB after start, "
            f"{foot['rss_mib_after_load']:.1f} MiB after {foot['mixed_requests']:,} "
            "mixed requests.",
            "",
            "| budget | figure | met |",
            "|---|---|---|",
        ]
        for budget, figure, met in budgets(db, result):
            lines.append(f"| {budget} | {figure} | {'met' if met else 'NOT met'} |")
        lines.append("")
    return "\n".join(lines)


def chart(results: dict[str, Any], out: Path) -> None:
    """Throughput ratio, latency percentiles and growth per scenario, one colour per
    database, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    databases = list(results["databases"])
    names = list(next(iter(results["databases"].values()))["scenarios"])
    smallest = str(min(results["setup"]["sizes"]))
    largest = str(max(results["setup"]["sizes"]))
    figure, (ratio_axis, latency_axis, growth_axis) = plt.subplots(
        1, 3, figsize=(20, 0.45 * len(names) + 2.5), sharey=True
    )
    height = 0.8 / len(databases)
    positions = range(len(names))
    for offset, db in enumerate(databases):
        scenarios = results["databases"][db]["scenarios"]
        ys = [y + offset * height for y in positions]
        ratio_axis.barh(
            ys, [scenarios[n]["sizes"][smallest]["ratio"] for n in names], height, label=db
        )
        p50 = [scenarios[n]["sizes"][smallest]["p50_us"] / 1000 for n in names]
        p99 = [scenarios[n]["sizes"][smallest]["p99_us"] / 1000 for n in names]
        latency_axis.barh(ys, p99, height, alpha=0.35, color=f"C{offset}")
        latency_axis.barh(ys, p50, height, color=f"C{offset}", label=f"{db} p50 (pale: p99)")
        # A scenario with no answer at the largest size is drawn at the axis' end.
        growth_axis.barh(ys, [min(growth(scenarios[n]), 10.0) for n in names], height, label=db)
    ratio_axis.set_yticks([y + 0.4 - height / 2 for y in positions], names)
    ratio_axis.invert_yaxis()
    ratio_axis.set_title(
        f"throughput / baseline @{_size_label(smallest)}\n(production hash: / raw argon2 rate)"
    )
    ratio_axis.axvline(1.0, color="grey", linewidth=0.8)
    latency_axis.set_xscale("log")
    latency_axis.set_title(f"latency ms @{_size_label(smallest)} (log)")
    growth_axis.axvline(GROWTH_BUDGET, color="red", linewidth=0.8, linestyle="--")
    growth_axis.set_title(
        f"p50 @{_size_label(largest)} / p50 @{_size_label(smallest)}\n(budget <= {GROWTH_BUDGET})"
    )
    for axis in (ratio_axis, latency_axis, growth_axis):
        axis.legend(loc="lower right", fontsize="small")
        axis.grid(axis="x", alpha=0.3)
    figure.suptitle(f"supertokens-core-py benchmark {results['time']}")
    figure.tight_layout()
    figure.savefig(out, dpi=90)
    plt.close(figure)


def main() -> None:
    source = Path(sys.argv[1])
    results = json.loads(source.read_text())
    source.with_suffix(".md").write_text(markdown(results))
    chart(results, source.with_suffix(".png"))
    print(markdown(results))


if __name__ == "__main__":
    main()
