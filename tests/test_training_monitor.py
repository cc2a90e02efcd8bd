"""cartpole_utils.training: the Monitor that runs the evaluation protocol, and TrainResult."""

import dataclasses
import math
import re
import time

import numpy as np
import pytest
import torch

import cartpole_utils as cu


@dataclasses.dataclass(frozen=True)
class Config:
    total_steps: int = 2_000  # environment steps
    seed: int = 0


def small_net(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))


def random_play(monitor, seed=0):
    """The shape of every notebook's loop, with random actions instead of learning."""
    env = cu.make_env(seed=seed)
    env.reset(seed=seed)
    for global_step in monitor.steps():
        _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        monitor.record(reward, episode_over=terminated or truncated)
        if global_step % 500 == 0:
            monitor.log("step", global_step)
        if terminated or truncated:
            env.reset()
    env.close()


@pytest.fixture(scope="module")
def result():
    q_net = small_net()
    monitor = cu.Monitor(q_net, Config(), name="random", progress=False, final_episodes=5)
    random_play(monitor)
    return monitor.result()


# ---------------------------------------------------------------- a tiny training loop


def test_monitor_collects_training_episodes(result):
    assert len(result.episode_returns) == len(result.episode_end_steps) > 30  # random play: ~22 steps each
    assert 8 <= np.mean(result.episode_returns) <= 60
    assert result.episode_end_steps == sorted(result.episode_end_steps)
    assert result.episode_end_steps[-1] <= 2_000
    assert sum(result.episode_returns) == result.episode_end_steps[-1]  # +1 per step, episodes back to back


def test_monitor_evaluates_every_1000_steps(result):
    assert result.eval_steps == [1000, 2000]
    assert len(result.eval_means) == 2 and all(1 <= m <= 500 for m in result.eval_means)
    assert len(result.eval_seconds_at) == 2
    assert 0 < result.eval_seconds_at[0] <= result.eval_seconds_at[1] <= result.train_seconds


def test_monitor_result(result):
    assert result.name == "random" and result.config == Config()
    assert result.train_seconds > 0
    assert result.final_returns.shape == (5,)
    assert result.final_mean == pytest.approx(np.mean(result.final_returns))
    assert result.extra["step"] == [500, 1000, 1500, 2000]
    record = result.record()
    assert record["agent"] == "random" and record["seed"] == 0 and record["env_steps"] == 2000
    assert cu.run_record(result) == record  # one serialization of a run
    assert "random, seed 0" in result.report()


def test_evaluations_use_the_protocol_seeds():
    q_net = small_net(seed=3)
    monitor = cu.Monitor(q_net, total_steps=1_000, progress=False, eval_episodes=3, final_episodes=4)
    for _ in monitor.steps():
        pass
    res = monitor.result()
    expected = cu.evaluate(q_net, 3, seed=cu.EVAL_SEED_OFFSET + 1_000)
    assert res.eval_means == [pytest.approx(np.mean(expected))]
    np.testing.assert_array_equal(
        res.final_returns, cu.evaluate(q_net, 4, seed=cu.FINAL_EVAL_SEED)
    )


def test_evaluation_time_is_not_training_time(monkeypatch):
    monitor = cu.Monitor(small_net(), total_steps=2_000, progress=False, final_episodes=0)

    def slow_evaluation(global_step):
        time.sleep(0.25)
        return np.zeros(10)

    monkeypatch.setattr(monitor, "evaluate", slow_evaluation)
    start = time.perf_counter()
    for _ in monitor.steps():
        pass
    assert time.perf_counter() - start >= 0.5
    assert monitor.result().train_seconds < 0.25


def test_evaluation_leaves_the_network_in_its_mode():
    q_net = small_net()
    monitor = cu.Monitor(q_net, total_steps=10, progress=False, eval_episodes=2)
    q_net.train()
    monitor.evaluate(10)
    assert q_net.training
    q_net.eval()
    monitor.evaluate(10)
    assert not q_net.training


def test_final_evaluation_can_be_skipped():
    monitor = cu.Monitor(small_net(), total_steps=5, progress=False, final_episodes=0)
    for _ in monitor.steps():
        monitor.record(1.0, episode_over=False)
    res = monitor.result()
    assert res.eval_steps == [] and res.final_returns.size == 0 and math.isnan(res.final_mean)
    assert res.episode_returns == []  # the unfinished episode is not counted


# ---------------------------------------------------------------- TrainResult numbers


def test_train_result_solved_numbers():
    res = cu.TrainResult(
        name="DQN", config=Config(seed=4), q_net=None,
        eval_steps=[1000, 2000, 3000, 4000], eval_means=[50.0, 480.0, 300.0, 500.0],
        eval_seconds_at=[1.0, 2.5, 4.0, 5.0], train_seconds=5.5, final_returns=np.array([500.0, 490.0]),
    )
    assert res.solved_at_step == 2000
    assert res.solved_at_seconds == 2.5
    assert res.stability == pytest.approx(0.5)
    assert res.final_mean == 495.0
    report = res.report()
    assert "first greedy mean of 475 at 2,000 env steps (2.5 s of training)" in report
    assert "50%" in report


def test_train_result_never_solved():
    res = cu.TrainResult(name="x", config=None, q_net=None, eval_steps=[1000], eval_means=[20.0],
                         eval_seconds_at=[1.0])
    assert res.solved_at_step is None and res.solved_at_seconds is None and math.isnan(res.stability)
    assert "never reached a greedy mean of 475" in res.report()


def test_config_dict():
    assert cu.config_dict(Config()) == {"total_steps": 2000, "seed": 0}


# ---------------------------------------------------------------- bad input

BAD_INPUTS = [
    pytest.param(lambda: cu.Monitor(small_net(), total_steps=0), ValueError,
                 "total_steps must be a positive int, got 0", id="Monitor-total_steps-0"),
    pytest.param(lambda: cu.Monitor(small_net(), total_steps=-100), ValueError,
                 "total_steps must be a positive int", id="Monitor-total_steps-negative"),
    pytest.param(lambda: cu.Monitor(small_net(), total_steps=1e4), ValueError,
                 "total_steps must be a positive int", id="Monitor-total_steps-float"),
    pytest.param(lambda: cu.Monitor(small_net(), total_steps=True), ValueError,
                 "total_steps must be a positive int", id="Monitor-total_steps-bool"),
    pytest.param(lambda: cu.Monitor(small_net(), total_steps=100, eval_interval=0), ValueError,
                 "eval_interval must be a positive int", id="Monitor-eval_interval-0"),
    pytest.param(lambda: cu.Monitor(small_net(), 20_000), TypeError,
                 "second argument is the run's config", id="Monitor-budget-as-config"),
    pytest.param(lambda: cu.Monitor(small_net(), {"total_steps": 10}), TypeError,
                 "Give the run's config", id="Monitor-dict-config"),
    pytest.param(lambda: cu.Monitor(small_net(), Config(), callbacks=[print]), TypeError,
                 "callbacks must be cu.Callback objects", id="Monitor-callback-function"),
    pytest.param(lambda: cu.Measure(3), TypeError, "Measure needs a function", id="Measure-not-callable"),
    pytest.param(lambda: cu.config_dict({"seed": 0}), TypeError, "Expected a config dataclass instance",
                 id="config_dict-dict"),
    pytest.param(lambda: cu.config_dict(Config), TypeError, "Expected a config dataclass instance",
                 id="config_dict-class"),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUTS)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


# These would otherwise fail late, after 1,000 steps of training or at the end of the budget.
LATE_FAILURES = [
    pytest.param(dict(eval_episodes=0), id="eval_episodes-0"),
    pytest.param(dict(final_episodes=-1), id="final_episodes-negative"),
    pytest.param(dict(q_net=None), id="q_net-None"),
]


@pytest.mark.parametrize("kwargs", LATE_FAILURES)
def test_monitor_refuses_bad_arguments_before_training(kwargs):
    arguments = dict(q_net=small_net(), total_steps=1_000, progress=False) | kwargs
    with pytest.raises((TypeError, ValueError)):
        cu.Monitor(**arguments)


def test_final_evaluation_leaves_the_network_in_its_mode():
    q_net = small_net()
    monitor = cu.Monitor(q_net, total_steps=1, progress=False, final_episodes=1)
    for _ in monitor.steps():
        pass
    q_net.eval()
    monitor.result()
    assert not q_net.training


# ---------------------------------------------------------------- run_seeds

def test_run_seeds_in_process_keeps_order():
    configs = [cu.SoftConfig(seed=s, total_steps=1_000, learning_starts=500) for s in (2, 1)]
    results = cu.run_seeds(cu.train_soft, configs, jobs=1, final_episodes=0)
    assert [r.config.seed for r in results] == [2, 1]
    assert all(r.eval_steps == [1_000] for r in results)


def notebook_defined_train(config):
    """Stands for a training function written in a notebook (module __main__)."""


notebook_defined_train.__module__ = "__main__"

RUN_SEEDS_BAD_INPUTS = [
    pytest.param(lambda: cu.run_seeds(cu.train_soft, [], jobs=0), ValueError, "jobs must be a positive int",
                 id="jobs-0"),
    pytest.param(lambda: cu.run_seeds("train_soft", []), TypeError, "train must be a training function",
                 id="train-not-callable"),
    pytest.param(lambda: cu.run_seeds(notebook_defined_train, [cu.SoftConfig()], jobs=2), ValueError,
                 "defined in this notebook", id="local-function-in-workers"),
]


@pytest.mark.parametrize("call, error, message", RUN_SEEDS_BAD_INPUTS)
def test_run_seeds_bad_input(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_keep_best_keeps_the_latest_best_evaluated_weights():
    torch.manual_seed(0)
    q_net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    monitor = cu.Monitor(q_net, total_steps=12, eval_interval=2, eval_episodes=3, final_episodes=4,
                         progress=False, callbacks=[cu.KeepBest()])
    for _ in monitor.steps():
        with torch.no_grad():
            for p in q_net.parameters():
                p.normal_()  # a new policy at every evaluation
    result = monitor.result()
    means = np.array(result.eval_means)
    best_index = int(np.flatnonzero(means == means.max())[-1])
    assert result.best_eval_step == result.eval_steps[best_index]
    replay = cu.evaluate(result.best_q_net, 3, seed=cu.EVAL_SEED_OFFSET + result.best_eval_step)
    assert np.mean(replay) == means[best_index]
    assert result.best_q_net is not q_net and len(result.best_final_returns) == 4
    np.testing.assert_array_equal(result.best_final_returns,
                                  cu.evaluate(result.best_q_net, 4, seed=2 * cu.EVAL_SEED_OFFSET))
    assert "Kept best weights" in result.report()


def test_without_keep_best_nothing_is_kept():
    q_net = torch.nn.Sequential(torch.nn.Linear(4, 2))
    monitor = cu.Monitor(q_net, total_steps=4, eval_interval=2, eval_episodes=2, final_episodes=0,
                         progress=False)
    for _ in monitor.steps():
        pass
    result = monitor.result()
    assert result.best_q_net is None and result.best_eval_step is None and len(result.best_final_returns) == 0


# ---------------------------------------------------------------- diagnostics and TensorBoard

@dataclasses.dataclass(frozen=True)
class GammaConfig:
    total_steps: int = 2_000
    seed: int = 0
    gamma: float = 0.9


def learning_play(monitor, q_net, optimizer):
    """Random play with one regression step every 10 steps, recording epsilon and the updates."""
    env = cu.make_env(seed=0)
    env.reset(seed=0)
    for global_step in monitor.steps():
        _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        monitor.record(reward, episode_over=terminated or truncated, epsilon=1 / global_step)
        if global_step % 10 == 0:
            loss = (q_net(torch.ones(3, 4)) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            monitor.record_update(loss.item())
        if terminated or truncated:
            env.reset()


def test_diagnostics_are_recorded_at_every_evaluation():
    q_net = small_net()
    optimizer = torch.optim.SGD(q_net.parameters(), lr=1e-3)
    monitor = cu.Monitor(q_net, GammaConfig(), progress=False, final_episodes=0)
    learning_play(monitor, q_net, optimizer)
    res = monitor.result()
    d = res.diagnostics
    assert d["step"] == res.eval_steps == [1_000, 2_000]
    assert all(len(d[k]) == 2 for k in ("td_loss", "grad_norm", "epsilon", "q_start", "discounted_return"))
    assert d["epsilon"] == [1 / 1_000, 1 / 2_000]
    assert all(v > 0 for v in d["td_loss"] + d["grad_norm"])
    # q_start: max_a Q at the first states of the second evaluation's episodes
    starts = np.array([cu.make_env().reset(seed=cu.EVAL_SEED_OFFSET + 2_000 + i)[0] for i in range(10)])
    with torch.no_grad():
        expected_q = float(q_net(torch.as_tensor(starts)).max(dim=1).values.mean())
    assert d["q_start"][1] == pytest.approx(expected_q, rel=1e-5)
    lengths = cu.evaluate(q_net, 10, seed=cu.EVAL_SEED_OFFSET + 2_000)
    assert d["discounted_return"][1] == pytest.approx(np.mean((1 - 0.9 ** lengths) / 0.1))


def test_grad_norm_is_the_norm_of_the_applied_gradients():
    q_net = small_net()
    monitor = cu.Monitor(q_net, total_steps=1_000, progress=False, final_episodes=0)
    loss = (q_net(torch.ones(2, 4)) ** 2).sum()
    loss.backward()
    expected = math.sqrt(sum(float((p.grad ** 2).sum()) for p in q_net.parameters()))
    diagnostics = monitor.callbacks[0]
    assert isinstance(diagnostics, cu.Diagnostics)
    monitor.record_update(loss.item())
    diagnostics.on_evaluation(monitor, 1_000, 0.0)
    diagnostics.on_training_end(monitor)
    assert monitor.train_result.diagnostics["grad_norm"] == [pytest.approx(expected, rel=1e-5)]
    assert monitor.train_result.diagnostics["td_loss"] == [pytest.approx(loss.item())]


def test_without_updates_or_epsilon_the_diagnostics_say_nan(result):
    assert all(math.isnan(v) for v in result.diagnostics["td_loss"] + result.diagnostics["epsilon"])
    assert all(math.isnan(v) for v in result.diagnostics["discounted_return"])  # Config has no gamma


def test_every_training_function_records_diagnostics():
    res = cu.train_replay(cu.ReplayConfig(total_steps=2_000), progress=False, final_episodes=0)
    d = res.diagnostics
    assert d["step"] == [1_000, 2_000]
    assert math.isnan(d["td_loss"][0]) and d["td_loss"][1] > 0, "no updates before learning_starts"
    assert d["epsilon"][1] == pytest.approx(cu.linear_schedule(1.0, 0.1, 5_000, 2_000))


def test_plot_diagnostics_draws_the_dashboard_and_explains_a_missing_record(result):
    q_net = small_net()
    monitor = cu.Monitor(q_net, GammaConfig(total_steps=1_000), progress=False, final_episodes=0)
    learning_play(monitor, q_net, torch.optim.SGD(q_net.parameters(), lr=1e-3))
    fig = cu.plot_diagnostics(monitor.result())
    assert len(fig.axes) == 4
    empty = cu.TrainResult(name="old", config=None, q_net=q_net)
    with pytest.raises(ValueError, match="no diagnostics"):
        cu.plot_diagnostics(empty)
    with pytest.raises(TypeError, match="TrainResult"):
        cu.plot_diagnostics("not a result")


def test_tensorboard_writes_events_or_says_what_to_install(tmp_path):
    q_net = small_net()
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install tensorboard"):
            cu.TensorBoard(str(tmp_path / "runs"))
        return
    monitor = cu.Monitor(q_net, GammaConfig(total_steps=1_000), progress=False, final_episodes=0,
                         callbacks=[cu.TensorBoard(str(tmp_path / "runs"))])
    learning_play(monitor, q_net, torch.optim.SGD(q_net.parameters(), lr=1e-3))
    monitor.result()
    assert list((tmp_path / "runs").glob("events.out.tfevents.*"))


def test_tensorboard_refuses_a_bad_log_dir():
    with pytest.raises(TypeError, match="log directory"):
        cu.TensorBoard(3)


def test_configs_that_copy_another_derive_from_it():
    """No copy kept by hand: 05's and 08's configs are 04's and 06's, field for field, and 06's is
    05's with the target update changed."""
    assert issubclass(cu.DoubleConfig, cu.TargetConfig) and issubclass(cu.DuelingConfig, cu.SoftConfig)
    assert issubclass(cu.SoftConfig, cu.DoubleConfig)
    changed = {k for k, v in dataclasses.asdict(cu.SoftConfig()).items()
               if dataclasses.asdict(cu.DoubleConfig()).get(k, "new") != v}
    assert changed == {"target_update_interval", "tau"}, changed
    assert dataclasses.asdict(cu.TargetConfig()) == dataclasses.asdict(cu.DoubleConfig())
    assert dataclasses.asdict(cu.SoftConfig()) == dataclasses.asdict(cu.DuelingConfig())


def test_deployed_net_is_evaluated_and_returned_while_gradients_come_from_q_net():
    q_net, avg_net = small_net(), small_net()
    with torch.no_grad():
        for p in avg_net.parameters():
            p.add_(1.0)  # another network, so that evaluating the wrong one shows
    optimizer = torch.optim.SGD(q_net.parameters(), lr=1e-3)
    monitor = cu.Monitor(q_net, GammaConfig(), progress=False, final_episodes=5, deployed_net=avg_net)
    learning_play(monitor, q_net, optimizer)
    res = monitor.result()
    assert res.q_net is q_net and res.deployed_net is avg_net
    expected = cu.evaluate(avg_net, 10, seed=cu.EVAL_SEED_OFFSET + 2_000)
    assert res.eval_means[1] == pytest.approx(np.mean(expected))
    assert np.array_equal(res.final_returns, cu.evaluate(avg_net, 5, seed=cu.FINAL_EVAL_SEED))
    assert all(v > 0 for v in res.diagnostics["grad_norm"]), "gradient norms are read from q_net"


def test_deployed_net_must_be_a_network():
    with pytest.raises(TypeError, match="deployed_net must be a torch.nn.Module"):
        cu.Monitor(small_net(), total_steps=10, deployed_net="avg")


def test_grad_norm_is_sampled_every_few_updates():
    q_net = small_net()
    monitor = cu.Monitor(q_net, total_steps=1_000, progress=False, final_episodes=0)
    for _ in range(2 * cu.training.GRAD_NORM_EVERY + 1):
        q_net.zero_grad()
        (q_net(torch.ones(2, 4)) ** 2).sum().backward()
        monitor.record_update(1.0)
    diagnostics = monitor.callbacks[0]
    assert diagnostics._grad_norms == 3 and diagnostics._updates == 2 * cu.training.GRAD_NORM_EVERY + 1


# ---------------------------------------------------------------- callbacks


class Recorder(cu.Callback):
    """A callback of a learner's own: notes every hook in order."""

    def __init__(self):
        self.calls = []

    def on_training_start(self, monitor):
        self.calls.append("start")

    def on_episode_end(self, monitor, episode_return):
        self.calls.append(("episode", monitor.global_step, episode_return))

    def on_update(self, monitor, loss):
        self.calls.append(("update", loss))

    def on_evaluation(self, monitor, step, mean):
        assert monitor.train_result.diagnostics["step"][-1] == step, "diagnostics run before other callbacks"
        self.calls.append(("evaluation", step, mean))

    def on_training_end(self, monitor):
        self.calls.append("end")

    def on_result(self, monitor, result):
        self.calls.append(("result", len(result.final_returns)))


def test_a_callback_of_your_own_sees_every_hook_in_order():
    recorder = Recorder()
    monitor = cu.Monitor(small_net(), Config(total_steps=4), progress=False, eval_interval=2,
                         eval_episodes=1, final_episodes=2, callbacks=[recorder])
    for step in monitor.steps():
        monitor.record(1.0, episode_over=step == 3)
        monitor.record_update(0.5)
    result = monitor.result()
    evaluations = [c for c in recorder.calls if c[0] == "evaluation"]
    assert [c[1] for c in evaluations] == [2, 4] and [c[2] for c in evaluations] == result.eval_means
    assert recorder.calls[0] == "start" and recorder.calls[-2:] == ["end", ("result", 2)]
    assert ("episode", 3, 3.0) in recorder.calls and recorder.calls.count(("update", 0.5)) == 4


def test_monitor_reads_the_budget_from_the_config():
    monitor = cu.Monitor(small_net(), Config(total_steps=3), progress=False, final_episodes=0)
    assert list(monitor.steps()) == [1, 2, 3]
    assert monitor.result().config == Config(total_steps=3)
