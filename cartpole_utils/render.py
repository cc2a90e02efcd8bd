"""Recording episodes as frames and showing them inline as small GIFs (Pillow only, headless)."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .env import check_cartpole
from .evaluation import _as_batch_policy

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
    act = None if policy is None else _as_batch_policy(policy)
    obs, info = env.reset(seed=seed)
    env.action_space.seed(seed)
    frames = [_check_frame(env.render())]
    observations, actions, rewards = [obs], [], []
    terminated = truncated = False
    while not (terminated or truncated) and (max_steps is None or len(actions) < max_steps):
        action = env.action_space.sample() if act is None else int(np.asarray(act(obs[None]))[0])
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
        frames: sequence of uint8 RGB frames of one shape (H, W, 3).
        size: output (width, height) in pixels.
        fps: frames per second of the GIF.
        every: keep every ``every``-th frame (CartPole runs at 50 steps/s: 2 at 25 fps is real time).
        colors: palette size (2-256).
    """
    from PIL import Image

    frames = list(frames) if not isinstance(frames, np.ndarray) else list(frames)
    if not frames:
        raise ValueError("No frames to encode: record an episode first (cu.record_episode).")
    if not (2 <= colors <= 256) or fps < 1 or every < 1:
        raise ValueError(f"Need 2 <= colors <= 256, fps >= 1 and every >= 1; got {colors}, {fps}, {every}.")
    shape = _check_frame(frames[0]).shape
    kept = frames[::every]
    if frames[-1] is not kept[-1]:
        kept.append(frames[-1])  # always show how the episode ended
    images = []
    for frame in kept:
        if _check_frame(frame).shape != shape:
            raise ValueError(f"All frames must have one shape; got {frame.shape} and {shape}.")
        images.append(Image.fromarray(frame).resize(size, Image.Resampling.NEAREST))
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
    """GIF bytes that Jupyter shows inline as ``image/gif`` (GitHub and nbviewer show it too)."""

    def __init__(self, data: bytes, caption: str = "") -> None:
        if not isinstance(data, (bytes, bytearray)) or bytes(data[:6]) not in (b"GIF87a", b"GIF89a"):
            raise ValueError("GIF needs the bytes of a GIF image (see cu.gif_bytes).")
        self.data = bytes(data)
        self.caption = caption

    @property
    def kilobytes(self) -> float:
        """Size of the GIF in kB."""
        return len(self.data) / 1000

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        text = f"<GIF {self.kilobytes:.0f} kB{': ' + self.caption if self.caption else ''}>"
        return {"image/gif": base64.b64encode(self.data).decode("ascii"), "text/plain": text}

    def save(self, path: str) -> None:
        """Write the GIF to ``path``."""
        with open(path, "wb") as fh:
            fh.write(self.data)


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
    from .plotting import _pyplot

    plt = _pyplot()
    steps = np.unique(np.linspace(0, len(episode.frames) - 1, num=max(1, n)).astype(int))
    fig, axes = plt.subplots(1, len(steps), figsize=(2.3 * len(steps), 2.2), squeeze=False)
    for ax, t in zip(axes[0], steps):
        x, _, theta, _ = episode.observations[t]
        ax.imshow(episode.frames[t][60:320])
        ax.set_title(f"t={t}\nx={x:+.2f} m, θ={np.degrees(theta):+.1f}°", fontsize=8)
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
