"""Progress bars that work in notebooks, terminals and CI logs, and are saved finished."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from tqdm.std import tqdm


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Notebook, VS Code, Colab), False in a terminal."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def progress_bar(iterable: Iterable[Any] | None = None, **kwargs: Any) -> Any:
    """A ``tqdm`` progress bar: one line of text updated in place.

    In a notebook the line is a display output that each refresh replaces, so a saved notebook
    shows the bar as it ended (100%, with its last numbers), with or without a kernel, and no
    widget library is needed (ipywidgets 7 or 8, or none). Elsewhere it is tqdm's usual text bar.
    Any keyword of ``tqdm`` works (``total``, ``desc``, ``disable``...). Updates are throttled to a
    few per second, so a bar over a fast loop costs little.
    """
    kwargs.setdefault("mininterval", 0.5)
    if not _in_notebook():
        kwargs.setdefault("dynamic_ncols", True)
        return tqdm(iterable, **kwargs)
    return _NotebookBar(iterable, **kwargs)


class _NotebookBar(tqdm):  # type: ignore[misc]
    """tqdm whose line goes to an updatable display output instead of a terminal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["file"] = io.StringIO()  # tqdm's own terminal writes go nowhere
        kwargs.setdefault("ascii", False)  # block characters, as in a terminal
        self._handle: Any = None
        super().__init__(*args, **kwargs)

    def display(self, msg: str | None = None, pos: int | None = None) -> bool:
        """Show the bar's current line, replacing the one shown before."""
        from IPython.display import display

        bundle = {"text/plain": msg if msg is not None else str(self)}
        if self._handle is None:
            self._handle = display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)
        return True
