"""Watch a trained agent outside a notebook: ``python -m cartpole_utils.play CHECKPOINT``.

Loads a checkpoint written by ``cu.save_checkpoint`` (weights only: loading cannot run code),
plays greedy episodes on CartPole-v1, prints their returns, and can write the first one as a GIF::

    python -m cartpole_utils.play cartpole_utils/data/final_agent.pt --episodes 5 --gif agent.gif
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from .checkpoint import CheckpointError, load_agent
from .env import make_env
from .evaluation import evaluate
from .protocol import EVAL_SEED_OFFSET
from .render import record_episode, show_gif


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input)."""
    parser = argparse.ArgumentParser(
        prog="python -m cartpole_utils.play",
        description="Play greedy CartPole-v1 episodes with a trained Q-network from a checkpoint.",
    )
    parser.add_argument("checkpoint", help="a .pt file written by cu.save_checkpoint")
    parser.add_argument("--episodes", type=int, default=10, help="greedy episodes to play (default 10)")
    parser.add_argument("--seed", type=int, default=EVAL_SEED_OFFSET,
                        help="seed of the first episode; episode i uses seed + i (default: the "
                             "course's evaluation seeds)")
    parser.add_argument("--gif", metavar="FILE", help="also write the first episode as a GIF here")
    args = parser.parse_args(argv)
    if args.episodes < 1:
        parser.error("--episodes must be at least 1")
    if args.seed < 0:
        parser.error("--seed must be a non-negative int")
    try:
        q_net, config = load_agent(args.checkpoint)
    except (CheckpointError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    returns = evaluate(q_net, args.episodes, seed=args.seed)
    trained = f", trained with {config}" if config else ""
    print(f"{type(q_net).__name__} from {args.checkpoint}{trained}")
    print(f"returns of {args.episodes} greedy episodes (seeds {args.seed}..{args.seed + args.episodes - 1}):")
    print("  " + " ".join(f"{r:.0f}" for r in returns))
    print(f"mean {np.mean(returns):.1f}, min {np.min(returns):.0f}, max {np.max(returns):.0f}")
    if args.gif:
        episode = record_episode(make_env(render_mode="rgb_array"), q_net, seed=args.seed)
        try:
            show_gif(episode).save(args.gif)
        except OSError as err:
            print(f"error: cannot write {args.gif!r}: {err.strerror}", file=sys.stderr)
            return 2
        print(f"wrote {args.gif}: {episode.length} steps")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
