"""The stop button never breaks a training lesson (issue #19).

Each training lesson (04, 05, 07, 09, 10, both editions) runs in a real Jupyter kernel in fast mode; every
cell tagged "training" gets a real kernel interrupt, what Jupyter's stop button sends, as soon as it shows
its first picture (mid-training); the rest of the lesson then runs on what was trained, with no error
output in any cell. GAN_LESSONS_STOP_FULL=1 adds the moments 0.5 s, 3 s and half-way through the time
limit, and a second, uninterrupted run of each interrupted cell (it must carry on). The full lessons, with
every moment: `python benchmarks/stop_anywhere.py` (see its docstring).
"""

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FULL = os.environ.get("GAN_LESSONS_STOP_FULL") == "1"
MOMENTS = ("frame", "0.5", "3", "mid") if FULL else ("frame",)


def _runner():
    spec = importlib.util.spec_from_file_location("stop_anywhere", ROOT / "benchmarks" / "stop_anywhere.py")
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # a dataclass needs its module
    spec.loader.exec_module(module)
    return module


RUNNER = _runner()
LESSONS = [ROOT / "notebooks" / f"{edition}{lesson}.ipynb" for lesson in RUNNER.LESSONS for edition in RUNNER.EDITIONS]


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT / "notebooks"))


def test_every_training_lesson_tags_its_training_cells_in_both_editions():
    for path in LESSONS:
        assert RUNNER.training_cells(path), f"{_name(path)} tags no cell 'training'"
    english = [p for p in LESSONS if p.parent.name == "notebooks"]
    for path in english:
        assert RUNNER.training_cells(path) == RUNNER.training_cells(path.parent / "zh-CN" / path.name)


def test_a_training_cell_shows_a_time_limit():
    """Every tagged cell is time-boxed: it names a *_SECONDS parameter (or calls a helper that takes one)."""
    for path in LESSONS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for i in RUNNER.training_cells(path):
            code = "".join(cells[i]["source"])
            assert "SECONDS" in code or "COLLAPSE_STEPS" in code, f"{_name(path)} cell {i} has no time limit"


@pytest.mark.timeout(600)
@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("path", LESSONS, ids=_name)
def test_stopping_a_training_cell_never_breaks_the_lesson(path, moment):
    runs = RUNNER.run_lesson(path, moment, fast=True, again=FULL, log=lambda _: None)
    problems = [p for run in runs for p in run.problems]
    assert not problems, "\n".join(problems)
    training = [run for run in runs if run.training]
    assert training, f"{_name(path)}: no training cell ran"
    if moment == "frame":  # the picture comes while training runs: the interrupt must land in it
        sent = [run for run in training if run.interrupted_at is not None]
        assert len(sent) >= len(training) // 2 + 1, [(r.index, r.interrupted_at, r.seconds) for r in training]
