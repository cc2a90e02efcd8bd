"""The two classic bugs the course teaches about, checked in the real training loops and targets.

1. Truncation is not termination: a step cut by the time limit must reach learning with
   terminated = 0 and next_obs = the real next observation (not the reset observation), so that
   the target still bootstraps from it. Each ``train_*`` runs with a 20-step time limit, so that
   many episodes are truncated, and every transition it learns from is checked.
2. Double DQN: the online network chooses a', the target network scores it. Two hand-set networks
   that disagree on the argmax give a target that only the right code produces.
"""

import numpy as np
import pytest
import torch

import cartpole_utils as cu
from cartpole_utils.lessons import nb02_online_dqn, nb03_experience_replay

TIME_LIMIT = 20
TAU = 0.02  # CartPole's seconds between states: x' = x + TAU * x_dot (Euler step)


@pytest.fixture
def short_episodes(monkeypatch):
    """Every training loop's environment cut at TIME_LIMIT steps (each lesson imports make_env)."""
    import importlib

    real_make_env = cu.make_env
    for name in cu.LESSONS.values():  # a lesson loads on first use: load each one here
        lesson = importlib.import_module(f"cartpole_utils.lessons.{name[0]}")
        if hasattr(lesson, "make_env"):
            monkeypatch.setattr(lesson, "make_env", lambda seed=None, **kw: real_make_env(
                seed=seed, max_episode_steps=TIME_LIMIT, **kw))


def recorded_transitions(monkeypatch, train, config) -> list[tuple]:
    """(obs, next_obs, terminated, truncated) of every transition the loop stored or learned from."""
    seen = []
    real_add = nb03_experience_replay.ReplayBuffer.add

    def add(self, obs, action, reward, next_obs, terminated, truncated):
        seen.append((np.array(obs), np.array(next_obs), bool(terminated), bool(truncated)))
        real_add(self, obs, action, reward, next_obs, terminated, truncated)

    real_single = nb02_online_dqn.single_transition

    def single(obs, action, reward, next_obs, terminated):
        seen.append((np.array(obs), np.array(next_obs), bool(terminated), None))
        return real_single(obs, action, reward, next_obs, terminated)

    monkeypatch.setattr(nb03_experience_replay.ReplayBuffer, "add", add)
    monkeypatch.setattr(nb02_online_dqn, "single_transition", single)
    train(config, progress=False, final_episodes=0, eval_episodes=1)
    return seen


@pytest.mark.parametrize("train, config", [
    ("train_online", "OnlineConfig"), ("train_replay", "ReplayConfig"), ("train_target", "TargetConfig"),
    ("train_double", "DoubleConfig"), ("train_soft", "SoftConfig"), ("train_dueling", "DuelingConfig"),
])
def test_truncated_steps_reach_learning_as_not_terminal_with_the_real_next_state(
        monkeypatch, short_episodes, train, config):
    cfg = getattr(cu, config)(total_steps=600, learning_starts=200) if config != "OnlineConfig" \
        else cu.OnlineConfig(total_steps=600)
    seen = recorded_transitions(monkeypatch, getattr(cu, train), cfg)
    assert len(seen) == 600
    # Which steps the time limit cut: the 20th step of an episode that did not fail before.
    steps_in_episode, cut = 0, []
    for _, _, terminated, _ in seen:
        steps_in_episode += 1
        cut.append(steps_in_episode == TIME_LIMIT and not terminated)
        if terminated or steps_in_episode == TIME_LIMIT:
            steps_in_episode = 0
    assert sum(cut) >= 3, "the test needs some episodes that reach the 20-step limit"
    for (obs, next_obs, terminated, truncated), was_cut in zip(seen, cut):
        if was_cut:
            assert not terminated, (
                f"{train}: a step cut by the time limit was stored as terminated; store `terminated`, "
                "not `terminated or truncated`, so the target still bootstraps from s'.")
            assert truncated in (True, None)
        # next_obs is one physics step after obs (x' = x + 0.02 x_dot), never the reset observation.
        np.testing.assert_allclose(next_obs[0], obs[0] + TAU * obs[1], atol=1e-5, err_msg=(
            f"{train}: next_obs is not the state that followed obs; after the last step of an "
            "episode, store the observation `step` returned, and reset only afterwards."))


def hand_set_net(weights) -> torch.nn.Module:
    """A linear Q-network Q(s) = W s with the given (2, 4) weights."""
    net = torch.nn.Linear(4, 2, bias=False)
    with torch.no_grad():
        net.weight.copy_(torch.tensor(weights, dtype=torch.float32))
    return net


def test_double_dqn_target_lets_the_online_net_choose_and_the_target_net_score():
    # s' = (1, 0, 0, 0): the online net prefers action 0 (Q = 3 vs 1), the target net action 1 (2 vs 5).
    online = hand_set_net([[3, 0, 0, 0], [1, 0, 0, 0]])
    target = hand_set_net([[2, 0, 0, 0], [5, 0, 0, 0]])
    batch = cu.Batch(obs=torch.zeros(2, 4), actions=torch.zeros(2, dtype=torch.int64),
                     rewards=torch.tensor([1.0, 1.0]), next_obs=torch.tensor([[1.0, 0, 0, 0]] * 2),
                     terminated=torch.tensor([0.0, 1.0]))
    y = cu.double_dqn_td_target(online, target, batch, gamma=0.5)
    # a' = argmax_a Q_online(s', a) = 0, scored by the target net: Q_target(s', 0) = 2.
    torch.testing.assert_close(y, torch.tensor([1.0 + 0.5 * 2.0, 1.0]), rtol=0, atol=0, msg=(
        "Double DQN's target must be r + γ Q_target(s', argmax_a Q_online(s', a)): 2.0 here. "
        "6.0 = max of Q_target means the target net chose a' (plain DQN); 2.5 = Q_online scored it."))
    assert not torch.equal(y, cu.dqn_td_target(target, batch, gamma=0.5)), (
        "With networks that disagree, Double DQN's target must differ from DQN's.")
