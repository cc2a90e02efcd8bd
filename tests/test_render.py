"""cartpole_utils.render: recording episodes, small inline GIFs, filmstrips."""

import base64
import io
import re

import gymnasium as gym
import numpy as np
import pytest
import torch
from PIL import Image

import cartpole_utils as cu


def balance(obs):
    return (obs[:, 2] + obs[:, 3] > 0).astype(int)


def always_left(obs):
    return np.zeros(len(obs), dtype=int)


def rgb_env():
    return cu.make_env(render_mode="rgb_array")


@pytest.fixture(scope="module")
def long_episode():
    """`balance` from seed 1,000,000 lasts the full 500 steps (see test_evaluation)."""
    env = rgb_env()
    episode = cu.record_episode(env, balance, seed=1_000_000)
    env.close()
    return episode


@pytest.fixture(scope="module")
def short_episode():
    env = rgb_env()
    episode = cu.record_episode(env, always_left, seed=0)
    env.close()
    return episode


def frames(n=3, shape=(40, 60, 3)):
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, size=shape, dtype=np.uint8) for _ in range(n)]


# ---------------------------------------------------------------- record_episode


def test_a_truncated_episode(long_episode):
    ep = long_episode
    assert ep.length == 500 and ep.total_reward == 500.0
    assert ep.truncated and not ep.terminated
    assert len(ep.frames) == len(ep.actions) + 1 == len(ep.observations) == len(ep.rewards) + 1
    assert ep.observations.shape == (501, 4)
    assert set(np.unique(ep.actions)) <= {0, 1} and ep.actions.dtype == np.int64
    assert all(f.shape == (400, 600, 3) and f.dtype == np.uint8 for f in ep.frames)


def test_a_terminated_episode(short_episode):
    ep = short_episode
    assert ep.terminated and not ep.truncated
    assert 5 < ep.length < 100
    assert len(ep.frames) == len(ep.observations) == ep.length + 1
    x, _, theta, _ = ep.observations[-1]
    assert abs(theta) > cu.THETA_LIMIT_RAD or abs(x) > cu.X_LIMIT
    assert np.all(ep.actions == 0)


def test_observations_are_the_states_the_frames_show(short_episode):
    obs, _ = gym.make("CartPole-v1").reset(seed=0)
    np.testing.assert_array_equal(short_episode.observations[0], obs)
    assert not np.array_equal(short_episode.frames[0], short_episode.frames[-1])


def test_max_steps_stops_early():
    ep = cu.record_episode(rgb_env(), balance, seed=0, max_steps=5)
    assert ep.length == 5 and len(ep.frames) == 6
    assert not ep.terminated and not ep.truncated
    assert cu.record_episode(rgb_env(), max_steps=0).length == 0


def test_random_policy_is_repeatable_with_the_seed():
    a = cu.record_episode(rgb_env(), None, seed=3, max_steps=30)
    b = cu.record_episode(rgb_env(), None, seed=3, max_steps=30)
    np.testing.assert_array_equal(a.actions, b.actions)
    np.testing.assert_array_equal(a.observations, b.observations)


def test_a_q_network_plays_greedily():
    torch.manual_seed(0)
    q_net = torch.nn.Linear(4, 2)
    ep = cu.record_episode(rgb_env(), q_net, seed=2, max_steps=20)
    np.testing.assert_array_equal(ep.actions, cu.greedy_actions(q_net, ep.observations[:-1]))


# ---------------------------------------------------------------- GIFs


def test_gif_bytes_is_a_gif_with_the_kept_frames():
    data = cu.gif_bytes(frames(7), every=2, size=(30, 20))
    assert data.startswith(b"GIF8")
    image = Image.open(io.BytesIO(data))
    assert image.size == (30, 20)
    assert image.n_frames == 4  # frames 0, 2, 4, 6 (the last one is among them)
    image = Image.open(io.BytesIO(cu.gif_bytes(frames(6), every=2, size=(30, 20))))
    assert image.n_frames == 4  # frames 0, 2, 4 and the last one, 5


def test_gif_bytes_accepts_an_episode_and_an_array_of_frames(short_episode):
    assert cu.gif_bytes(short_episode) == cu.gif_bytes(short_episode.frames)
    assert cu.gif_bytes(np.stack(frames(3))).startswith(b"GIF8")


def test_a_500_step_gif_is_small(long_episode):
    data = cu.gif_bytes(long_episode.frames)
    print(f"500-step episode GIF: {len(data) / 1000:.0f} kB")
    assert data.startswith(b"GIF8")
    assert len(data) < 300_000
    assert Image.open(io.BytesIO(data)).size == cu.render.GIF_SIZE


def test_show_gif_displays_inline(long_episode, short_episode, tmp_path):
    gif = cu.show_gif(long_episode)
    bundle = gif._repr_mimebundle_()
    assert base64.b64decode(bundle["image/gif"]) == gif.data
    assert "500 steps, return 500, truncated" in bundle["text/plain"]
    assert "terminated" in cu.show_gif(short_episode).caption
    mine = cu.show_gif(short_episode, caption="mine").caption
    assert mine == "mine — " + cu.render.describe_episode(short_episode)
    assert gif.kilobytes == len(gif.data) / 1000
    gif.save(tmp_path / "agent.gif")
    assert (tmp_path / "agent.gif").read_bytes() == gif.data


def frames_of(n):
    """``n`` flat frames, each a different grey."""
    return [np.full((40, 60, 3), 40 * i, np.uint8) for i in range(n)]


def gif_frames(data):
    """The frames of GIF bytes as RGB arrays, and their durations in ms."""
    image = Image.open(io.BytesIO(data))
    frames, durations = [], []
    for i in range(image.n_frames):
        image.seek(i)
        frames.append(np.asarray(image.convert("RGB")))
        durations.append(image.info["duration"])
    return frames, durations


def test_the_background_is_pure_white(short_episode):
    """Median cut alone gave an off-white (253, 252, 251) that showed as a box on a white page."""
    for t, frame in enumerate(gif_frames(cu.gif_bytes(short_episode))[0]):
        assert (frame[:40] == 255).all(), f"frame {t}: the sky should be pure white"
    still = np.asarray(Image.open(io.BytesIO(cu.show_gif(short_episode).still)).convert("RGB"))
    assert (still[[0, 0, -1, -1], [0, -1, 0, -1]] == 255).all(), "the still's corners should be pure white"


def test_a_short_episode_loops_slowly_enough(short_episode):
    """11 steps at 25 fps used to loop in 0.28 s; the last frame is now held to make 1.5 s."""
    frames, durations = gif_frames(cu.gif_bytes(short_episode))
    assert sum(durations) == 1000 * cu.render.MIN_LOOP_SECONDS
    assert durations[-1] > 1000  # (Pillow merges identical frames, adding up their durations)
    assert sum(gif_frames(cu.gif_bytes(frames_of(2), fps=2, min_seconds=5))[1]) == 5000
    assert gif_frames(cu.gif_bytes(frames_of(2), min_seconds=0))[1][-1] == 1000 * cu.render.END_HOLD_SECONDS


def test_a_long_episode_plays_in_real_time_then_holds_its_end(long_episode):
    durations = gif_frames(cu.gif_bytes(long_episode))[1]
    assert sum(durations) == 250 * 40 + 1000 * cu.render.END_HOLD_SECONDS  # 50 steps/s, then the hold


def test_the_caption_describes_the_episode(long_episode, short_episode):
    describe = cu.render.describe_episode
    assert describe(long_episode).startswith("500 steps, return 500, truncated at the time limit: the pole")
    text, n = describe(short_episode), short_episode.length
    assert text.startswith(f"{n} steps, return {n}, terminated: the pole")
    assert "falls past 12°" in text and "the cart goes from x = " in text
    stopped = cu.record_episode(rgb_env(), balance, seed=0, max_steps=5)
    assert "5 steps, return 5, stopped early (max_steps)" in describe(stopped)
    off = cu.Episode(frames(2), np.array([[0, 0, 0, 0], [2.5, 1, 0.01, 0]]), np.ones(1, np.int64), np.ones(1),
                     True, False)
    assert "the cart leaves the track" in describe(off)


def test_show_gif_adds_a_still_that_describes_itself(long_episode):
    gif = cu.show_gif(long_episode, caption="balanced")
    still = Image.open(io.BytesIO(gif.still))
    assert gif.still.startswith(b"\x89PNG") and still.format == "PNG"
    assert still.info["Title"] == cu.render.STILL_TITLE and still.info["Description"] == gif.caption
    tiles = cu.render.STILL_FRAMES
    assert still.size[0] == tiles * cu.render.STILL_TILE_WIDTH + (tiles - 1) * 6
    print(f"500-step episode: GIF {len(gif.data) / 1000:.1f} kB, still {len(gif.still) / 1000:.1f} kB")
    assert len(gif.still) < 10_000


def test_a_gif_from_bytes_gets_a_still_from_its_own_frames():
    gif = cu.GIF(cu.gif_bytes(frames(7), size=(60, 40)), caption="noise")
    still = Image.open(io.BytesIO(gif.still))
    assert still.info["Description"] == "noise" and still.size[0] == 4 * 180 + 3 * 6  # 4 frames in the GIF
    assert cu.GIF(cu.gif_bytes(frames(2)), still=gif.still).still == gif.still


def test_gif_wraps_gif_bytes():
    data = cu.gif_bytes(frames(2))
    assert cu.GIF(data).data == data
    assert cu.GIF(bytearray(data)).data == data


def test_show_gif_of_plain_frames():
    assert isinstance(cu.show_gif(frames(3), fps=10), cu.GIF)


# ---------------------------------------------------------------- filmstrip


def test_filmstrip(short_episode):
    fig = cu.filmstrip(short_episode, n=4, title="falls")
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title().startswith("t=0")
    assert fig.axes[-1].get_title().startswith(f"t={short_episode.length}")


def test_filmstrip_of_small_frames():
    ep = cu.Episode(frames(2), np.zeros((2, 4)), np.zeros(1, dtype=np.int64), np.ones(1), True, False)
    assert len(cu.filmstrip(ep, n=6).axes) == 2  # never more frames than the episode has


# ---------------------------------------------------------------- bad input

_frame = frames(1)[0]

BAD_INPUTS = [
    pytest.param(lambda: cu.record_episode(cu.make_env()), ValueError,
                 "Create it with cu.make_env(render_mode='rgb_array')", id="record-no-render_mode"),
    pytest.param(lambda: cu.record_episode(gym.make("MountainCar-v0", render_mode="rgb_array")),
                 ValueError, "Expected a CartPole environment", id="record-mountaincar"),
    pytest.param(lambda: cu.record_episode(None), ValueError, "Expected a CartPole environment",
                 id="record-None"),
    pytest.param(lambda: cu.record_episode(rgb_env(), policy=42), TypeError,
                 "policy must be a Q-network", id="record-policy-int"),
    pytest.param(lambda: cu.record_episode(rgb_env(), lambda obs: [2]), ValueError,
                 "CartPole's actions are the ints 0", id="record-action-2"),
    pytest.param(lambda: cu.record_episode(rgb_env(), lambda obs: []), ValueError,
                 "returned 0 actions for 1 observations", id="record-no-action"),
    pytest.param(lambda: cu.record_episode(rgb_env(), torch.nn.Linear(4, 1)), ValueError,
                 "shape (n, 2)", id="record-qnet-1-output"),
    pytest.param(lambda: cu.record_episode(rgb_env(), seed=-1), ValueError,
                 "seed must be a non-negative int", id="record-seed-negative"),
    pytest.param(lambda: cu.record_episode(rgb_env(), seed=0.5), ValueError,
                 "seed must be a non-negative int", id="record-seed-float"),
    pytest.param(lambda: cu.record_episode(rgb_env(), max_steps=-1), ValueError,
                 "max_steps must be None or a non-negative int", id="record-max_steps-negative"),
    pytest.param(lambda: cu.gif_bytes([]), ValueError, "No frames to encode", id="gif_bytes-no-frames"),
    pytest.param(lambda: cu.gif_bytes(None), TypeError, "frames must be a list of RGB frames",
                 id="gif_bytes-None"),
    pytest.param(lambda: cu.gif_bytes("frames"), TypeError, "frames must be a list of RGB frames",
                 id="gif_bytes-str"),
    pytest.param(lambda: cu.gif_bytes([_frame.astype(float)]), ValueError, "dtype uint8",
                 id="gif_bytes-float-frames"),
    pytest.param(lambda: cu.gif_bytes([_frame[:, :, 0]]), ValueError, "shape (height, width, 3)",
                 id="gif_bytes-grey-frames"),
    pytest.param(lambda: cu.gif_bytes([np.zeros((40, 60, 4), np.uint8)]), ValueError,
                 "shape (height, width, 3)", id="gif_bytes-rgba-frames"),
    pytest.param(lambda: cu.gif_bytes([None]), ValueError, "Use frames from env.render()",
                 id="gif_bytes-None-frame"),
    pytest.param(lambda: cu.gif_bytes(frames(2) + frames(1, shape=(20, 60, 3))), ValueError,
                 "All frames must have one shape; frame 2 has (20, 60, 3)", id="gif_bytes-mismatched-last"),
    pytest.param(lambda: cu.gif_bytes(frames(1) + frames(1, (20, 60, 3)) + frames(1), every=2),
                 ValueError, "All frames must have one shape; frame 1", id="gif_bytes-mismatched-skipped"),
    pytest.param(lambda: cu.gif_bytes(_frame), ValueError, "looks like a single frame",
                 id="gif_bytes-one-frame"),
    pytest.param(lambda: cu.gif_bytes(frames(2), colors=1), ValueError, "colors must be an int >= 2",
                 id="gif_bytes-colors-1"),
    pytest.param(lambda: cu.gif_bytes(frames(2), colors=300), ValueError, "colors must be at most 256",
                 id="gif_bytes-colors-300"),
    pytest.param(lambda: cu.gif_bytes(frames(2), fps=0), ValueError, "fps must be an int >= 1",
                 id="gif_bytes-fps-0"),
    pytest.param(lambda: cu.gif_bytes(frames(2), every=0), ValueError, "every must be an int >= 1",
                 id="gif_bytes-every-0"),
    pytest.param(lambda: cu.gif_bytes(frames(2), every=1.5), ValueError, "every must be an int >= 1",
                 id="gif_bytes-every-float"),
    pytest.param(lambda: cu.gif_bytes(frames(2), size=(0, 10)), ValueError,
                 "size must be (width, height) in pixels", id="gif_bytes-size-0"),
    pytest.param(lambda: cu.gif_bytes(frames(2), size=300), ValueError,
                 "size must be (width, height) in pixels", id="gif_bytes-size-int"),
    pytest.param(lambda: cu.gif_bytes(frames(2), min_seconds=-1), ValueError,
                 "min_seconds must be a number of seconds from 0 to 60", id="gif_bytes-min_seconds-negative"),
    pytest.param(lambda: cu.gif_bytes(frames(2), min_seconds="2"), ValueError,
                 "min_seconds must be a number of seconds", id="gif_bytes-min_seconds-str"),
    pytest.param(lambda: cu.GIF(cu.gif_bytes(frames(2)), still=b"GIF89a"), ValueError,
                 "still must be the bytes of a PNG image", id="GIF-still-gif"),
    pytest.param(lambda: cu.GIF(cu.gif_bytes(frames(2)), caption=3), TypeError,
                 "caption must be a str", id="GIF-caption-int"),
    pytest.param(lambda: cu.render.describe_episode(frames(2)), TypeError,
                 "describe_episode needs an Episode", id="describe_episode-frames"),
    pytest.param(lambda: cu.render.describe_episode(cu.Episode(frames(1), np.zeros((0, 4)), np.zeros(0),
                                                                np.zeros(0), False, False)),
                 ValueError, "record it with cu.record_episode", id="describe_episode-no-observations"),
    pytest.param(lambda: cu.GIF(b"\x89PNG\r\n\x1a\n" + bytes(20)), ValueError,
                 "GIF needs the bytes of a GIF image (see cu.gif_bytes)", id="GIF-png-bytes"),
    pytest.param(lambda: cu.GIF("GIF89a"), ValueError, "GIF needs the bytes of a GIF image",
                 id="GIF-str"),
    pytest.param(lambda: cu.GIF(b""), ValueError, "GIF needs the bytes of a GIF image", id="GIF-empty"),
    pytest.param(lambda: cu.show_gif(None), TypeError, "frames must be a list of RGB frames",
                 id="show_gif-None"),
    pytest.param(lambda: cu.show_gif([]), ValueError, "No frames to encode", id="show_gif-no-frames"),
    pytest.param(lambda: cu.filmstrip(frames(3)), TypeError, "filmstrip needs an Episode",
                 id="filmstrip-frames"),
    pytest.param(lambda: cu.filmstrip(None), TypeError, "filmstrip needs an Episode", id="filmstrip-None"),
    pytest.param(lambda: cu.filmstrip(cu.Episode(frames(2), np.zeros((2, 4)), np.zeros(1), np.ones(1),
                                                 True, False), n=0),
                 ValueError, "n (the number of frames to show) must be a positive int", id="filmstrip-n-0"),
    pytest.param(lambda: cu.filmstrip(cu.Episode([], np.zeros((0, 4)), np.zeros(0), np.zeros(0),
                                                 True, False)),
                 ValueError, "record it with cu.record_episode", id="filmstrip-empty-episode"),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUTS)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_gif_bundle_carries_an_svg_copy_then_the_caption_and_the_still(short_episode, monkeypatch):
    import IPython.display

    gif = cu.GIF(cu.gif_bytes(short_episode), caption="seed 3: <b>50</b> steps [x]")
    svg = gif._repr_mimebundle_()["image/svg+xml"]
    encoded = base64.b64encode(gif.data).decode("ascii")
    assert svg.startswith("<svg") and f'href="data:image/gif;base64,{encoded}"' in svg
    assert f'width="{gif.size[0]}" height="{gif.size[1]}"' in svg and "&lt;b&gt;" in svg
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    gif._ipython_display_()
    # No image/png beside image/gif: JupyterLab would prefer the PNG and show a still.
    assert shown[0].keys() == {"image/gif", "image/svg+xml", "text/plain"}
    assert shown[0]["text/plain"] == f"<GIF {gif.kilobytes:.0f} kB: {gif.caption}>"
    assert shown[1]["text/plain"] == gif.caption
    assert shown[1]["text/markdown"] == r"*seed 3: &lt;b&gt;50&lt;/b&gt; steps \[x\]*"
    assert shown[2].keys() == {"image/png", "text/plain"}
    assert base64.b64decode(shown[2]["image/png"]) == gif.still and gif.caption in shown[2]["text/plain"]
    assert len(shown) == 3
