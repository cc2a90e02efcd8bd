"""Progress bars that work in notebooks, terminals and CI logs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def progress_bar(iterable: Iterable[Any] | None = None, **kwargs: Any) -> Any:
    """A ``tqdm.auto`` progress bar (a widget in Jupyter, text elsewhere).

    Any keyword of ``tqdm`` works (``total``, ``desc``, ``disable``...). Updates are throttled
    to a few per second, so a bar over a fast loop costs little.
    """
    from tqdm.auto import tqdm

    kwargs.setdefault("mininterval", 0.5)
    kwargs.setdefault("dynamic_ncols", True)
    return tqdm(iterable, **kwargs)
