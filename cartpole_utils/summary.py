"""The protocol's numbers over several seeds: one helper for notebook 07 and the benchmark scripts.

A *run record* is a small JSON-friendly dict of what one training run measured (see
:func:`run_record`); :func:`summarize` turns a list of them (one per seed) into the protocol's table
row, and :func:`format_summary` prints it. Records, not :class:`~cartpole_utils.TrainResult` objects,
are what the seed sweeps save under ``benchmarks/results/``, so a saved sweep can be summarized again
without retraining.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .protocol import MARGIN, MAX_EPISODE_STEPS, first_solved_index, stays_solved

#: Keys every run record has.
RECORD_KEYS = ("seed", "env_steps", "eval_steps", "eval_means", "eval_seconds_at", "train_seconds",
               "final_mean", "final_min")


def run_record(result: Any) -> dict[str, Any]:
    """A run as a record: :meth:`TrainResult.record() <cartpole_utils.TrainResult.record>`.

    That method is the one serialization of a run; a record dict passes through once its keys
    are checked.
    """
    if isinstance(result, dict):
        missing = [key for key in RECORD_KEYS if key not in result]
        if missing:
            raise ValueError(f"A run record needs the keys {list(RECORD_KEYS)}; this one lacks {missing}.")
        return result
    if not hasattr(result, "record") or not hasattr(result, "eval_means"):
        raise TypeError(
            "Expected a TrainResult (what cu.train_* returns) or a run record dict, "
            f"got {type(result).__name__}."
        )
    return result.record()


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """(first quartile, median, third quartile) of the values; nans if there are none."""
    if len(values) == 0:
        return (float("nan"),) * 3  # type: ignore[return-value]
    q1, median, q3 = np.percentile(np.asarray(values, dtype=float), [25, 50, 75])
    return float(q1), float(median), float(q3)


def _along(stat: Any) -> Callable[..., Any]:
    """``stat`` of 1-d arrays as a statistic over an axis, the form ``scipy.stats.bootstrap`` wants."""
    if stat in (np.median, np.mean):
        return stat
    return lambda x, axis=-1: np.apply_along_axis(stat, axis, x)


def bootstrap_ci(values: Sequence[float], stat: Any = np.median, n_resamples: int = 2_000,
                 level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of ``stat`` over ``values`` (resampling seeds).

    Computed by ``scipy.stats.bootstrap`` (percentile method).

    Args:
        values: one number per seed.
        stat: the statistic, a function of a 1-d array (default: the median).
        n_resamples: bootstrap resamples.
        level: coverage of the interval, e.g. 0.95.
        seed: seed of the resampling, so the interval is reproducible.

    Returns:
        (low, high) of the interval; (nan, nan) for no values.
    """
    from scipy.stats import bootstrap

    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"values must be one number per seed (a flat list), got shape {arr.shape}.")
    if arr.size == 0:
        return float("nan"), float("nan")
    interval = bootstrap((arr,), _along(stat), n_resamples=n_resamples, confidence_level=level,
                         method="percentile", rng=np.random.default_rng(seed)).confidence_interval
    return float(interval.low), float(interval.high)


def bootstrap_diff_ci(a: Sequence[float], b: Sequence[float], stat: Any = np.median,
                      n_resamples: int = 2_000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of ``stat(a) - stat(b)``, resampling the seeds of each side.

    Computed by ``scipy.stats.bootstrap`` (two independent samples, percentile method). Use it to
    say whether one agent beats another over seeds: an interval entirely above 0 supports
    "a is higher", one entirely below supports "b is higher", one containing 0 supports neither.

    Returns:
        (low, high) of the interval; (nan, nan) if either side has no values.
    """
    from scipy.stats import bootstrap

    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError("a and b must be flat lists, one number per seed.")
    if x.size == 0 or y.size == 0:
        return float("nan"), float("nan")
    along = _along(stat)
    interval = bootstrap((x, y), lambda u, v, axis=-1: along(u, axis=axis) - along(v, axis=axis),
                         n_resamples=n_resamples, confidence_level=level, method="percentile",
                         rng=np.random.default_rng(seed)).confidence_interval
    return float(interval.low), float(interval.high)


def summarize(runs: Sequence[Any], margin: float = MARGIN) -> dict[str, Any]:
    """The protocol's numbers for one agent over its seeds.

    Args:
        runs: one :class:`~cartpole_utils.TrainResult` or run record per seed, all with one budget.
        margin: a run counts as "solved with margin" if it solved within this fraction of its budget.

    Returns:
        a dict with ``seeds``, ``solved`` (how many seeds reached a greedy mean of 475),
        ``solved_with_margin``, ``steps_to_solve`` and ``seconds_to_solve`` (quartiles over the solved
        seeds), ``stays_solved`` (pooled: the fraction of all evaluations after each seed's first
        solve that are solved too; nan if none), ``stays_solved_n`` (how many evaluations that pools),
        ``final_500`` (seeds whose final 100-episode greedy mean is 500), ``final_mean`` (quartiles),
        ``best_eval`` (quartiles of each seed's best evaluation) and ``seconds_per_1k_steps`` (median
        training seconds per 1,000 environment steps).
    """
    records = [run_record(r) for r in runs]
    if not records:
        raise ValueError("summarize needs at least one run.")
    solved_steps, solved_seconds, margin_count = [], [], 0
    for rec in records:
        i = first_solved_index(rec["eval_means"]) if rec["eval_means"] else None
        if i is None:
            continue
        solved_steps.append(rec["eval_steps"][i])
        solved_seconds.append(rec["eval_seconds_at"][i])
        margin_count += rec["eval_steps"][i] <= margin * rec["env_steps"]
    stays, stays_n = stays_solved([rec["eval_means"] for rec in records if rec["eval_means"]])
    finals = [rec["final_mean"] for rec in records]
    return {
        "seeds": len(records),
        "solved": len(solved_steps),
        "solved_with_margin": margin_count,
        "margin": margin,
        "steps_to_solve": quartiles(solved_steps),
        "seconds_to_solve": quartiles(solved_seconds),
        "stays_solved": stays,
        "stays_solved_n": stays_n,
        "final_500": int(sum(f >= MAX_EPISODE_STEPS for f in finals)),
        "final_mean": quartiles(finals),
        "best_eval": quartiles([max(rec["eval_means"]) for rec in records]),
        "seconds_per_1k_steps": float(np.median(
            [1000 * rec["train_seconds"] / max(rec["env_steps"], 1) for rec in records])),
    }


def _q(q: tuple[float, float, float], fmt: str) -> str:
    if np.isnan(q[1]):
        return "-"
    return f"{fmt.format(q[1])} [{fmt.format(q[0])}, {fmt.format(q[2])}]"


def summary_row(summary: dict[str, Any]) -> dict[str, str]:
    """A :func:`summarize` dict as the table's printable columns."""
    n = summary["seeds"]
    stays = summary["stays_solved"]
    return {
        "solved": f"{summary['solved']}/{n}",
        f"by {summary['margin']:.0%} of budget": f"{summary['solved_with_margin']}/{n}",
        "steps to solve": _q(summary["steps_to_solve"], "{:,.0f}"),
        "s to solve": _q(summary["seconds_to_solve"], "{:.1f}"),
        "stays solved": "-" if np.isnan(stays) else f"{stays:.1%} of {summary['stays_solved_n']}",
        "final = 500": f"{summary['final_500']}/{n}",
        "final mean": _q(summary["final_mean"], "{:.0f}"),
        "s / 1k steps": f"{summary['seconds_per_1k_steps']:.2f}",
    }


def format_table(rows: dict[str, dict[str, Any]], name_header: str = "agent", width: int = 100) -> str:
    """Rows ``{name: summarize(...)}`` as aligned text tables, each line at most ``width`` characters.

    The eight columns of :func:`summary_row` would make one line of about 150 characters, which wraps
    in a notebook, so they come as two tables, one line per agent in each: how the agent first
    reached 475 (solved, by 75% of budget, steps and seconds to solve), then what it kept and what it
    cost (stays solved, final = 500, final mean, s / 1k steps). One table when all eight fit
    ``width``; a half still too wide (long agent names) is split again, column by column, unless the
    names leave no room for two columns (then the lines are longer than ``width``).
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be a positive int (characters per line), got {width!r}.")
    printable = {name: summary_row(s) for name, s in rows.items()}
    if not printable:
        return ""
    columns = list(next(iter(printable.values())))
    first = max(len(name_header), *(len(name) for name in printable)) + 2
    widths = {c: 2 + max(len(c), *(len(row[c]) for row in printable.values())) for c in columns}
    blocks = [columns] if first + sum(widths.values()) <= width else [columns[:4], columns[4:]]
    if first + 2 * max(widths.values()) <= width:  # names leave room for two columns a table
        blocks = [run for half in blocks for run in _pack(half, widths, width - first)]
    tables = []
    for block in blocks:
        lines = [f"{name_header:<{first}}" + "".join(f"{c:>{widths[c]}}" for c in block)]
        lines += [f"{name:<{first}}" + "".join(f"{row[c]:>{widths[c]}}" for c in block)
                  for name, row in printable.items()]
        tables.append("\n".join(lines))
    return "\n\n".join(tables)


def _pack(columns: list[str], widths: dict[str, int], room: int) -> list[list[str]]:
    """``columns`` in order, cut into as few runs as keep each run's width within ``room``."""
    runs: list[list[str]] = [[]]
    for column in columns:
        if runs[-1] and sum(widths[c] for c in runs[-1]) + widths[column] > room:
            runs.append([])
        runs[-1].append(column)
    return runs


#: The committed held-out sweeps whose evaluation curves ship with the package (``load_sweep``).
SHIPPED_SWEEPS = ("online", "replay", "target", "double", "soft", "dueling")


def load_sweep(agent: str) -> list[dict[str, Any]]:
    """The run records of an agent's committed sweep: seeds 101-120, 30,000 steps, one machine.

    They ship with the package (``cartpole_utils/data/sweeps/``, evaluation curves only), so a
    notebook draws the 20-seed truth beside its live run on any machine, Colab included.

    Args:
        agent: one of ``"online"`` (notebook 02), ``"replay"`` (03), ``"target"`` (04),
            ``"double"`` (05), ``"soft"`` (06), ``"dueling"`` (08).
    """
    import json
    from importlib.resources import files

    if agent not in SHIPPED_SWEEPS:
        raise ValueError(f"No shipped sweep for {agent!r}; there are: {', '.join(SHIPPED_SWEEPS)}.")
    path = files("cartpole_utils") / "data" / "sweeps" / f"{agent}_seeds101-120_30000.json"
    return [run_record(r) for r in json.loads(path.read_text())["records"]]


def values_over_seeds(records: Sequence[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Per run of a sweep saved with diagnostics: what its network predicted for the start state.

    Returns arrays with one value per run: ``"peak"``, the highest predicted max_a Q(s0, a) over
    its evaluations; ``"last"``, the prediction at its last evaluation; ``"collected"``, the
    discounted return its last evaluation's episodes then collected (the shipped sweeps of notebooks
    02, 04, 05 and 06 have them; ``benchmark.py --diagnostics`` saves them).
    """
    missing = [r.get("seed") for r in records if "diagnostics" not in r]
    if missing or not records:
        raise ValueError(f"values_over_seeds needs run records with diagnostics; seeds without: {missing}. "
                         "Sweep with `benchmarks/benchmark.py --diagnostics`.")
    return {
        "peak": np.array([max(r["diagnostics"]["q_start"]) for r in records]),
        "last": np.array([r["diagnostics"]["q_start"][-1] for r in records]),
        "collected": np.array([r["diagnostics"]["discounted_return"][-1] for r in records]),
    }


def steps_to_first_solve(record: dict[str, Any]) -> float:
    """Environment steps to a run's first evaluation at 475 or more; its whole budget if none.

    Unlike the protocol's "steps to solve" (over solved seeds only), a never-solved seed counts,
    so the measure compares agents that do not all solve.
    """
    index = first_solved_index(record["eval_means"])
    return float(record["eval_steps"][index] if index is not None else record["env_steps"])


def where_run_falls(result: Any, records: Sequence[dict[str, Any]]) -> str:
    """One computed sentence: where a live run falls against a sweep of the same agent.

    It compares the run's first evaluation at 475 or more with the sweep's median and middle half
    (a never-solved seed counts as its whole budget), and counts the run's evaluations that lie
    inside, above and below the sweep's interquartile band at the same steps.
    """
    run = run_record(result)
    recs = [run_record(r) for r in records]
    if not recs:
        raise ValueError("records must hold at least one run record of the sweep.")
    q1, median, q3 = quartiles([steps_to_first_solve(r) for r in recs])
    mine = steps_to_first_solve(run)
    index = first_solved_index(run["eval_means"])
    where = "earlier than most seeds" if mine < q1 else "later than most seeds" if mine > q3 else (
        "inside the middle half of the seeds")
    if index is None:
        unsolved = sum(first_solved_index(r["eval_means"]) is None for r in recs)
        where = f"{unsolved} of the {len(recs)} seeds never did either" if unsolved else (
            "every one of the seeds did")
    said = (f"first reached 475 at {mine:,.0f} steps" if index is not None
            else f"never reached 475 in {mine:,.0f} steps")
    steps = [s for s in run["eval_steps"] if all(s in r["eval_steps"] for r in recs)]
    inside = above = below = 0
    for step, mean in zip(run["eval_steps"], run["eval_means"]):
        if step not in steps:
            continue
        values = [r["eval_means"][r["eval_steps"].index(step)] for r in recs]
        low, high = np.percentile(values, [25, 75])
        inside += low <= mean <= high
        above += mean > high
        below += mean < low
    import textwrap

    return textwrap.fill(
        f"This run (seed {run['seed']}) {said}: {where} (the {len(recs)} held-out seeds: median "
        f"{median:,.0f} [{q1:,.0f}, {q3:,.0f}], never-solved seeds counted at their budget). Of its "
        f"{inside + above + below} evaluations, {inside} lie inside the seeds' middle half, "
        f"{above} above and {below} below it: one seed, read against {len(recs)}.", width=100)
