"""Training plumbing shared by every training loop: the evaluation protocol, clocks, progress.

A training loop in the notebooks looks like this (the lesson is in the ``...``)::

    monitor = cu.Monitor(q_net, total_steps=config.total_steps, name="DQN")
    for global_step in monitor.steps():
        ...
        next_obs, reward, terminated, truncated, _ = env.step(action)
        monitor.record(reward, episode_over=terminated or truncated, epsilon=epsilon)
        ...
        loss = cu.q_learning_step(q_net, optimizer, batch, td_target)
        monitor.record_update(loss)
    result = monitor.result(config)

:meth:`Monitor.steps` evaluates ``q_net`` greedily every 1,000 steps on 10 separately seeded
episodes, and stops the training clock while it does, so the reported seconds are training only.
At each evaluation it also records the diagnostics practitioners log (``result.diagnostics``): the
mean TD loss and gradient norm since the last evaluation, epsilon, and the Q-value the network
predicts at the evaluation episodes' first states against the discounted return they then collect.
With ``tensorboard="runs/name"`` it writes the same numbers for TensorBoard.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
        q_net: the trained Q-network at the end of the budget (not the best one), or the
            Monitor's ``eval_net`` (the Polyak average notebook 06 deploys) when it was given one.
        episode_returns: return of each training episode (with exploration), in order.
        episode_end_steps: the environment step at which each training episode ended.
        eval_steps: environment steps at which the greedy evaluations ran.
        eval_means: mean greedy return of each evaluation (10 episodes).
        train_seconds: wall-clock seconds spent training, evaluations excluded.
        eval_seconds_at: training seconds elapsed at each evaluation.
        final_returns: greedy returns of the 100 final evaluation episodes (empty if skipped).
        extra: anything else a notebook logged (losses, Q-values, ...).
        diagnostics: one list per quantity, one value per periodic evaluation: ``step``;
            ``td_loss`` and ``grad_norm``, means over the gradient steps since the previous
            evaluation (nan without :meth:`Monitor.record_update`); ``epsilon`` at that step (nan
            if not recorded); ``q_start``, the mean of max_a Q(s0, a) over the evaluation episodes'
            first states; ``discounted_return``, the mean discounted return those episodes then
            collected (CartPole's reward is +1 a step, so T steps give (1 - gamma^T) / (1 - gamma);
            nan if the config has no ``gamma``).
        best_q_net: with ``Monitor(keep_best=True)``: a copy of the network at the latest of its
            best periodic evaluations (chosen on those 10-episode evaluations only), else ``None``.
        best_eval_step: the environment step of that evaluation, or ``None``.
        best_final_returns: the final evaluation's 100 episodes played by ``best_q_net`` (empty
            without ``keep_best``); the final episodes never take part in choosing it.
    """

    name: str
    config: Any
    q_net: Any
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

    def summary(self) -> dict[str, Any]:
        """The protocol's numbers for this run as a flat dict (for printing or tables)."""
        return {
            "agent": self.name,
            "seed": getattr(self.config, "seed", None),
            "solved_at_step": self.solved_at_step,
            "solved_at_seconds": self.solved_at_seconds,
            "stability": self.stability,
            "final_mean": self.final_mean,
            "train_seconds": self.train_seconds,
            "env_steps": self.extra.get("env_steps", self.eval_steps[-1] if self.eval_steps else 0),
        }

    def report(self) -> str:
        """A few human-readable lines with the run's measured numbers."""
        s = self.summary()
        solved = (
            f"first reached a greedy mean of 475 at {s['solved_at_step']:,} env steps, "
            f"{s['solved_at_seconds']:.1f} s of training"
            if s["solved_at_step"] is not None
            else "never reached a greedy mean of 475"
        )
        lines = [
            f"{self.name} (seed {s['seed']}): {solved}.",
            f"Training time for {s['env_steps']:,} env steps: {s['train_seconds']:.1f} s "
            f"({len(self.episode_returns)} training episodes).",
        ]
        if not np.isnan(s["stability"]):
            lines.append(f"Evaluations still solved after the first solve: {s['stability']:.0%}.")
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


class Monitor:
    """Runs the evaluation protocol around a training loop and collects a :class:`TrainResult`.

    Args:
        q_net: the network being trained; evaluated greedily every ``eval_interval`` steps.
        total_steps: the training budget in environment steps.
        name: label of the run.
        progress: show a progress bar (tqdm) with the latest evaluation.
        live: draw a learning curve that updates in place while training (in a notebook).
        eval_interval: environment steps between evaluations (the protocol says 1,000).
        eval_episodes: episodes per evaluation (the protocol says 10).
        final_episodes: episodes of the final greedy evaluation (100; 0 skips it).
        on_eval: an optional measurement ``on_eval(q_net, global_step) -> dict[str, float]`` run
            after each evaluation (off the training clock); its values are appended to
            ``result.extra[key]``.
        keep_best: keep a copy of the weights at the latest of the best periodic evaluations
            (``result.best_q_net``), as checkpointing callbacks do. Training itself is unchanged:
            ``result.q_net`` is still the network at the end of the budget.
        tensorboard: a log directory (e.g. ``"runs/soft"``) to also write the evaluations, the
            diagnostics and every training episode's return for TensorBoard (needs the
            ``tensorboard`` package: ``pip install tensorboard``). ``None`` writes nothing.
        eval_net: evaluate, diagnose and return this network instead of ``q_net``: the Polyak
            average of ``q_net`` that notebook 06 deploys. Gradient norms still come from ``q_net``.
    """

    def __init__(
        self,
        q_net: Any,
        total_steps: int,
        name: str = "agent",
        progress: bool = True,
        live: bool = False,
        eval_interval: int = EVAL_INTERVAL,
        eval_episodes: int = EVAL_EPISODES,
        final_episodes: int = FINAL_EVAL_EPISODES,
        on_eval: Callable[[Any, int], dict[str, float]] | None = None,
        keep_best: bool = False,
        tensorboard: str | None = None,
        eval_net: Any = None,
    ) -> None:
        for arg, value, least in (("total_steps", total_steps, 1), ("eval_interval", eval_interval, 1),
                                  ("eval_episodes", eval_episodes, 1), ("final_episodes", final_episodes, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                kind = "a positive int" if least == 1 else "a non-negative int"
                raise ValueError(f"{arg} must be {kind}, got {value!r}.")
        if not callable(q_net) or not hasattr(q_net, "train"):
            raise TypeError(f"q_net must be the torch.nn.Module being trained, got {type(q_net).__name__}.")
        if eval_net is not None and (not callable(eval_net) or not hasattr(eval_net, "train")):
            raise TypeError(f"eval_net must be a torch.nn.Module (the network to evaluate), "
                            f"got {type(eval_net).__name__}.")
        if on_eval is not None and not callable(on_eval):
            raise TypeError("on_eval must be a function (q_net, global_step) -> dict of numbers.")
        self._writer = _tensorboard_writer(tensorboard) if tensorboard is not None else None
        self.q_net = q_net if eval_net is None else eval_net  # the network evaluated and returned
        self.total_steps = total_steps
        self.name = name
        self.eval_interval = eval_interval
        self.eval_episodes = eval_episodes
        self.final_episodes = final_episodes
        self.on_eval = on_eval
        self.keep_best = bool(keep_best)
        self._best: tuple[float, int, dict[str, Any]] | None = None  # (mean, step, weights)
        self._progress = progress
        self._live = live
        self._episode_return = 0.0
        self._global_step = 0
        self._result = TrainResult(name=name, config=None, q_net=self.q_net)
        self._params = list(q_net.parameters()) if hasattr(q_net, "parameters") else []
        self._loss_sum = self._grad_norm_sum = 0.0
        self._updates = self._grad_norms = 0
        self._start_env: Any = None
        self._epsilon = float("nan")
        self._eval_lengths: list[np.ndarray] = []

    def steps(self) -> Iterator[int]:
        """Yield ``global_step`` = 1, 2, ..., ``total_steps``; evaluate every ``eval_interval``."""
        from .plotting import LivePlot
        from .progress import progress_bar

        bar = progress_bar(total=self.total_steps, desc=self.name, disable=not self._progress)
        live = LivePlot(title=self.name) if self._live else None
        res = self._result
        clock = time.perf_counter()
        done_steps = 0  # steps already counted in the progress bar
        try:
            for global_step in range(1, self.total_steps + 1):
                self._global_step = global_step
                yield global_step
                if global_step % self.eval_interval == 0:
                    res.train_seconds += time.perf_counter() - clock
                    mean = float(np.mean(self.evaluate(global_step)))
                    res.eval_steps.append(global_step)
                    res.eval_means.append(mean)
                    res.eval_seconds_at.append(res.train_seconds)
                    self._diagnose(global_step, mean)
                    if self.keep_best and (self._best is None or mean >= self._best[0]):
                        weights = {k: v.detach().clone() for k, v in self.q_net.state_dict().items()}
                        self._best = (mean, global_step, weights)
                    if self.on_eval is not None:
                        for key, value in self.on_eval(self.q_net, global_step).items():
                            self.log(key, value)
                    bar.set_postfix(greedy=f"{mean:.0f}", episodes=len(res.episode_returns), refresh=False)
                    bar.update(global_step - done_steps)
                    done_steps = global_step
                    if live is not None:
                        live.update(res)
                    clock = time.perf_counter()
        finally:  # also when the loop is left early with `break`
            res.train_seconds += time.perf_counter() - clock
            bar.update(self._global_step - done_steps)
            bar.close()
            if live is not None:
                live.close(res)
            if self._writer is not None:
                self._writer.flush()
            if self._start_env is not None:
                self._start_env.close()
                self._start_env = None

    def evaluate(self, global_step: int) -> np.ndarray:
        """Greedy returns of ``q_net`` on this evaluation's 10 episodes (seeded by the step)."""
        was_training = getattr(self.q_net, "training", False)
        self.q_net.eval()
        returns = evaluate(self.q_net, self.eval_episodes, seed=EVAL_SEED_OFFSET + global_step)
        self.q_net.train(was_training)
        self._eval_lengths.append(np.asarray(returns))  # CartPole: +1 a step, so return = length
        return returns

    def record(self, reward: float, episode_over: bool, epsilon: float | None = None) -> None:
        """Add one step's reward; close the episode when it is over (terminated or truncated).

        ``epsilon``, the exploration rate of this step, is kept for the diagnostics.
        """
        self._episode_return += float(reward)
        if epsilon is not None:
            self._epsilon = float(epsilon)
        if episode_over:
            self._result.episode_returns.append(self._episode_return)
            self._result.episode_end_steps.append(self._global_step)
            if self._writer is not None:
                self._writer.add_scalar("train/episode_return", self._episode_return, self._global_step)
            self._episode_return = 0.0

    def record_update(self, loss: float) -> None:
        """Note one gradient step: its TD loss, and on every ``GRAD_NORM_EVERY``-th its gradient norm.

        Call it right after the optimizer step (the gradients are still in ``.grad``). Sampling the
        norm keeps its cost (a few tensor operations) off most steps of the training clock.
        """
        if self._updates % GRAD_NORM_EVERY == 0:
            import torch

            grads = [p.grad for p in self._params if p.grad is not None]
            if grads:
                norms = torch.stack([torch.linalg.vector_norm(grad) for grad in grads])  # one per tensor
                self._grad_norm_sum += float(torch.linalg.vector_norm(norms))
                self._grad_norms += 1
        self._loss_sum += float(loss)
        self._updates += 1

    def _diagnose(self, global_step: int, eval_mean: float) -> None:
        """Append this evaluation's diagnostics (off the training clock)."""
        import torch

        if self._start_env is None:
            self._start_env = make_env()  # one CartPole, reset to each evaluation episode's first state
        starts = [self._start_env.reset(seed=EVAL_SEED_OFFSET + global_step + i)[0]
                  for i in range(self.eval_episodes)]
        with torch.inference_mode():
            q_start = float(self.q_net(torch.as_tensor(np.array(starts))).max(dim=1).values.mean())
        nan = float("nan")
        values = {
            "step": global_step,
            "td_loss": self._loss_sum / self._updates if self._updates else nan,
            "grad_norm": self._grad_norm_sum / self._grad_norms if self._grad_norms else nan,
            "epsilon": self._epsilon,
            "q_start": q_start,
        }
        for key, value in values.items():
            self._result.diagnostics.setdefault(key, []).append(value)
        self._loss_sum = self._grad_norm_sum = 0.0
        self._updates = self._grad_norms = 0
        if self._writer is not None:
            self._writer.add_scalar("eval/greedy_mean", eval_mean, global_step)
            for key, value in values.items():
                if key != "step" and not np.isnan(value):
                    self._writer.add_scalar(f"diagnostics/{key}", value, global_step)

    def log(self, key: str, value: Any) -> None:
        """Append ``value`` to the list ``result.extra[key]`` (e.g. a loss every 100 steps)."""
        self._result.extra.setdefault(key, []).append(value)

    def result(self, config: Any = None) -> TrainResult:
        """Run the final greedy evaluation (100 episodes) and return the :class:`TrainResult`."""
        res = self._result
        res.config = config
        res.extra.setdefault("env_steps", self._global_step)
        gamma = getattr(config, "gamma", None)
        res.diagnostics["discounted_return"] = [
            float(np.mean((1 - gamma ** lengths) / (1 - gamma))) if gamma is not None else float("nan")
            for lengths in self._eval_lengths[: len(res.eval_steps)]
        ]
        if self._writer is not None:
            for step, value in zip(res.eval_steps, res.diagnostics["discounted_return"]):
                self._writer.add_scalar("diagnostics/discounted_return", value, step)
            self._writer.close()
        if self.final_episodes:
            was_training = self.q_net.training
            self.q_net.eval()
            res.final_returns = evaluate(self.q_net, self.final_episodes, seed=FINAL_EVAL_SEED)
            self.q_net.train(was_training)
        if self._best is not None:
            res.best_q_net = copy.deepcopy(self.q_net).eval()
            res.best_q_net.load_state_dict(self._best[2])
            res.best_eval_step = self._best[1]
            if self.final_episodes:
                res.best_final_returns = evaluate(res.best_q_net, self.final_episodes, seed=FINAL_EVAL_SEED)
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
