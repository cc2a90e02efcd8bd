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
from collections.abc import Callable, Iterable
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
    "check_online_update", "check_replay_step", "check_target_step", "check_double_on_probes",
    "check_soft_step",
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
    if "leaf Variable that requires grad" in text:
        return ExerciseError(
            f"your code raised RuntimeError: {text.rstrip('.')}. The networks' parameters require "
            "gradients, so torch refuses to change them in place while it records operations: change them "
            "inside `with torch.no_grad():` (cu.hard_update and cu.soft_update do it for you).",
            "with torch.no_grad(): ... (or call cu.soft_update / cu.hard_update)")
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
                print(f"{title}: not attempted yet (the stub raises NotImplementedError).\n"
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


# Helpers of the loop exercises: they run the learner's lines of a training loop for a few steps on
# small linear networks over the four one-hot states, with plain SGD (no optimizer state), and compare
# the weights after every step with what the notebook's loop does.

def _one_hot_obs(i: int) -> np.ndarray:
    """Observation number ``i`` of the hand-made transitions, as the environment gives it: (4,) float32."""
    return np.eye(4, dtype=np.float32)[i]


def _snapshot(params: Iterable[torch.Tensor]) -> list[torch.Tensor]:
    """Copies of the values of ``params``, to compare before and after a step."""
    return [p.detach().clone() for p in params]


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return len(a) == len(b) and all(torch.allclose(x, y, atol=1e-6) for x, y in zip(a, b))


def _linear(params: list[torch.Tensor]) -> nn.Linear:
    """A fresh 4 -> 2 linear network holding the values ``params`` (weight, bias)."""
    net = nn.Linear(4, 2)
    with torch.no_grad():
        for param, value in zip(net.parameters(), params):
            param.copy_(value)
    return net


def _sgd_step(params: list[torch.Tensor], batch: Batch, td_target: torch.Tensor
              ) -> tuple[float, list[torch.Tensor]]:
    """One reference gradient step (SGD, lr 0.1) from the weights ``params``: (loss, weights after)."""
    net = _linear(params)
    loss = _reference_step(net, torch.optim.SGD(net.parameters(), lr=0.1), batch, td_target)
    return loss, _snapshot(net.parameters())


def _max_target(params: list[torch.Tensor], batch: Batch, gamma: float, masked: bool = True
                ) -> torch.Tensor:
    """DQN's target r + gamma (1 - terminated) max_a' Q(s', a') with the network of weights ``params``."""
    with torch.no_grad():
        next_q = _linear(params)(batch.next_obs).max(dim=1).values
    mask = 1.0 - batch.terminated if masked else torch.ones_like(batch.terminated)
    return batch.rewards + gamma * mask * next_q


def _loss_value(loss: Any, what: str, fix: str) -> float:
    """The loss a learner's step returned, as a float; returning nothing gets its own message."""
    if loss is None:
        raise ExerciseError(f"your function returned None{what}: it must return the loss, the float that "
                            "cu.q_learning_step returns, which the loop hands to the monitor for the "
                            "diagnostics.", fix)
    return float(loss.detach() if isinstance(loss, torch.Tensor) else loss)


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


#: The online exercise's transitions (obs, action, reward, next_obs, terminated, truncated), one a step:
#: a plain step, the time limit cutting an episode (step 2), the pole falling (step 3), two more.
_ONLINE_STEPS = ((0, 1, 1.0, 1, False, False), (1, 0, 1.0, 2, False, True), (2, 0, 1.0, 3, True, False),
                 (3, 1, 0.5, 0, False, False), (1, 1, 1.0, 3, False, True))
_ONLINE_GAMMA = 0.9


def _online_run(mask: Callable[[bool, bool], float], target_grad: bool = False
                ) -> tuple[list[float], list[list[torch.Tensor]]]:
    """Losses and weights after each step of online updates whose bootstrap mask is ``mask(term, trunc)``.

    With the mask ``1 - terminated`` and no gradient through the target this is train_online's update;
    the other masks, and ``target_grad``, are the classic bugs.
    """
    q_net = _one_hot_net(_Q_WEIGHTS)
    optimizer = torch.optim.SGD(q_net.parameters(), lr=0.1)
    losses, weights = [], []
    for obs, action, reward, next_obs, terminated, truncated in _ONLINE_STEPS:
        batch = _batch([obs], [action], [reward], [next_obs], [float(terminated)])
        with torch.set_grad_enabled(target_grad):
            next_q = q_net(batch.next_obs).max(dim=1).values
            td_target = batch.rewards + _ONLINE_GAMMA * mask(terminated, truncated) * next_q
        losses.append(_reference_step(q_net, optimizer, batch, td_target))
        weights.append(_snapshot(q_net.parameters()))
    return losses, weights


@_checker("Exercise (the online update)")
def check_online_update(online_update: Callable[..., float]) -> str:
    """Check ``online_update(q_net, optimizer, obs, action, reward, next_obs, terminated, truncated, gamma)``.

    The lines after env.step in train_online: one transition as a batch, its TD target from the same
    network (without gradients), one Q-learning step; returns the loss. Run on five hand-made
    transitions, one of them cut by the time limit and one terminal, against train_online's lines.
    """
    q_net = _one_hot_net(_Q_WEIGHTS)
    optimizer = torch.optim.SGD(q_net.parameters(), lr=0.1)
    start = _snapshot(q_net.parameters())
    losses, weights = [], []
    for obs, action, reward, next_obs, terminated, truncated in _ONLINE_STEPS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a (1, 1) against (1,) broadcast warns; the weights tell
            loss = _call(online_update, q_net, optimizer, _one_hot_obs(obs), action, reward,
                         _one_hot_obs(next_obs), terminated, truncated, _ONLINE_GAMMA)
        losses.append(_loss_value(loss, "", "return cu.q_learning_step(q_net, optimizer, batch, td_target)"))
        weights.append(_snapshot(q_net.parameters()))
    fix = ("batch = cu.single_transition(obs, action, reward, next_obs, terminated); "
           "td_target = cu.dqn_td_target(q_net, batch, gamma)")
    expected_losses, expected = _online_run(lambda term, trunc: 1.0 - float(term))
    if all(_same(a, b) for a, b in zip(weights, expected)):
        if not all(math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6) for a, b in zip(losses, expected_losses)):
            raise ExerciseError(f"the weights are right after every step, but the losses returned, "
                                f"{[round(v, 4) for v in losses]}, are not the losses of those steps, "
                                f"{[round(v, 4) for v in expected_losses]}: return what cu.q_learning_step "
                                "returns.", "return cu.q_learning_step(q_net, optimizer, batch, td_target)")
        return ("one transition a step, bootstrapping through the time-limit cut (step 2) but not through "
                "the fall (step 3), the target without gradients, and the loss returned.")
    if all(_same(w, start) for w in weights):
        raise ExerciseError("q_net never changed: each call must take one gradient step on the new "
                            "transition, with cu.q_learning_step(q_net, optimizer, batch, td_target).",
                            "return cu.q_learning_step(q_net, optimizer, batch, td_target)")
    bugs: list[tuple[Callable[[bool, bool], float], bool, str]] = [
        (lambda term, trunc: 1.0 - float(term or trunc), False,
         "at step 2 the time limit cut the episode (terminated=False, truncated=True) and your update did "
         "not bootstrap from s': the batch, or the mask, was built from `terminated or truncated`. A "
         "time-limit cut is not a failure: s' still has a future, so the target keeps γ max Q(s', a'). "
         "Pass `terminated` alone to cu.single_transition."),
        (lambda term, trunc: 1.0 - float(trunc), False,
         "the mask was built from `truncated`: the fall at step 3 still bootstrapped and the time-limit "
         "cut at step 2 did not. cu.single_transition takes `terminated`, the flag of a failure."),
        (lambda term, trunc: 1.0, False,
         "at step 3 the pole fell (terminated=True) and your target still added γ max Q(s', a'): the "
         "target has no terminal mask. Pass `terminated` to cu.single_transition and compute the target "
         "with cu.dqn_td_target, which multiplies the bootstrap term by (1 - terminated)."),
        (lambda term, trunc: float(term), False,
         "the terminal mask is inverted: your target bootstrapped only at the fall (step 3), and nowhere "
         "else. The mask is (1 - terminated)."),
        (lambda term, trunc: 1.0 - float(term), True,
         "the loss was right but the weights after the step were not: the gradient also flowed through "
         "the TD target, moving Q(s', ·) as well as Q(s, a). The target is a constant for the step: "
         "compute it under `with torch.no_grad():`, as cu.dqn_td_target does."),
    ]
    for mask, target_grad, cause in bugs:
        if all(_same(a, b) for a, b in zip(weights, _online_run(mask, target_grad)[1])):
            raise ExerciseError(cause, fix)
    step = next(i for i, (a, b) in enumerate(zip(weights, expected)) if not _same(a, b)) + 1
    raise ExerciseError(f"after step {step} the weights differ from train_online's update on that "
                        f"transition {_ONLINE_STEPS[step - 1]} (obs, action, reward, next_obs, terminated, "
                        "truncated): look at the batch (cu.single_transition(obs, action, reward, next_obs, "
                        "terminated)), the target (cu.dqn_td_target(q_net, batch, gamma)) and the one "
                        "cu.q_learning_step on them.", fix)


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


#: Steps of the replay exercise whose transition ends in a fall (terminated), and at the time limit.
_REPLAY_TERMINATED = frozenset({5, 11, 17, 26, 31, 38})
_REPLAY_TRUNCATED = frozenset({3, 14, 23, 29, 35})
_REPLAY_STEPS = 40
_REPLAY_FIX = "if global_step > config.learning_starts and global_step % config.train_freq == 0:"


def _replay_transition(step: int) -> tuple[np.ndarray, int, float, np.ndarray, bool, bool]:
    """The transition at ``global_step`` = step of the replay exercise: the states walk 0, 1, 2, 3, 0, ..."""
    return (_one_hot_obs(step % 4), (step // 2) % 2, float(step % 3), _one_hot_obs((step + 1) % 4),
            step in _REPLAY_TERMINATED, step in _REPLAY_TRUNCATED)


def _recording_buffer(capacity: int, seed: int) -> Any:
    """A cu.ReplayBuffer that logs each add and sample as (kind, buffer.step, batch size), in order."""
    from ..lessons.nb03_experience_replay import ReplayBuffer  # loaded when first used, as cu does

    class RecordingBuffer(ReplayBuffer):
        def __init__(self, capacity: int, seed: int) -> None:
            super().__init__(capacity, seed=seed)
            self.step = 0  # the global_step of the call under way, set by the checker
            self.log: list[tuple[str, int, int]] = []

        def add(self, *args: Any, **kwargs: Any) -> None:
            self.log.append(("add", self.step, 0))
            super().add(*args, **kwargs)

        def sample(self, batch_size: int) -> Batch:
            self.log.append(("sample", self.step, batch_size))
            return super().sample(batch_size)

    return RecordingBuffer(capacity, seed)


def _replay_reference(config: Any) -> tuple[dict[int, float], list[torch.Tensor]]:
    """train_replay's lines on the exercise's transitions: {step: loss} and the weights at the end."""
    from ..lessons.nb03_experience_replay import ReplayBuffer

    replay_buffer = ReplayBuffer(64, seed=0)
    q_net = _one_hot_net(_Q_WEIGHTS)
    optimizer = torch.optim.SGD(q_net.parameters(), lr=0.1)
    losses = {}
    for step in range(1, _REPLAY_STEPS + 1):
        replay_buffer.add(*_replay_transition(step))  # store first, then learn
        if step > config.learning_starts and step % config.train_freq == 0:
            batch = replay_buffer.sample(config.batch_size)
            with torch.no_grad():
                next_q = q_net(batch.next_obs).max(dim=1).values
            losses[step] = _reference_step(q_net, optimizer, batch,
                                           batch.rewards + config.gamma * (1 - batch.terminated) * next_q)
    return losses, _snapshot(q_net.parameters())


def _replay_schedule_error(log: list[tuple[str, int, int]], config: Any) -> ExerciseError | None:
    """What is wrong with the steps at which the learner sampled a batch, judged from the log so far."""
    samples = [(step, size) for kind, step, size in log if kind == "sample"]
    steps = [step for step, _ in samples]
    starts, freq = config.learning_starts, config.train_freq
    early = [step for step in steps if step <= starts]
    if early and set(early) == {starts}:
        return ExerciseError(f"your step learned at step {starts}, when global_step equals learning_starts. "
                             "The notebook's loop learns once global_step is past it: "
                             "global_step > config.learning_starts, not >=.", _REPLAY_FIX)
    if early:
        return ExerciseError(f"your step learned at step {early[0]}, before config.learning_starts = "
                             f"{starts} steps of experience were collected (it learned at steps {early}). "
                             "The first updates would fit the few transitions of the first episode, drawn "
                             "again and again: learn only when global_step > config.learning_starts.",
                             _REPLAY_FIX)
    off = [step for step in steps if step % freq]
    if off:
        return ExerciseError(f"your step learned at steps {off[:4]}, which are not multiples of "
                             f"config.train_freq = {freq}: it ignores config.train_freq (it learns every "
                             "step, or on a frequency written into the code). The notebook's loop takes one "
                             f"gradient step every {freq} environment steps, when "
                             "global_step % config.train_freq == 0.", _REPLAY_FIX)
    repeated = [step for step in steps if steps.count(step) > 1]
    if repeated:
        return ExerciseError(f"your step sampled {steps.count(repeated[0])} batches at step {repeated[0]}: "
                             "one batch and one gradient step per learning step.")
    sizes = sorted({size for _, size in samples if size != config.batch_size})
    if sizes:
        return ExerciseError(f"your step sampled batches of {sizes[0]} transitions; config.batch_size is "
                             f"{config.batch_size}.", "batch = replay_buffer.sample(config.batch_size)")
    return None


@_checker("Exercise (the replay step)")
def check_replay_step(replay_step: Callable[..., float | None]) -> str:
    """Check ``replay_step(replay_buffer, q_net, ..., config)`` -> the loss, or None without learning.

    The full signature: ``replay_step(replay_buffer, q_net, optimizer, global_step, obs, action, reward,
    next_obs, terminated, truncated, config)``. The lines after env.step in train_replay: store the
    transition, then, past ``learning_starts`` and every ``train_freq`` steps, one gradient step on a
    sampled batch. Run for 40 steps of hand-made transitions with a seeded buffer, which logs what was
    stored and sampled, and when.
    """
    from ..lessons.nb03_experience_replay import ReplayConfig

    config = ReplayConfig(gamma=0.9, batch_size=4, learning_starts=8, train_freq=4)
    replay_buffer = _recording_buffer(64, seed=0)
    q_net = _one_hot_net(_Q_WEIGHTS)
    optimizer = torch.optim.SGD(q_net.parameters(), lr=0.1)
    start = _snapshot(q_net.parameters())
    returned: dict[int, Any] = {}
    try:
        for step in range(1, _REPLAY_STEPS + 1):
            replay_buffer.step = step
            returned[step] = _call(replay_step, replay_buffer, q_net, optimizer, step,
                                   *_replay_transition(step), config)
    except _LearnerRaised:  # sampling an empty buffer at step 1 raises: say why it sampled then
        error = _replay_schedule_error(replay_buffer.log, config)
        if error is not None:
            raise error from None
        raise
    log: list[tuple[str, int, int]] = replay_buffer.log
    add_fix = "replay_buffer.add(obs, action, reward, next_obs, terminated, truncated)"
    for step in range(1, _REPLAY_STEPS + 1):
        adds = sum(1 for kind, at, _ in log if kind == "add" and at == step)
        if adds != 1:
            raise ExerciseError(f"at step {step} your step stored {adds} transitions: every transition goes "
                                "into the buffer once, at every step, whether or not the step learns.",
                                add_fix)
    given = [_replay_transition(step) for step in range(1, _REPLAY_STEPS + 1)]
    n = _REPLAY_STEPS
    terminated = np.array([t[4] for t in given], dtype=np.float32)
    truncated = np.array([t[5] for t in given], dtype=bool)
    if not (np.array_equal(replay_buffer.obs[:n], np.stack([t[0] for t in given]))
            and np.array_equal(replay_buffer.actions[:n], [t[1] for t in given])
            and np.array_equal(replay_buffer.rewards[:n], [t[2] for t in given])
            and np.array_equal(replay_buffer.next_obs[:n], np.stack([t[3] for t in given]))):
        raise ExerciseError("the buffer does not hold the transitions given: pass them to add in its order, "
                            "(obs, action, reward, next_obs, terminated, truncated).", add_fix)
    stored = replay_buffer.terminated[:n]
    if not np.array_equal(stored, terminated):
        if np.array_equal(stored, np.maximum(terminated, truncated)):
            raise ExerciseError(f"the buffer stored terminated = 1 for the steps cut by the time limit "
                                f"({sorted(_REPLAY_TRUNCATED)}): you stored `terminated or truncated` as "
                                "terminated. A time-limit cut is not a failure; the target must still "
                                "bootstrap there. Store terminated and truncated as env.step gave them.",
                                add_fix)
        if np.array_equal(stored, truncated):
            raise ExerciseError("the buffer's terminated holds the truncated flags: terminated and "
                                "truncated are swapped in your call to add.", add_fix)
        raise ExerciseError(f"the buffer should hold terminated = 1 at the falls, steps "
                            f"{sorted(_REPLAY_TERMINATED)}, and only there.", add_fix)
    if not np.array_equal(replay_buffer.truncated[:n], truncated):
        raise ExerciseError(f"the buffer should hold truncated = True at the time-limit cuts, steps "
                            f"{sorted(_REPLAY_TRUNCATED)}: store it as given (it is never used in the "
                            "target, and kept to show that).", add_fix)
    error = _replay_schedule_error(log, config)
    if error is not None:
        raise error
    learning = [step for step in range(1, n + 1)
                if step > config.learning_starts and step % config.train_freq == 0]
    sampled = [step for kind, step, _ in log if kind == "sample"]
    for step in learning:
        if step not in sampled:
            raise ExerciseError(f"your step did not learn at step {step}: past learning_starts = "
                                f"{config.learning_starts} and a multiple of train_freq = "
                                f"{config.train_freq}, it samples a batch and takes a gradient step.",
                                _REPLAY_FIX)
        if log.index(("sample", step, config.batch_size)) < log.index(("add", step, 0)):
            raise ExerciseError(f"at step {step} your step sampled a batch before storing the current "
                                "transition. The notebook's loop, and the reference, store first and then "
                                "learn, so the newest transition can already be drawn; with the buffer's "
                                "seeded generator the order changes the batches. Call replay_buffer.add(...) "
                                "first.", add_fix)
    for step in range(1, n + 1):
        if step not in learning and returned[step] is not None:
            raise ExerciseError(f"your step returned {returned[step]!r} at step {step}, where it does not "
                                "learn: return None then (the loop records a loss only when there is one).",
                                "return None")
    losses = {step: _loss_value(returned[step], f" at step {step}, where it learned",
                                "return cu.q_learning_step(q_net, optimizer, batch, td_target)")
              for step in learning}
    expected_losses, expected = _replay_reference(config)
    weights = _snapshot(q_net.parameters())
    if _same(weights, start):
        raise ExerciseError("your step sampled at the right steps but q_net never changed: take one "
                            "cu.q_learning_step on each batch.",
                            "loss = cu.q_learning_step(q_net, optimizer, batch, td_target)")
    if not _same(weights, expected):
        raise ExerciseError("your step stored, sampled and learned at the right steps, but the weights after "
                            "40 steps differ from train_replay's: the target of each batch is "
                            "cu.dqn_td_target(q_net, batch, config.gamma), the step "
                            "cu.q_learning_step(q_net, optimizer, batch, td_target).",
                            "td_target = cu.dqn_td_target(q_net, batch, config.gamma)")
    wrong = [step for step in learning if not math.isclose(losses[step], expected_losses[step],
                                                           rel_tol=1e-4, abs_tol=1e-6)]
    if wrong:
        raise ExerciseError(f"the weights are right, but the loss returned at step {wrong[0]}, "
                            f"{losses[wrong[0]]:.4f}, is not that step's loss, "
                            f"{expected_losses[wrong[0]]:.4f}.",
                            "return cu.q_learning_step(q_net, optimizer, batch, td_target)")
    return (f"every transition stored as given (only the falls terminated), then one batch of "
            f"{config.batch_size} and a gradient step at steps {learning[0]}, {learning[1]}, ..., "
            f"{learning[-1]}: past learning_starts = {config.learning_starts}, every train_freq = "
            f"{config.train_freq} steps, after storing.")


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


_TARGET_WEIGHTS = [[0.5, 2.0], [1.0, 0.0], [3.0, 1.0], [2.0, 2.5]]


def _target_batches() -> list[Batch]:
    """The hand-made batches of the target-step exercise, used in turn: all but the last are terminal once."""
    return [_batch([0, 1, 2], [0, 1, 0], [1.0, 1.0, 1.0], next_obs=[1, 2, 3], terminated=[0.0, 0.0, 1.0]),
            _batch([3, 2, 1], [1, 0, 1], [0.5, 1.0, 0.0], next_obs=[0, 3, 0], terminated=[0.0, 1.0, 0.0]),
            _batch([1, 0, 3], [0, 0, 1], [1.0, 0.0, 1.0], next_obs=[2, 1, 2], terminated=[0.0, 0.0, 0.0])]


def _shares_tensors(a: nn.Module, b: nn.Module) -> bool:
    return any(p.data_ptr() == q.data_ptr() for p, q in zip(a.parameters(), b.parameters()))


@_checker("Exercise (the target-network step)")
def check_target_step(target_step: Callable[..., float]) -> str:
    """Check ``target_step(q_net, target_net, optimizer, batch, global_step, config)`` -> the loss.

    The learning lines of train_target: the TD target from the frozen target network, one Q-learning
    step on q_net, then the copy theta' <- theta every ``config.target_update_interval`` steps. Run for
    7 steps with an interval of 3; the target network starts unlike q_net, so that which network
    scores s' shows from the first step.
    """
    from ..lessons.nb04_target_network import TargetConfig

    config = TargetConfig(gamma=0.9, target_update_interval=3)
    interval = config.target_update_interval
    q_net, target_net = _one_hot_net(_Q_WEIGHTS), _one_hot_net(_TARGET_WEIGHTS)
    optimizer = torch.optim.SGD(q_net.parameters(), lr=0.1)
    batches = _target_batches()
    fix_target = "td_target = cu.dqn_td_target(target_net, batch, config.gamma)"
    fix_copy = ("loss = cu.q_learning_step(q_net, optimizer, batch, td_target), then "
                "if global_step % config.target_update_interval == 0: cu.hard_update(target_net, q_net)")
    for step in range(1, 8):
        batch = batches[(step - 1) % len(batches)]
        q_before, t_before = _snapshot(q_net.parameters()), _snapshot(target_net.parameters())
        loss = _call(target_step, q_net, target_net, optimizer, batch, step, config)
        q_after, t_after = _snapshot(q_net.parameters()), _snapshot(target_net.parameters())
        copy_due = step % interval == 0
        expected_loss, expected_q = _sgd_step(q_before, batch, _max_target(t_before, batch, config.gamma))
        loss_value = _loss_value(loss, f" at step {step}",
                                 "loss = cu.q_learning_step(...); ...; return loss")
        if _shares_tensors(q_net, target_net):
            raise ExerciseError(f"after step {step} target_net shares its tensors with q_net (as after "
                                "load_state_dict(..., assign=True) or `target.data = online.data`), so it "
                                "moves with every gradient step and is no frozen target at all. Copy the "
                                "values: cu.hard_update(target_net, q_net).", fix_copy)
        if not _same(q_after, expected_q):
            if _same(q_after, q_before):
                raise ExerciseError(f"q_net did not change at step {step}: each call takes one "
                                    "cu.q_learning_step on the batch.", fix_copy)
            _, by_online = _sgd_step(q_before, batch, _max_target(q_before, batch, config.gamma))
            if _same(q_after, by_online) and copy_due and _same(t_after, q_before):
                raise ExerciseError(f"at step {step} (a multiple of target_update_interval = {interval}) you "
                                    "copied q_net into target_net before the gradient step instead of after "
                                    "it: the target of that step came from the network being trained, and "
                                    "target_net froze weights one step old. In train_target the copy comes "
                                    "last, after cu.q_learning_step.", fix_copy)
            if _same(q_after, by_online):
                raise ExerciseError(f"at step {step} s' was scored by q_net, the network being trained: "
                                    "that is notebook 02-03's target. With a target network, "
                                    "cu.dqn_td_target takes target_net.", fix_target)
            _, unmasked = _sgd_step(q_before, batch, _max_target(t_before, batch, config.gamma, masked=False))
            if _same(q_after, unmasked):
                raise ExerciseError(f"at step {step} a terminal transition still bootstrapped: the target "
                                    "has no terminal mask (1 - batch.terminated).", fix_target)
            raise ExerciseError(f"after step {step} q_net's weights differ from one cu.q_learning_step on "
                                "the target cu.dqn_td_target(target_net, batch, config.gamma).", fix_target)
        if not math.isclose(loss_value, expected_loss, rel_tol=1e-4, abs_tol=1e-6):
            raise ExerciseError(f"the weights are right, but the loss returned at step {step}, "
                                f"{loss_value:.4f}, is not that step's loss, {expected_loss:.4f}.",
                                "return the loss of cu.q_learning_step")
        if copy_due and not _same(t_after, expected_q):
            if _same(t_after, t_before):
                raise ExerciseError(f"target_net did not change at step {step}, a multiple of "
                                    f"target_update_interval = {interval}: it is never copied, so it keeps "
                                    "its first weights for good. (Rebinding the name inside your function, "
                                    "`target_net = copy.deepcopy(q_net)`, leaves the loop's network as it "
                                    "was: copy into it.)", fix_copy)
            if _same(t_after, q_before):
                raise ExerciseError(f"at step {step} target_net got q_net's weights from before the gradient "
                                    "step: copy after cu.q_learning_step, as train_target does.", fix_copy)
            raise ExerciseError(f"after the copy at step {step} target_net should hold q_net's weights.",
                                fix_copy)
        if not copy_due and not _same(t_after, t_before):
            if _same(t_after, q_after):
                raise ExerciseError(f"target_net was copied from q_net at step {step}, which is not a "
                                    f"multiple of target_update_interval = {interval}: copying every step "
                                    "makes it follow q_net, the moving target the copy is meant to stop. "
                                    "Copy only when global_step % config.target_update_interval == 0.",
                                    fix_copy)
            raise ExerciseError(f"target_net changed at step {step}, where no copy is due: only the copy "
                                "every target_update_interval steps changes it.", fix_copy)
    return (f"target_net scores s' and stays frozen between copies; the copy comes after the gradient "
            f"step, at steps {interval} and {2 * interval}, as values of its own.")


# ----------------------------------------------------------------------------- notebook 05

@_checker("Exercise (Double DQN target)")
def check_double_td_target(double_td_target: Callable[..., torch.Tensor]) -> str:
    """Check ``double_td_target(q_net, target_net, batch, gamma)`` on networks that disagree on a'."""
    return _check_double_target(double_td_target)


def _check_double_target(double_td_target: Callable[..., torch.Tensor]) -> str:
    """The checks of :func:`check_double_td_target`, unwrapped, for the probe exercise to reuse."""
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


def _probe_failure(env: Any, learned: dict[float, list[float]], gamma: float) -> ExerciseError:
    """What a failed probe says about the TD target (notebook 09's table), with the values learned."""
    name = type(env).__name__
    fix = "batch.rewards + gamma * (1 - batch.terminated) * next_q"
    q = {obs: values[0] for obs, values in learned.items()}
    if name == "ConstantReward":
        bootstrapped = abs(q[0.0] - 1 / (1 - gamma)) < 0.5
        return ExerciseError(
            f"the probe ConstantReward (+1, then the episode ends) failed: the agent learned Q(0) = "
            f"{q[0.0]:.2f}, not 1. A terminal step's target is its reward alone"
            + (f"; yours kept bootstrapping from the terminal s' (1 / (1 - γ) = {1 / (1 - gamma):.0f} is "
               "where a target without the terminal mask leads)" if bootstrapped else "")
            + ". Multiply the bootstrap term by (1 - batch.terminated).", fix)
    if name == "TwoStepDiscount":
        if abs(q[0.0] - 1.0) < 0.02:
            return ExerciseError(
                f"the probe TwoStepDiscount (reward 0, then +1 and the end) failed: the agent learned "
                f"Q(0) = {q[0.0]:.2f}, not γ = {gamma}. The +1 one step later was not discounted: your "
                "target is missing gamma on the bootstrap term.", fix)
        return ExerciseError(
            f"the probe TwoStepDiscount (reward 0, then +1 and the end) failed: the agent learned Q(0) = "
            f"{q[0.0]:.2f} and Q(1) = {q[1.0]:.2f}, not γ = {gamma} and 1. The target of the first step is "
            "γ times the value of s' = batch.next_obs: check gamma and the mask.", fix)
    return ExerciseError(
        f"the probe TimeLimit (+1 every step, cut by a time limit) failed: the agent learned Q(0) = "
        f"{q[0.0]:.2f}, not the discounted sum 1 / (1 - γ) = {1 / (1 - gamma):.0f}. Each bootstrap is "
        "discounted once by gamma: check that gamma multiplies the bootstrap term, and only it.", fix)


@_checker("Exercise (Double DQN target on the probes)")
def check_double_on_probes(double_td_target: Callable[..., torch.Tensor]) -> str:
    """Check ``double_td_target(q_net, target_net, batch, gamma)`` inside the probe agent's loop.

    ``cu.probes.train_probe`` (notebook 09's agent: replay, soft target updates) trains with it on the
    three probes that test a TD target: ConstantReward (a terminal step must not bootstrap),
    TwoStepDiscount (discounting over a step) and TimeLimit (a chain of bootstraps, worth
    1 / (1 - gamma)); each must learn its known Q-values within ``cu.probes.PROBE_TOLERANCE``. The probes
    have one action, so they cannot see which network chooses a': a hand-made batch on which the two
    networks disagree checks that, as :func:`check_double_td_target` does. About 3 seconds.
    """
    from . import probes

    # One call on a hand-made batch first: the stub, the shape and gradients, before any training.
    _checked_target(double_td_target, _one_hot_net(_Q_WEIGHTS), _one_hot_net(_TARGET_WEIGHTS),
                    _batch([0, 1, 2], [0, 1, 0], [1.0, 1.0, 1.0], [1, 2, 3], [0.0, 0.0, 1.0]), 0.9,
                    name="The Double DQN target")
    config = probes.ProbeConfig()

    def learners_target(*args: Any) -> torch.Tensor:
        return _call(double_td_target, *args)

    for env in (probes.ConstantReward(), probes.TwoStepDiscount(), probes.TimeLimit()):
        with torch.random.fork_rng(devices=[]):  # train_probe seeds torch: keep the notebook's stream
            q_net = probes.train_probe(env, config, td_target=learners_target)
        if probes.probe_error(q_net, env, config.gamma) <= probes.PROBE_TOLERANCE:
            continue
        with torch.no_grad():
            learned = {obs: q_net(torch.tensor([[obs]])).squeeze(0).tolist()
                       for obs in env.expected_q(config.gamma)}
        raise _probe_failure(env, learned, config.gamma)
    try:
        _check_double_target(double_td_target)
    except ExerciseError as error:
        raise ExerciseError("the three probes pass, but each has a single action, so they cannot tell which "
                            "network chooses a'. On a hand-made batch where q_net and target_net disagree: "
                            + error.cause, error.fix) from None
    return (f"the probe agent learned ConstantReward, TwoStepDiscount and TimeLimit within "
            f"{probes.PROBE_TOLERANCE:.0%} with your target, and q_net chooses a' where the networks "
            "disagree.")


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


@_checker("Exercise (the soft-update step)")
def check_soft_step(soft_step: Callable[..., None]) -> str:
    """Check ``soft_step(q_params, target_params, global_step, config)``: the update lines of train_soft.

    Every ``config.target_update_interval`` steps, θ' <- τ θ + (1 - τ) θ', in place. Run for 6 steps at
    τ = 0.25 with an interval of 2, then 3 steps at τ = 0.5 with an interval of 3 (values written into
    the code instead of read from config show there); q_net moves before every step, as after a
    gradient step, and the parameters require gradients, as in train_soft.
    """
    from ..lessons.nb06_soft_updates import SoftConfig

    fix = ("if global_step % config.target_update_interval == 0: "
           "cu.soft_update(target_params, q_params, config.tau)")
    for tau, interval, steps in ((0.25, 2, 6), (0.5, 3, 3)):
        config = SoftConfig(tau=tau, target_update_interval=interval)
        q_net, target_net = _one_hot_net(_Q_WEIGHTS, (1.0, -1.0)), _one_hot_net([[0.0, 0.0]] * 4)
        q_params, target_params = list(q_net.parameters()), list(target_net.parameters())
        for step in range(1, steps + 1):
            with torch.no_grad():
                for param in q_params:
                    param.add_(0.5 * step)  # stands in for the gradient step before the update
            q_now, t_before = _snapshot(q_params), _snapshot(target_params)
            _call(soft_step, q_params, target_params, step, config)
            q_after, t_after = _snapshot(q_params), _snapshot(target_params)
            due = step % interval == 0
            soft = [t + tau * (q - t) for t, q in zip(t_before, q_now)]
            where = (f"step {step}, {'a' if due else 'not a'} multiple of target_update_interval = "
                     f"{interval} (τ = {tau})")
            if not _same(q_after, q_now):
                raise ExerciseError(f"q_net's parameters changed at {where}: the update moves only the "
                                    "target, towards q_net. Check the order of the arguments: "
                                    "cu.soft_update(target_params, q_params, tau).", fix)
            if _same(t_after, soft if due else t_before):
                continue
            if not due and _same(t_after, q_now):
                raise ExerciseError(f"target_net became a copy of q_net at {where}: a hard copy instead of "
                                    "the soft update, and on a step where no update is due.", fix)
            if not due and _same(t_after, soft):
                raise ExerciseError(f"the target moved at {where}: your step updates when no update is due, "
                                    "ignoring config.target_update_interval (it updates every step, or on an "
                                    "interval written into the code). Update only when "
                                    "global_step % config.target_update_interval == 0.", fix)
            if not due:
                raise ExerciseError(f"the target changed at {where}, where no update is due.", fix)
            if _same(t_after, t_before):
                raise ExerciseError(f"the target did not move at {where}: it is never updated. Update it in "
                                    "place (cu.soft_update, or `.lerp_` in a loop over the two lists); "
                                    "rebinding a name inside your function changes nothing outside it.", fix)
            if _same(t_after, q_now):
                raise ExerciseError(f"target_net became a copy of q_net at {where}: a hard copy, θ' <- θ, "
                                    "not the soft update θ' <- τ θ + (1 - τ) θ'.", fix)
            if _same(t_after, [q + tau * (t - q) for t, q in zip(t_before, q_now)]):
                raise ExerciseError(f"τ is on the wrong side at {where}: your update computed "
                                    "θ' <- (1 - τ) θ + τ θ', which keeps only τ of the old target. The soft "
                                    "update keeps most of it: θ' <- τ θ + (1 - τ) θ'.", fix)
            gap = torch.cat([(q - t).flatten() for t, q in zip(t_before, q_now)])
            moved = torch.cat([(a - t).flatten() for t, a in zip(t_before, t_after)])
            fraction = moved[gap.abs() > 1e-3] / gap[gap.abs() > 1e-3]
            if fraction.numel() and torch.allclose(fraction, fraction[0].expand_as(fraction), atol=1e-4):
                raise ExerciseError(f"at {where} the target moved {float(fraction[0]):.3g} of the way to "
                                    f"q_net, not τ = config.tau = {tau}: read τ from config, not from a "
                                    "number written into the code.", fix)
            raise ExerciseError(f"after the update at {where} the target should be τ θ + (1 - τ) θ' of the "
                                "parameters before it.", fix)
    return ("θ' <- τ θ + (1 - τ) θ' every target_update_interval steps, with config's τ and interval, "
            "only the target moving.")


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
