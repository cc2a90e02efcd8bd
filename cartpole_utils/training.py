"""Training plumbing shared by every training loop: the evaluation protocol, clocks, callbacks.

A training loop in the notebooks looks like this (the lesson is in the ``...``)::

    monitor = cu.Monitor(q_net, config, name="DQN")
    for global_step in monitor.steps():
        ...
        next_obs, reward, terminated, truncated, _ = env.step(action)
        monitor.record(reward, episode_over=terminated or truncated, epsilon=epsilon)
        ...
        loss = cu.q_learning_step(q_net, optimizer, batch, td_target)
        monitor.record_update(loss)
    result = monitor.result()

:class:`Monitor` is a small core: :meth:`Monitor.steps` evaluates the network greedily every
1,000 steps on 10 separately seeded episodes and stops the training clock while it does, so the
reported seconds are training only; :meth:`Monitor.result` runs the final evaluation. Everything
else is a :class:`Callback`, as in SB3: :class:`Diagnostics` (always on: the mean TD loss and
gradient norm since the last evaluation, epsilon, and the Q-value predicted at the evaluation
episodes' first states against the discounted return they then collect), :class:`ProgressBar`,
:class:`LiveCurve`, :class:`KeepBest`, :class:`Measure` and :class:`TensorBoard`. Every training
function of the course passes ``callbacks=[...]``, ``progress`` and ``live`` on to its monitor.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from typing_extensions import override

from .env import make_env
from .evaluation import evaluate
from .protocol import (
    EVAL_EPISODES,
    EVAL_INTERVAL,
    EVAL_SEED_OFFSET,
    FINAL_EVAL_EPISODES,
    FINAL_EVAL_SEED,
    solved_at,
    stability_after_solved,
)

GRAD_NORM_EVERY = 8  # the diagnostics' gradient norm is sampled on every 8th gradient step


@dataclass
class TrainResult:
    """Everything a training run measured.

    Attributes:
        name: a label for plots and tables (e.g. ``"Double DQN"``).
        config: the frozen config dataclass the run used.
        q_net: the trained Q-network at the end of the budget (not the best one).
        deployed_net: the network that was evaluated and is deployed instead of ``q_net`` when
            the monitor was given one (e.g. a Polyak average of the weights), else ``None``.
        episode_returns: return of each training episode (with exploration), in order.
        episode_end_steps: the environment step at which each training episode ended.
        eval_steps: environment steps at which the greedy evaluations ran.
        eval_means: mean greedy return of each evaluation (10 episodes).
        train_seconds: wall-clock seconds spent training, evaluations excluded.
        eval_seconds_at: training seconds elapsed at each evaluation.
        final_returns: greedy returns of the 100 final evaluation episodes (empty if skipped),
            played by ``deployed_net`` if there is one, else by ``q_net``.
        extra: anything else a notebook logged (losses, Q-values, ...).
        diagnostics: one list per quantity, one value per periodic evaluation: ``step``;
            ``td_loss`` and ``grad_norm``, means over the gradient steps since the previous
            evaluation (nan without :meth:`Monitor.record_update`); ``epsilon`` at that step (nan
            if not recorded); ``q_start``, the mean of max_a Q(s0, a) over the evaluation episodes'
            first states; ``discounted_return``, the mean discounted return those episodes then
            collected (CartPole's reward is +1 a step, so T steps give (1 - gamma^T) / (1 - gamma);
            nan if the config has no ``gamma``).
        best_q_net: with the :class:`KeepBest` callback: a copy of the network at the latest of its
            best periodic evaluations (chosen on those 10-episode evaluations only), else ``None``.
        best_eval_step: the environment step of that evaluation, or ``None``.
        best_final_returns: the final evaluation's 100 episodes played by ``best_q_net`` (empty
            without :class:`KeepBest`); the final episodes never take part in choosing it.
    """

    name: str
    config: Any
    q_net: Any
    deployed_net: Any = None
    episode_returns: list[float] = field(default_factory=list)
    episode_end_steps: list[int] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    eval_means: list[float] = field(default_factory=list)
    train_seconds: float = 0.0
    eval_seconds_at: list[float] = field(default_factory=list)
    final_returns: np.ndarray = field(default_factory=lambda: np.zeros(0))
    extra: dict[str, Any] = field(default_factory=dict)
    diagnostics: dict[str, list[float]] = field(default_factory=dict)
    best_q_net: Any = None
    best_eval_step: int | None = None
    best_final_returns: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def solved_at_step(self) -> int | None:
        """Environment steps until the first evaluation with mean >= 475, or ``None``."""
        return solved_at(self.eval_steps, self.eval_means)

    @property
    def solved_at_seconds(self) -> float | None:
        """Training seconds (evaluation excluded) until the first solved evaluation, or ``None``."""
        step = self.solved_at_step
        if step is None:
            return None
        return self.eval_seconds_at[self.eval_steps.index(step)]

    @property
    def stability(self) -> float:
        """Fraction of evaluations after the first solved one that are still solved (nan if none)."""
        return stability_after_solved(self.eval_means)

    @property
    def final_mean(self) -> float:
        """Mean greedy return over the final evaluation's episodes (nan if it was skipped)."""
        return float(np.mean(self.final_returns)) if len(self.final_returns) else float("nan")

    def record(self) -> dict[str, Any]:
        """The run as a small JSON-friendly dict: what the seed sweeps save and summarize.

        Keys: ``agent``, ``seed``, ``env_steps``, ``eval_steps``, ``eval_means``,
        ``eval_seconds_at`` (training seconds at each evaluation), ``train_seconds``, and
        ``final_mean`` and ``final_min`` (greedy return over the final episodes; nan if skipped).
        """
        final = np.asarray(self.final_returns, dtype=float)
        return {
            "agent": self.name,
            "seed": getattr(self.config, "seed", None),
            "env_steps": int(self.extra.get("env_steps", self.eval_steps[-1] if self.eval_steps else 0)),
            "eval_steps": [int(s) for s in self.eval_steps],
            "eval_means": [float(m) for m in self.eval_means],
            "eval_seconds_at": [float(s) for s in self.eval_seconds_at],
            "train_seconds": float(self.train_seconds),
            "final_mean": float(final.mean()) if final.size else float("nan"),
            "final_min": float(final.min()) if final.size else float("nan"),
        }

    def report(self) -> str:
        """A few human-readable lines with the run's measured numbers."""
        s = self.record()
        solved = (
            f"first greedy mean of 475 at {self.solved_at_step:,} env steps "
            f"({self.solved_at_seconds:.1f} s of training)"
            if self.solved_at_step is not None
            else "never reached a greedy mean of 475"
        )
        lines = [
            f"{self.name}, seed {s['seed']}: {solved}.",
            f"Training time for {s['env_steps']:,} env steps: {s['train_seconds']:.1f} s "
            f"({len(self.episode_returns)} training episodes).",
        ]
        if not np.isnan(self.stability):
            lines.append(f"Evaluations still solved after the first solve: {self.stability:.0%}.")
        if len(self.final_returns):
            lines.append(
                f"Final greedy return over {len(self.final_returns)} episodes: "
                f"mean {self.final_mean:.1f}, min {np.min(self.final_returns):.0f}."
            )
        if self.best_eval_step is not None and len(self.best_final_returns):
            lines.append(
                f"Kept best weights (evaluation at {self.best_eval_step:,} steps), same final episodes: "
                f"mean {np.mean(self.best_final_returns):.1f}, min {np.min(self.best_final_returns):.0f}."
            )
        return "\n".join(lines)


class Callback:
    """A hook into a :class:`Monitor`'s run; override the methods you need (as in SB3's callbacks).

    Every hook receives the monitor, whose ``train_result`` (the :class:`TrainResult` being filled),
    ``global_step``, ``evaluated_net`` and ``trained_net`` it can read. Hooks other than
    :meth:`on_update` and :meth:`on_episode_end` run off the training clock; those two run on it,
    so keep them cheap. Callbacks run in the order given, after the monitor's own diagnostics.
    """

    def on_training_start(self, monitor: Monitor) -> None:
        """Before the first step."""

    def on_episode_end(self, monitor: Monitor, episode_return: float) -> None:
        """A training episode just ended (terminated or truncated) with this return."""

    def on_update(self, monitor: Monitor, loss: float) -> None:
        """A gradient step was just taken (its gradients are still in ``.grad``)."""

    def on_evaluation(self, monitor: Monitor, step: int, mean: float) -> None:
        """A periodic greedy evaluation just ended with this mean return."""

    def on_training_end(self, monitor: Monitor) -> None:
        """The step loop ended (budget spent, ``break`` or an error)."""

    def on_result(self, monitor: Monitor, result: TrainResult) -> None:
        """The final evaluation is done; the last chance to add to ``result``."""


class Diagnostics(Callback):
    """What practitioners log at each evaluation (``result.diagnostics``): always on in a Monitor.

    The mean TD loss and gradient norm since the last evaluation (the norm sampled on every
    ``GRAD_NORM_EVERY``-th gradient step, to keep its cost off the clock), epsilon, the predicted
    Q(s0) at the evaluation episodes' first states, and at the end the discounted return those
    episodes collected (CartPole's reward is +1 a step, so T steps give (1 - gamma^T) / (1 - gamma)).
    """

    def __init__(self) -> None:
        self._loss_sum = self._grad_norm_sum = 0.0
        self._updates = self._grad_norms = 0
        self._params: list[Any] | None = None  # the trained network's, read at the first update
        self._start_env: Any = None

    @override
    def on_update(self, monitor: Monitor, loss: float) -> None:
        if self._params is None:
            net = monitor.trained_net
            self._params = list(net.parameters()) if hasattr(net, "parameters") else []
        if self._updates % GRAD_NORM_EVERY == 0:
            import torch

            grads = [p.grad for p in self._params if p.grad is not None]
            if grads:
                norms = torch.stack([torch.linalg.vector_norm(grad) for grad in grads])  # one per tensor
                self._grad_norm_sum += float(torch.linalg.vector_norm(norms))
                self._grad_norms += 1
        self._loss_sum += float(loss)
        self._updates += 1

    @override
    def on_evaluation(self, monitor: Monitor, step: int, mean: float) -> None:
        import torch

        if self._start_env is None:
            self._start_env = make_env()  # one CartPole, reset to each evaluation episode's first state
        starts = [self._start_env.reset(seed=EVAL_SEED_OFFSET + step + i)[0]
                  for i in range(monitor.eval_episodes)]
        with torch.inference_mode():
            q_values = monitor.evaluated_net(torch.as_tensor(np.array(starts)))
        q_start = float(q_values.max(dim=1).values.mean())
        nan = float("nan")
        values = {
            "step": step,
            "td_loss": self._loss_sum / self._updates if self._updates else nan,
            "grad_norm": self._grad_norm_sum / self._grad_norms if self._grad_norms else nan,
            "epsilon": monitor.epsilon,
            "q_start": q_start,
        }
        for key, value in values.items():
            monitor.train_result.diagnostics.setdefault(key, []).append(value)
        self._loss_sum = self._grad_norm_sum = 0.0
        self._updates = self._grad_norms = 0

    @override
    def on_training_end(self, monitor: Monitor) -> None:
        if self._start_env is not None:
            self._start_env.close()
            self._start_env = None

    @override
    def on_result(self, monitor: Monitor, result: TrainResult) -> None:
        gamma = getattr(result.config, "gamma", None)
        result.diagnostics["discounted_return"] = [
            float(np.mean((1 - gamma ** lengths) / (1 - gamma))) if gamma is not None else float("nan")
            for lengths in monitor.eval_returns[: len(result.eval_steps)]  # return = length on CartPole
        ]


class ProgressBar(Callback):
    """A progress bar (tqdm) with the latest greedy evaluation; ``Monitor(progress=True)`` adds it."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._counted = 0  # steps already counted in the bar

    @override
    def on_training_start(self, monitor: Monitor) -> None:
        from .progress import progress_bar

        self._bar = progress_bar(total=monitor.total_steps, desc=monitor.name)

    @override
    def on_evaluation(self, monitor: Monitor, step: int, mean: float) -> None:
        episodes = len(monitor.train_result.episode_returns)
        self._bar.set_postfix(greedy=f"{mean:.0f}", episodes=episodes, refresh=False)
        self._bar.update(step - self._counted)
        self._counted = step

    @override
    def on_training_end(self, monitor: Monitor) -> None:
        self._bar.update(monitor.global_step - self._counted)
        self._bar.close()


class LiveCurve(Callback):
    """The learning curve redrawn in place while training; ``Monitor(live=True)`` adds it."""

    def __init__(self) -> None:
        self._plot: Any = None

    @override
    def on_training_start(self, monitor: Monitor) -> None:
        from .plotting import LivePlot

        self._plot = LivePlot(title=monitor.name)

    @override
    def on_evaluation(self, monitor: Monitor, step: int, mean: float) -> None:
        self._plot.update(monitor.train_result)

    @override
    def on_training_end(self, monitor: Monitor) -> None:
        self._plot.close(monitor.train_result)


class KeepBest(Callback):
    """Keep a copy of the weights at the latest of the best periodic evaluations.

    Among tied evaluations the latest wins (SB3's ``EvalCallback`` with ``best_model_save_path``
    keeps the first, on disk). The choice uses the 10-episode periodic evaluations only. Training
    is unchanged: ``result.q_net`` is still the network at the end of the budget. Fills
    ``result.best_q_net``, ``result.best_eval_step`` and ``result.best_final_returns`` (the same
    final episodes, played by the kept copy; they never take part in choosing it).
    """

    def __init__(self) -> None:
        self._best: tuple[float, int, dict[str, Any]] | None = None  # (mean, step, weights)

    @override
    def on_evaluation(self, monitor: Monitor, step: int, mean: float) -> None:
        if self._best is None or mean >= self._best[0]:
            weights = {k: v.detach().clone() for k, v in monitor.evaluated_net.state_dict().items()}
            self._best = (mean, step, weights)

    @override
    def on_result(self, monitor: Monitor, result: TrainResult) -> None:
        if self._best is None:
            return
        result.best_q_net = copy.deepcopy(monitor.evaluated_net).eval()
        result.best_q_net.load_state_dict(self._best[2])
        result.best_eval_step = self._best[1]
        if monitor.final_episodes:
            result.best_final_returns = evaluate(result.best_q_net, monitor.final_episodes,
                                                 seed=FINAL_EVAL_SEED)


class Measure(Callback):
    """Run ``measure(net, global_step) -> dict[str, float]`` after each evaluation, off the clock.

    Its values are appended to ``result.extra[key]`` (e.g. notebook 05's overestimation probe).
    """

    def __init__(self, measure: Callable[[Any, int], dict[str, float]]) -> None:
        if not callable(measure):
            raise TypeError("Measure needs a function (q_net, global_step) -> dict of numbers, "
                            f"got {type(measure).__name__}.")
        self.measure = measure

    @override
    def on_evaluation(self, monitor: Monitor, step: int, mean: float) -> None:
        for key, value in self.measure(monitor.evaluated_net, step).items():
            monitor.log(key, value)


class TensorBoard(Callback):
    """Also write the evaluations, the diagnostics and each training episode's return for TensorBoard.

    Args:
        log_dir: e.g. ``"runs/soft"``; open it with ``%load_ext tensorboard`` then
            ``%tensorboard --logdir runs``. Needs ``pip install tensorboard``.
    """

    def __init__(self, log_dir: str) -> None:
        self._writer = _tensorboard_writer(log_dir)

    @override
    def on_episode_end(self, monitor: Monitor, episode_return: float) -> None:
        self._writer.add_scalar("train/episode_return", episode_return, monitor.global_step)

    @override
    def on_evaluation(self, monitor: Monitor, step: int, mean: float) -> None:
        self._writer.add_scalar("eval/greedy_mean", mean, step)
        for key, values in monitor.train_result.diagnostics.items():
            if key != "step" and values and not np.isnan(values[-1]):
                self._writer.add_scalar(f"diagnostics/{key}", values[-1], step)

    @override
    def on_training_end(self, monitor: Monitor) -> None:
        self._writer.flush()

    @override
    def on_result(self, monitor: Monitor, result: TrainResult) -> None:
        for step, value in zip(result.eval_steps, result.diagnostics.get("discounted_return", [])):
            self._writer.add_scalar("diagnostics/discounted_return", value, step)
        self._writer.close()


def _is_module(net: Any) -> bool:
    """Whether ``net`` looks like a torch.nn.Module (callable, with ``.train``)."""
    return callable(net) and hasattr(net, "train")


class Monitor:
    """The evaluation protocol around a training loop: a clock, periodic evaluations and the result.

    Everything else (progress bar, live curve, diagnostics, keeping the best weights, TensorBoard,
    measurements of your own) is a :class:`Callback`.

    Args:
        q_net: the network being trained; evaluated greedily every ``eval_interval`` steps.
        config: the run's frozen config dataclass; the budget is its ``total_steps``, and the
            result keeps it.
        name: label of the run.
        callbacks: extra :class:`Callback` objects, e.g. ``[cu.KeepBest(), cu.TensorBoard("runs/x")]``.
        progress: show a progress bar (adds :class:`ProgressBar`).
        live: redraw the learning curve while training, in a notebook (adds :class:`LiveCurve`).
        deployed_net: evaluate, diagnose and return this network as ``result.deployed_net``
            instead of evaluating ``q_net`` (e.g. a Polyak average of ``q_net``'s weights).
        total_steps: the budget, when there is no config (tests, quick experiments).
        eval_interval, eval_episodes, final_episodes: the protocol (1,000 steps, 10 episodes,
            100 final episodes; ``final_episodes=0`` skips the final evaluation).
    """

    def __init__(
        self,
        q_net: Any,
        config: Any = None,
        name: str = "agent",
        callbacks: Sequence[Callback] = (),
        progress: bool = True,
        live: bool = False,
        deployed_net: Any = None,
        *,
        total_steps: int | None = None,
        eval_interval: int = EVAL_INTERVAL,
        eval_episodes: int = EVAL_EPISODES,
        final_episodes: int = FINAL_EVAL_EPISODES,
    ) -> None:
        if isinstance(config, (int, float)) and not isinstance(config, bool):
            raise TypeError("Monitor's second argument is the run's config (it reads config.total_steps); "
                            f"got the number {config!r}. For a budget alone write total_steps={config!r}.")
        if total_steps is None:
            if not hasattr(config, "total_steps"):
                raise TypeError("Give the run's config (a dataclass with total_steps) or total_steps=..., "
                                f"got config={config!r}.")
            total_steps = config.total_steps
        for arg, value, least in (("total_steps", total_steps, 1), ("eval_interval", eval_interval, 1),
                                  ("eval_episodes", eval_episodes, 1), ("final_episodes", final_episodes, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                kind = "a positive int" if least == 1 else "a non-negative int"
                raise ValueError(f"{arg} must be {kind}, got {value!r}.")
        if not _is_module(q_net):
            raise TypeError(f"q_net must be the torch.nn.Module being trained, got {type(q_net).__name__}.")
        if deployed_net is not None and not _is_module(deployed_net):
            raise TypeError(f"deployed_net must be a torch.nn.Module (the network to evaluate and deploy), "
                            f"got {type(deployed_net).__name__}.")
        extra = list(callbacks)
        bad = [c for c in extra if not isinstance(c, Callback)]
        if bad:
            raise TypeError(f"callbacks must be cu.Callback objects (e.g. cu.KeepBest()), got {bad[0]!r}.")
        self.trained_net = q_net
        self.evaluated_net = q_net if deployed_net is None else deployed_net
        self.total_steps = total_steps
        self.name = name
        self.eval_interval = eval_interval
        self.eval_episodes = eval_episodes
        self.final_episodes = final_episodes
        self.callbacks: list[Callback] = [Diagnostics(), *extra]
        if progress:
            self.callbacks.append(ProgressBar())
        if live:
            self.callbacks.append(LiveCurve())
        self.train_result = TrainResult(name=name, config=config, q_net=q_net, deployed_net=deployed_net)
        self.global_step = 0
        self.epsilon = float("nan")  # the exploration rate last recorded
        self.eval_returns: list[np.ndarray] = []  # each periodic evaluation's episode returns
        self._episode_return = 0.0

    def steps(self) -> Iterator[int]:
        """Yield ``global_step`` = 1, 2, ..., ``total_steps``; evaluate every ``eval_interval``."""
        res = self.train_result
        for callback in self.callbacks:
            callback.on_training_start(self)
        clock = time.perf_counter()
        try:
            for global_step in range(1, self.total_steps + 1):
                self.global_step = global_step
                yield global_step
                if global_step % self.eval_interval == 0:
                    res.train_seconds += time.perf_counter() - clock
                    mean = float(np.mean(self.evaluate(global_step)))
                    res.eval_steps.append(global_step)
                    res.eval_means.append(mean)
                    res.eval_seconds_at.append(res.train_seconds)
                    for callback in self.callbacks:
                        callback.on_evaluation(self, global_step, mean)
                    clock = time.perf_counter()
        finally:  # also when the loop is left early with `break`
            res.train_seconds += time.perf_counter() - clock
            for callback in self.callbacks:
                callback.on_training_end(self)

    def evaluate(self, global_step: int) -> np.ndarray:
        """Greedy returns of the evaluated network on this evaluation's 10 episodes (seeded by the step)."""
        net = self.evaluated_net
        was_training = getattr(net, "training", False)
        net.eval()
        returns = evaluate(net, self.eval_episodes, seed=EVAL_SEED_OFFSET + global_step)
        net.train(was_training)
        self.eval_returns.append(np.asarray(returns))
        return returns

    def record(self, reward: float, episode_over: bool, epsilon: float | None = None) -> None:
        """Add one step's reward; close the episode when it is over (terminated or truncated).

        ``epsilon``, the exploration rate of this step, is kept for the diagnostics.
        """
        self._episode_return += float(reward)
        if epsilon is not None:
            self.epsilon = float(epsilon)
        if episode_over:
            self.train_result.episode_returns.append(self._episode_return)
            self.train_result.episode_end_steps.append(self.global_step)
            for callback in self.callbacks:
                callback.on_episode_end(self, self._episode_return)
            self._episode_return = 0.0

    def record_update(self, loss: float) -> None:
        """Note one gradient step and its TD loss; call it right after the optimizer step."""
        for callback in self.callbacks:
            callback.on_update(self, loss)

    def log(self, key: str, value: Any) -> None:
        """Append ``value`` to the list ``result.extra[key]`` (e.g. a loss every 100 steps)."""
        self.train_result.extra.setdefault(key, []).append(value)

    def result(self) -> TrainResult:
        """Run the final greedy evaluation (100 episodes) and return the :class:`TrainResult`."""
        res = self.train_result
        res.extra.setdefault("env_steps", self.global_step)
        if self.final_episodes:
            net = self.evaluated_net
            was_training = net.training
            net.eval()
            res.final_returns = evaluate(net, self.final_episodes, seed=FINAL_EVAL_SEED)
            net.train(was_training)
        for callback in self.callbacks:
            callback.on_result(self, res)
        return res


def _tensorboard_writer(log_dir: str) -> Any:
    """A TensorBoard SummaryWriter for ``log_dir``, or an ImportError that says what to install."""
    if not isinstance(log_dir, (str, os.PathLike)) or not str(log_dir):
        raise TypeError(f"tensorboard must be a log directory such as 'runs/soft', got {log_dir!r}.")
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise ImportError(
            "Monitor(tensorboard=...) needs the tensorboard package: `pip install tensorboard` "
            "(or `pip install -e '.[tensorboard]'`), then restart the kernel."
        ) from None
    return SummaryWriter(log_dir=str(log_dir))


def config_dict(config: Any) -> dict[str, Any]:
    """A config dataclass as a plain dict (for checkpoints and tables)."""
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        raise TypeError(f"Expected a config dataclass instance, got {type(config).__name__}.")
    return dataclasses.asdict(config)


def _run(train: Callable[..., TrainResult], config: Any, options: dict[str, Any]) -> TrainResult:
    from .env import set_threads

    set_threads(1)
    return train(config, **options)


def run_seeds(
    train: Callable[..., TrainResult],
    configs: list[Any],
    jobs: int = 1,
    **options: Any,
) -> list[TrainResult]:
    """Run ``train(config, **options)`` for each config (typically one per seed), in parallel.

    The runs go through joblib: local worker processes by default (``loky``), or any backend a
    ``joblib.parallel_config(backend=...)`` block around the call selects, e.g. a Dask or Ray
    cluster (``parallel_config(backend="ray")`` after ``ray.util.joblib.register_ray()``).

    Args:
        train: a training function of the course, e.g. ``cu.train_soft`` (it must be importable
            from a module, so that worker processes can find it).
        configs: the configs to train, e.g. ``[SoftConfig(seed=s) for s in range(1, 6)]``.
        jobs: parallel runs; 1 runs in this process. Each worker uses one torch thread, so
            ``jobs`` should not exceed the CPU cores (parallel runs make timings noisier).
        **options: passed to ``train`` (e.g. ``progress=False``).

    Returns:
        the results in the order of ``configs``.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive int, got {jobs!r}.")
    if not callable(train):
        raise TypeError(f"train must be a training function such as cu.train_soft, got {train!r}.")
    configs = list(configs)
    options.setdefault("progress", False)
    local = [obj for obj in (train, *configs)
             if getattr(obj, "__module__", type(obj).__module__) == "__main__"]
    if jobs > 1 and local:
        raise ValueError(
            f"{getattr(local[0], '__name__', type(local[0]).__name__)} is defined in this notebook, and "
            "worker processes can only run code they can import. Use the graduated copies "
            "(e.g. cu.train_soft and cu.SoftConfig), or jobs=1."
        )
    if jobs == 1:
        return [_run(train, config, options) for config in configs]
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=jobs)(delayed(_run)(train, config, options) for config in configs))
