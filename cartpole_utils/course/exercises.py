"""Checkers for the exercises at the end of notebooks 02-06 and 08.

Each ``check_*`` function runs the learner's code on small hand-made cases whose answers are known,
then either prints that the exercise passed (and returns ``True``), prints that it is not attempted
yet (the stub still raises ``NotImplementedError``; returns ``None``, so a notebook still runs top to
bottom), or raises :class:`ExerciseError` saying in words what is wrong and where to look.

Reached as ``cu.exercises.check_...`` after ``import cartpole_utils as cu``.
Reference solutions are in the repository's ``solutions/`` folder.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from ..lessons.nb02_online_dqn import Batch

__all__ = [
    "ExerciseError",
    "check_td_target", "check_epsilon_greedy", "check_q_learning_step",
    "check_replay_buffer", "check_bootstrap_mask",
    "check_hard_update", "check_target_td_target",
    "check_double_td_target", "check_max_bias",
    "check_soft_update", "check_soft_half_life",
    "check_dueling_aggregation", "check_value_and_advantages",
]


class ExerciseError(AssertionError):
    """The learner's code gave a wrong answer.

    ``cause`` says what is wrong and where to look; ``fix`` is the line that corrects it, shown only
    when the same check fails the same way a second time, or by :func:`hint`.
    """

    def __init__(self, cause: str, fix: str | None = None) -> None:
        super().__init__(cause)
        self.cause, self.fix = cause, fix


class _NotAttempted(Exception):
    pass


class _LearnerRaised(Exception):
    """An exception raised inside the learner's own code (not by a check on what it returned)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


#: The last failure of each exercise (title -> cause), to show the fix on a second identical failure.
_LAST_FAILURE: dict[str, str] = {}
#: The fix of the most recent failure with one: (title, fix line), for :func:`hint`.
_LAST_FIX: list[tuple[str, str]] = []


def hint() -> None:
    """Print the line that fixes the most recent failed check, if it has one."""
    if not _LAST_FIX:
        print("No check has failed with a known fix yet.")
        return
    title, fix = _LAST_FIX[-1]
    print(f"{title}: {fix}")


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """Call the learner's code; a NotImplementedError means the stub is untouched."""
    try:
        return fn(*args)
    except NotImplementedError as error:
        raise _NotAttempted from error
    except Exception as error:  # told apart from a check that fails on what the code returned
        raise _LearnerRaised(error) from error


def _learner_raised(error: BaseException) -> ExerciseError:
    """Say what the learner's own code raised, and where to look."""
    text = str(error)
    if isinstance(error, ValueError) and "replace" in text and "sample" in text:
        return ExerciseError(
            "sample raised because it draws without replacement (rng.choice(..., replace=False)), which "
            "cannot give a batch larger than the transitions stored, as early in training. Draw the "
            "indices with replacement, as DQN does.",
            "idx = self.rng.integers(0, self.size, size=batch_size)")
    hint_text = "Call it on a small example of your own to see where."
    if "size of tensor" in text or "shape" in text:
        hint_text = ("Shapes do not match: max, argmax and mean over actions run over dim=1, and one value "
                     "per transition has shape (B,).")
    return ExerciseError(f"your code raised {type(error).__name__}: {error}. {hint_text}")


def _checker(title: str) -> Callable[[Callable[..., str]], Callable[..., bool | None]]:
    """Wrap a checker: print pass / not attempted, and prefix failures with the exercise's title.

    A failure gives its cause first; the fix line comes with a second identical failure.
    """

    def wrap(check: Callable[..., str]) -> Callable[..., bool | None]:
        def run(solution: Any) -> bool | None:
            try:
                success = check(solution)
            except _NotAttempted:
                print(f"{title}: not attempted yet (the stub raises NotImplementedError). "
                      "Write it in the cell above and run both cells again.")
                return None
            except ExerciseError as error:
                raise _failure(title, error) from None
            except _LearnerRaised as raised:
                raise _failure(title, _learner_raised(raised.error)) from None
            except Exception as error:  # the check itself could not use what the code returned
                cause = (f"what your code returned could not be checked ({type(error).__name__}: {error}). "
                         "Compare the type and shape it returns with what the exercise asks for.")
                raise _failure(title, ExerciseError(cause)) from None
            _LAST_FAILURE.pop(title, None)
            print(f"{title}: passed. {success}")
            return True

        run.__name__, run.__doc__ = check.__name__, check.__doc__
        return run

    return wrap


def _failure(title: str, error: ExerciseError) -> ExerciseError:
    """The error to show: the cause, and the fix line if this exact failure happened just before."""
    again = _LAST_FAILURE.get(title) == error.cause
    _LAST_FAILURE[title] = error.cause
    message = f"{title}: {error.cause}"
    if error.fix:
        _LAST_FIX.append((title, error.fix))
        if again:
            message += f"\nSame failure as last time. The line to write: {error.fix}"
        else:
            message += (" (Fix it and run the check again; a second identical failure shows the line "
                        "to write.)")
    failure = ExerciseError(message, error.fix)
    failure.cause = error.cause
    return failure


def _one_hot_net(weights: list[list[float]], bias: tuple[float, float] = (0.0, 0.0)) -> nn.Linear:
    """A linear Q-network on 4 one-hot states: Q(e_i) = weights[i] + bias, shape (2,) per state."""
    net = nn.Linear(4, 2)
    with torch.no_grad():
        net.weight.copy_(torch.tensor(weights, dtype=torch.float32).T)
        net.bias.copy_(torch.tensor(bias, dtype=torch.float32))
    return net


def _states(*indices: int) -> torch.Tensor:
    return torch.eye(4)[list(indices)]


def _batch(obs: list[int], actions: list[int], rewards: list[float], next_obs: list[int],
           terminated: list[float]) -> Batch:
    return Batch(_states(*obs), torch.tensor(actions), torch.tensor(rewards, dtype=torch.float32),
                 _states(*next_obs), torch.tensor(terminated, dtype=torch.float32))


def _as_tensor(result: Any, name: str, shape: tuple[int, ...]) -> torch.Tensor:
    if not isinstance(result, torch.Tensor):
        raise ExerciseError(f"{name} should be a torch.Tensor, got {type(result).__name__}.")
    if tuple(result.shape) != shape:
        raise ExerciseError(
            f"{name} has shape {tuple(result.shape)}, expected {shape}. "
            "Keep one value per transition: `.max(dim=1).values` and `.squeeze(1)` give shape (B,)."
        )
    return result


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return bool(torch.allclose(a.detach().float(), b.float(), atol=1e-5))


def _checked_target(td_target: Callable[..., Any], *args: Any, name: str = "The TD target") -> torch.Tensor:
    """Call a learner's target function on a batch of 3; the result must be a (3,) constant tensor."""
    y = _as_tensor(_call(td_target, *args), name, (3,))
    if y.requires_grad:
        raise ExerciseError("the target carries gradients. It is a constant for the update: compute it "
                            "inside `with torch.no_grad():` so the loss only moves Q(s, a).")
    return y


# ----------------------------------------------------------------------------- notebook 02

# Q-values of the four one-hot states: state 0 prefers action 1, state 2 action 0; the largest
# value of each action column sits in another state, so a max over the batch axis is visible.
_Q_WEIGHTS = [[1.0, 3.0], [5.0, 0.5], [4.0, 2.0], [0.0, 6.0]]


@_checker("Exercise (TD target)")
def check_td_target(td_target: Callable[[nn.Module, Batch, float], torch.Tensor]) -> str:
    """Check ``td_target(q_net, batch, gamma)`` -> y = r + gamma (1 - terminated) max_a' Q(s', a')."""
    q_net = _one_hot_net(_Q_WEIGHTS)
    batch = _batch([0, 1, 2], [0, 1, 0], [1.0, 1.0, 1.0], next_obs=[0, 2, 1], terminated=[0.0, 1.0, 0.0])
    gamma = 0.9
    y = _checked_target(td_target, q_net, batch, gamma)
    q_table = torch.tensor(_Q_WEIGHTS)
    next_q, q_now = q_table[[0, 2, 1]], q_table[[0, 1, 2]]
    mask = 1 - batch.terminated
    expected = batch.rewards + gamma * mask * next_q.max(dim=1).values
    if _close(y, expected):
        return "y = r + γ (1 - terminated) max_a' Q(s', a') on a batch with a terminal transition."
    if _close(y, batch.rewards + gamma * mask * q_now.max(dim=1).values):
        raise ExerciseError("your target scores batch.obs, the state the action was taken in. The target "
                            "looks one step ahead: evaluate the network on s', batch.next_obs.",
                            "y = batch.rewards + gamma * (1 - batch.terminated) * "
                            "q_net(batch.next_obs).max(dim=1).values")
    if _close(y, batch.rewards + gamma * next_q.max(dim=1).values):
        raise ExerciseError("the second transition is terminal (the pole fell), but your target still adds "
                            "γ max Q(s'): a terminal s' has no future to bootstrap from.",
                            "multiply the bootstrap term by (1 - batch.terminated)")
    if _close(y, batch.rewards + gamma * batch.terminated * next_q.max(dim=1).values):
        raise ExerciseError("the terminal mask is inverted: your target bootstraps only where the episode "
                            "ended, and nowhere else.", "use (1 - batch.terminated), not batch.terminated")
    column_max = next_q.max(dim=0).values  # (2,) maxima over the batch: the wrong axis
    if any(_close(y, batch.rewards + gamma * mask * column_max[i]) for i in range(2)):
        raise ExerciseError("the max runs over the batch axis (dim=0). Q(s', ·) has shape (B, n_actions) and "
                            "the max is over actions.", "q_net(batch.next_obs).max(dim=1).values")
    if _close(y, batch.rewards + gamma * mask * next_q[torch.arange(3), batch.actions]):
        raise ExerciseError("you took Q(s', a) for the action stored in the batch; the target takes the "
                            "best action in s', the max over all actions a'.",
                            "q_net(batch.next_obs).max(dim=1).values")
    raise ExerciseError(f"expected {expected.tolist()}, got {y.detach().tolist()} "
                        f"(rewards 1, gamma {gamma}, terminated {batch.terminated.tolist()}).")


def _actions(epsilon_greedy: Callable[..., Any], q_net: nn.Module, state: int, epsilon: float,
             rng: np.random.Generator, n: int) -> list[int]:
    obs = np.eye(4, dtype=np.float32)[state]
    actions = []
    for _ in range(n):
        action = _call(epsilon_greedy, q_net, obs, epsilon, rng)
        if not isinstance(action, (int, np.integer)) or isinstance(action, bool):
            raise ExerciseError(f"return a plain int action (0 or 1), got {action!r}.", "return int(action)")
        actions.append(int(action))
    return actions


@_checker("Exercise (epsilon-greedy)")
def check_epsilon_greedy(epsilon_greedy: Callable[[nn.Module, np.ndarray, float, np.random.Generator], int]
                         ) -> str:
    """Check ``epsilon_greedy(q_net, obs, epsilon, rng)`` -> an int action."""
    q_net = _one_hot_net(_Q_WEIGHTS)
    first, second = (_actions(epsilon_greedy, q_net, 0, 0.5, np.random.default_rng(7), 200) for _ in range(2))
    if first != second:
        raise ExerciseError("two runs with generators seeded alike chose different actions: your function "
                            "draws from another generator (np.random, random, a new default_rng) instead "
                            "of the rng passed in, so a seed cannot make a run repeat.",
                            "explore with rng.random() < epsilon and draw the action with rng.integers(2)")
    greedy = _actions(epsilon_greedy, q_net, 0, 0.0, np.random.default_rng(0), 200)
    if len(set(greedy)) > 1:
        raise ExerciseError(f"at ε = 0 your function still explored: 200 calls in one state gave actions "
                            f"{sorted(set(greedy))}. The comparison that decides to explore is reversed; "
                            "exploring must be the rare case, with probability ε.",
                            "if rng.random() < epsilon: explore")
    for state, best in ((0, 1), (1, 0), (3, 1)):
        action = _actions(epsilon_greedy, q_net, state, 0.0, np.random.default_rng(0), 1)[0]
        if action != best:
            raise ExerciseError(f"with ε = 0 the action must be argmax_a Q(s, a) = {best} "
                                f"(Q = {_Q_WEIGHTS[state]}), got {action}: the greedy choice is wrong. "
                                "Q-values have shape (1, n_actions) for one observation.",
                                "int(q_net(obs_tensor.unsqueeze(0)).argmax(dim=1))")
    counts = {epsilon: np.mean(_actions(epsilon_greedy, q_net, 0, epsilon, np.random.default_rng(1), 4000))
              for epsilon in (1.0, 0.2)}
    if abs(counts[1.0] - 0.5) > 0.05:
        raise ExerciseError(f"with ε = 1 every action should be uniformly random, but action 1 came "
                            f"{counts[1.0]:.0%} of the time: the random action is not drawn uniformly.",
                            "action = int(rng.integers(2))")
    if abs(counts[0.2] - 0.9) > 0.03:
        raise ExerciseError(f"with ε = 0.2 the greedy action should come 1 - ε + ε/2 = 90% of the time "
                            f"(the random draw may pick it too), got {counts[0.2]:.0%}: the test that "
                            "decides when to explore does not explore with probability ε.",
                            "if rng.random() < epsilon: explore")
    return "the rng passed in, greedy at ε = 0, uniform at ε = 1, 90% greedy at ε = 0.2."


def _reference_step(q_net: nn.Module, optimizer: torch.optim.Optimizer, batch: Batch,
                    td_target: torch.Tensor) -> float:
    q_values = q_net(batch.obs).gather(1, batch.actions.unsqueeze(1)).squeeze(1)
    loss = torch.nn.functional.mse_loss(q_values, td_target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


@_checker("Exercise (the Q-learning step)")
def check_q_learning_step(q_learning_step: Callable[..., float]) -> str:
    """Check ``q_learning_step(q_net, optimizer, batch, td_target)`` -> loss, with one gradient step."""
    batch = _batch([0, 1, 2], [1, 1, 0], [1.0, 1.0, 1.0], next_obs=[1, 2, 3], terminated=[0.0, 0.0, 0.0])
    td_target = torch.tensor([2.0, 7.0, 1.0])
    theirs, ours = _one_hot_net(_Q_WEIGHTS), _one_hot_net(_Q_WEIGHTS)
    their_opt = torch.optim.SGD(theirs.parameters(), lr=0.1)
    our_opt = torch.optim.SGD(ours.parameters(), lr=0.1)
    q_all = torch.tensor(_Q_WEIGHTS)[[0, 1, 2]]
    for step in (1, 2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # mse_loss warns on a (B, 1) vs (B,) broadcast: we name it
            loss = _call(q_learning_step, theirs, their_opt, batch, td_target)
        expected = _reference_step(ours, our_opt, batch, td_target)
        if step == 1 and not math.isclose(float(loss), expected, rel_tol=1e-4):
            broadcast = ((q_all[torch.arange(3), batch.actions].unsqueeze(1) - td_target) ** 2).mean()
            with_max = ((q_all.max(dim=1).values - td_target) ** 2).mean()
            if math.isclose(float(loss), float(with_max), rel_tol=1e-4):
                raise ExerciseError("the loss uses max_a Q(s, a); it must use Q(s, a) of the action taken, "
                                    "picked from each row with gather.",
                                    "q_net(batch.obs).gather(1, batch.actions.unsqueeze(1)).squeeze(1)")
            if math.isclose(float(loss), float(broadcast), rel_tol=1e-4):
                raise ExerciseError("Q(s, a) has shape (B, 1) and the target (B,): the loss broadcast them "
                                    "to (B, B) and compared every pair.", "q_sa = q_sa.squeeze(1)  # (B,)")
            raise ExerciseError(f"the loss should be the mean of (Q(s, a) - y)^2 = {expected:.4f}, "
                                f"got {float(loss):.4f}.")
        if not all(torch.allclose(a, b, atol=1e-5) for a, b in zip(theirs.parameters(), ours.parameters())):
            if step == 2:
                raise ExerciseError("the first step is right but the second is not: the gradients of "
                                    "step 1 were added to those of step 2 (backward adds to .grad; "
                                    "zero_grad() clears it).",
                                    "optimizer.zero_grad() before loss.backward() in every step")
            raise ExerciseError("after one step the weights differ from one gradient step on that loss.",
                                "loss.backward(); optimizer.step()")
    return "the loss on Q(s, a) of the actions taken, and two clean gradient steps."


# ----------------------------------------------------------------------------- notebook 03

_BATCH_FIELDS = ("obs", "actions", "rewards", "next_obs", "terminated")


def _filled(buffer_class: type, capacity: int, seed: int, n: int) -> Any:
    """A learner's buffer after ``n`` adds of transitions i = 1..n.

    Transition i has obs all i, action i % 2, reward i, next_obs all i + 0.5, and is terminated when
    i is a multiple of 3: every field tells which transition it came from.
    """
    buffer = buffer_class(capacity=capacity, seed=seed)
    for i in range(1, n + 1):
        _call(buffer.add, np.full(4, i, np.float32), i % 2, float(i), np.full(4, i + 0.5, np.float32),
              i % 3 == 0, False)
    return buffer


def _expected_fields(i: torch.Tensor) -> dict[str, torch.Tensor]:
    """What each batch field holds for transitions numbered ``i`` (B,)."""
    return {"obs": i.float(), "actions": i % 2, "rewards": i.float(), "next_obs": i.float() + 0.5,
            "terminated": (i % 3 == 0).float()}


def _check_batch(sample: Any, batch_size: int) -> None:
    """Type, shapes and dtypes of a sampled batch, each with its own message."""
    if not isinstance(sample, Batch):
        raise ExerciseError(f"sample should return a cu.Batch, got {type(sample).__name__}.",
                            "return cu.Batch(obs, actions, rewards, next_obs, terminated)")
    for name in _BATCH_FIELDS:
        value = getattr(sample, name)
        if not isinstance(value, torch.Tensor):
            raise ExerciseError(f"sample must return tensors, got {type(value).__name__} for batch.{name}: "
                                "the learning step calls torch operations on every field.",
                                f"torch.from_numpy(self.{name}[idx])")
    shapes = {"obs": (batch_size, 4), "actions": (batch_size,), "rewards": (batch_size,),
              "next_obs": (batch_size, 4), "terminated": (batch_size,)}
    for name, shape in shapes.items():
        if tuple(getattr(sample, name).shape) != shape:
            raise ExerciseError(f"batch.{name} has shape {tuple(getattr(sample, name).shape)}, "
                                f"expected {shape}. "
                                f"The fields of cu.Batch are {', '.join(_BATCH_FIELDS)}, in that order: "
                                "check the order in which you pass them.")
    if sample.actions.dtype != torch.int64:
        raise ExerciseError(f"batch.actions has dtype {sample.actions.dtype}; gather needs int64 indices. "
                            "Check the order of the fields you pass to cu.Batch, and the actions array.")


@_checker("Exercise (ring buffer)")
def check_replay_buffer(buffer_class: type) -> str:
    """Check a subclass of ``cu.ReplayBuffer`` whose ``add`` and ``sample`` the learner wrote."""
    buffer = _filled(buffer_class, capacity=5, seed=0, n=3)
    if buffer.size != 3 or buffer.pos != 3:
        raise ExerciseError(f"after 3 adds to an empty buffer, size and pos should be 3, got size "
                            f"{buffer.size} and pos {buffer.pos}.")
    if buffer.terminated[2] != 1.0 or buffer.obs[1, 0] != 2.0 or buffer.next_obs[2, 0] != 3.5 \
            or buffer.actions[0] != 1 or buffer.rewards[1] != 2.0:
        raise ExerciseError("a transition is not where it should be: add writes every field of one "
                            "transition at the same index, pos.")
    sample = _call(buffer.sample, 2_000)
    _check_batch(sample, 2_000)
    number = sample.obs[:, 0].round().long()
    if not set(number.tolist()) <= {1, 2, 3}:
        raise ExerciseError("sample drew empty slots: with 3 of 5 slots filled, it must draw indices "
                            "below self.size, not self.capacity.",
                            "idx = self.rng.integers(0, self.size, size=batch_size)")
    expected = _expected_fields(number)
    for name in _BATCH_FIELDS[1:]:  # obs numbers the transition; every other field must agree with it
        value = getattr(sample, name)
        value = value[:, 0] if value.dim() == 2 else value
        if torch.equal(value.float(), expected[name].float()):
            continue
        holds = [other for other in _BATCH_FIELDS if other != name
                 and torch.equal(value.float(), expected[other].float())]
        if holds:
            raise ExerciseError(f"batch.{name} holds the {holds[0]} of the transitions: two fields are "
                                f"swapped in cu.Batch(...), whose order is {', '.join(_BATCH_FIELDS)}.")
        raise ExerciseError(f"batch.{name} does not belong to the same transitions as batch.obs: each "
                            "field of a batch must be read with the same index array, so that row k of "
                            "every field is one transition.",
                            f"torch.from_numpy(self.{name}[idx]), with the same idx as for obs")
    twin = _filled(buffer_class, capacity=5, seed=0, n=3)
    if not torch.equal(_call(twin.sample, 64).obs, _call(_filled(buffer_class, 5, 0, 3).sample, 64).obs):
        raise ExerciseError("two buffers made with the same seed sampled different batches: sample draws "
                            "from another generator (np.random, a new default_rng) instead of self.rng.",
                            "idx = self.rng.integers(0, self.size, size=batch_size)")
    draws = [tuple(_call(twin.sample, 3).obs[:, 0].round().long().tolist()) for _ in range(60)]
    if all(len(set(draw)) == 3 for draw in draws):
        raise ExerciseError("60 batches of 3 from 3 transitions never repeated a transition: sample draws "
                            "without replacement, which cannot give a batch larger than what is stored. "
                            "DQN draws with replacement.",
                            "idx = self.rng.integers(0, self.size, size=batch_size)")
    try:
        for i in range(4, 9):
            _call(buffer.add, np.full(4, i, np.float32), i % 2, float(i), np.full(4, i + 0.5, np.float32),
                  i % 3 == 0, i == 8)
    except _LearnerRaised as raised:
        if not isinstance(raised.error, IndexError):
            raise
        raise ExerciseError("adding a 6th transition to a buffer of capacity 5 failed: the buffer does not "
                            "wrap around to slot 0.", "self.pos = (self.pos + 1) % self.capacity") from None
    if buffer.size != 5:
        raise ExerciseError(f"after 8 adds to a buffer of capacity 5, size should stay 5, got {buffer.size}.",
                            "self.size = min(self.size + 1, self.capacity)")
    if sorted(buffer.obs[:, 0].tolist()) != [4.0, 5.0, 6.0, 7.0, 8.0] or buffer.pos != 3:
        raise ExerciseError(f"after 8 adds the buffer should hold transitions 4-8 with pos = 3, holds "
                            f"{buffer.obs[:, 0].tolist()} with pos {buffer.pos}: the oldest is overwritten "
                            "first.")
    return ("adds wrap around, size stops at capacity, samples whole transitions from filled slots "
            "with self.rng.")


@_checker("Exercise (bootstrap mask)")
def check_bootstrap_mask(bootstrap_mask: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> str:
    """Check ``bootstrap_mask(terminated, truncated)`` -> 1.0 where the target bootstraps from s'."""
    terminated = torch.tensor([0.0, 1.0, 0.0, 1.0])
    truncated = torch.tensor([0.0, 0.0, 1.0, 1.0])
    mask = _as_tensor(_call(bootstrap_mask, terminated, truncated), "The mask", (4,))
    if _close(mask, torch.tensor([1.0, 0.0, 1.0, 0.0])):
        return "the time limit (truncated) still bootstraps; only a failure (terminated) stops it."
    if _close(mask, torch.tensor([1.0, 0.0, 0.0, 0.0])):
        raise ExerciseError("a truncated step (the 500-step time limit) gets mask 0: that is the classic "
                            "`terminated or truncated` bug. The pole did not fall; the future still counts, "
                            "so only `terminated` may stop the bootstrap.")
    if _close(mask, terminated):
        raise ExerciseError("the mask is inverted: it should be 1 - terminated (1 where s' has a future).")
    raise ExerciseError(f"for terminated {terminated.tolist()} and truncated {truncated.tolist()} the mask "
                        f"should be [1, 0, 1, 0], got {mask.tolist()}.")


# ----------------------------------------------------------------------------- notebook 04

@_checker("Exercise (hard copy)")
def check_hard_update(hard_update: Callable[[nn.Module, nn.Module], None]) -> str:
    """Check ``hard_update(target_net, q_net)``: the target gets the online weights, as a copy."""
    q_net, target_net = _one_hot_net(_Q_WEIGHTS, (1.0, -1.0)), _one_hot_net([[0.0, 0.0]] * 4)
    q_before = copy.deepcopy(q_net.state_dict())
    _call(hard_update, target_net, q_net)
    if all(torch.equal(a, b) for a, b in zip(q_net.parameters(), target_net.parameters())):
        if not all(torch.equal(v, q_before[k]) for k, v in q_net.state_dict().items()):
            raise ExerciseError("q_net changed: the copy runs from q_net into target_net, not back.")
    elif all(torch.count_nonzero(p) == 0 for p in q_net.parameters()):
        raise ExerciseError("the copy ran the wrong way: q_net got the target's weights. "
                            "Copy q_net's weights into target_net.")
    else:
        raise ExerciseError("after the copy, target_net's weights should equal q_net's: "
                            "target_net.load_state_dict(q_net.state_dict()).")
    if any(a.data_ptr() == b.data_ptr() for a, b in zip(q_net.parameters(), target_net.parameters())):
        raise ExerciseError("target_net shares its tensors with q_net, so it will move with every update. "
                            "Copy the values (load_state_dict) instead of the tensors.")
    with torch.no_grad():
        q_net.weight.add_(1.0)
    if torch.equal(q_net.weight, target_net.weight):
        raise ExerciseError("target_net still follows q_net after the copy: it must be a frozen copy.")
    return "the target gets the online weights as its own copy, and stays put afterwards."


@_checker("Exercise (TD target with a target network)")
def check_target_td_target(td_target: Callable[[nn.Module, nn.Module, Batch, float], torch.Tensor]) -> str:
    """Check ``td_target(q_net, target_net, batch, gamma)``: the frozen target network scores s'."""
    q_net = _one_hot_net(_Q_WEIGHTS)
    target_net = _one_hot_net([[0.5, 2.0], [1.0, 0.0], [3.0, 1.0], [2.0, 2.5]])
    batch = _batch([0, 1, 2], [0, 1, 0], [1.0, 1.0, 1.0], next_obs=[0, 2, 3], terminated=[0.0, 0.0, 1.0])
    gamma = 0.9
    y = _checked_target(td_target, q_net, target_net, batch, gamma)
    mask = 1 - batch.terminated
    with torch.no_grad():
        by_target = batch.rewards + gamma * mask * target_net(batch.next_obs).max(dim=1).values
        by_online = batch.rewards + gamma * mask * q_net(batch.next_obs).max(dim=1).values
    if _close(y, by_target):
        return "the frozen target network scores s', with the terminal mask."
    if _close(y, by_online):
        raise ExerciseError("s' is scored by q_net, the network being trained. The point of notebook 04 is "
                            "that the frozen target_net scores it.",
                            "target_net(batch.next_obs).max(dim=1).values")
    with torch.no_grad():
        on_obs = [batch.rewards + gamma * mask * net(batch.obs).max(dim=1).values
                  for net in (target_net, q_net)]
    if any(_close(y, value) for value in on_obs):
        raise ExerciseError("your target scores batch.obs, the state the action was taken in. The target "
                            "looks one step ahead, at s' = batch.next_obs.",
                            "target_net(batch.next_obs).max(dim=1).values")
    if _close(y, batch.rewards + gamma * target_net(batch.next_obs).max(dim=1).values.detach()):
        raise ExerciseError("the third transition is terminal but still bootstraps.",
                            "multiply the bootstrap term by (1 - batch.terminated)")
    raise ExerciseError(f"expected {by_target.tolist()}, got {y.detach().tolist()}: "
                        "y = r + γ (1 - terminated) max_a' Q_target(s', a').")


# ----------------------------------------------------------------------------- notebook 05

@_checker("Exercise (Double DQN target)")
def check_double_td_target(double_td_target: Callable[..., torch.Tensor]) -> str:
    """Check ``double_td_target(q_net, target_net, batch, gamma)`` on networks that disagree on a'."""
    # The online network prefers action 1 in s'=0 and action 0 in s'=1; the target network the opposite.
    q_net = _one_hot_net([[1.0, 3.0], [5.0, 0.5], [0.0, 0.0], [0.0, 0.0]])
    target_net = _one_hot_net([[4.0, 2.0], [1.0, 6.0], [0.0, 0.0], [0.0, 0.0]])
    batch = _batch([2, 3, 2], [0, 1, 1], [1.0, 1.0, 1.0], next_obs=[0, 1, 0], terminated=[0.0, 0.0, 1.0])
    gamma = 0.5
    y = _checked_target(double_td_target, q_net, target_net, batch, gamma, name="The Double DQN target")
    mask = 1 - batch.terminated
    with torch.no_grad():
        q_next, t_next = q_net(batch.next_obs), target_net(batch.next_obs)
        a_online, a_target = q_next.argmax(dim=1), t_next.argmax(dim=1)
        expected = batch.rewards + gamma * mask * t_next[torch.arange(3), a_online]
        candidates = {
            "target_picks": batch.rewards + gamma * mask * t_next[torch.arange(3), a_target],
            "online_scores": batch.rewards + gamma * mask * q_next[torch.arange(3), a_online],
            "target_picks_online_scores": batch.rewards + gamma * mask * q_next[torch.arange(3), a_target],
            "no_mask": batch.rewards + gamma * t_next[torch.arange(3), a_online],
        }
        q_now, t_now = q_net(batch.obs), target_net(batch.obs)  # the near-miss: s instead of s'
        for chooser in (q_now, q_next):
            for scorer in (t_now, t_next):
                if chooser is not q_next or scorer is not t_next:
                    candidates[f"obs_{len(candidates)}"] = batch.rewards + gamma * mask * scorer[
                        torch.arange(3), chooser.argmax(dim=1)]
    if _close(y, expected):
        return "q_net picks a' = argmax Q(s', ·), target_net scores it; the networks disagreed on every a'."
    messages = {
        "target_picks": "target_net chose a'. That is plain DQN's max over the target network, the "
                        "overestimating target. In Double DQN q_net chooses a' = argmax_a Q(s', a) and "
                        "target_net scores it.",
        "online_scores": "q_net both chose and scored a': score a' with target_net.",
        "target_picks_online_scores": "the roles are swapped: q_net must choose a', target_net score it.",
        "no_mask": "the third transition is terminal but still bootstraps.",
    }
    fixes = {
        "target_picks": "a_next = q_net(batch.next_obs).argmax(dim=1, keepdim=True); "
                        "target_net(batch.next_obs).gather(1, a_next).squeeze(1)",
        "no_mask": "multiply the bootstrap term by (1 - batch.terminated)",
    }
    on_obs = ("your target evaluates batch.obs, the state the action was taken in. Both the choice of a' "
              "and its score look one step ahead, at s' = batch.next_obs.")
    for name, value in candidates.items():
        if _close(y, value):
            if name.startswith("obs_"):
                raise ExerciseError(on_obs, "q_net(batch.next_obs) chooses a', "
                                            "target_net(batch.next_obs) scores it")
            raise ExerciseError(messages[name], fixes.get(name, fixes["target_picks"]))
    raise ExerciseError(f"expected {expected.tolist()}, got {y.detach().tolist()}: take a' = argmax over "
                        "actions (dim=1) of q_net on s', and score it with target_net.",
                        fixes["target_picks"])


_EXPECTED_MAX = {2: 1 / math.sqrt(math.pi), 4: 1.0293754, 10: 1.5387527}  # E[max of n standard normals]


@_checker("Exercise (the bias of a max)")
def check_max_bias(max_bias: Callable[[int, float, int, np.random.Generator], float]) -> str:
    """Check ``max_bias(n_actions, noise_std, n_samples, rng)`` -> E[max_a (Q(a) + noise)] - max_a Q(a)."""
    for n_actions, expected in _EXPECTED_MAX.items():
        value = float(_call(max_bias, n_actions, 2.0, 20_000, np.random.default_rng(0)))
        if abs(value) < 0.05:
            raise ExerciseError("the estimate is about 0: that is the bias of a mean (none). Take the max "
                                "over the actions of each noisy sample, then average over samples.")
        if abs(value - 2.0 * expected) > 0.08:
            raise ExerciseError(f"with {n_actions} actions of equal value and noise std 2, the max is biased "
                                f"by about {2.0 * expected:.2f}, got {value:.2f}. Draw noise of shape "
                                "(n_samples, n_actions), max over axis 1, mean over samples.")
    return "the max of noisy, equal estimates is biased upward, more with more actions."


# ----------------------------------------------------------------------------- notebook 06

@_checker("Exercise (soft update)")
def check_soft_update(soft_update: Callable[[list[torch.Tensor], list[torch.Tensor], float], None]) -> str:
    """Check ``soft_update(target_params, q_params, tau)``: θ' <- τ θ + (1 - τ) θ'."""
    q_net, target_net = _one_hot_net(_Q_WEIGHTS, (1.0, -1.0)), _one_hot_net([[0.0, 0.0]] * 4)
    q_before = [p.detach().clone() for p in q_net.parameters()]
    with torch.no_grad():
        _call(soft_update, list(target_net.parameters()), list(q_net.parameters()), 0.25)
    moved = [p.detach() for p in target_net.parameters()]
    if not all(torch.equal(a, b) for a, b in zip(q_net.parameters(), q_before)):
        raise ExerciseError("q_net moved: the soft update changes only the target's parameters, "
                            "moving them towards q_net's.")
    if all(torch.allclose(m, 0.25 * q) for m, q in zip(moved, q_before)):
        return "θ' <- τ θ + (1 - τ) θ': the target moved a quarter of the way to q_net at τ = 0.25."
    if all(torch.allclose(m, 0.75 * q) for m, q in zip(moved, q_before)):
        raise ExerciseError("the weights are swapped: the target moved (1 - τ) of the way. "
                            "θ' <- τ θ + (1 - τ) θ' keeps most of the old target when τ is small.")
    if all(torch.count_nonzero(m) == 0 for m in moved):
        raise ExerciseError("the target did not move. Update it in place (`.lerp_`, `.mul_`/`.add_` or "
                            "`copy_`), not by rebinding a local name.")
    raise ExerciseError("after one update at τ = 0.25 from a zero target, the target should be 0.25 θ.")


@_checker("Exercise (half-life of a soft target)")
def check_soft_half_life(half_life: Callable[[float], float]) -> str:
    """Check ``half_life(tau)`` -> the steps after which the target has closed half the gap."""
    for tau in (0.02, 0.1, 0.5):
        value = float(_call(half_life, tau))
        expected = math.log(0.5) / math.log(1 - tau)
        if math.isclose(value, expected, rel_tol=1e-3):
            continue
        if any(math.isclose(value, c / tau, rel_tol=5e-3) for c in (math.log(2), 0.69, 0.693)):
            raise ExerciseError(f"at τ = {tau} you gave {value:.2f} steps: that is ln 2 / τ ≈ 0.69/τ, the "
                                "small-τ approximation the notebook quotes (ln(1 - τ) ≈ -τ), not the exact "
                                f"half-life, {expected:.2f}. The two agree within 1% only for τ below about "
                                "0.02; the exercise asks for the exact n with (1 - τ)^n = 1/2.",
                                "math.log(0.5) / math.log(1 - tau)")
        if math.isclose(value, 1 / tau, rel_tol=1e-3) or math.isclose(value, 0.5 / tau, rel_tol=1e-3):
            raise ExerciseError(f"at τ = {tau} you gave {value:.1f} steps, a linear guess. The gap shrinks "
                                "by a factor (1 - τ) each step: solve (1 - τ)^n = 1/2 for n.",
                                "math.log(0.5) / math.log(1 - tau)")
        raise ExerciseError(f"at τ = {tau} the half-life is {expected:.2f} steps, got {value:.2f}: "
                            "solve (1 - τ)^n = 1/2 for n.")
    return f"(1 - τ)^n = 1/2: {math.log(0.5) / math.log(0.98):.1f} steps at τ = 0.02."


# ----------------------------------------------------------------------------- notebook 08

@_checker("Exercise (dueling aggregation)")
def check_dueling_aggregation(aggregate: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> str:
    """Check ``aggregate(value, advantages)`` -> Q = V + A - mean_a A, for V (B, 1) and A (B, n)."""
    value = torch.tensor([[10.0], [0.0], [-2.0]])
    advantages = torch.tensor([[1.0, 3.0, 8.0], [0.0, 0.0, 3.0], [-1.0, 2.0, 2.0]])
    q = _as_tensor(_call(aggregate, value, advantages), "Q", (3, 3))
    expected = value + advantages - advantages.mean(dim=1, keepdim=True)
    if _close(q, expected):
        return "Q = V + A - mean_a A: V is the mean of Q over actions, and A has mean zero."
    if _close(q, value + advantages):
        raise ExerciseError("Q = V + A without subtracting the mean: V and A are then not identifiable "
                            "(add c to V, subtract c from A: same Q). Subtract the mean over actions.")
    if _close(q, value + advantages - advantages.mean(dim=0, keepdim=True)):
        raise ExerciseError("the mean runs over the batch (dim=0); it must run over actions: "
                            "`advantages.mean(dim=1, keepdim=True)`.")
    if _close(q, value + advantages - advantages.max(dim=1, keepdim=True).values):
        raise ExerciseError("you subtracted the max over actions: a variant in Wang et al. (2016), but the "
                            "course (and the paper's experiments) subtract the mean.")
    raise ExerciseError(f"expected {expected.tolist()}, got {q.detach().tolist()}.")


@_checker("Exercise (value and advantages from Q)")
def check_value_and_advantages(split: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]) -> str:
    """Check ``split(q_values)`` -> (V (B,), A (B, n)) with V = mean_a Q and A = Q - V."""
    q = torch.tensor([[1.0, 3.0, 8.0], [4.0, 4.0, 4.0]])
    result = _call(split, q)
    if not isinstance(result, tuple) or len(result) != 2:
        raise ExerciseError("return a pair (value, advantages).")
    value = _as_tensor(result[0], "V", (2,))
    advantages = _as_tensor(result[1], "A", (2, 3))
    if _close(value, q.max(dim=1).values):
        raise ExerciseError("V is the max of Q here; with the dueling network's mean subtraction, "
                            "V(s) is the mean of Q(s, ·) over actions.")
    if not _close(value, q.mean(dim=1)):
        raise ExerciseError(f"V should be the mean over actions, {q.mean(dim=1).tolist()}; "
                            f"got {value.tolist()}.")
    if not _close(advantages, q - q.mean(dim=1, keepdim=True)):
        raise ExerciseError("A should be Q - V for each action, with V broadcast as (B, 1).")
    return "V = mean_a Q and A = Q - V: where the action does not matter (the second row), A = 0."
