"""cartpole_utils.summary: the protocol's numbers over seeds, shared by notebook 07 and the benchmarks."""

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import cartpole_utils as cu

ROOT = Path(__file__).resolve().parent.parent


def record(seed, means, final=500.0, steps=None, seconds=10.0):
    steps = steps or [1_000 * (i + 1) for i in range(len(means))]
    return {"seed": seed, "env_steps": steps[-1], "eval_steps": steps, "eval_means": means,
            "eval_seconds_at": [seconds * s / steps[-1] for s in steps], "train_seconds": seconds,
            "final_mean": final, "final_min": final}


def test_summarize_counts_the_protocol_numbers():
    runs = [
        record(1, [100, 480, 500, 400, 500], final=500),  # solved at 2,000; 2 of 3 after stay solved
        record(2, [100, 200, 300, 400, 476], final=300),  # solved at the last evaluation (5,000)
        record(3, [100, 200, 300, 400, 470], final=500),  # never solved
    ]
    s = cu.summarize(runs)
    assert s["seeds"] == 3 and s["solved"] == 2
    assert s["solved_with_margin"] == 1  # 5,000 > 0.75 * 5,000
    assert s["steps_to_solve"][1] == 3_500
    assert s["stays_solved"] == pytest.approx(2 / 3) and s["stays_solved_n"] == 3
    assert s["final_500"] == 2
    assert s["best_eval"][1] == 476
    assert s["seconds_per_1k_steps"] == pytest.approx(2.0)


def test_summarize_takes_train_results():
    configs = [cu.SoftConfig(seed=s, total_steps=1_000, learning_starts=500) for s in (1, 2)]
    results = cu.run_seeds(cu.train_soft, configs, final_episodes=3)
    s = cu.summarize(results)
    assert s["seeds"] == 2
    rec = cu.run_record(results[0])
    assert rec["seed"] == 1 and rec["eval_steps"] == [1_000]
    json.dumps(rec)  # the record is plain JSON


def test_summary_without_any_solve_is_dashes():
    row = cu.summary_row(cu.summarize([record(1, [10, 20])]))
    assert row["solved"] == "0/1" and row["steps to solve"] == "-" and row["stays solved"] == "-"
    table = cu.format_table({"x": cu.summarize([record(1, [10, 20])])})
    assert table.splitlines()[1].startswith("x")


def test_bootstrap_intervals():
    low, high = cu.bootstrap_ci([1.0] * 10)
    assert low == high == 1.0
    low, high = cu.bootstrap_diff_ci([10.0] * 8, [1.0] * 8)
    assert low == high == 9.0
    low, high = cu.bootstrap_diff_ci(list(range(10)), list(range(10)))
    assert low < 0 < high
    assert all(math.isnan(v) for v in cu.bootstrap_diff_ci([], [1.0]))


@pytest.mark.parametrize("call, error, message", [
    (lambda: cu.summarize([]), ValueError, "at least one run"),
    (lambda: cu.summarize([{"seed": 1}]), ValueError, "lacks"),
    (lambda: cu.summarize(["run"]), TypeError, "Expected a TrainResult"),
    (lambda: cu.bootstrap_ci([[1, 2]]), ValueError, "one number per seed"),
    (lambda: cu.bootstrap_diff_ci([[1]], [1]), ValueError, "flat lists"),
])
def test_summary_bad_input(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_sweep_script_runs_saves_and_resummarizes(tmp_path):
    out = tmp_path / "sweep.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "benchmark.py"), "soft", "--seeds", "1-2", "--jobs", "2",
           "--set", "total_steps=1000", "learning_starts=500", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "solved" in proc.stdout and "s / 1k steps" in proc.stdout
    payload = json.loads(out.read_text())
    assert [r["seed"] for r in payload["records"]] == [1, 2] and payload["steps"] == 1_000
    again = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "benchmark.py"), "--summarize",
                            str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert again.returncode == 0 and "s / 1k steps" in again.stdout


def test_plot_seed_grid_one_panel_per_agent():
    import matplotlib

    matplotlib.use("Agg")

    class Run:
        def __init__(self, means):
            self.eval_steps = [1_000 * (i + 1) for i in range(len(means))]
            self.eval_means = means
            self.episode_returns, self.episode_end_steps, self.name = [1.0], [1], "r"

    runs = {"a": [Run([1, 2, 3]), Run([2, 3, 4])], "b": [Run([5, 6])], "c": [Run([7])], "d": [Run([8])]}
    fig = cu.plot_seed_grid(runs, ncols=3)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 4 and [ax.get_title() for ax in visible] == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="non-empty dict"):
        cu.plot_seed_grid({})
    np.testing.assert_array_equal(visible[0].lines[-1].get_ydata(), [2, 3, 4])


# ---------------------------------------------------------------- shipped sweeps beside a live run


def test_load_sweep_gives_twenty_held_out_records_per_agent():
    for agent in ("replay", "target", "double", "soft", "dueling"):
        records = cu.load_sweep(agent)
        assert [r["seed"] for r in records] == list(range(101, 121))
        assert all(r["env_steps"] == 30_000 and len(r["eval_means"]) == 30 for r in records)
    with pytest.raises(ValueError, match="No shipped sweep for 'tabular'"):
        cu.load_sweep("tabular")


def _record(seed, means, steps=None):
    steps = steps or [1_000 * (i + 1) for i in range(len(means))]
    return {"seed": seed, "env_steps": steps[-1], "eval_steps": steps, "eval_means": list(means),
            "eval_seconds_at": [0.0] * len(means), "train_seconds": 1.0, "final_mean": means[-1],
            "final_min": means[-1]}


def test_where_run_falls_says_where_one_seed_lies_against_the_sweep():
    sweep = [_record(s, [100, 200, 300, 480]) for s in range(101, 105)]  # all first reach 475 at 4,000
    early = _record(1, [100, 480, 500, 500])
    text = cu.where_run_falls(early, sweep)
    assert max(len(line) for line in text.splitlines()) <= 100, "the sentence is wrapped to 100 columns"
    sentence = " ".join(text.split())
    assert "seed 1) first reached 475 at 2,000 steps: earlier than most seeds" in sentence
    assert "median 4,000 [4,000, 4,000]" in sentence
    assert "1 lie inside the seeds' middle half, 3 above and 0 below" in sentence
    never = " ".join(cu.where_run_falls(_record(2, [10, 20, 30, 40]), sweep).split())
    assert "never reached 475 in 4,000 steps: every one of the seeds did" in never
    assert "0 lie inside" in never and "4 below" in never
    with pytest.raises(ValueError, match="at least one run record"):
        cu.where_run_falls(early, [])


# ---------------------------------------------------------------- the protocol's table fits a notebook


@pytest.mark.parametrize("names", [
    {"02 online DQN": "online", "03 replay": "replay", "04 target network": "target",
     "05 Double DQN": "double", "06 soft target": "soft"},  # notebook 07
    {"08 dueling (20 seeds)": "dueling", "06 soft target (20 seeds)": "soft"},  # notebooks 02-08
    {"04 target network (20 seeds)": "target"},
], ids=["07", "08", "04"])
def test_format_table_fits_100_characters_and_keeps_every_number(names):
    rows = {name: cu.summarize(cu.load_sweep(agent)) for name, agent in names.items()}
    table = cu.format_table(rows)
    assert max(len(line) for line in table.splitlines()) <= 100
    first, second = table.split("\n\n")
    assert first.split()[:2] == ["agent", "solved"] and "s / 1k steps" in second.splitlines()[0]
    for name, summary in rows.items():
        cells = [line for part in (first, second) for line in part.splitlines() if line.startswith(name)]
        assert len(cells) == 2, f"{name} should have one line in each table"
        shown = " ".join(cells)
        assert all(value in shown for value in cu.summary_row(summary).values())


def test_format_table_is_one_table_when_it_fits_and_splits_long_names_further():
    rows = {"06 soft target": cu.summarize(cu.load_sweep("soft"))}
    wide = cu.format_table(rows, width=200)
    assert len(wide.splitlines()) == 2 and "s / 1k steps" in wide.splitlines()[0]
    long = cu.format_table({"a" * 40: rows["06 soft target"]})
    assert len(long.split("\n\n")) == 3 and max(len(line) for line in long.splitlines()) <= 100
    with pytest.raises(ValueError, match="width must be a positive int"):
        cu.format_table(rows, width=0)


def test_values_over_seeds_reads_the_start_state_predictions() -> None:
    records = [{"seed": s, "diagnostics": {"q_start": [1.0, 5.0, 3.0 + s],
                                           "discounted_return": [0.0, 2.0, s]}} for s in (1, 2)]
    values = cu.values_over_seeds(records)
    assert values["peak"].tolist() == [5.0, 5.0] and values["last"].tolist() == [4.0, 5.0]
    assert values["collected"].tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="--diagnostics"):
        cu.values_over_seeds([{"seed": 3}])
