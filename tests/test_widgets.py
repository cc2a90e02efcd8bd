"""cartpole_utils.widgets: the episode player and the slider explorer (outside a notebook)."""

import io
import re

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import cartpole_utils as cu


@pytest.fixture(scope="module")
def episode():
    env = cu.make_env(render_mode="rgb_array")
    ep = cu.record_episode(env, lambda obs: np.zeros(len(obs), dtype=int), seed=0)
    env.close()
    return ep


def draw(tau=0.5, gamma=0.9):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [tau, gamma])
    return fig


# ---------------------------------------------------------------- good input


def test_episode_player_shows_frames_and_state(episode):
    player = cu.episode_player(episode, static=False)
    assert isinstance(player, widgets.VBox)
    (play, slider), (image, state) = (box.children for box in player.children)
    assert isinstance(play, widgets.Play) and isinstance(slider, widgets.IntSlider)
    assert slider.max == play.max == len(episode.frames) - 1
    assert Image.open(io.BytesIO(image.value)).format == "PNG"
    assert "step 0 /" in state.value and "next action: left" in state.value

    first_image = image.value
    slider.value = slider.max
    assert image.value != first_image
    assert f"step {episode.length} / {episode.length}" in state.value
    assert "episode over: terminated" in state.value


def test_episode_player_static_view_leaves_no_figure_open(episode):
    cu.episode_player(episode, static=True)
    assert plt.get_fignums() == []


def test_explorer_draws_static_snapshots_then_a_widget():
    calls = []

    def plot(**values):
        calls.append(values)
        return draw(**values)

    ui = cu.explorer(plot, static_values=[{"tau": 0.1}, {"tau": 0.9}], tau=(0.0, 1.0, 0.1))
    assert isinstance(ui, widgets.VBox)
    assert calls == [{"tau": 0.1}, {"tau": 0.9}, {"tau": 0.1}]  # two static figures, then the widget's
    assert plt.get_fignums() == []  # every drawn figure was closed
    slider, image = ui.children
    assert isinstance(slider, widgets.FloatSlider) and slider.description == "tau"
    assert isinstance(image, widgets.Image) and Image.open(io.BytesIO(image.value)).format == "PNG"
    first = image.value
    slider.value = 0.5
    assert calls[-1] == {"tau": 0.5} and image.value != first
    assert plt.get_fignums() == []


def test_explorer_uses_no_output_widget():
    """A display into an Output widget while a cell runs can stall a headless run (nbclient#312)."""
    ui = cu.explorer(draw, tau=(0.0, 1.0))
    assert not any(isinstance(child, widgets.Output) for child in ui.children)


def test_episode_picker_records_only_when_play_is_pressed(episode):
    calls = []

    def record(agent, seed):
        calls.append((agent, seed))
        return episode

    picker = cu.episode_picker(record, agent=["a", "b"], seed=[1, 2])
    (menus_and_button, image, caption) = picker.children
    agent, seed, button = menus_and_button.children
    assert calls == [] and image.value == b""
    agent.value, seed.value = "b", 2
    button.click()
    assert calls == [("b", 2)]
    assert image.value[:6] == b"GIF89a"
    assert f"agent b, seed 2: {episode.length} steps, terminated" in caption.value
    assert picker._repr_mimebundle_()["text/plain"].startswith("Menus (agent, seed) and a play button")


def test_episode_picker_shows_a_bad_record_in_its_caption():
    picker = cu.episode_picker(lambda seed: [0, 1], seed=[1])
    picker.children[0].children[-1].click()
    assert "record returned list" in picker.children[2].value


def test_explorer_accepts_one_dict_and_several_sliders():
    calls = []

    def plot(**values):
        calls.append(values)
        return draw(**values)

    cu.explorer(plot, static_values={"tau": 0.2, "gamma": 0.5}, tau=(0.0, 1.0), gamma=(0.5, 0.99))
    assert calls[0] == {"tau": 0.2, "gamma": 0.5}


# ---------------------------------------------------------------- bad input

BAD_INPUTS = [
    pytest.param(lambda: cu.episode_player([np.zeros((4, 6, 3), np.uint8)]), TypeError,
                 "episode_player needs an Episode from cu.record_episode, got list", id="player-frames"),
    pytest.param(lambda: cu.episode_player(None), TypeError, "episode_player needs an Episode",
                 id="player-None"),
    pytest.param(lambda: cu.explorer(3, tau=(0.0, 1.0)), TypeError, "plot must be a function",
                 id="explorer-plot-not-callable"),
    pytest.param(lambda: cu.explorer(draw), ValueError, "Give at least one slider",
                 id="explorer-no-sliders"),
    pytest.param(lambda: cu.explorer(draw, static_values=["tau"], tau=(0.0, 1.0)), TypeError,
                 "static_values must be a list of dicts", id="explorer-static-list-of-str"),
    pytest.param(lambda: cu.explorer(draw, static_values=0.5, tau=(0.0, 1.0)), TypeError,
                 "static_values must be a list of dicts", id="explorer-static-number"),
    pytest.param(lambda: cu.episode_picker("agent", seed=[1]), TypeError, "record must be a function",
                 id="picker-record-not-callable"),
    pytest.param(lambda: cu.episode_picker(draw), ValueError, "Give at least one menu", id="picker-no-menus"),
    pytest.param(lambda: cu.episode_picker(draw, seed=[]), TypeError, "Menu 'seed' needs a non-empty list",
                 id="picker-empty-menu"),
    pytest.param(lambda: cu.episode_picker(draw, seed="123"), TypeError, "Menu 'seed' needs a non-empty list",
                 id="picker-str-menu"),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUTS)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_saved_widgets_read_as_a_sentence_and_sliders_start_at_the_static_figure():
    import matplotlib.pyplot as plt

    def plot(tau, hard_interval):
        fig, _ = plt.subplots()
        return fig

    widget = cu.explorer(plot, static_values=[{"tau": 0.02, "hard_interval": 100}],
                         tau=(0.001, 0.2, 0.001), hard_interval=(10, 1_000, 10))
    assert [c.value for c in widget.children[:2]] == [0.02, 100]
    text = widget._repr_mimebundle_()["text/plain"]
    assert text.startswith("Sliders (tau, hard_interval)") and "running kernel" in text and "…" not in text
    with pytest.raises(ValueError, match="at most 110 characters"):
        cu.describe_widget(widget, "x" * 111)


# ---------------------------------------------------------------- what a saved notebook shows


@pytest.fixture
def shown(monkeypatch):
    """The bundles the widgets display, in order (IPython's display, captured)."""
    import IPython.display

    bundles = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False, **kw: bundles.append(obj))
    return bundles


def test_a_displayed_widget_is_followed_by_its_text_fallback(shown, episode):
    ui = cu.explorer(draw, static_values=[{"tau": 0.2}, {"tau": 0.9, "gamma": 0.5}], tau=(0.0, 1.0),
                     gamma=(0.5, 0.99))
    ui._ipython_display_()
    widget, caption = shown
    assert "application/vnd.jupyter.widget-view+json" in widget
    assert widget["text/plain"].startswith("Sliders (tau, gamma)")
    assert caption["text/plain"] == ("Static figures above: tau = 0.2; tau = 0.9, gamma = 0.5. "
                                     "Sliders for tau and gamma redraw the figure when the notebook runs.")
    assert caption["text/markdown"].startswith("*Static figures above")
    assert caption["text/markdown"].endswith("*")

    shown.clear()
    cu.episode_player(episode, static=False)._ipython_display_()
    assert shown[1]["text/plain"] == (f"An episode player for this {episode.length}-step episode "
                                      "(terminated) plays when the notebook runs.")
    shown.clear()
    cu.episode_picker(lambda seed: episode, seed=[1, 2])._ipython_display_()
    assert shown[1]["text/plain"].startswith("Menus for seed and a play button record an episode")


def test_a_closed_widget_leaves_only_its_fallback(shown):
    ui = cu.explorer(draw, tau=(0.0, 1.0))
    ui.close()
    ui._ipython_display_()
    assert shown == [{"text/markdown": r"*Sliders for tau redraw the figure when the notebook runs\.*",
                      "text/plain": "Sliders for tau redraw the figure when the notebook runs."}]


def test_static_figures_carry_a_description(monkeypatch, episode):
    from cartpole_utils import widgets as module
    from cartpole_utils.plotting import figure_description

    described = []
    monkeypatch.setattr(module, "_show_static", lambda fig: described.append(figure_description(fig)))

    def plot(tau=0.5):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, tau], label="soft")
        ax.set(xlabel="steps", ylabel="fraction", title="tracking")
        return fig

    cu.explorer(plot, static_values=[{"tau": 0.01}], tau=(0.0, 1.0))
    cu.episode_player(episode)
    assert described == ["1 panel: tracking: fraction against steps (soft). Drawn with tau = 0.01.",
                         f"Frames of this {episode.length}-step CartPole episode, terminated, left to "
                         "right, each with its step, cart position and pole angle."]


def test_nbconvert_html_shows_the_fallback_where_the_widget_is_empty(shown):
    """With the widget's state saved (as the course's notebooks are), nbconvert renders only its view:
    an empty element until a widget manager script loads, and never the widget's text."""
    import nbformat
    from nbconvert import HTMLExporter

    ui = cu.explorer(draw, static_values={"tau": 0.3}, tau=(0.0, 1.0))
    ui._ipython_display_()
    outputs = [nbformat.v4.new_output("display_data", data=bundle) for bundle in shown]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("ui", outputs=outputs)])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {ui.model_id: {}}, "version_major": 2, "version_minor": 0}}
    page, _ = HTMLExporter().from_notebook_node(nb)
    assert 'type="application/vnd.jupyter.widget-view+json"' in page  # the live widget is still there
    assert "Sliders (tau) that redraw" not in page  # its text is not shown
    assert "Static figure above: tau = 0.3." in page  # the fallback is


def test_describe_widget_takes_a_text_fallback_only():
    with pytest.raises(TypeError, match="fallback must be a str"):
        cu.describe_widget(widgets.VBox(), "A box.", fallback=3)
    box = cu.describe_widget(cu.describe_widget(widgets.VBox(), "First.", fallback="one"), "Second.")
    assert repr(box) == "Second." and type(box).__mro__[1] is widgets.VBox
