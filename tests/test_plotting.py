"""cartpole_utils.plotting: running means, trends, seed bands and the course's figures."""

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

import cartpole_utils as cu
from cartpole_utils.plotting import describe_figure, figure_description


def run(means, steps=None, name="agent", returns=(10.0, 30.0, 50.0)):
    steps = steps if steps is not None else [1000 * (i + 1) for i in range(len(means))]
    return cu.TrainResult(
        name=name, config=None, q_net=None,
        episode_returns=list(returns), episode_end_steps=[10 * (i + 1) for i in range(len(returns))],
        eval_steps=list(steps), eval_means=list(means), eval_seconds_at=[float(s) / 1000 for s in steps],
    )


def naive_running_mean(values, window):
    return np.array([np.mean(values[max(0, i - window + 1) : i + 1]) for i in range(len(values))])


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize("window", [1, 3, 10, 100, np.int64(5)])
def test_running_mean_matches_a_naive_computation(window):
    values = np.random.default_rng(0).uniform(0, 500, size=57)
    np.testing.assert_allclose(cu.running_mean(values, window), naive_running_mean(values, window))


def test_running_mean_of_a_list():
    np.testing.assert_allclose(cu.running_mean([1, 2, 3, 4], window=2), [1, 1.5, 2.5, 3.5])


@pytest.mark.parametrize("n", [2, 3, 40])
def test_trend_line_matches_polyfit(n):
    values = np.random.default_rng(n).normal(100, 30, size=n)
    slope, intercept = cu.trend_line(values)
    expected = np.polyfit(np.arange(n), values, deg=1)
    assert (slope, intercept) == pytest.approx(tuple(expected))
    assert isinstance(slope, float) and isinstance(intercept, float)


def test_seed_band_iqr():
    curves = np.random.default_rng(1).uniform(0, 500, size=(7, 12))
    median, low, high = cu.seed_band(curves, band="iqr")
    assert median.shape == low.shape == high.shape == (12,)
    assert np.all(low <= median) and np.all(median <= high)
    np.testing.assert_allclose(median, np.median(curves, axis=0))
    np.testing.assert_allclose(low, np.percentile(curves, 25, axis=0))
    np.testing.assert_allclose(high, np.percentile(curves, 75, axis=0))


def test_seed_band_bootstrap():
    curves = np.random.default_rng(2).uniform(0, 500, size=(5, 9))
    median, low, high = cu.seed_band(curves, band="bootstrap", n_boot=200, seed=3)
    assert median.shape == low.shape == high.shape == (9,)
    assert np.all(low <= median) and np.all(median <= high)
    assert np.all(low >= curves.min(axis=0)) and np.all(high <= curves.max(axis=0))
    again = cu.seed_band(curves, band="bootstrap", n_boot=200, seed=3)
    for a, b in zip((median, low, high), again):
        np.testing.assert_array_equal(a, b)


def test_seed_band_of_one_seed_is_a_line():
    curve = np.array([[10.0, 200.0, 500.0]])
    for band in ("iqr", "bootstrap"):
        median, low, high = cu.seed_band(curve, band=band)
        np.testing.assert_array_equal(median, curve[0])
        np.testing.assert_array_equal(low, curve[0])
        np.testing.assert_array_equal(high, curve[0])


# ---------------------------------------------------------------- figures


def test_plot_scores():
    scores = np.random.default_rng(0).integers(8, 60, size=80)
    fig = cu.plot_scores(scores, title="random", last_n=30)
    assert isinstance(fig, Figure)
    left, right = fig.axes
    assert fig.get_suptitle() == "random"
    assert right.get_title() == "last 30 episodes"
    assert sum(p.get_height() for p in right.patches) == 30
    by_label = {line.get_label(): line for line in left.lines}
    np.testing.assert_array_equal(by_label["score per episode"].get_ydata(), scores)
    assert any(line.get_ydata()[0] == cu.SOLVED_THRESHOLD for line in left.lines)  # the goal line


def test_plot_scores_short_run():
    assert cu.plot_scores([9.0, 12.0]).axes[1].get_title() == "last 2 episodes"


def test_plot_learning_curve():
    result = run([20, 200, 480])
    fig = cu.plot_learning_curve(result, window=2)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "environment steps"
    assert len(ax.lines) == 4  # training returns, running mean, evaluations, goal
    fig, given = plt.subplots()
    assert cu.plot_learning_curve(result, ax=given) is fig


def test_plot_learning_curve_before_any_episode():
    empty = cu.TrainResult(name="empty", config=None, q_net=None)
    assert len(cu.plot_learning_curve(empty).axes[0].lines) == 1  # only the goal line


@pytest.mark.parametrize("band", ["iqr", "bootstrap"])
def test_plot_seed_curves(band):
    curves = {
        "DQN": [run([10, 100, 300]), run([20, 150, 480]), run([15, 90])],  # shortest run sets the length
        "Double DQN": [run([30, 300, 500]), run([40, 350, 500])],
    }
    fig = cu.plot_seed_curves(curves, band=band)
    ax = fig.axes[0]
    medians = [line for line in ax.lines if "median" in line.get_label()]
    assert [line.get_label() for line in medians] == [
        "DQN (median of 3 seeds)", "Double DQN (median of 2 seeds)",
    ]
    np.testing.assert_array_equal(medians[0].get_xdata(), [1000, 2000])
    np.testing.assert_array_equal(medians[1].get_ydata(), [35, 325, 500])
    assert len(ax.collections) == 2  # one band per agent


def test_live_plot_outside_a_notebook_does_nothing():
    live = cu.LivePlot(title="run", min_interval=0.0)
    live.update(run([10]))
    live.close(run([10]))
    assert plt.get_fignums() == []


# ---------------------------------------------------------------- bad input

BAD_INPUTS = [
    pytest.param(lambda: cu.plot_scores([]), ValueError, "scores needs at least 2 value(s), got 0",
                 id="plot_scores-empty"),
    pytest.param(lambda: cu.plot_scores([12.0]), ValueError, "scores needs at least 2 value(s), got 1",
                 id="plot_scores-one"),
    pytest.param(lambda: cu.plot_scores(np.ones((3, 4))), ValueError,
                 "scores must be one-dimensional (one number per episode), got shape (3, 4)",
                 id="plot_scores-2d"),
    pytest.param(lambda: cu.plot_scores([10, np.nan, 30]), ValueError, "scores contains NaN",
                 id="plot_scores-nan"),
    pytest.param(lambda: cu.plot_scores([10, np.inf]), ValueError, "NaN or infinite",
                 id="plot_scores-inf"),
    pytest.param(lambda: cu.plot_scores(None), ValueError, "scores must be one-dimensional",
                 id="plot_scores-None"),
    pytest.param(lambda: cu.plot_scores("10 20"), ValueError, "scores must be a sequence of numbers",
                 id="plot_scores-str"),
    pytest.param(lambda: cu.plot_scores([10, 20], last_n=0), ValueError, "last_n must be a positive int",
                 id="plot_scores-last_n-0"),
    pytest.param(lambda: cu.running_mean([1, 2], window=0), ValueError, "window must be a positive int",
                 id="running_mean-window-0"),
    pytest.param(lambda: cu.running_mean([1, 2], window=-3), ValueError, "window must be a positive int",
                 id="running_mean-window-negative"),
    pytest.param(lambda: cu.running_mean([1, 2], window=2.5), ValueError, "window must be a positive int",
                 id="running_mean-window-float"),
    pytest.param(lambda: cu.running_mean([1, 2], window=True), ValueError, "window must be a positive int",
                 id="running_mean-window-bool"),
    pytest.param(lambda: cu.running_mean([]), ValueError, "values needs at least 1 value(s)",
                 id="running_mean-empty"),
    pytest.param(lambda: cu.trend_line([3.0]), ValueError, "values needs at least 2 value(s)",
                 id="trend_line-one"),
    pytest.param(lambda: cu.seed_band([1.0, 2.0, 3.0]), ValueError,
                 "curves must have shape (n_seeds, n_points), got (3,)", id="seed_band-1d"),
    pytest.param(lambda: cu.seed_band(np.ones((2, 3, 4))), ValueError,
                 "curves must have shape (n_seeds, n_points)", id="seed_band-3d"),
    pytest.param(lambda: cu.seed_band(np.ones((0, 3))), ValueError,
                 "curves must have shape (n_seeds, n_points), got (0, 3)", id="seed_band-no-seeds"),
    pytest.param(lambda: cu.seed_band([[1.0, 2.0], [1.0]]), ValueError,
                 "every seed needs the same number of evaluations", id="seed_band-ragged"),
    pytest.param(lambda: cu.seed_band([[1.0, np.nan], [1.0, 2.0]]), ValueError, "curves contains NaN",
                 id="seed_band-nan"),
    pytest.param(lambda: cu.seed_band(np.ones((2, 3)), band="std"), ValueError,
                 "band must be 'iqr' or 'bootstrap', got 'std'", id="seed_band-unknown-band"),
    pytest.param(lambda: cu.seed_band(np.ones((2, 3)), band="bootstrap", n_boot=0), ValueError,
                 "n_boot must be a positive int", id="seed_band-n_boot-0"),
    pytest.param(lambda: cu.seed_band(np.ones((2, 3)), band="bootstrap", seed=-1), ValueError,
                 "seed must be a non-negative int", id="seed_band-seed-negative"),
    pytest.param(lambda: cu.plot_seed_curves({}), ValueError, "curves is empty", id="plot_seed_curves-empty"),
    pytest.param(lambda: cu.plot_seed_curves([run([1.0])]), TypeError,
                 "curves must be a dict {agent name: [TrainResult per seed]}", id="plot_seed_curves-list"),
    pytest.param(lambda: cu.plot_seed_curves({"DQN": []}), ValueError, "Agent 'DQN' has no runs",
                 id="plot_seed_curves-no-runs"),
    pytest.param(lambda: cu.plot_seed_curves({"DQN": run([1.0])}), TypeError,
                 "Agent 'DQN': pass a list of TrainResult (one per seed)", id="plot_seed_curves-one-result"),
    pytest.param(lambda: cu.plot_seed_curves({"DQN": [[10, 20]]}), TypeError,
                 "Each run of agent 'DQN' must be a TrainResult", id="plot_seed_curves-not-results"),
    pytest.param(lambda: cu.plot_seed_curves({"DQN": [run([1.0]), run([])]}), ValueError,
                 "has a run without evaluations", id="plot_seed_curves-no-evaluations"),
    pytest.param(lambda: cu.plot_seed_curves({"DQN": [run([1, 2]), run([1, 2], steps=[500, 1000])]}),
                 ValueError, "evaluated at different steps", id="plot_seed_curves-different-steps"),
    pytest.param(lambda: cu.plot_seed_curves({"DQN": [run([1.0])]}, band="std"), ValueError,
                 "band must be 'iqr' or 'bootstrap'", id="plot_seed_curves-unknown-band"),
    pytest.param(lambda: cu.plot_learning_curve([10, 20]), TypeError, "result must be a TrainResult",
                 id="plot_learning_curve-list"),
    pytest.param(lambda: cu.plot_learning_curve(run([1.0]), window=0), ValueError,
                 "window must be a positive int", id="plot_learning_curve-window-0"),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUTS)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()
    assert plt.get_fignums() == []  # refused before drawing anything


def test_plot_run_over_sweeps_draws_the_band_and_the_run_off_the_data():
    sweep = cu.load_sweep("soft")
    run = cu.TrainResult(name="run", config=cu.SoftConfig(seed=7), q_net=None,
                         eval_steps=sweep[0]["eval_steps"], eval_means=sweep[0]["eval_means"])
    fig = cu.plot_run_over_sweeps(run, {"06 (20 seeds)": sweep, "05 (20 seeds)": cu.load_sweep("double")})
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "this run (one seed, seed 7)" in labels and "06 (20 seeds)" in labels
    assert len(ax.collections) == 2  # one interquartile band per sweep
    with pytest.raises(ValueError, match="non-empty dict"):
        cu.plot_run_over_sweeps(run, {})
    with pytest.raises(TypeError, match="run records"):
        cu.plot_run_over_sweeps(run, {"06": "soft"})


# ---------------------------------------------------------------- legends off the data, descriptions


def dashboard_result():
    result = run([100, 480, 500, 300], returns=[20.0, 60.0, 200.0, 500.0])
    steps = result.eval_steps
    result.diagnostics = {"step": steps, "td_loss": [np.nan, 0.5, 0.2, 0.1], "grad_norm": [np.nan, 3, 2, 1],
                          "q_start": [1.0, 20.0, 60.0, 90.0], "discounted_return": [10.0, 50.0, 99.0, 99.0],
                          "epsilon": [0.8, 0.6, 0.4, 0.1]}
    return result


def every_figure():
    sweep = cu.load_sweep("soft")
    live = cu.TrainResult(name="run", config=cu.SoftConfig(seed=7), q_net=None,
                          eval_steps=sweep[0]["eval_steps"], eval_means=sweep[0]["eval_means"])
    curves = {"DQN": [run([10, 100, 480]), run([20, 150, 300])], "Double DQN": [run([30, 300, 500])]}
    return {
        "plot_scores": cu.plot_scores(np.arange(80) % 50, title="random"),
        "plot_learning_curve": cu.plot_learning_curve(run([20, 480, 500, 300])),
        "plot_diagnostics": cu.plot_diagnostics(dashboard_result()),
        "plot_seed_curves": cu.plot_seed_curves(curves),
        "plot_run_over_sweeps": cu.plot_run_over_sweeps(live, {"06 (20 seeds)": sweep}),
        "plot_seed_grid": cu.plot_seed_grid({**curves, "Soft": [run([40, 480, 500])]}, ncols=3),
    }


def test_every_legend_sits_under_its_axes_inside_a_notebook_wide_figure():
    for name, fig in every_figure().items():
        assert fig.get_figwidth() <= 11, f"{name} is wider than a notebook ({fig.get_figwidth()} in)"
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        page = fig.bbox
        others = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible()]
        for ax in fig.axes:
            legend = ax.get_legend()
            if legend is None:
                continue
            box, frame = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
            assert box.y1 <= frame.y0, f"{name}: a legend overlaps its axes"
            assert box.y0 >= page.y0 - 1 and box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1, (
                f"{name}: a legend is cut off by the figure's edge")
            below = [o for o in others if o.y1 < frame.y0 and o.x0 < box.x1 and box.x0 < o.x1]
            assert all(box.y0 >= o.y1 - 1 for o in below), f"{name}: a legend runs into the panel below"
        plt.close(fig)


def test_the_learning_curve_legend_leaves_every_evaluation_point_visible():
    fig = cu.plot_learning_curve(run([20, 480, 500, 300, 500, 480, 500, 500]))
    ax = fig.axes[0]
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    evaluations = next(line for line in ax.lines if line.get_label().startswith("greedy evaluation"))
    points = ax.transData.transform(np.column_stack([evaluations.get_xdata(), evaluations.get_ydata()]))
    assert not any(legend.contains(x, y) for x, y in points)


def test_each_helper_figure_carries_a_description_as_text_and_alt():
    figures = every_figure()
    for name, fig in figures.items():
        data, metadata = fig._repr_mimebundle_()
        text = data["text/plain"]
        assert 40 < len(text) < 700 and "<Figure" not in text, f"{name}: {text!r}"
        assert metadata["alt"] == metadata["image/png"]["alt"] == text
        assert figure_description(fig) == text
    assert "first at 475 or more at 2,000 steps" in figures["plot_learning_curve"]._repr_mimebundle_()[0][
        "text/plain"]
    assert "this run (one seed, seed 7)" in figure_description(figures["plot_run_over_sweeps"])
    assert "3 panels, one per agent" in figure_description(figures["plot_seed_grid"])
    assert "TD loss 0.5 to 0.1" in figure_description(figures["plot_diagnostics"])


def test_a_figure_drawn_into_a_given_axes_is_left_undescribed():
    fig, ax = plt.subplots()
    cu.plot_learning_curve(run([20, 480]), ax=ax)
    assert not hasattr(fig, "_repr_mimebundle_")
    assert figure_description(fig).startswith("1 panel: agent: return against environment steps (training")


def test_the_description_reaches_the_saved_output_and_nbconvert_classic_html():
    """IPython's formatters (as the inline backend uses them) keep the PNG and add text and alt."""
    import nbformat
    from IPython.core.formatters import DisplayFormatter
    from IPython.core.pylabtools import print_figure
    from nbconvert import HTMLExporter

    formatter = DisplayFormatter()
    formatter.formatters["image/png"].for_type(Figure, lambda fig: print_figure(fig, "png", base64=True))
    fig = cu.plot_scores([10.0, 20.0, 30.0])
    data, metadata = formatter.format(fig)
    assert set(data) == {"image/png", "text/plain"}
    assert data["text/plain"].startswith("Left, the score of each")
    assert metadata["image/png"]["alt"] == data["text/plain"]
    output = nbformat.v4.new_output("display_data", data=data, metadata=metadata)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=[output])])
    page, _ = HTMLExporter(template_name="classic").from_notebook_node(nb)
    assert 'alt="Left, the score of each of 3 episodes' in page


def test_describe_figure_refuses_what_it_cannot_describe():
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="non-empty sentence"):
        describe_figure(fig, "  ")
    with pytest.raises(TypeError, match="needs a matplotlib Figure"):
        describe_figure("figure", "a line")
    assert describe_figure(fig, "A  line\nrising.")._repr_mimebundle_()[0] == {"text/plain": "A line rising."}
