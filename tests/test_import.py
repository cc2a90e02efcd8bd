"""`import cartpole_utils`: three layers whose imports point one way, quiet, and one torch thread."""

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cartpole_utils as cu

PACKAGE = Path(cu.__file__).parent
#: Not needed until a network, a plot, a GIF or a widget is made: never loaded by the import.
HEAVY = ("torch", "matplotlib", "pygame", "PIL", "ipywidgets", "IPython")
QUIET_VARIABLES = ("SDL_VIDEODRIVER", "SDL_AUDIODRIVER", "PYGAME_HIDE_SUPPORT_PROMPT", "XDG_RUNTIME_DIR",
                   "OMP_NUM_THREADS", "MKL_NUM_THREADS")
HELPERS = {
    "make_env", "seed_everything", "set_threads", "evaluate", "greedy_actions", "solved_at",
    "stability_after_solved", "Monitor", "TrainResult", "plot_scores", "plot_learning_curve",
    "plot_seed_curves", "running_mean", "trend_line", "seed_band", "record_episode", "gif_bytes",
    "show_gif", "GIF", "filmstrip", "episode_player", "explorer", "progress_bar", "save_checkpoint",
    "load_checkpoint", "CheckpointError", "taught_in",
}


def run_python(code):
    """Run ``code`` in a fresh interpreter, as a learner's kernel would start: none of the variables
    that cartpole_utils sets are inherited from this test process."""
    env = {k: v for k, v in os.environ.items() if k not in QUIET_VARIABLES}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=120
    )


def test_import_is_quick_and_loads_lessons_on_first_use():
    proc = run_python(f"""
        import sys
        import cartpole_utils as cu
        print(sorted(m for m in {HEAVY!r} if m in sys.modules))
        print(sorted(m for m in sys.modules if m.startswith(("cartpole_utils.lessons.",
                                                             "cartpole_utils.course"))))
        cu.ReplayBuffer
        print(sorted(m for m in sys.modules if m.startswith("cartpole_utils.lessons.")))
    """)
    assert proc.returncode == 0, proc.stderr
    loaded = "['cartpole_utils.lessons.nb02_online_dqn', 'cartpole_utils.lessons.nb03_experience_replay']"
    assert proc.stdout.splitlines() == ["[]", "[]", loaded]


def test_dir_lists_the_helpers_and_lessons():
    assert HELPERS <= set(dir(cu))
    assert set(cu.LESSONS) <= set(cu.__all__)
    assert len(cu.__all__) == len(set(cu.__all__)), "a name is exported twice"


@pytest.mark.parametrize("name", sorted(set(cu.__all__)))
def test_every_exported_name_resolves(name):
    assert getattr(cu, name) is not None


def test_an_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="module 'cartpole_utils' has no attribute 'make_envs'"):
        cu.make_envs  # noqa: B018
    assert not hasattr(cu, "nothing_here")


def _layer(path: Path) -> str:
    relative = path.relative_to(PACKAGE).parts
    return relative[0] if len(relative) > 1 else "helpers"


def _imported_layers(source: str, layer: str) -> set[str]:
    """The layers (``helpers``, ``lessons``, ``course``, ``package``) a module's imports reach,
    function-level imports and ``importlib`` by name included."""
    reached = set()
    depth_of_package = 1 if layer == "helpers" else 2
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                targets = [node.module or ""]
            elif node.level <= depth_of_package:
                here = [] if layer == "helpers" or node.level == 2 else [layer]
                targets = [".".join(["cartpole_utils", *here, *([node.module] if node.module else [])])]
                if not node.module:
                    targets = [f"{targets[0]}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                node.value.startswith(("cartpole_utils.", ".nb0", ".lessons", ".course")):
            value = node.value
            if value.startswith(".nb0"):
                value = ".lessons" + value
            targets = [value if value.startswith("cartpole_utils") else "cartpole_utils" + value]
        for target in targets:
            parts = target.split(".")
            if parts[0] != "cartpole_utils":
                continue
            if len(parts) == 1:
                reached.add("package")
            elif parts[1] in ("lessons", "course"):
                reached.add(parts[1])
            else:
                reached.add("helpers")
    return reached


#: Which layers each layer may import: imports point from course tools to lessons to helpers.
ALLOWED = {"helpers": {"helpers"}, "lessons": {"helpers", "lessons"},
           "course": {"helpers", "lessons", "course"}}


@pytest.mark.parametrize("path", sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"
                                        or p.parent != PACKAGE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_from_course_tools_to_lessons_to_helpers(path):
    layer = _layer(path)
    reached = _imported_layers(path.read_text(encoding="utf-8"), layer)
    wrong = reached - ALLOWED[layer]
    assert not wrong, (
        f"cartpole_utils/{path.relative_to(PACKAGE)} ({layer}) imports {sorted(wrong)}: helpers import "
        "only helpers, lessons only helpers and earlier lessons, and only the package's __init__ "
        "imports the whole package."
    )


@pytest.mark.parametrize(("layer", "source", "wrong"), [
    ("helpers", "from .lessons.nb02_online_dqn import QNetwork", {"lessons"}),
    ("helpers", "def f():\n    from .lessons import QNetwork", {"lessons"}),
    ("helpers", "importlib.import_module('.nb02_online_dqn', 'cartpole_utils')", {"lessons"}),
    ("helpers", "importlib.import_module('cartpole_utils.lessons.nb02_online_dqn')", {"lessons"}),
    ("helpers", "from .course import exercises", {"course"}),
    ("helpers", "import cartpole_utils as cu", {"package"}),
    ("lessons", "from ..course.exercises import check_td_target", {"course"}),
    ("lessons", "from ..env import make_env\nfrom .nb02_online_dqn import QNetwork", set()),
    ("course", "from ..lessons.nb02_online_dqn import Batch\nfrom ..env import make_env", set()),
])
def test_the_import_contract_catches_a_wrong_arrow(layer, source, wrong):
    assert _imported_layers(source, layer) - ALLOWED[layer] == wrong


def test_taught_in_an_unknown_name():
    with pytest.raises(KeyError, match="is not a component taught by a notebook"):
        cu.taught_in("make_env")


def test_importing_makes_rendering_headless_and_silent():
    proc = run_python("""
        import os
        import cartpole_utils as cu
        print(os.environ["SDL_VIDEODRIVER"], bool(os.environ["PYGAME_HIDE_SUPPORT_PROMPT"]))  # "hide"
        assert os.path.isdir(os.environ["XDG_RUNTIME_DIR"])
        env = cu.make_env(render_mode="rgb_array")
        env.reset(seed=0)
        print(env.render().shape)
        env.close()
    """)
    assert proc.returncode == 0, proc.stderr
    output = proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == ["dummy True", "(400, 600, 3)"]
    assert "XDG_RUNTIME_DIR" not in output
    assert "Hello from the pygame community" not in output
    assert "pygame " not in output  # the banner's first line: "pygame 2.x.y (SDL 2.x.y, Python 3.x)"
    assert proc.stderr == ""


def test_without_cartpole_utils_rendering_is_noisy():
    """The control for the test above: the warning it checks for is real on this machine."""
    proc = run_python("""
        import gymnasium as gym
        env = gym.make("CartPole-v1", render_mode="rgb_array")
        env.reset(seed=0)
        env.render()
    """)
    assert proc.returncode == 0, proc.stderr
    output = proc.stdout + proc.stderr
    if "XDG_RUNTIME_DIR" not in output and "pygame " not in output:
        pytest.skip("rendering without cartpole_utils is silent here too")


def test_import_leaves_threads_alone_and_set_threads_sets_them():
    """No import-time side effect on threads: cu.set_threads is the one place that sets them."""
    proc = run_python("""
        import os
        import torch
        before = torch.get_num_threads()
        import cartpole_utils as cu
        print(torch.get_num_threads() == before, "OMP_NUM_THREADS" in os.environ)
        cu.set_threads(1)
        print(torch.get_num_threads())
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "False", "1"]
