"""Train the final agent (notebook 06's SoftConfig) and ship it as cartpole_utils/data/final_agent.pt.

    python tools/make_shipped_agent.py [--seed 3]

The same code and config as notebook 06, with a seed whose network ends the budget balancing: the
file is written only if the final 100-episode greedy evaluation is a perfect 500, so that notebook
00 and ``python -m cartpole_utils.play`` show an agent that balances (not every seed ends there;
notebook 07 and the README give how many do).
"""

import argparse
import sys

import numpy as np

import cartpole_utils as cu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    cu.set_threads(1)
    result = cu.train_soft(cu.SoftConfig(seed=args.seed), progress=False)
    print(result.report())
    if np.mean(result.final_returns) < 500:
        print("not shipped: the final evaluation is below 500; try another --seed")
        return 1
    path = cu.save_checkpoint(cu.SHIPPED_AGENT, result.q_net, result.config)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
