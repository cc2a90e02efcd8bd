"""cartpole_utils.progress: a bar that a saved notebook shows finished, with no widget library."""

import IPython.display

import cartpole_utils as cu
from cartpole_utils import progress


class FakeHandle:
    def __init__(self, shown):
        self.shown = shown

    def update(self, bundle, raw=False):
        self.shown[-1] = bundle


def test_in_a_notebook_the_bar_is_one_output_that_ends_finished(monkeypatch):
    shown = []

    def fake_display(bundle, raw=False, display_id=False):
        shown.append(bundle)
        return FakeHandle(shown)

    monkeypatch.setattr(progress, "_in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", fake_display)
    bar = cu.progress_bar(total=2_000, desc="Double DQN")
    for _ in range(2_000):
        bar.update(1)
    bar.set_postfix(greedy="500")
    bar.close()
    assert len(shown) == 1, "every refresh must replace the one output, not add another"
    line = shown[0]["text/plain"]
    assert line.startswith("Double DQN: 100%") and "2000/2000" in line and "greedy=500" in line
    assert "█" in line


def test_outside_a_notebook_it_is_tqdm(capsys):
    from tqdm.std import tqdm

    bar = cu.progress_bar(range(3), desc="x")
    assert isinstance(bar, tqdm) and not isinstance(bar, progress._NotebookBar)
    assert list(bar) == [0, 1, 2]
