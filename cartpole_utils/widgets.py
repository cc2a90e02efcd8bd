"""Interactive widgets (ipywidgets) with a static figure for readers who cannot run them."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .env import OBS_NAMES
from .plotting import _Description, describe_figure, figure_description
from .render import Episode, filmstrip


def _png(frame: np.ndarray, width: int = 450) -> bytes:
    from PIL import Image

    image = Image.fromarray(frame)
    height = round(image.height * width / image.width)
    buf = io.BytesIO()
    image.resize((width, height), Image.Resampling.BILINEAR).save(buf, format="PNG")
    return buf.getvalue()


def _state_html(episode: Episode, t: int) -> str:
    obs = episode.observations[t]
    rows = "".join(
        f"<tr><td>{name}</td><td style='text-align:right'>{value:+.3f}</td></tr>"
        for name, value in zip(OBS_NAMES, obs)
    )
    if t < episode.length:
        nxt = f"next action: {'right' if episode.actions[t] == 1 else 'left'}"
    else:
        nxt = "episode over: " + ("truncated (time limit)" if episode.truncated else "terminated")
    return f"<b>step {t} / {episode.length}</b><table>{rows}</table><i>{nxt}</i>"


def episode_player(episode: Episode, static: bool = True) -> Any:
    """A play button and a slider to scrub through a recorded episode, frame by frame.

    Beside the frame it shows the four state values and the next action. With ``static=True``
    it first displays a filmstrip figure (:func:`cartpole_utils.filmstrip`), so that a reader of the
    saved notebook, where widgets do not run, still sees the episode.

    Returns:
        the ``ipywidgets.VBox``; put it last in a cell to show it (with a one-line caption under it
        for readers without widgets, see :func:`describe_widget`).
    """
    if not isinstance(episode, Episode):
        raise TypeError(
            f"episode_player needs an Episode from cu.record_episode, got {type(episode).__name__}."
        )
    import ipywidgets as widgets

    end = "truncated by the time limit" if episode.truncated else "terminated"
    if static:
        strip = filmstrip(episode, title=f"{episode.length} steps (static view)")
        _show_static(describe_figure(strip, (
            f"Frames of this {episode.length}-step CartPole episode, {end}, left to right, each with its "
            "step, cart position and pole angle.")))
    last = len(episode.frames) - 1
    play = widgets.Play(value=0, min=0, max=last, step=1, interval=40, description="play")
    slider = widgets.IntSlider(value=0, min=0, max=last, description="step", continuous_update=True)
    widgets.jslink((play, "value"), (slider, "value"))
    image = widgets.Image(value=_png(episode.frames[0]), format="png")
    state = widgets.HTML(_state_html(episode, 0))

    def on_change(change: dict[str, Any]) -> None:
        t = int(change["new"])
        image.value = _png(episode.frames[t])
        state.value = _state_html(episode, t)

    slider.observe(on_change, names="value")
    box = widgets.VBox([widgets.HBox([play, slider]), widgets.HBox([image, state])])
    sentence = "An episode player (play button, step slider, state values); it needs a running kernel."
    shown = "; the filmstrip above shows its frames" if static else ""
    return describe_widget(box, sentence, fallback=(
        f"An episode player for this {episode.length}-step episode ({end}) plays when the notebook "
        f"runs{shown}."))


def explorer(
    plot: Callable[..., Any],
    static_values: Sequence[Mapping[str, Any]] | Mapping[str, Any] = (),
    **sliders: Any,
) -> Any:
    """Sliders that redraw ``plot(**values)``, with static snapshots for saved notebooks.

    Args:
        plot: a function that takes the slider values as keywords and draws on a new figure.
        static_values: keyword sets (a list of dicts, or one dict) to draw once as ordinary
            figures before the widget (what readers without a kernel see).
        **sliders: name -> ipywidgets slider (or an ``interact`` abbreviation like ``(0.0, 1.0)``).

    Returns:
        the ``ipywidgets.VBox`` of sliders and the figure; shown, it has a caption under it naming
        the static figures' values (see :func:`describe_widget`).
    """
    if not callable(plot):
        raise TypeError("plot must be a function that draws a figure from keyword values.")
    if not sliders:
        raise ValueError("Give at least one slider, e.g. tau=(0.001, 1.0, 0.001).")
    if static_values is None:
        static_values = []
    if isinstance(static_values, (Mapping, str)) or not hasattr(static_values, "__iter__"):
        static_values = [static_values]  # one dict is one keyword set; anything else is refused below
    static_values = list(static_values)
    if not all(isinstance(values, Mapping) for values in static_values):
        raise TypeError(
            "static_values must be a list of dicts of slider values, e.g. [{'tau': 0.005}, {'tau': 1.0}]."
        )
    import ipywidgets as widgets

    from .plotting import _pyplot

    plt = _pyplot()
    for values in static_values:
        fig = plot(**values)
        if hasattr(fig, "savefig") and not isinstance(getattr(fig, "_repr_mimebundle_", None), _Description):
            describe_figure(fig, f"{figure_description(fig)} Drawn with {_values_text(values)}.")
        _show_static(fig)
        plt.close(fig)

    import inspect

    defaults = {name: p.default for name, p in inspect.signature(plot).parameters.items()
                if p.default is not inspect.Parameter.empty}
    start = {**defaults, **(static_values[0] if static_values else {})}
    controls = {}
    for name, slider in sliders.items():  # start at the first static figure (else plot's default)
        if isinstance(slider, widgets.ValueWidget):
            if name in start:
                slider.value = start[name]
            controls[name] = slider
        else:
            default = start.get(name, inspect.Parameter.empty)
            controls[name] = widgets.interactive.widget_from_abbrev(slider, default)
        controls[name].description = controls[name].description or name
    image = widgets.Image(format="png")

    def redraw(_change: Any = None) -> None:
        fig = plot(**{name: control.value for name, control in controls.items()})
        image.value = _figure_png(fig)
        plt.close(fig)

    # The figure goes into an Image widget as PNG bytes, not through an Output widget: a display
    # into an Output widget while a cell runs can stall a headless run (jupyter/nbclient#312).
    redraw()
    for control in controls.values():
        control.observe(redraw, names="value")
    sentence = f"Sliders ({', '.join(sliders)}) that redraw the figure; they need a running kernel."
    shown = "; ".join(_values_text(values) for values in static_values)
    shown = f"Static figure{'s' * (len(static_values) > 1)} above: {shown}. " if static_values else ""
    return describe_widget(widgets.VBox([*controls.values(), image]), sentence, fallback=(
        f"{shown}Sliders for {_and(list(sliders))} redraw the figure when the notebook runs."))


def episode_picker(record: Callable[..., Episode], every: int = 3, **choices: Sequence[Any]) -> Any:
    """Drop-down menus and a play button that record an episode and show it as a GIF.

    Nothing is recorded until the button is pressed, so the widget costs nothing in a run
    without a browser (a test, a saved notebook); show a static GIF beside it for those readers.

    Args:
        record: a function that takes one value of each menu as keywords and returns an
            :class:`Episode` (from :func:`cartpole_utils.record_episode`).
        every: keep every ``every``-th frame in the GIF (see :func:`cartpole_utils.gif_bytes`).
        **choices: menu name -> the values to choose from, e.g. ``seed=[1, 2, 3]``.

    Returns:
        the ``ipywidgets.VBox``; put it last in a cell to show it.
    """
    if not callable(record):
        raise TypeError("record must be a function that returns an Episode from keyword values.")
    if not choices:
        raise ValueError("Give at least one menu, e.g. seed=[1, 2, 3].")
    for name, values in choices.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or not list(values):
            raise TypeError(f"Menu {name!r} needs a non-empty list of values to choose from, got {values!r}.")
    import ipywidgets as widgets

    from .render import gif_bytes

    menus = {name: widgets.Dropdown(options=list(values), description=name)
             for name, values in choices.items()}
    button = widgets.Button(description="play", icon="play")
    image = widgets.Image(format="gif")
    caption = widgets.HTML("<i>Pick, then press play.</i>")

    def play(_button: Any = None) -> None:
        button.disabled = True
        caption.value = "<i>recording...</i>"
        try:
            values = {name: menu.value for name, menu in menus.items()}
            episode = record(**values)
            if not isinstance(episode, Episode):
                raise TypeError(f"record returned {type(episode).__name__}; "
                                "it must return a cu.record_episode Episode.")
            image.value = gif_bytes(episode, every=every)
            shown = ", ".join(f"{name} {value}" for name, value in values.items())
            end = "truncated at the time limit" if episode.truncated else "terminated"
            caption.value = f"{shown}: {episode.length} steps, {end}"
        except Exception as error:  # shown in the widget, not lost in a callback log
            caption.value = f"<b>error:</b> {type(error).__name__}: {error}"
        finally:
            button.disabled = False

    button.on_click(play)
    box = widgets.VBox([widgets.HBox([*menus.values(), button]), image, caption])
    sentence = (f"Menus ({', '.join(choices)}) and a play button that show an episode; "
                "they need a running kernel.")
    return describe_widget(box, sentence, fallback=(
        f"Menus for {_and(list(choices))} and a play button record an episode and show it as a GIF when "
        "the notebook runs; a saved notebook has no episode here."))


def _figure_png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


def describe_widget(widget: Any, sentence: str, fallback: str = "") -> Any:
    """Give ``widget`` a one-sentence text form, and optionally a caption that shows without widgets.

    Without a kernel (or before a notebook is trusted), Jupyter shows a widget's plain-text form,
    which is otherwise its constructor call (``VBox(children=(...``). ipywidgets 7 and 8 cut that
    text at 110 characters, so the sentence must be shorter.

    nbconvert's HTML shows no text for a widget whose state the notebook saved: only its view, an
    empty output unless the widget manager script loads from its CDN. With a ``fallback``, displaying
    the widget (putting it last in a cell) adds that text under it as an ordinary Markdown output,
    which every viewer shows, JupyterLab under the live widget; the widget is then saved as a
    display, without an empty ``Out[n]`` prompt. Returns the same widget.
    """
    if not isinstance(sentence, str) or not sentence.strip() or len(sentence) > 110:
        raise ValueError(
            "describe_widget needs one sentence of at most 110 characters saying what the widget is "
            f"and how to use it, got {sentence!r}."
        )
    if not isinstance(fallback, str):
        raise TypeError(f"fallback must be a str (what readers without widgets see), got {fallback!r}.")
    base = getattr(type(widget), "_described_base", type(widget))  # described twice: the last one holds
    members: dict[str, Any] = {"__repr__": lambda self: sentence, "__module__": base.__module__,
                               "_described_base": base}
    caption = " ".join(fallback.split())
    if caption:
        members["_ipython_display_"] = lambda self, **kw: _display_with_caption(self, base, caption, kw)
    widget.__class__ = type(base.__name__, (base,), members)
    return widget


def _display_with_caption(widget: Any, cls: type, caption: str, kwargs: dict[str, Any]) -> None:
    """Show ``widget`` as ipywidgets would, then ``caption`` as Markdown (what nbconvert shows)."""
    from IPython.display import display

    from .render import _markdown_escape

    own = getattr(cls, "_ipython_display_", None)  # ipywidgets 7 displays itself this way
    if callable(own):
        own(widget, **kwargs)
    else:  # ipywidgets 8: its bundle; None once the widget is closed
        bundle = widget._repr_mimebundle_() if callable(getattr(widget, "_repr_mimebundle_", None)) else None
        if bundle:
            display(bundle, raw=True)
    display({"text/markdown": f"*{_markdown_escape(caption)}*", "text/plain": caption}, raw=True)


def _and(names: Sequence[str]) -> str:
    """``["a", "b", "c"]`` as ``a, b and c``."""
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def _values_text(values: Mapping[str, Any]) -> str:
    """``{"tau": 0.01, "duration": 10000}`` as ``tau = 0.01, duration = 10,000``."""
    def show(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:g}"
        return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)

    return ", ".join(f"{name} = {show(value)}" for name, value in values.items()) or "the defaults"


def _show_static(fig: Any) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover
        return
    if get_ipython() is not None:
        display(fig)
    from .plotting import _pyplot

    _pyplot().close(fig)
