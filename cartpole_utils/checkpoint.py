"""Saving and loading trained Q-networks together with the config that trained them."""

from __future__ import annotations

import dataclasses
import os
import pickle
import zipfile
from typing import Any

#: Written into every checkpoint; a file without it was not written by :func:`save_checkpoint`.
FORMAT = "cartpole_utils.checkpoint/1"


class CheckpointError(RuntimeError):
    """A checkpoint is missing, unreadable or does not fit the model it is loaded into."""


def save_checkpoint(path: str | os.PathLike[str], q_net: Any, config: Any = None) -> str:
    """Save ``q_net``'s weights (its ``state_dict``) and the config dataclass that trained it.

    Args:
        path: file to write, conventionally ending in ``.pt``; its folder must exist.
        q_net: a ``torch.nn.Module``.
        config: a dataclass instance (stored as a dict of plain values) or ``None``.

    Returns:
        the path written, as a string.
    """
    import torch

    if not isinstance(q_net, torch.nn.Module):
        raise TypeError(f"q_net must be a torch.nn.Module, got {type(q_net).__name__}.")
    if config is not None and (not dataclasses.is_dataclass(config) or isinstance(config, type)):
        raise TypeError(f"config must be a dataclass instance or None, got {type(config).__name__}.")
    folder = os.path.dirname(os.fspath(path)) or "."
    if not os.path.isdir(folder):
        raise CheckpointError(f"Cannot save to {os.fspath(path)!r}: folder {folder!r} does not exist.")
    payload = {
        "format": FORMAT,
        "model_class": type(q_net).__name__,
        "state_dict": q_net.state_dict(),
        "config": dataclasses.asdict(config) if config is not None else None,
    }
    torch.save(payload, path)
    return os.fspath(path)


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
    import torch

    name = os.fspath(path)
    if not os.path.exists(name):
        raise CheckpointError(
            f"No checkpoint at {name!r}. Train the agent in this notebook first (it saves the "
            "checkpoint), or check the file name."
        )
    try:
        payload = torch.load(name, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile, OSError,
            ValueError) as err:
        raise CheckpointError(
            f"{name!r} is not a readable checkpoint (corrupt or truncated: {type(err).__name__}). "
            "Delete it and re-run the training cells to write a new one."
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(
            f"{name!r} was not written by cu.save_checkpoint (no '{FORMAT}' marker). "
            "Save checkpoints with cu.save_checkpoint(path, q_net, config)."
        )
    try:
        q_net.load_state_dict(payload["state_dict"])
    except RuntimeError as err:
        first = str(err).strip().splitlines()
        detail = first[1].strip() if len(first) > 1 else first[0]
        raise CheckpointError(
            f"The weights in {name!r} (saved from a {payload.get('model_class')}) do not fit this "
            f"{type(q_net).__name__}: {detail}. Build the network with the config stored in the "
            "checkpoint (same hidden sizes) before loading."
        ) from None
    return payload.get("config")
