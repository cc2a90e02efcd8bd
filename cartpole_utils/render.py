"""Recording episodes as frames and showing them inline as small GIFs (Pillow only, headless)."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .env import _check_seed, check_cartpole
from .evaluation import _as_batch_policy, _check_actions

#: Default GIF size in pixels (width, height): half of CartPole's 600x400 frames.
GIF_SIZE = (300, 200)


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
) -> bytes:
    """Encode frames as a small looping GIF.

    Every frame is resized with nearest-neighbour sampling and mapped, without dithering, to one
    palette of ``colors`` colours shared by all frames: CartPole's flat shapes stay crisp and
    a 500-step episode stays near 100 KB.

    Args:
        frames: sequence of uint8 RGB frames of one shape (H, W, 3), or an :class:`Episode`.
        size: output (width, height) in pixels.
        fps: frames per second of the GIF.
        every: keep every ``every``-th frame (CartPole runs at 50 steps/s: 2 at 25 fps is real time).
        colors: palette size (2-256).
    """
    from PIL import Image

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
    frames = list(frames)
    if not frames:
        raise ValueError("No frames to encode: record an episode first (cu.record_episode).")
    for arg, value, low in (("fps", fps, 1), ("every", every, 1), ("colors", colors, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{arg} must be an int >= {low}, got {value!r}.")
    if colors > 256:
        raise ValueError(f"colors must be at most 256 (a GIF palette), got {colors!r}.")
    if (
        not isinstance(size, (tuple, list))
        or len(size) != 2
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in size)
    ):
        raise ValueError(f"size must be (width, height) in pixels, two positive ints, got {size!r}.")
    size = (int(size[0]), int(size[1]))
    frames = [_check_frame(frame) for frame in frames]
    shape = frames[0].shape
    for t, frame in enumerate(frames):
        if frame.shape != shape:
            raise ValueError(
                f"All frames must have one shape; frame {t} has {frame.shape}, frame 0 has {shape}."
            )
    kept = frames[::every]
    if (len(frames) - 1) % every:
        kept.append(frames[-1])  # always show how the episode ended
    images = [Image.fromarray(frame).resize(size, Image.Resampling.NEAREST) for frame in kept]
    sample = [images[0], images[len(images) // 2], images[-1]]
    strip = Image.new("RGB", (size[0], size[1] * len(sample)))
    for i, image in enumerate(sample):
        strip.paste(image, (0, size[1] * i))
    palette = strip.quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    indexed = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    buf = io.BytesIO()
    indexed[0].save(buf, format="GIF", save_all=True, append_images=indexed[1:],
                    duration=int(1000 / fps), loop=0, optimize=False)
    return buf.getvalue()


class GIF:
    """GIF bytes that play inline, with a visible caption, wherever a notebook is read.

    Displayed (last in a cell, or with ``display``), it makes two outputs:

    - the animation, as ``image/gif`` (JupyterLab, trusted or not; VS Code; Colab) and as
      ``image/svg+xml`` wrapping the same GIF, which nbconvert HTML, nbviewer and GitHub show
      (``image/gif`` is not in their output priority); JupyterLab never shows an untrusted SVG,
      so it falls back to the GIF, and an HTML ``<img>`` is avoided because JupyterLab strips
      ``data:`` images from untrusted HTML;
    - the caption, as Markdown, under it.
    """

    def __init__(self, data: bytes, caption: str = "") -> None:
        if not isinstance(data, (bytes, bytearray)) or bytes(data[:6]) not in (b"GIF87a", b"GIF89a"):
            raise ValueError("GIF needs the bytes of a GIF image (see cu.gif_bytes).")
        self.data = bytes(data)
        self.caption = caption

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
        text = f"<GIF {self.kilobytes:.0f} kB{': ' + self.caption if self.caption else ''}>"
        return {
            "image/gif": base64.b64encode(self.data).decode("ascii"),
            "image/svg+xml": self._repr_svg_(),
            "text/plain": text,
        }

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)
        if self.caption:
            display({"text/markdown": f"*{_markdown_escape(self.caption)}*", "text/plain": self.caption},
                    raw=True)

    def save(self, path: str) -> None:
        """Write the GIF to ``path``."""
        with open(path, "wb") as fh:
            fh.write(self.data)


def _markdown_escape(text: str) -> str:
    """``text`` with Markdown's and HTML's special characters escaped, to show as written."""
    escaped = html.escape(text, quote=False)
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|~" else ch for ch in escaped)


def show_gif(episode: Episode | Any, caption: str = "", **kwargs: Any) -> GIF:
    """Turn a recorded episode (or a list of frames) into an inline GIF.

    Put it last in a cell, or pass it to ``display``. Keywords go to :func:`gif_bytes`.
    """
    frames = episode.frames if isinstance(episode, Episode) else episode
    if isinstance(episode, Episode) and not caption:
        end = (
            "truncated at the time limit"
            if episode.truncated
            else "terminated (the pole fell or the cart left)"
        )
        caption = f"{episode.length} steps, {end}"
    return GIF(gif_bytes(frames, **kwargs), caption)


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
