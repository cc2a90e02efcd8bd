"""The components the notebooks teach, as graduated into cartpole_utils.

The key one: a transition that ends by the 500-step time limit (truncated) gets a bootstrapped
target; a transition that ends by a fall (terminated) does not.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

import cartpole_utils as cu

GAMMA = 0.99


def balancing_policy(obs: np.ndarray) -> np.ndarray:
    """Push towards the side the pole is falling to: keeps CartPole up for 500 steps."""
    return (obs[:, 2] + 0.5 * obs[:, 3] > 0).astype(int)


def run_until_end(policy, seed: int) -> tuple[cu.ReplayBuffer, bool, bool]:
    """Fill a buffer with one whole episode; return it and how the episode ended."""
    env = cu.make_env(seed=seed)
    buffer = cu.ReplayBuffer(600, seed=seed)
    obs, _ = env.reset(seed=seed)
    terminated = truncated = False
    while not (terminated or truncated):
        action = int(policy(obs[None])[0])
        next_obs, reward, terminated, truncated, _ = env.step(action)
        buffer.add(obs, action, reward, next_obs, terminated, truncated)
        obs = next_obs
    return buffer, terminated, truncated


def last_transition(buffer: cu.ReplayBuffer) -> cu.Batch:
    i = buffer.size - 1
    return cu.Batch(torch.from_numpy(buffer.obs[i:i + 1]), torch.from_numpy(buffer.actions[i:i + 1]),
                    torch.from_numpy(buffer.rewards[i:i + 1]), torch.from_numpy(buffer.next_obs[i:i + 1]),
                    torch.from_numpy(buffer.terminated[i:i + 1]))


@pytest.fixture(scope="module")
def nets() -> tuple[torch.nn.Module, torch.nn.Module]:
    torch.manual_seed(0)
    return cu.QNetwork(), cu.QNetwork()


@pytest.fixture(scope="module")
def time_limit_end() -> cu.Batch:
    buffer, terminated, truncated = run_until_end(balancing_policy, seed=3)
    assert truncated and not terminated and buffer.size == cu.MAX_EPISODE_STEPS
    assert buffer.truncated[buffer.size - 1] and not buffer.terminated[buffer.size - 1]
    return last_transition(buffer)


@pytest.fixture(scope="module")
def fall_end() -> cu.Batch:
    buffer, terminated, truncated = run_until_end(lambda o: np.ones(len(o), int), seed=3)
    assert terminated and not truncated and buffer.size < 50
    return last_transition(buffer)


@pytest.mark.parametrize("target", ["dqn", "double"])
def test_time_limit_bootstraps_and_fall_does_not(nets, time_limit_end, fall_end, target) -> None:
    q_net, target_net = nets

    def y(batch: cu.Batch) -> float:
        if target == "dqn":
            return cu.dqn_td_target(target_net, batch, GAMMA).item()
        return cu.double_dqn_td_target(q_net, target_net, batch, GAMMA).item()

    with torch.no_grad():
        next_q = target_net(time_limit_end.next_obs)[0]
        chosen = int(q_net(time_limit_end.next_obs).argmax()) if target == "double" else int(next_q.argmax())
    assert y(time_limit_end) == pytest.approx(1.0 + GAMMA * next_q[chosen].item(), abs=1e-5)
    assert y(fall_end) == 1.0


def test_td_target_is_batched_and_constant(nets) -> None:
    q_net, target_net = nets
    buffer, _, _ = run_until_end(balancing_policy, seed=0)
    batch = buffer.sample(32)
    y = cu.dqn_td_target(q_net, batch, GAMMA)
    assert y.shape == (32,) and not y.requires_grad
    with torch.no_grad():
        expected = batch.rewards + GAMMA * (1 - batch.terminated) * q_net(batch.next_obs).max(1).values
    assert torch.allclose(y, expected)


def test_double_target_never_exceeds_dqn_target(nets) -> None:
    q_net, target_net = nets
    buffer, _, _ = run_until_end(balancing_policy, seed=1)
    batch = buffer.sample(128)
    dqn_y = cu.dqn_td_target(target_net, batch, GAMMA)
    double_y = cu.double_dqn_td_target(q_net, target_net, batch, GAMMA)
    assert torch.all(double_y <= dqn_y + 1e-6)
    assert torch.allclose(cu.double_dqn_td_target(target_net, target_net, batch, GAMMA), dqn_y)


def test_q_learning_step_moves_q_towards_target() -> None:
    torch.manual_seed(0)
    q_net = cu.QNetwork()
    optimizer = torch.optim.SGD(q_net.parameters(), lr=0.01)
    batch = cu.single_transition(np.zeros(4, np.float32), 1, 1.0, np.zeros(4, np.float32), False)
    target = torch.tensor([10.0])
    before = q_net(batch.obs)[0, 1].item()
    losses = [cu.q_learning_step(q_net, optimizer, batch, target) for _ in range(20)]
    assert abs(q_net(batch.obs)[0, 1].item() - 10) < abs(before - 10)
    assert losses[-1] < losses[0]


def test_q_network_shapes() -> None:
    q_net = cu.QNetwork(hidden_size=16)
    assert q_net(torch.zeros(7, 4)).shape == (7, 2)


def test_linear_schedule() -> None:
    assert cu.linear_schedule(1.0, 0.05, 1000, 0) == 1.0
    assert cu.linear_schedule(1.0, 0.05, 1000, 500) == pytest.approx(0.525)
    assert cu.linear_schedule(1.0, 0.05, 1000, 5000) == 0.05


def test_epsilon_greedy() -> None:
    q_net = cu.QNetwork()
    obs = np.array([0.1, 0.0, -0.05, 0.2], np.float32)
    greedy = int(q_net(torch.as_tensor(obs)).argmax())
    rng = np.random.default_rng(0)
    assert all(cu.epsilon_greedy(q_net, obs, 0.0, rng) == greedy for _ in range(20))
    actions = [cu.epsilon_greedy(q_net, obs, 1.0, rng) for _ in range(400)]
    assert 0.4 < np.mean(actions) < 0.6


def test_replay_buffer_ring_and_sampling() -> None:
    buffer = cu.ReplayBuffer(capacity=10, seed=0)
    for i in range(25):
        buffer.add(np.full(4, i, np.float32), i % 2, 1.0, np.full(4, i + 1, np.float32), i == 24, False)
    assert len(buffer) == 10 and buffer.pos == 5
    assert set(buffer.obs[:, 0].astype(int)) == set(range(15, 25))
    batch = buffer.sample(64)
    assert batch.obs.shape == (64, 4) and batch.actions.shape == (64,)
    assert torch.all(batch.next_obs[:, 0] == batch.obs[:, 0] + 1), "obs and next_obs must stay paired"
    assert batch.obs.dtype == torch.float32 and batch.actions.dtype == torch.int64


def test_replay_buffer_empty_sample_is_clear() -> None:
    with pytest.raises(ValueError, match="empty"):
        cu.ReplayBuffer(4).sample(2)


def test_hard_and_soft_updates() -> None:
    torch.manual_seed(0)
    q_net, target_net = cu.QNetwork(), cu.QNetwork()
    before = [p.clone() for p in target_net.parameters()]
    cu.soft_update(list(target_net.parameters()), list(q_net.parameters()), 0.1)
    for t, b, p in zip(target_net.parameters(), before, q_net.parameters()):
        assert torch.allclose(t, 0.1 * p + 0.9 * b)
    cu.hard_update(target_net, q_net)
    assert all(torch.equal(t, p) for t, p in zip(target_net.parameters(), q_net.parameters()))


@pytest.mark.parametrize("train, config", [
    ("train_online", "OnlineConfig"), ("train_replay", "ReplayConfig"),
    ("train_target", "TargetConfig"), ("train_double", "DoubleConfig"), ("train_soft", "SoftConfig"),
    ("train_dueling", "DuelingConfig"),
])
def test_training_functions_run_and_report(train, config) -> None:
    cfg = getattr(cu, config)(total_steps=2_000)
    result = getattr(cu, train)(cfg, progress=False, final_episodes=5)
    assert result.eval_steps == [1_000, 2_000]
    assert len(result.episode_returns) > 0 and result.train_seconds > 0
    assert len(result.final_returns) == 5 and result.config == cfg


def test_training_is_reproducible() -> None:
    cfg = cu.SoftConfig(total_steps=2_000, learning_starts=500)
    a = cu.train_soft(cfg, progress=False, final_episodes=0)
    b = cu.train_soft(cfg, progress=False, final_episodes=0)
    assert a.episode_returns == b.episode_returns and a.eval_means == b.eval_means
    for pa, pb in zip(a.q_net.parameters(), b.q_net.parameters()):
        assert torch.equal(pa, pb)


def test_taught_in_names_the_notebook() -> None:
    assert cu.taught_in("ReplayBuffer").startswith("notebook 03")
    with pytest.raises(KeyError, match="not a component"):
        cu.taught_in("make_env")


def test_dueling_aggregation_is_mean_subtracted() -> None:
    torch.manual_seed(0)
    net = cu.DuelingQNetwork(hidden_size=16)
    obs = torch.randn(6, 4)
    q = net(obs)
    features = net.body(obs)
    advantage = net.advantage(features)
    assert q.shape == (6, 2)
    assert torch.allclose(q.mean(dim=1), net.value(features).squeeze(1), atol=1e-6)
    assert torch.equal(q.argmax(dim=1), advantage.argmax(dim=1)), "the greedy action is the best advantage"


def test_double_dqn_with_the_max_target_is_notebook_04s_agent() -> None:
    """05 -> 04 differs only in the target: with DQN's max target, train_double is train_target."""
    cfg = cu.TargetConfig(total_steps=2_000, learning_starts=500, target_update_interval=50)
    dqn = cu.train_target(cfg, progress=False, final_episodes=0)
    same = cu.train_double(cu.DoubleConfig(**dataclasses.asdict(cfg)), cu.max_td_target,
                           progress=False, final_episodes=0)
    assert dqn.episode_returns == same.episode_returns and dqn.eval_means == same.eval_means
    for pa, pb in zip(dqn.q_net.parameters(), same.q_net.parameters()):
        assert torch.equal(pa, pb)
    double = cu.train_double(cu.DoubleConfig(**dataclasses.asdict(cfg)), progress=False, final_episodes=0)
    assert any(not torch.equal(pa, pb) for pa, pb in zip(dqn.q_net.parameters(), double.q_net.parameters()))


def test_replay_with_a_buffer_of_one_is_notebook_02s_agent() -> None:
    """02 -> 03 is replay alone: with batch 1, buffer 1, no wait and an update a step, 03 is 02."""
    online = cu.train_online(cu.OnlineConfig(total_steps=1_500), progress=False, final_episodes=0)
    corner = cu.ReplayConfig(total_steps=1_500, batch_size=1, buffer_size=1, learning_starts=0, train_freq=1)
    replay = cu.train_replay(corner, progress=False, final_episodes=0)
    assert online.episode_returns == replay.episode_returns and online.eval_means == replay.eval_means
    for pa, pb in zip(online.q_net.parameters(), replay.q_net.parameters()):
        assert torch.equal(pa, pb)
