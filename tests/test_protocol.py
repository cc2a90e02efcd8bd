"""The evaluation protocol has one home, cartpole_utils/protocol.py, which every summary uses."""

import math

import pytest

import cartpole_utils as cu


def test_first_solve_and_stays_solved_pool_over_runs() -> None:
    runs = [[100, 480, 400, 500, 500], [475, 500], [10, 20], [300, 490]]
    assert [cu.first_solved_index(r) for r in runs] == [1, 0, None, 1]
    assert cu.solved_at([1000, 2000, 3000, 4000, 5000], runs[0]) == 2000
    fraction, n = cu.stays_solved(runs)
    assert (fraction, n) == (pytest.approx(3 / 4), 4)  # 400, 500, 500 after run 0's solve; 500 after run 1's
    assert cu.stability_after_solved(runs[0]) == pytest.approx(2 / 3)
    assert math.isnan(cu.stability_after_solved(runs[3]))  # solved at its last evaluation
    assert math.isnan(cu.stays_solved([[1, 2]])[0]) and cu.stays_solved([[1, 2]])[1] == 0


def test_summaries_use_the_protocol() -> None:
    record = {"seed": 1, "env_steps": 4000, "eval_steps": [1000, 2000, 3000, 4000],
              "eval_means": [100.0, 480.0, 300.0, 500.0], "eval_seconds_at": [1.0, 2.0, 3.0, 4.0],
              "train_seconds": 4.0, "final_mean": 500.0, "final_min": 500.0}
    late = dict(record, eval_means=[100.0, 100.0, 100.0, 480.0])
    summary = cu.summarize([record, late])
    assert summary["margin"] == cu.MARGIN == 0.75
    assert summary["solved"] == 2 and summary["solved_with_margin"] == 1  # 4,000 > 0.75 x 4,000
    assert (summary["stays_solved"], summary["stays_solved_n"]) == cu.stays_solved(
        [record["eval_means"], late["eval_means"]])


def test_the_protocol_constants() -> None:
    assert (cu.EVAL_INTERVAL, cu.EVAL_EPISODES, cu.FINAL_EVAL_EPISODES) == (1_000, 10, 100)
    assert cu.SOLVED_THRESHOLD == 475 and cu.FINAL_EVAL_SEED == 2 * cu.EVAL_SEED_OFFSET
    assert cu.ONLINE_CHECK_RETURN == 46
