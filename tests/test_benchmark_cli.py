"""benchmarks/benchmark.py's --set: every field typed as its config declares it, or an error naming it."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

import cartpole_utils as cu

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import benchmark  # noqa: E402


@dataclasses.dataclass(frozen=True)
class SwitchConfig:
    """An agent of a learner's own, with a switch (the course's configs have no bool field)."""

    seed: int = 1  # seed
    use_huber: bool = False  # Huber loss instead of the squared error


def test_overrides_take_each_field_s_own_type() -> None:
    overrides = benchmark.parse_overrides(
        ["total_steps=3e4", "learning_starts=1_000", "tau=0.01", "end_e=1"], cu.SoftConfig)
    assert overrides == {"total_steps": 30_000, "learning_starts": 1000, "tau": 0.01, "end_e": 1.0}
    assert type(overrides["end_e"]) is float and type(overrides["total_steps"]) is int
    assert benchmark.parse_overrides(["use_huber=true"], SwitchConfig) == {"use_huber": True}
    assert benchmark.parse_overrides(["use_huber=False"], SwitchConfig) == {"use_huber": False}


def test_a_wrong_bool_is_refused_with_the_field_s_name() -> None:
    with pytest.raises(SystemExit, match="SwitchConfig.use_huber takes a bool: 'maybe'"):
        benchmark.parse_overrides(["use_huber=maybe"], SwitchConfig)


@pytest.mark.parametrize(("pair", "message"), [
    ("learning_starts=1.7", "SoftConfig.learning_starts takes an int: '1.7' is not one"),
    ("tau=fast", "SoftConfig.tau takes a float: 'fast'"),
    ("taus=0.1", "SoftConfig has no field 'taus'"),
    ("tau", "--set takes name=value pairs"),
])
def test_a_wrong_override_is_refused_with_the_field_s_name(pair: str, message: str) -> None:
    with pytest.raises(SystemExit, match=message.replace("(", r"\(")):
        benchmark.parse_overrides([pair], cu.SoftConfig)


def test_help_lists_every_field_with_its_comment() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "benchmark.py"), "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    comments = benchmark.field_comments(cu.SoftConfig)
    assert set(comments) == {f.name for f in dataclasses.fields(cu.SoftConfig)}
    for name, comment in comments.items():
        assert any(name in line and comment in line for line in proc.stdout.splitlines()), name
