"""cartpole_utils.checkpoint: saving and loading Q-networks with their config, safely."""

import dataclasses
import os
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
import torch

import cartpole_utils as cu


class QNet(torch.nn.Module):
    def __init__(self, hidden: int = 16):
        super().__init__()
        layers = [torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 2)]
        self.net = torch.nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


@dataclasses.dataclass(frozen=True)
class Config:
    hidden: int = 16  # hidden units
    lr: float = 1e-3
    seed: int = 0
    layers: tuple = (16, 16)


@dataclasses.dataclass(frozen=True)
class Sweep:
    base: Config = Config()
    taus: list = dataclasses.field(default_factory=lambda: [0.005, 1.0])


class RunsCode:
    """Unpickling this runs ``open(marker, 'w')``: a stand-in for any code a pickle could run."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def net(seed=0, hidden=16):
    torch.manual_seed(seed)
    return QNet(hidden)


@pytest.fixture
def saved(tmp_path):
    """A real checkpoint of net(seed=0) with Config()."""
    return Path(cu.save_checkpoint(tmp_path / "dqn.pt", net(0), Config()))


# ---------------------------------------------------------------- round trip


def test_round_trip_restores_identical_weights_and_returns_the_config(saved):
    original, restored = net(seed=0), net(seed=1)
    assert not torch.equal(original.net[0].weight, restored.net[0].weight)
    config = cu.load_checkpoint(saved, restored)
    assert config == dataclasses.asdict(Config()) == {"hidden": 16, "lr": 1e-3, "seed": 0, "layers": (16, 16)}
    for (name, a), (_, b) in zip(original.state_dict().items(), restored.state_dict().items()):
        assert torch.equal(a, b), name
    obs = torch.randn(5, 4)
    assert torch.equal(original(obs), restored(obs))


def test_save_returns_the_path_and_accepts_str_and_path(tmp_path):
    assert cu.save_checkpoint(tmp_path / "a.pt", net()) == str(tmp_path / "a.pt")
    assert cu.save_checkpoint(str(tmp_path / "b.pt"), net()) == str(tmp_path / "b.pt")
    assert cu.load_checkpoint(str(tmp_path / "a.pt"), net(1)) is None  # no config saved
    assert sorted(os.listdir(tmp_path)) == ["a.pt", "b.pt"]  # no temporary file left behind


def test_save_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cu.save_checkpoint("here.pt", net())
    assert (tmp_path / "here.pt").is_file()


def test_saving_again_replaces_the_file(saved):
    cu.save_checkpoint(saved, net(seed=5), Config(seed=5))
    restored = net(seed=1)
    assert cu.load_checkpoint(saved, restored)["seed"] == 5
    assert torch.equal(restored.net[0].weight, net(seed=5).net[0].weight)


def test_config_values_are_stored_as_plain_python(tmp_path):
    path = tmp_path / "np.pt"
    cu.save_checkpoint(path, net(), Config(hidden=np.int64(16), lr=np.float32(0.5), layers=(np.int64(8),)))
    config = cu.load_checkpoint(path, net())
    assert config == {"hidden": 16, "lr": 0.5, "seed": 0, "layers": (8,)}
    assert type(config["hidden"]) is int and type(config["lr"]) is float


def test_nested_config_is_stored_like_dataclasses_asdict(tmp_path):
    cu.save_checkpoint(tmp_path / "sweep.pt", net(), Sweep())
    assert cu.load_checkpoint(tmp_path / "sweep.pt", net()) == dataclasses.asdict(Sweep())


def test_load_uses_weights_only(saved, monkeypatch):
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    cu.load_checkpoint(saved, net())
    assert calls and all(kw.get("weights_only") is True for kw in calls)


@pytest.mark.parametrize("how", ["torch.save", "pickle.dump"])
def test_a_pickled_object_is_refused_without_running_it(tmp_path, how):
    marker, path = tmp_path / "ran.txt", tmp_path / "evil.pt"
    payload = {"format": "cartpole_utils.checkpoint/1", "state_dict": {}, "config": RunsCode(marker)}
    if how == "torch.save":
        torch.save(payload, path)
    else:
        path.write_bytes(pickle.dumps(payload))
    with pickle.loads(pickle.dumps(RunsCode(tmp_path / "control.txt"))):  # the payload does run code
        pass
    assert (tmp_path / "control.txt").exists()
    with pytest.raises(cu.CheckpointError, match=re.escape(str(path))):
        cu.load_checkpoint(path, net())
    assert not marker.exists()


# ---------------------------------------------------------------- bad files: CheckpointError


def _write(data):
    return lambda path, saved: path.write_bytes(data)


def _truncate(n_bytes_kept):
    return lambda path, saved: path.write_bytes(saved.read_bytes()[:n_bytes_kept(saved.stat().st_size)])


def _torch_save(obj):
    return lambda path, saved: torch.save(obj, path)


BAD_FILES = [
    pytest.param(lambda path, saved: None, "no checkpoint", "Train the agent", id="missing-file"),
    pytest.param(lambda path, saved: path.mkdir(), "a folder, not a checkpoint file", "check the file name",
                 id="a-folder"),
    pytest.param(_write(np.random.default_rng(0).bytes(1000)), "is not a readable checkpoint",
                 "Delete it and re-run the training cells", id="random-bytes"),
    pytest.param(_write(b""), "is not a readable checkpoint", "Delete it", id="empty-file"),
    pytest.param(_write(b"PK\x03\x04" + bytes(100)), "is not a readable checkpoint", "Delete it",
                 id="broken-zip"),
    pytest.param(_truncate(lambda size: size // 2), "is not a readable checkpoint", "Delete it",
                 id="truncated-half"),
    pytest.param(_truncate(lambda size: size - 10), "is not a readable checkpoint", "Delete it",
                 id="truncated-end"),
    pytest.param(_truncate(lambda size: 30), "is not a readable checkpoint", "Delete it",
                 id="truncated-start"),
    pytest.param(_torch_save({"weights": torch.zeros(3)}), "was not written by cu.save_checkpoint",
                 "Save checkpoints with cu.save_checkpoint(path, q_net, config)", id="torch.save-of-a-dict"),
    pytest.param(_torch_save(net().state_dict()), "was not written by cu.save_checkpoint",
                 "Save checkpoints with cu.save_checkpoint", id="torch.save-of-a-state_dict"),
    pytest.param(_torch_save([1, 2, 3]), "was not written by cu.save_checkpoint",
                 "Save checkpoints with cu.save_checkpoint", id="torch.save-of-a-list"),
    pytest.param(_torch_save(net()), "holds pickled Python objects",
                 "Save checkpoints with cu.save_checkpoint", id="torch.save-of-a-whole-model"),
    pytest.param(lambda path, saved: cu.save_checkpoint(path, net(hidden=32), Config(hidden=32)),
                 "do not fit this QNet", "Build the network with the config stored in the checkpoint",
                 id="different-hidden-size"),
    pytest.param(lambda path, saved: cu.save_checkpoint(path, torch.nn.Linear(4, 2)),
                 "(saved from a Linear) do not fit this QNet", "Build the network", id="different-model"),
]


@pytest.mark.parametrize("make_file, problem, what_to_do", BAD_FILES)
def test_a_bad_file_gets_a_checkpoint_error_naming_it(tmp_path, saved, make_file, problem, what_to_do):
    path = tmp_path / "bad.pt"
    make_file(path, saved)
    with pytest.raises(cu.CheckpointError) as info:
        cu.load_checkpoint(path, net())
    message = str(info.value)
    assert str(path) in message
    assert problem in message
    assert what_to_do in message
    error = info.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__), (
        "the user should see our message, not torch's traceback above it"
    )


# ---------------------------------------------------------------- bad arguments


def _lambda_config():
    @dataclasses.dataclass
    class WithFunction:
        activation: object = dataclasses.field(default=torch.relu)

    return WithFunction()


BAD_INPUTS = [
    pytest.param(lambda d: cu.save_checkpoint(d / "a.pt", {"weight": torch.zeros(2)}), TypeError,
                 "q_net must be a torch.nn.Module, got dict", id="save-not-a-module"),
    pytest.param(lambda d: cu.save_checkpoint(d / "a.pt", net(), {"hidden": 16}), TypeError,
                 "config must be a dataclass instance", id="save-config-dict"),
    pytest.param(lambda d: cu.save_checkpoint(d / "a.pt", net(), Config), TypeError,
                 "config must be a dataclass instance (e.g. Config())", id="save-config-class"),
    pytest.param(lambda d: cu.save_checkpoint(d / "a.pt", net(), _lambda_config()), TypeError,
                 "config field WithFunction.activation is a builtin_function_or_method",
                 id="save-config-with-a-function"),
    pytest.param(lambda d: cu.save_checkpoint(d / "no" / "such" / "a.pt", net()), cu.CheckpointError,
                 "does not exist. Create it first", id="save-missing-folder"),
    pytest.param(lambda d: cu.save_checkpoint(d, net()), cu.CheckpointError,
                 "it is a folder. Give a file name such as 'dqn.pt'", id="save-to-a-folder"),
    pytest.param(lambda d: cu.save_checkpoint(None, net()), TypeError,
                 "path must be a file name (str or pathlib.Path)", id="save-path-None"),
    pytest.param(lambda d: cu.load_checkpoint(d / "a.pt", None), TypeError,
                 "q_net must be a torch.nn.Module, got NoneType", id="load-not-a-module"),
    pytest.param(lambda d: cu.load_checkpoint(None, net()), TypeError,
                 "path must be a file name", id="load-path-None"),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUTS)
def test_bad_input_gets_a_clear_error(tmp_path, call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call(tmp_path)
    assert not (tmp_path / "a.pt").exists()  # nothing half-written
