"""Saving and loading trained Q-networks together with the config that trained them."""

from __future__ import annotations

import dataclasses
import io
import os
import warnings
from collections.abc import Callable
from typing import Any

#: Written into every checkpoint; a file without it was not written by :func:`save_checkpoint`.
FORMAT = "cartpole_utils.checkpoint/1"
#: A trained network of the course's final agent (notebook 06's config; the seed is in the file),
#: shipped so that a trained agent can be watched before anything is trained (``cu.load_agent``);
#: written by tools/make_shipped_agent.py.
SHIPPED_AGENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "final_agent.pt")


class CheckpointError(RuntimeError):
    """A checkpoint is missing, unreadable or does not fit the model it is loaded into."""


def _check_path(path: Any) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file name (str or pathlib.Path), got {type(path).__name__}.")
    return os.fspath(path)


def _check_module(q_net: Any) -> None:
    import torch

    if not isinstance(q_net, torch.nn.Module):
        raise TypeError(f"q_net must be a torch.nn.Module, got {type(q_net).__name__}.")


def _plain(value: Any, where: str) -> Any:
    """``value`` as plain Python data that ``torch.load(weights_only=True)`` accepts, or raise."""
    import numpy as np

    if isinstance(value, np.generic):  # before float: np.float64 is a float subclass torch refuses
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # as dataclasses.asdict does
        fields = dataclasses.fields(value)
        return {f.name: _plain(getattr(value, f.name), f"{where}.{f.name}") for f in fields}
    raise TypeError(
        f"config field {where} is a {type(value).__name__} ({value!r:.60}); a checkpoint stores only "
        "numbers, strings, booleans, None and lists/tuples/dicts of them, so that loading it cannot "
        "run code. Store a plain value instead (e.g. the name of a function, not the function)."
    )


def save_checkpoint(path: str | os.PathLike[str], q_net: Any, config: Any = None) -> str:
    """Save ``q_net``'s weights (its ``state_dict``) and the config dataclass that trained it.

    The file is written whole or not at all (a half-written file never replaces a good one).

    Args:
        path: file to write, conventionally ending in ``.pt``; its folder must exist.
        q_net: a ``torch.nn.Module``.
        config: a dataclass instance (stored as a dict of plain values) or ``None``. Its fields must
            hold plain values (numbers, strings, booleans, None, lists/tuples/dicts of them);
            NumPy scalars are stored as Python numbers.

    Returns:
        the path written, as a string.
    """
    import torch

    name = _check_path(path)
    _check_module(q_net)
    if config is not None and (not dataclasses.is_dataclass(config) or isinstance(config, type)):
        raise TypeError(
            f"config must be a dataclass instance (e.g. Config()) or None, got {type(config).__name__}."
        )
    folder = os.path.dirname(name) or "."
    if not os.path.isdir(folder):
        raise CheckpointError(
            f"Cannot save to {name!r}: folder {folder!r} does not exist. Create it first "
            "(os.makedirs(folder, exist_ok=True)) or save in the notebook's folder."
        )
    if os.path.isdir(name):
        raise CheckpointError(f"Cannot save to {name!r}: it is a folder. Give a file name such as 'dqn.pt'.")
    plain_config = None if config is None else _plain(config, type(config).__name__)
    payload = {
        "format": FORMAT,
        "model_class": type(q_net).__name__,
        "state_dict": q_net.state_dict(),
        "config": plain_config,
    }
    buf = io.BytesIO()
    torch.save(payload, buf)
    tmp = f"{name}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(buf.getvalue())
    os.replace(tmp, name)
    return name


def _read_payload(name: str) -> dict[str, Any]:
    """The checkpoint dict in file ``name``, read with ``weights_only=True``, or a CheckpointError."""
    import torch

    if not os.path.isfile(name):
        what = "a folder, not a checkpoint file" if os.path.isdir(name) else "no checkpoint"
        raise CheckpointError(
            f"{name!r}: {what}. Train the agent in this notebook first (it saves the "
            "checkpoint), or check the file name."
        )
    try:
        with warnings.catch_warnings():  # torch warns about foreign pickles before failing on them
            warnings.simplefilter("ignore")
            payload = torch.load(name, map_location="cpu", weights_only=True)
    except Exception as err:  # any file can be handed in: every failure to read it is reported alike
        if "GLOBAL" in str(err):
            raise CheckpointError(
                f"{name!r} holds pickled Python objects, not just weights (for example a whole "
                "model saved with torch.save(q_net, ...)). Loading it could run arbitrary code, so "
                "it is refused. Save checkpoints with cu.save_checkpoint(path, q_net, config)."
            ) from None
        raise CheckpointError(
            f"{name!r} is not a readable checkpoint (corrupt, truncated or not a torch file: "
            f"{type(err).__name__}). Delete it and re-run the training cells to write a new one."
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(
            f"{name!r} was not written by cu.save_checkpoint (no '{FORMAT}' marker). "
            "Save checkpoints with cu.save_checkpoint(path, q_net, config)."
        )
    return payload


def load_checkpoint(path: str | os.PathLike[str], q_net: Any) -> dict[str, Any] | None:
    """Load weights saved by :func:`save_checkpoint` into ``q_net``; return the stored config.

    Loading uses ``torch.load(..., weights_only=True)``: a checkpoint holds tensors and plain
    values only, so loading one cannot run code.

    Args:
        path: the checkpoint file.
        q_net: a network of the same architecture as the saved one (same layer sizes).

    Returns:
        the config as a dict (or ``None`` if none was saved).

    Raises:
        CheckpointError: the file is missing, is not a checkpoint, is corrupt, or its weights
            do not fit ``q_net``; the message names the file and what to do.
    """
    name = _check_path(path)
    _check_module(q_net)
    return _load_payload(name, _read_payload(name), q_net)


def _load_payload(name: str, payload: dict[str, Any], q_net: Any) -> dict[str, Any] | None:
    """Load the weights of the checkpoint ``payload`` read from ``name`` into ``q_net``."""
    try:
        q_net.load_state_dict(payload["state_dict"])
    except (RuntimeError, KeyError, TypeError, AttributeError) as err:
        lines = str(err).strip().splitlines() or [type(err).__name__]
        detail = (lines[1] if len(lines) > 1 else lines[0]).strip().rstrip(".")
        raise CheckpointError(
            f"The weights in {name!r} (saved from a {payload.get('model_class')}) do not fit this "
            f"{type(q_net).__name__}: {detail}. Build the network with the config stored in the "
            "checkpoint (same hidden sizes) before loading."
        ) from None
    return payload.get("config")


#: The network classes :func:`load_agent` can rebuild: class name -> a function that returns the
#: class. The notebooks define them (``QNetwork`` in 02, ``DuelingQNetwork`` in 08);
#: ``import cartpole_utils`` registers them here, so this helper never imports a lesson.
NETWORKS: dict[str, Callable[[], Callable[[int], Any]]] = {}


def register_network(name: str, load_class: Callable[[], Callable[[int], Any]]) -> None:
    """Let :func:`load_agent` rebuild checkpoints of the network class ``name``.

    Args:
        name: the class name a checkpoint stores (``"QNetwork"``).
        load_class: returns the class (called only when such a checkpoint is loaded); the class
            is made as ``cls(hidden_size)``.
    """
    NETWORKS[name] = load_class


def load_agent(path: str | os.PathLike[str]) -> tuple[Any, dict[str, Any] | None]:
    """Rebuild the network a checkpoint was saved from, load its weights, and return both.

    Unlike :func:`load_checkpoint`, no network is needed up front: the checkpoint names its class
    (``QNetwork`` or ``DuelingQNetwork``) and its config gives ``hidden_size``.

    Returns:
        ``(q_net, config)``: the network in eval mode, and the stored config (a dict, or ``None``).

    Raises:
        CheckpointError: as :func:`load_checkpoint`, or the checkpoint holds a network the course
            does not define.
    """
    name = _check_path(path)
    payload = _read_payload(name)
    model_class, config = payload.get("model_class"), payload.get("config")
    if model_class not in NETWORKS:
        raise CheckpointError(
            f"{name!r} holds a {model_class}, which the course does not define "
            f"(known: {', '.join(NETWORKS)}). Load it with cu.load_checkpoint into your own network."
        )
    hidden_size = (config or {}).get("hidden_size", 128)
    q_net = NETWORKS[model_class]()(hidden_size)
    _load_payload(name, payload, q_net)  # the file is read once
    return q_net.eval(), config
