"""Reproduce nbclient's stall after a widget cell (jupyter/nbclient#312) and count it.

Runs a four-cell notebook many times with nbclient, the second cell showing a widget, and reports
the runs in which a cell took far longer than it should: the kernel's own timestamps say it
replied at once, while the client returned only when its per-cell timeout ran out (at which point
a last non-blocking poll finds the reply that had been waiting in the socket). Load the machine
while it runs (the stall needs a busy CPU), e.g. ``--load 3`` starts three busy loops.

    python tools/stall_repro.py interactive --runs 60 --load 3   # widgets.interactive: stalls
    python tools/stall_repro.py output --runs 60 --load 3        # `with out: print(...)`: stalls
    python tools/stall_repro.py image --runs 60 --load 3         # Image widget (the course's): none
    python tools/stall_repro.py interactive --no-send --load 3   # nbclient's widget mimic silenced

It is not part of ``make test`` (it needs minutes and a loaded machine); run it to see whether a
new nbclient, jupyter_client or pyzmq still stalls.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time

CELLS = {
    "interactive": "import ipywidgets as w\nw.interactive(lambda x: print('value', x), x=(0, 10))",
    "output": "import ipywidgets as w\nout = w.Output()\nwith out:\n    print('inside')\nout",
    "image": "import ipywidgets as w\nw.VBox([w.IntSlider(), w.Image(value=b'', format='png')])",
}


def _busy() -> None:
    while True:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=sorted(CELLS))
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--timeout", type=int, default=15, help="nbclient's per-cell timeout, seconds")
    parser.add_argument("--load", type=int, default=0, help="busy processes to start beside the runs")
    parser.add_argument("--no-send", action="store_true",
                        help="silence nbclient's Output-widget mimic, which writes to the shell socket")
    args = parser.parse_args()

    import nbformat
    from nbclient import NotebookClient

    if args.no_send:
        import nbclient.output_widget

        nbclient.output_widget.OutputWidget.send = lambda self, *a, **k: None

    class TimedClient(NotebookClient):
        async def async_execute_cell(self, cell, cell_index, *a, **k):  # type: ignore[no-untyped-def]
            started = time.monotonic()
            result = await super().async_execute_cell(cell, cell_index, *a, **k)
            self.walls.append((cell_index, time.monotonic() - started))
            return result

    busy = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(args.load)]
    for process in busy:
        process.start()
    stalled = 0
    try:
        for run in range(args.runs):
            nb = nbformat.v4.new_notebook()
            nb.cells = [nbformat.v4.new_code_cell(source) for source in
                        ("x = 1", CELLS[args.variant], "print('after')", "x + 1")]
            client = TimedClient(nb, timeout=args.timeout, kernel_name="python3", record_timing=True)
            client.walls = []
            client.execute()
            slow = [(index, seconds) for index, seconds in client.walls if seconds > args.timeout / 2]
            if slow:
                stalled += 1
                index, seconds = slow[0]
                timing = nb.cells[index].metadata["execution"]
                print(f"run {run}: cell {index} took {seconds:.1f} s in the client; the kernel took it "
                      f"from {timing['iopub.execute_input']} to {timing['shell.execute_reply']}", flush=True)
    finally:
        for process in busy:
            process.terminate()
    print(f"{args.variant}{' (no send)' if args.no_send else ''}: {stalled} of {args.runs} runs stalled "
          f"until the {args.timeout} s timeout", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
