"""Learners write first: each exercise comes before the reference code it asks for, which is collapsed.

Read from the notebooks' paired .py sources (what the .ipynb files are built from).
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

#: Per teaching notebook: the learner's exercise -> the course's reference it asks for.
EXERCISES = {
    "02": {"my_epsilon_greedy": "epsilon_greedy", "my_td_target": "dqn_td_target",
           "my_q_learning_step": "q_learning_step", "my_online_update": "train_online"},
    "03": {"MyReplayBuffer": "ReplayBuffer", "my_replay_step": "train_replay"},
    "04": {"my_hard_update": "hard_update", "my_target_step": "train_target"},
    "05": {"my_double_td_target": "double_dqn_td_target"},
    "06": {"my_soft_update": "soft_update", "my_soft_step": "train_soft"},
    "08": {"my_dueling_aggregation": "DuelingQNetwork"},
}
#: The check of each training notebook's loop exercise (the lines of the loop that notebook adds).
LOOP_CHECKS = {"02": "check_online_update", "03": "check_replay_step", "04": "check_target_step",
               "05": "check_double_on_probes", "06": "check_soft_step"}


def cells(number: str) -> list:
    (path,) = NOTEBOOKS.glob(f"{number}_*.py")
    return jupytext.read(path).cells


def defining(cells_: list, name: str) -> int:
    pattern = re.compile(rf"^(def|class) {name}\b", re.MULTILINE)
    hits = [i for i, cell in enumerate(cells_) if cell.cell_type == "code" and pattern.search(cell.source)]
    assert hits, f"no cell defines {name}"
    return hits[0]


@pytest.mark.parametrize("number", sorted(EXERCISES))
def test_each_exercise_comes_before_its_collapsed_reference(number: str) -> None:
    nb = cells(number)
    for exercise, reference in EXERCISES[number].items():
        at, ref = defining(nb, exercise), defining(nb, reference)
        assert "exercise" in nb[at].metadata.get("tags", []), f"{number}: {exercise} is not tagged exercise"
        assert at < ref, f"notebook {number}: exercise {exercise} comes after the reference {reference}"
        meta = nb[ref].metadata
        assert meta.get("jupyter", {}).get("source_hidden") is True, (
            f"notebook {number}: the reference cell of {reference} is not collapsed (jupyter.source_hidden)")
        assert meta.get("cellView") == "form" and nb[ref].source.startswith("# @title"), (
            f"notebook {number}: the reference cell of {reference} has no Colab form title")
        checks = [i for i, cell in enumerate(nb) if re.search(rf"check_\w+\({exercise}\b", cell.source)]
        assert checks and at < checks[0] < ref, (
            f"notebook {number}: {exercise}'s check is not between it and {reference}")


@pytest.mark.parametrize("number", sorted(LOOP_CHECKS))
def test_each_training_notebook_has_a_loop_exercise(number: str) -> None:
    sources = "\n".join(cell.source for cell in cells(number))
    assert f"cu.exercises.{LOOP_CHECKS[number]}(" in sources, (
        f"notebook {number} has no loop exercise checked by cu.exercises.{LOOP_CHECKS[number]}")


def test_the_first_exercise_precedes_every_reference() -> None:
    for number, pairs in EXERCISES.items():
        nb = cells(number)
        first = min(i for i, cell in enumerate(nb) if "exercise" in cell.metadata.get("tags", []))
        assert first < min(defining(nb, ref) for ref in pairs.values()), f"notebook {number}"
