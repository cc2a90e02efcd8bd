"""Plots used throughout the course: scores, learning curves, seed bands, a live training plot.

Every helper puts its legend under its axes, off the data, and keeps figures at most 11 inches wide
(a notebook's width). Every figure a helper creates carries a short description of what it shows
(:func:`describe_figure`), saved with the notebook as the output's text form and as the image's alt
text.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .env import SOLVED_THRESHOLD, _check_seed

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .training import TrainResult

#: How the figures name each kind of band (see :func:`seed_band`).
_BAND_NAMES = {"iqr": "interquartile range", "bootstrap": "95% bootstrap CI of the median"}
#: The widest figure, in inches, that fits a notebook's output area at 100% zoom.
_MAX_WIDTH = 11.0


def _pyplot() -> Any:
    import matplotlib

    if matplotlib.get_backend().lower() == "macosx":  # pragma: no cover - never headless
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _as_1d(values: Any, name: str, min_len: int = 1) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a sequence of numbers, got {type(values).__name__}.") from err
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (one number per episode), got shape {arr.shape}.")
    if arr.size < min_len:
        raise ValueError(f"{name} needs at least {min_len} value(s), got {arr.size}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values; pass finite episode returns.")
    return arr


def _check_positive_int(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}.")


def _check_result(result: Any, what: str) -> None:
    fields = ("episode_returns", "episode_end_steps", "eval_steps", "eval_means")
    if not all(hasattr(result, f) for f in fields):
        raise TypeError(
            f"{what} must be a TrainResult (what monitor.result() returns), got {type(result).__name__}."
        )


def _legend_below(ax: Axes, ncol: int, fontsize: float = 8) -> None:
    """Put the legend of ``ax`` under it, below its tick labels and x label: off the data.

    The gap is measured in inches, so it stays right when ``tight_layout`` resizes the axes (which
    also makes room for the legend). Every helper here places its legend this way.
    """
    from matplotlib.transforms import ScaledTranslation

    fig = ax.figure
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    canvas = fig.canvas
    renderer = canvas.get_renderer() if hasattr(canvas, "get_renderer") else fig._get_renderer()
    below = (ax.get_window_extent(renderer).y0 - ax.get_tightbbox(renderer).y0) / fig.dpi
    drop = ScaledTranslation(0, -(below + 0.05), fig.dpi_scale_trans)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=ax.transAxes + drop, ncol=ncol,
              fontsize=fontsize, frameon=False)


class _Description:
    """A described figure's ``_repr_mimebundle_``: the text as text/plain and as the PNG's alt."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, str], dict[str, Any]]:
        return {"text/plain": self.text}, {"alt": self.text, "image/png": {"alt": self.text}}


def describe_figure(fig: Figure, text: str) -> Figure:
    """Give ``fig`` a short description that is saved with it wherever Jupyter displays it.

    IPython then stores the text beside the PNG in the output: as its ``text/plain`` form (what
    text-only front ends and VS Code's screen reader read, instead of ``<Figure size ...>``) and as
    ``alt`` metadata (nbconvert's classic HTML template writes it into ``<img alt>``). The figure
    itself is unchanged. Returns ``fig``.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("describe_figure needs a non-empty sentence saying what the figure shows.")
    if not hasattr(fig, "savefig"):
        raise TypeError(f"describe_figure needs a matplotlib Figure, got {type(fig).__name__}.")
    fig._repr_mimebundle_ = _Description(" ".join(text.split()))
    return fig


def figure_description(fig: Figure) -> str:
    """The description :func:`describe_figure` gave ``fig``; else one built from its titles and labels."""
    described = getattr(fig, "_repr_mimebundle_", None)
    if isinstance(described, _Description):
        return described.text
    panels = [ax for ax in fig.axes if ax.get_visible()]
    parts = []
    for ax in panels:
        what = ax.get_title() or ""
        if ax.get_ylabel() and ax.get_xlabel():
            what += f"{': ' if what else ''}{ax.get_ylabel()} against {ax.get_xlabel()}"
        lines = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
        if lines:
            what += f"{' (' if what else '('}{'; '.join(lines)})"
        if what:
            parts.append(what)
    title = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    count = f"{len(panels)} panel{'s' if len(panels) != 1 else ''}"
    return f"{title + ': ' if title else ''}{count}" + (f": {'. '.join(parts)}." if parts else ".")


def _first_solve(steps: Sequence[float], means: Sequence[float], goal: float) -> str:
    """'first at 475 or more at 2,000 steps' or 'never at 475 (best 312)', for an alt text."""
    for step, mean in zip(steps, means):
        if mean >= goal:
            return f"first at {goal:g} or more at {step:,.0f} steps"
    return f"never at {goal:g} (best {max(means):.0f})" if len(means) else "no evaluation yet"


def _learning_curve_text(result: TrainResult, window: int, goal: float) -> str:
    episodes = len(result.episode_returns)
    trained = "no training episode yet"
    if episodes:
        trained = (f"{episodes} training episodes, running mean of the last {window} ending at "
                   f"{running_mean(result.episode_returns, window)[-1]:.0f}")
    evals = len(result.eval_means)
    greedy = (f"{evals} greedy evaluations, {_first_solve(result.eval_steps, result.eval_means, goal)}, "
              f"the last at {result.eval_means[-1]:.0f}" if evals else "no greedy evaluation yet")
    return f"Return against environment steps for {result.name or 'a run'}: {trained}; {greedy}."


def running_mean(values: Sequence[float], window: int = 10) -> np.ndarray:
    """Mean of the last ``window`` values at each position (fewer at the start).

    Returns an array as long as ``values``; element ``i`` averages ``values[max(0, i-window+1):i+1]``.
    """
    _check_positive_int(window, "window")
    arr = _as_1d(values, "values")
    csum = np.concatenate([[0.0], np.cumsum(arr)])
    idx = np.arange(1, arr.size + 1)
    lo = np.maximum(0, idx - window)
    return (csum[idx] - csum[lo]) / (idx - lo)


def trend_line(values: Sequence[float]) -> tuple[float, float]:
    """Least-squares line through ``(episode, value)``: returns ``(slope, intercept)``."""
    arr = _as_1d(values, "values", min_len=2)
    slope, intercept = np.polyfit(np.arange(arr.size), arr, deg=1)
    return float(slope), float(intercept)


def plot_scores(
    scores: Sequence[float],
    title: str = "",
    goal: float = SOLVED_THRESHOLD,
    last_n: int = 50,
) -> Figure:
    """Two panels: score per episode with goal line and trend; histogram of the last episodes.

    Args:
        scores: return of each episode, in order.
        title: figure title.
        goal: the dashed goal line (475, CartPole-v1's reward_threshold).
        last_n: how many final episodes the histogram shows.
    """
    arr = _as_1d(scores, "scores", min_len=2)
    _check_positive_int(last_n, "last_n")
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [2, 1]})
    episodes = np.arange(1, arr.size + 1)
    slope, intercept = trend_line(arr)
    slope = round(slope, 2) + 0.0  # no "-0.00" from floating-point noise
    left.plot(episodes, intercept + slope * (episodes - 1), color="C1", lw=2,
              label=f"trend ({slope:+.2f} per episode)")
    left.plot(episodes, arr, lw=1, color="C0", label="score per episode")
    left.axhline(goal, color="C2", ls="--", label=f"goal {goal:g}")
    top = max(520.0, float(arr.max()) * 1.05)
    left.set(xlabel="episode", ylabel="score (steps balanced)", ylim=(0, top))
    _legend_below(left, ncol=3)
    tail = arr[-last_n:]
    right.hist(tail, bins=np.linspace(0, top, 27), color="C0", alpha=0.8)
    right.axvline(goal, color="C2", ls="--")
    right.set(xlabel="score", ylabel="episodes", title=f"last {tail.size} episodes")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    at_goal, median = int(np.sum(arr >= goal)), np.median(tail)
    return describe_figure(fig, (
        f"{title + '. ' if title else ''}Left, the score of each of {arr.size} episodes: mean "
        f"{arr.mean():.0f}, highest {arr.max():.0f}, trend {slope:+.2f} per episode, {at_goal} at or above "
        f"the goal of {goal:g}. Right, a histogram of the last {tail.size} scores, median {median:.0f}."))


def plot_learning_curve(
    result: TrainResult,
    window: int = 10,
    ax: Axes | None = None,
    goal: float = SOLVED_THRESHOLD,
) -> Figure:
    """Training returns (faint), their running mean, and the greedy evaluations, against env steps.

    The legend sits under the axes, off the curve. A figure this function creates carries a short
    description of the run (see :func:`describe_figure`); one drawn into a given ``ax`` is left as it is.
    """
    _check_result(result, "result")
    _check_positive_int(window, "window")
    plt = _pyplot()
    own = ax is None
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 4))
    else:
        fig = ax.figure
    _draw_learning_curve(ax, result, window, goal)
    fig.tight_layout()
    return describe_figure(fig, _learning_curve_text(result, window, goal)) if own else fig


def _draw_learning_curve(ax: Axes, result: TrainResult, window: int, goal: float) -> None:
    if result.episode_returns:
        ends = np.asarray(result.episode_end_steps)
        ax.plot(ends, result.episode_returns, color="C0", alpha=0.25, lw=0.8, label="training episode")
        ax.plot(ends, running_mean(result.episode_returns, window), color="C0", lw=1.8,
                label=f"running mean ({window} episodes)")
    if result.eval_steps:
        ax.plot(result.eval_steps, result.eval_means, "o-", color="C3", ms=3, lw=1.2,
                label="greedy evaluation (10 episodes)")
    ax.axhline(goal, color="C2", ls="--", lw=1, label=f"solved ({goal:g})")
    ax.set(xlabel="environment steps", ylabel="return", ylim=(0, 520), title=result.name)
    _legend_below(ax, ncol=2)


def plot_diagnostics(result: TrainResult, window: int = 10) -> Figure:
    """The training dashboard: the numbers practitioners watch, one panel each, against env steps.

    Returns (training episodes, their running mean and best so far, greedy evaluations); the mean
    TD loss and gradient norm between evaluations (log scale); epsilon; and the Q-value predicted
    at the evaluation episodes' first states against the discounted return they then collected,
    with 1/(1 - gamma), the largest discounted return a +1-per-step task allows.
    """
    _check_result(result, "result")
    _check_positive_int(window, "window")
    diagnostics = getattr(result, "diagnostics", {}) or {}
    if not diagnostics.get("step"):
        raise ValueError(
            "This result has no diagnostics: they are recorded at each evaluation by cu.Monitor "
            "(train again with this version of cartpole_utils, with at least one evaluation)."
        )
    plt = _pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.6), sharex=True)
    steps = np.asarray(diagnostics["step"])
    returns_ax, loss_ax, q_ax, eps_ax = axes.ravel()
    _draw_learning_curve(returns_ax, result, window, SOLVED_THRESHOLD)
    if result.episode_returns:
        returns_ax.plot(result.episode_end_steps, np.maximum.accumulate(result.episode_returns), color="C7",
                        lw=1, ls=":", label="best training episode so far")
    _legend_below(returns_ax, ncol=2, fontsize=7)
    returns_ax.set_title("returns")
    loss_ax.plot(steps, diagnostics["td_loss"], "o-", ms=3, color="C1", label="TD loss (mean)")
    loss_ax.plot(steps, diagnostics["grad_norm"], "s-", ms=3, color="C4", label="gradient norm (mean)")
    loss_ax.set(yscale="log", title="per gradient step, between evaluations")
    _legend_below(loss_ax, ncol=2)
    q_ax.plot(steps, diagnostics["q_start"], "o-", ms=3, color="C0", label="predicted: max_a Q(s0, a)")
    q_ax.plot(steps, diagnostics["discounted_return"], "o-", ms=3, color="C3",
              label="discounted return collected")
    gamma = getattr(result.config, "gamma", None)
    if gamma is not None:
        q_ax.axhline(1 / (1 - gamma), color="C7", ls="--", lw=1, label=f"1/(1-gamma) = {1 / (1 - gamma):g}")
    q_ax.set(xlabel="environment steps", title="value at the first state of greedy episodes")
    _legend_below(q_ax, ncol=2)
    eps_ax.plot(steps, diagnostics["epsilon"], color="C2")
    eps_ax.set(xlabel="environment steps", ylim=(0, 1.05), title="exploration rate epsilon")
    fig.tight_layout()
    return describe_figure(fig, _diagnostics_text(result, window, diagnostics, gamma))


def _diagnostics_text(result: TrainResult, window: int, diagnostics: Mapping[str, Any], gamma: Any) -> str:
    def span(key: str, fmt: str) -> str:
        values = [v for v in diagnostics.get(key, []) if np.isfinite(v)]
        return f"{fmt.format(values[0])} to {fmt.format(values[-1])}" if values else "not recorded"

    ceiling = f", ceiling 1/(1-gamma) = {1 / (1 - gamma):g}" if gamma is not None else ""
    return (f"Training dashboard, four panels against environment steps. Top left: "
            f"{_learning_curve_text(result, window, SOLVED_THRESHOLD)} Top right, log scale: TD loss "
            f"{span('td_loss', '{:.3g}')}, gradient norm {span('grad_norm', '{:.3g}')}. Bottom left: "
            f"predicted Q at the first state {span('q_start', '{:.1f}')}, discounted return collected "
            f"{span('discounted_return', '{:.1f}')}{ceiling}. Bottom right: epsilon "
            f"{span('epsilon', '{:.2f}')}.")


def seed_band(
    curves: np.ndarray, band: str = "iqr", n_boot: int = 1000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median over seeds and a band around it, per evaluation point.

    Args:
        curves: array (n_seeds, n_points) of evaluation means.
        band: ``"iqr"`` (25th-75th percentile over seeds) or ``"bootstrap"`` (95% bootstrap
            confidence interval of the median, resampling seeds).
        n_boot: bootstrap resamples.
        seed: seed of the bootstrap's random generator.

    Returns:
        ``(median, low, high)``, each of shape (n_points,).
    """
    try:
        arr = np.asarray(curves, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(
            "curves must be a rectangular array (n_seeds, n_points) of numbers: every seed needs "
            "the same number of evaluations."
        ) from err
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"curves must have shape (n_seeds, n_points), got {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError("curves contains NaN or infinite values; pass finite evaluation means.")
    if band not in ("iqr", "bootstrap"):
        raise ValueError(f"band must be 'iqr' or 'bootstrap', got {band!r}.")
    _check_positive_int(n_boot, "n_boot")
    _check_seed(seed)
    median = np.median(arr, axis=0)
    if band == "iqr":
        low, high = np.percentile(arr, [25, 75], axis=0)
    elif band == "bootstrap":
        rng = np.random.default_rng(seed)
        picks = rng.integers(0, arr.shape[0], size=(n_boot, arr.shape[0]))
        medians = np.median(arr[picks], axis=1)
        low, high = np.percentile(medians, [2.5, 97.5], axis=0)
    else:
        raise ValueError(f"band must be 'iqr' or 'bootstrap', got {band!r}.")
    return median, low, high


def plot_seed_curves(
    curves: Mapping[str, Sequence[TrainResult]],
    band: str = "iqr",
    ax: Axes | None = None,
    goal: float = SOLVED_THRESHOLD,
) -> Figure:
    """Greedy evaluation curves of several agents over seeds: a median line and a band each.

    The legend sits under the axes; a figure this function creates carries a description of each
    agent's median (see :func:`describe_figure`).

    Args:
        curves: agent name -> its runs (one :class:`TrainResult` per seed, same budget).
        band: ``"iqr"`` or ``"bootstrap"`` (see :func:`seed_band`).
    """
    if not isinstance(curves, Mapping):
        raise TypeError(
            f"curves must be a dict {{agent name: [TrainResult per seed]}}, got {type(curves).__name__}."
        )
    if not curves:
        raise ValueError("curves is empty: pass {agent name: [TrainResult per seed]}.")
    if band not in ("iqr", "bootstrap"):
        raise ValueError(f"band must be 'iqr' or 'bootstrap', got {band!r}.")
    checked: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, runs in curves.items():
        if isinstance(runs, (str, bytes)) or not hasattr(runs, "__iter__"):
            raise TypeError(
                f"Agent {name!r}: pass a list of TrainResult (one per seed), got {type(runs).__name__}."
            )
        runs = list(runs)
        if not runs:
            raise ValueError(f"Agent {name!r} has no runs.")
        for run in runs:
            _check_result(run, f"Each run of agent {name!r}")
        n = min(len(r.eval_means) for r in runs)
        if n == 0:
            raise ValueError(f"Agent {name!r} has a run without evaluations; train for >= 1,000 steps.")
        steps = list(runs[0].eval_steps[:n])
        if any(list(r.eval_steps[:n]) != steps for r in runs):
            raise ValueError(
                f"The runs of agent {name!r} were evaluated at different steps; give every seed the "
                "same eval_interval."
            )
        checked[name] = (np.asarray(steps), np.array([r.eval_means[:n] for r in runs]))
    plt = _pyplot()
    own = ax is None
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 4.4))
    else:
        fig = ax.figure
    medians = []
    for i, (name, (steps, means)) in enumerate(checked.items()):
        median, low, high = seed_band(means, band=band)
        label = name if "seeds" in name else f"{name} (median of {len(means)} seeds)"
        ax.plot(steps, median, color=f"C{i}", lw=2, label=label)
        ax.fill_between(steps, low, high, color=f"C{i}", alpha=0.2)
        medians.append(f"{name}, {len(means)} seeds: median {_first_solve(steps, median, goal)}, "
                       f"ending at {median[-1]:.0f}")
    ax.axhline(goal, color="k", ls="--", lw=1, label=f"solved ({goal:g})")
    band_name = _BAND_NAMES[band]
    ax.set(xlabel="environment steps", ylabel="greedy return (10 episodes)", ylim=(0, 520),
           title=f"Median over seeds, band: {band_name}")
    _legend_below(ax, ncol=2)
    fig.tight_layout()
    if not own:
        return fig
    return describe_figure(fig, f"Greedy return against environment steps, the median over seeds with the "
                                f"{band_name} as a band. {'. '.join(medians)}.")


def plot_run_over_sweeps(
    result: TrainResult,
    sweeps: Mapping[str, Sequence[Mapping[str, Any]]],
    ax: Axes | None = None,
) -> Figure:
    """A live run drawn over committed seed sweeps: the 20-seed truth beside one seed.

    Each sweep (agent name -> its run records, e.g. ``cu.load_sweep("soft")``) is drawn as its
    median over seeds with the interquartile band; the run is the black line on top.
    """
    _check_result(result, "result")
    if not isinstance(sweeps, Mapping) or not sweeps:
        raise ValueError('sweeps must be a non-empty dict {agent name: run records}, e.g. '
                         '{"06 (20 seeds)": cu.load_sweep("soft")}.')
    from types import SimpleNamespace

    curves = {}
    for name, records in sweeps.items():
        if isinstance(records, (str, bytes)) or not all(isinstance(r, Mapping) for r in records):
            raise TypeError(f"Sweep {name!r}: pass its run records (a list of dicts, as cu.load_sweep "
                            "gives).")
        curves[name] = [SimpleNamespace(eval_steps=r["eval_steps"], eval_means=r["eval_means"],
                                        episode_returns=[], episode_end_steps=[]) for r in records]
    own = ax is None
    fig = plot_seed_curves(curves, band="iqr", ax=ax)
    ax = fig.axes[0] if ax is None else ax
    seed = getattr(result.config, "seed", None)
    this = f"this run (one seed{f', seed {seed}' if seed is not None else ''})"
    ax.plot(result.eval_steps, result.eval_means, "o-", color="k", ms=3, lw=1.2, label=this)
    ax.set_title("This run over the committed sweep (seeds 101-120), band: interquartile range")
    _legend_below(ax, ncol=2)
    fig.tight_layout()
    if not own:
        return fig
    solve = _first_solve(result.eval_steps, result.eval_means, SOLVED_THRESHOLD)
    last = f", ending at {result.eval_means[-1]:.0f}" if result.eval_means else ""
    return describe_figure(fig, f"{figure_description(fig)} Black points, {this}: {solve}{last}.")


def plot_seed_grid(
    curves: Mapping[str, Sequence[TrainResult]],
    band: str = "iqr",
    ncols: int = 3,
    goal: float = SOLVED_THRESHOLD,
) -> Figure:
    """Small multiples: one panel per agent, every seed's greedy curve, their median and a band.

    One panel per agent keeps six agents readable where one axis with six bands would not; the
    panels share both axes, so they compare at a glance.

    Args:
        curves: agent name -> its runs (one :class:`TrainResult` per seed, same evaluation steps).
        band: ``"iqr"`` or ``"bootstrap"`` (see :func:`seed_band`).
        ncols: panels per row.
        goal: the solved line.
    """
    _check_positive_int(ncols, "ncols")
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError("curves must be a non-empty dict {agent name: [TrainResult per seed]}.")
    plt = _pyplot()
    nrows = -(-len(curves) // ncols)
    width = min(_MAX_WIDTH, 3.6 * ncols)  # a notebook's width, whatever ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, 2.9 * nrows), sharex=True, sharey=True,
                             squeeze=False)
    for i, (ax, (name, runs)) in enumerate(zip(axes.flat, curves.items())):
        plot_seed_curves({name: runs}, band=band, ax=ax, goal=goal)
        for run in runs:
            ax.plot(run.eval_steps, run.eval_means, color=f"C{i}", lw=0.6, alpha=0.35)
        ax.set_title(name, fontsize=10)
        ax.get_legend().remove()
        ax.label_outer()
    for ax in list(axes.flat)[len(curves):]:
        ax.set_visible(False)
    band_name = _BAND_NAMES[band]
    fig.suptitle("Greedy return (10 episodes): thin lines one seed each, thick the median, "
                 f"band the {band_name}", fontsize=10)
    fig.tight_layout()
    panels = []
    for name, runs in curves.items():
        runs = list(runs)
        steps = list(runs[0].eval_steps)[: min(len(r.eval_means) for r in runs)]
        median = np.median([list(r.eval_means)[: len(steps)] for r in runs], axis=0)
        panels.append(f"{name}, {len(runs)} seeds: median {_first_solve(steps, median, goal)}, "
                      f"ending at {median[-1]:.0f}")
    return describe_figure(fig, f"{len(curves)} panels, one per agent, sharing their axes: greedy return "
                                f"against environment steps for every seed, their median and the "
                                f"{band_name}. {'. '.join(panels)}.")


class LivePlot:
    """A learning curve that redraws in place while training, at most every ``min_interval`` s.

    It draws into one display handle, so the saved notebook keeps only the final figure.
    Outside a notebook it does nothing until :meth:`close`, which returns the final figure.
    """

    def __init__(self, title: str = "", min_interval: float = 3.0) -> None:
        self.title = title
        self.min_interval = min_interval
        self._handle: Any = None
        self._last = 0.0

    def update(self, result: TrainResult, force: bool = False) -> None:
        """Redraw from ``result`` if ``min_interval`` seconds passed since the last redraw."""
        now = time.perf_counter()
        if not force and now - self._last < self.min_interval:
            return
        self._last = now
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:  # pragma: no cover - IPython ships with Jupyter
            return
        if get_ipython() is None:
            return
        fig = plot_learning_curve(result)
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
        _pyplot().close(fig)

    def close(self, result: TrainResult) -> None:
        """Draw the final curve into the same place."""
        if self._handle is not None or result.eval_steps:
            self.update(result, force=True)
