"""cartpole_utils.play and load_agent: watch a trained agent from a checkpoint, outside a notebook."""

import dataclasses

import numpy as np
import pytest
import torch

import cartpole_utils as cu
from cartpole_utils import play


@pytest.mark.parametrize("make_net", [lambda: cu.QNetwork(32), lambda: cu.DuelingQNetwork(32)],
                         ids=["QNetwork", "DuelingQNetwork"])
def test_load_agent_rebuilds_the_saved_network(tmp_path, make_net):
    torch.manual_seed(0)
    q_net = make_net()
    config = dataclasses.replace(cu.SoftConfig(), hidden_size=32)
    path = cu.save_checkpoint(tmp_path / "agent.pt", q_net, config)
    loaded, stored = cu.load_agent(path)
    assert type(loaded) is type(q_net) and stored["hidden_size"] == 32
    obs = torch.randn(5, 4)
    torch.testing.assert_close(loaded(obs), q_net(obs), rtol=0, atol=0)


def test_load_agent_refuses_a_network_the_course_does_not_define(tmp_path):
    path = cu.save_checkpoint(tmp_path / "mlp.pt", torch.nn.Linear(4, 2))
    with pytest.raises(cu.CheckpointError, match="holds a Linear, which the course does not define"):
        cu.load_agent(path)


def test_play_prints_the_returns_and_writes_a_gif(tmp_path, capsys):
    torch.manual_seed(0)
    path = cu.save_checkpoint(tmp_path / "agent.pt", cu.QNetwork(16), cu.SoftConfig(hidden_size=16))
    gif = tmp_path / "agent.gif"
    assert play.main([str(path), "--episodes", "3", "--seed", "5", "--gif", str(gif)]) == 0
    out = capsys.readouterr().out
    returns = cu.evaluate(cu.load_agent(path)[0], 3, seed=5)
    assert " ".join(f"{r:.0f}" for r in returns) in out and f"mean {np.mean(returns):.1f}" in out
    assert gif.read_bytes()[:6] == b"GIF89a"


@pytest.mark.parametrize("make_file, message", [
    (lambda d: d / "missing.pt", "no checkpoint"),
    (lambda d: (d / "notes.txt").write_text("hello") and d / "notes.txt", "not a readable checkpoint"),
    (lambda d: d, "a folder, not a checkpoint file"),
])
def test_play_gives_the_checkpoint_errors_for_bad_paths(tmp_path, capsys, make_file, message):
    assert play.main([str(make_file(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_play_refuses_bad_arguments(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        play.main([str(tmp_path / "x.pt"), "--episodes", "0"])
    assert exit_info.value.code == 2


def test_the_shipped_final_agent_balances_for_the_full_500_steps(capsys):
    """The checkpoint in the package (under 100 KB) plays the final evaluation's 100 episodes perfectly."""
    import os

    assert os.path.getsize(cu.SHIPPED_AGENT) < 100_000
    q_net, config = cu.load_agent(cu.SHIPPED_AGENT)
    assert isinstance(q_net, cu.QNetwork) and config["tau"] == cu.SoftConfig().tau
    np.testing.assert_array_equal(cu.evaluate(q_net, 100, seed=cu.FINAL_EVAL_SEED), np.full(100, 500.0))
    assert play.main([cu.SHIPPED_AGENT, "--episodes", "3"]) == 0
    assert "500 500 500" in capsys.readouterr().out
