"""Recording episodes as frames and showing them inline as small GIFs (Pillow only, headless)."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .env import THETA_LIMIT_RAD, X_LIMIT, _check_seed, check_cartpole
from .evaluation import _as_batch_policy, _check_actions

#: Default GIF size in pixels (width, height): half of CartPole's 600x400 frames.
GIF_SIZE = (300, 200)
#: Shortest loop of a GIF, in seconds: a short episode holds its last frame instead of flickering.
MIN_LOOP_SECONDS = 1.5
#: Every GIF holds its last frame at least this long, so that the ending is seen before the loop.
END_HOLD_SECONDS = 0.5
#: A GIF's still (the PNG output under it) shows at most this many frames, each this wide in pixels.
STILL_FRAMES = 5
STILL_TILE_WIDTH = 180
#: The ``Title`` text chunk of every still, by which a saved notebook's stills are found.
STILL_TITLE = "cartpole_utils: still frames of a CartPole GIF"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Episode:
    """One recorded episode.

    Attributes:
        frames: rgb frames, each uint8 of shape (400, 600, 3); ``frames[t]`` shows ``observations[t]``.
        observations: float array (T + 1, 4): the state before each step and after the last.
        actions: int array (T,): the action taken at each step.
        rewards: float array (T,).
        terminated: the episode ended by a fall or by leaving the track.
        truncated: the episode ended by the time limit (500 steps in CartPole-v1).
    """

    frames: list[np.ndarray]
    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    terminated: bool
    truncated: bool
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def length(self) -> int:
        """Number of steps taken."""
        return int(len(self.actions))

    @property
    def total_reward(self) -> float:
        """The episode's return."""
        return float(np.sum(self.rewards))


def record_episode(
    env: Any,
    policy: Any = None,
    seed: int = 0,
    max_steps: int | None = None,
) -> Episode:
    """Play one episode and keep every frame.

    Args:
        env: a CartPole environment made with ``cu.make_env(render_mode="rgb_array")``.
        policy: a Q-network (played greedily), a function ``obs_batch -> actions``, or ``None``
            for uniformly random actions from ``env.action_space``.
        seed: seed of ``env.reset`` (and of the random actions when ``policy`` is ``None``).
        max_steps: stop after this many steps even if the episode goes on.
    """
    check_cartpole(env)
    if getattr(env, "render_mode", None) != "rgb_array":
        raise ValueError(
            f"This environment has render_mode={getattr(env, 'render_mode', None)!r}; recording "
            "needs frames. Create it with cu.make_env(render_mode='rgb_array')."
        )
    _check_seed(seed)
    if max_steps is not None and (
        isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 0
    ):
        raise ValueError(f"max_steps must be None or a non-negative int, got {max_steps!r}.")
    act = None if policy is None else _as_batch_policy(policy)
    obs, info = env.reset(seed=int(seed))
    env.action_space.seed(int(seed))
    frames = [_check_frame(env.render())]
    observations, actions, rewards = [obs], [], []
    terminated = truncated = False
    while not (terminated or truncated) and (max_steps is None or len(actions) < max_steps):
        action = int(env.action_space.sample() if act is None else _check_actions(act(obs[None]), 1)[0])
        obs, reward, terminated, truncated, info = env.step(action)
        frames.append(_check_frame(env.render()))
        observations.append(obs)
        actions.append(action)
        rewards.append(reward)
    return Episode(frames, np.array(observations), np.array(actions, dtype=np.int64),
                   np.array(rewards, dtype=float), bool(terminated), bool(truncated), info)


def _check_frame(frame: Any) -> np.ndarray:
    arr = np.asarray(frame) if frame is not None else None
    if arr is None or arr.ndim != 3 or arr.shape[2] != 3 or arr.dtype != np.uint8:
        raise ValueError(
            "Expected an RGB frame of shape (height, width, 3) and dtype uint8, got "
            f"{None if arr is None else (arr.shape, arr.dtype)}. "
            "Use frames from env.render() with render_mode='rgb_array'."
        )
    return arr


def gif_bytes(
    frames: Any,
    size: tuple[int, int] = GIF_SIZE,
    fps: int = 25,
    every: int = 2,
    colors: int = 16,
    min_seconds: float = MIN_LOOP_SECONDS,
) -> bytes:
    """Encode frames as a small looping GIF on a pure white background.

    Every frame is resized with nearest-neighbour sampling and mapped, without dithering, to one
    palette of ``colors`` colours shared by all frames, its lightest colour made pure white:
    CartPole's flat shapes stay crisp, the background is the page's white, and a 500-step episode
    takes about 35 kB. The last frame is held for at least :data:`END_HOLD_SECONDS`, and longer
    if needed for one loop to last ``min_seconds``: the ending is seen and short episodes do not
    flicker.

    Args:
        frames: sequence of uint8 RGB frames of one shape (H, W, 3), or an :class:`Episode`.
        size: output (width, height) in pixels.
        fps: frames per second of the GIF.
        every: keep every ``every``-th frame (CartPole runs at 50 steps/s: 2 at 25 fps is real time).
        colors: palette size (2-256).
        min_seconds: shortest duration of one loop, in seconds (0 for no minimum).
    """
    from PIL import Image

    frames = _checked_frames(frames)
    for arg, value, low in (("fps", fps, 1), ("every", every, 1), ("colors", colors, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{arg} must be an int >= {low}, got {value!r}.")
    if colors > 256:
        raise ValueError(f"colors must be at most 256 (a GIF palette), got {colors!r}.")
    number = isinstance(min_seconds, (int, float, np.number)) and not isinstance(min_seconds, bool)
    if not number or not 0 <= min_seconds <= 60:
        raise ValueError(f"min_seconds must be a number of seconds from 0 to 60, got {min_seconds!r}.")
    if (
        not isinstance(size, (tuple, list))
        or len(size) != 2
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in size)
    ):
        raise ValueError(f"size must be (width, height) in pixels, two positive ints, got {size!r}.")
    kept = frames[::every]
    if (len(frames) - 1) % every:
        kept.append(frames[-1])  # always show how the episode ended
    images = [Image.fromarray(f).resize((int(size[0]), int(size[1])), Image.Resampling.NEAREST) for f in kept]
    palette = _white_palette([images[0], images[len(images) // 2], images[-1]], colors)
    indexed = [_to_palette(image, palette) for image in images]
    frame_ms = int(1000 / fps)
    durations = [frame_ms] * len(indexed)
    durations[-1] = max(frame_ms, int(1000 * END_HOLD_SECONDS),
                        int(1000 * min_seconds) - frame_ms * (len(indexed) - 1))
    buf = io.BytesIO()
    indexed[0].save(buf, format="GIF", save_all=True, append_images=indexed[1:],
                    duration=durations, loop=0, optimize=False)
    return buf.getvalue()


def _checked_frames(frames: Any) -> list[np.ndarray]:
    """``frames`` (RGB frames, or an Episode) as a non-empty list of checked frames of one shape."""
    if isinstance(frames, Episode):
        frames = frames.frames
    if isinstance(frames, np.ndarray) and frames.ndim == 3:
        raise ValueError(
            f"gif_bytes got one array of shape {frames.shape}, which looks like a single frame; "
            "pass a list of frames (e.g. episode.frames)."
        )
    if frames is None or isinstance(frames, (str, bytes)) or not hasattr(frames, "__iter__"):
        raise TypeError(
            f"frames must be a list of RGB frames (e.g. episode.frames), got {type(frames).__name__}."
        )
    frames = [_check_frame(frame) for frame in frames]
    if not frames:
        raise ValueError("No frames to encode: record an episode first (cu.record_episode).")
    for t, frame in enumerate(frames):
        if frame.shape != frames[0].shape:
            raise ValueError(
                f"All frames must have one shape; frame {t} has {frame.shape}, frame 0 has {frames[0].shape}."
            )
    return frames


def _white_palette(samples: list[Any], colors: int) -> Any:
    """A palette image of ``colors`` colours for ``samples`` (RGB images), its lightest colour first.

    Median cut averages CartPole's white background with the light edges of the shapes into an
    off-white that shows as a box on a white page: a near-white lightest colour is made pure white,
    and :func:`_to_palette` puts every white pixel there.
    """
    from PIL import Image

    width, height = samples[0].size
    strip = Image.new("RGB", (width, height * len(samples)))
    for i, image in enumerate(samples):
        strip.paste(image, (0, height * i))
    palette = strip.quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    entries = np.array(palette.getpalette(), dtype=np.uint8).reshape(-1, 3)
    lightest = int(np.argmax(entries.min(axis=1).astype(int) * 3 + entries.sum(axis=1)))
    entries[[0, lightest]] = entries[[lightest, 0]]
    if entries[0].min() >= 224:
        entries[0] = 255
    palette.putpalette(entries.ravel().tolist())
    return palette


def _to_palette(image: Any, palette: Any) -> Any:
    """``image`` (RGB) mapped without dithering to ``palette``; white pixels exactly to a white entry 0.

    Pillow maps colours through a coarse cache, which can send white to a near-white entry.
    """
    from PIL import Image

    indexed = image.quantize(palette=palette, dither=Image.Dither.NONE)
    if palette.getpalette()[:3] == [255, 255, 255]:
        indexed.paste(0, mask=image.convert("L").point([0] * 255 + [255]))  # luminance 255: white
    return indexed


def _still_png(frames: list[np.ndarray], labels: list[str], description: str) -> bytes:
    """A PNG row of frames, each cropped to the cart and the pole, under its label (if any).

    The PNG carries :data:`STILL_TITLE` as its ``Title`` and ``description`` as its
    ``Description`` (text chunks), so a saved notebook's stills can be found and read as text.
    """
    from PIL import Image, ImageDraw, ImageFont
    from PIL.PngImagePlugin import PngInfo

    height, width = frames[0].shape[:2]
    top, bottom = int(0.3 * height), int(0.82 * height)  # of CartPole's 400 rows: no sky, no floor
    tile_w = STILL_TILE_WIDTH
    tile_h = round(tile_w * (bottom - top) / width)
    label_h, gap = (14 if any(labels) else 0), 6
    strip = Image.new("RGB", (len(frames) * (tile_w + gap) - gap, label_h + tile_h), "white")
    draw = ImageDraw.Draw(strip)
    try:
        font = ImageFont.load_default(size=11)
    except TypeError:  # Pillow < 10.1 has only a fixed-size bitmap font
        font = ImageFont.load_default()
    for i, (frame, label) in enumerate(zip(frames, labels)):
        left = i * (tile_w + gap)
        tile = Image.fromarray(frame[top:bottom]).resize((tile_w, tile_h), Image.Resampling.BOX)
        strip.paste(tile, (left, label_h))
        draw.text((left + 2, 0), label, fill=(90, 90, 90), font=font)
        if i:  # a thin grey line between frames
            x = left - gap // 2
            draw.line([(x, label_h), (x, label_h + tile_h - 1)], fill=(200, 200, 200))
    still = _to_palette(strip, _white_palette([strip], 16))
    info = PngInfo()
    info.add_itxt("Title", STILL_TITLE)
    info.add_itxt("Description", description)
    buf = io.BytesIO()
    still.save(buf, format="PNG", optimize=True, pnginfo=info)
    return buf.getvalue()


def _still_steps(n_frames: int) -> list[int]:
    """The indices of the (at most :data:`STILL_FRAMES`) evenly spaced frames a still shows."""
    return [int(t) for t in np.unique(np.linspace(0, n_frames - 1, num=min(STILL_FRAMES, n_frames)).round())]


def _gif_still(data: bytes, description: str) -> bytes:
    """A still (see :func:`_still_png`) of evenly spaced frames decoded from GIF bytes."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as gif:
        frames = []
        for i in _still_steps(getattr(gif, "n_frames", 1)):
            gif.seek(i)
            frames.append(np.asarray(gif.convert("RGB")))
    return _still_png(frames, [""] * len(frames), description)


def describe_episode(episode: Episode) -> str:
    """What the GIF of ``episode`` shows, in one sentence: steps, return, how it ends, the cart's path."""
    if not isinstance(episode, Episode):
        raise TypeError(
            f"describe_episode needs an Episode from cu.record_episode, got {type(episode).__name__}."
        )
    if not len(episode.observations):
        raise ValueError("This Episode has no observations; record it with cu.record_episode.")
    x0, x1, theta = episode.observations[0][0], episode.observations[-1][0], episode.observations[-1][2]
    limit = f"{np.degrees(THETA_LIMIT_RAD):.0f}°"
    if episode.terminated and abs(theta) > THETA_LIMIT_RAD:
        end = f"terminated: the pole falls past {limit} (θ = {np.degrees(theta):+.1f}°)"
    elif episode.terminated and abs(x1) > X_LIMIT:
        end = f"terminated: the cart leaves the track (|x| > {X_LIMIT} m)"
    elif episode.terminated:
        end = "terminated"
    elif episode.truncated:
        end = f"truncated at the time limit: the pole stays within {limit} of upright"
    else:
        end = "stopped early (max_steps) with the pole still up"
    return (f"{episode.length} steps, return {episode.total_reward:g}, {end}; "
            f"the cart goes from x = {x0:+.2f} m to {x1:+.2f} m.")


class GIF:
    """An animated GIF for a notebook, with its caption and a still, readable wherever it is opened.

    Displayed (last in a cell, or with ``display``), it makes three outputs:

    1. the animation: ``image/gif`` and an ``image/svg+xml`` wrapper around the same GIF.
       Untrusted JupyterLab (a fresh clone) renders no SVG and shows the GIF; trusted JupyterLab,
       VS Code, nbconvert's HTML and nbviewer rank SVG higher (the last two have no ``image/gif``)
       and show the wrapper, which animates too. Its ``text/plain`` (``<GIF 34 kB: caption>``) is
       the alt text. GitHub shows neither: it does not render ``image/gif``, and its sanitizer
       does not let a GIF inside an SVG through.
    2. the caption, as Markdown.
    3. a still, ``image/png``: a row of frames, shown everywhere, and GitHub's only view of the
       agent. It is an output of its own because JupyterLab, given ``image/png`` and ``image/gif``
       in one bundle, picks the PNG.

    Args:
        data: the bytes of a GIF (see :func:`gif_bytes`).
        caption: the caption, also the GIF's alt text.
        still: the bytes of the PNG still; by default a row of frames taken from the GIF.
    """

    def __init__(self, data: bytes, caption: str = "", still: bytes | None = None) -> None:
        if not isinstance(data, (bytes, bytearray)) or bytes(data[:6]) not in (b"GIF87a", b"GIF89a"):
            raise ValueError("GIF needs the bytes of a GIF image (see cu.gif_bytes).")
        if not isinstance(caption, str):
            raise TypeError(f"caption must be a str, got {type(caption).__name__}.")
        if still is None:
            still = _gif_still(bytes(data), caption or "CartPole episode")
        if not isinstance(still, (bytes, bytearray)) or bytes(still[:8]) != PNG_SIGNATURE:
            raise ValueError("still must be the bytes of a PNG image, or None to take frames from the GIF.")
        self.data = bytes(data)
        self.caption = caption
        self.still = bytes(still)

    @property
    def kilobytes(self) -> float:
        """Size of the GIF in kB."""
        return len(self.data) / 1000

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of the GIF in pixels."""
        return int.from_bytes(self.data[6:8], "little"), int.from_bytes(self.data[8:10], "little")

    def _repr_svg_(self) -> str:
        width, height = self.size
        encoded = base64.b64encode(self.data).decode("ascii")
        title = html.escape(self.caption or "CartPole episode")
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                f'viewBox="0 0 {width} {height}" role="img"><title>{title}</title>'
                f'<image width="{width}" height="{height}" href="data:image/gif;base64,{encoded}"/></svg>')

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {
            "image/gif": base64.b64encode(self.data).decode("ascii"),
            "image/svg+xml": self._repr_svg_(),
            "text/plain": f"<GIF {self.kilobytes:.0f} kB{': ' + self.caption if self.caption else ''}>",
        }

    def _still_bundle(self) -> dict[str, str]:
        return {
            "image/png": base64.b64encode(self.still).decode("ascii"),
            "text/plain": f"<still frames of the GIF above{': ' + self.caption if self.caption else ''}>",
        }

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)
        if self.caption:
            display({"text/markdown": f"*{_markdown_escape(self.caption)}*", "text/plain": self.caption},
                    raw=True)
        display(self._still_bundle(), raw=True)

    def save(self, path: str) -> None:
        """Write the GIF to ``path``."""
        with open(path, "wb") as fh:
            fh.write(self.data)


def _markdown_escape(text: str) -> str:
    """``text`` with Markdown's and HTML's special characters escaped, to show as written."""
    escaped = html.escape(text, quote=False)
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|~" else ch for ch in escaped)


def show_gif(episode: Episode | Any, caption: str = "", **kwargs: Any) -> GIF:
    """Turn a recorded episode (or a list of frames) into an inline GIF with a caption and a still.

    Put it last in a cell, or pass it to ``display``. For an :class:`Episode` the caption ends with
    :func:`describe_episode`'s sentence (steps, return, how it ends), which is also the GIF's alt text.
    Keywords go to :func:`gif_bytes`.
    """
    frames = _checked_frames(episode)
    data = gif_bytes(frames, **kwargs)
    steps = _still_steps(len(frames))
    if isinstance(episode, Episode):
        caption = f"{caption} — {describe_episode(episode)}" if caption else describe_episode(episode)
        labels = [f"t={t}" for t in steps]
        if episode.terminated or episode.truncated:
            labels[-1] += ": terminated" if episode.terminated else ": truncated"
    else:
        labels = [f"frame {t}" for t in steps]
    still = _still_png([frames[t] for t in steps], labels, caption or "CartPole frames")
    return GIF(data, caption, still)


def filmstrip(episode: Episode, n: int = 6, title: str = "") -> Any:
    """A static row of ``n`` evenly spaced frames with their step and state: a figure for print."""
    if not isinstance(episode, Episode):
        raise TypeError(f"filmstrip needs an Episode from cu.record_episode, got {type(episode).__name__}.")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n (the number of frames to show) must be a positive int, got {n!r}.")
    if not episode.frames or len(episode.observations) != len(episode.frames):
        raise ValueError(
            f"This Episode has {len(episode.frames)} frames and {len(episode.observations)} "
            "observations; record it with cu.record_episode (one frame per observation)."
        )
    from .plotting import _pyplot

    plt = _pyplot()
    steps = np.unique(np.linspace(0, len(episode.frames) - 1, num=n).astype(int))
    fig, axes = plt.subplots(1, len(steps), figsize=(2.3 * len(steps), 2.2), squeeze=False)
    for ax, t in zip(axes[0], steps):
        x, _, theta, _ = episode.observations[t]
        frame = episode.frames[t]
        height = frame.shape[0]
        ax.imshow(frame[int(0.15 * height) : int(0.8 * height)])  # rows 60:320 of CartPole's 400: no sky
        ax.set_title(f"t={t}\nx={x:+.2f} m, θ={np.degrees(theta):+.1f}°", fontsize=8)
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
