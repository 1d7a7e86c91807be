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


# The helpers the training cells use (gan_lessons/lesson_training.py)


def test_deadline_and_timed_end_loops_on_time():
    import time

    from gan_lessons.lesson_training import deadline, timed

    never, now = deadline(None), deadline(0)
    assert not never() and now()
    assert list(timed(range(5), None)) == [0, 1, 2, 3, 4]
    assert list(timed(range(5), 0)) == []
    start = time.perf_counter()
    steps = sum(1 for _ in timed(iter(lambda: time.sleep(0.01), 1), 0.2))  # an endless loop, boxed to 0.2 s
    assert 5 <= steps and time.perf_counter() - start < 2
    with pytest.raises(ValueError, match="seconds"):
        deadline(-1)


def test_stoppable_turns_the_stop_button_into_one_sentence(capsys):
    from gan_lessons.lesson_training import Stopped, stoppable

    done = []
    with stoppable():
        done.append(1)
        raise KeyboardInterrupt
    assert done == [1] and "run this cell again to carry on" in capsys.readouterr().out
    with stoppable(starts_over=True):
        raise KeyboardInterrupt
    assert "starts over" in capsys.readouterr().out
    with stoppable():
        raise Stopped  # the engine has already said it: nothing more
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError), stoppable():
        raise ValueError("other errors still show")


def test_too_little_training_uses_the_shipped_generator(small, capsys):
    from gan_lessons.lesson_training import enough_trained, generator_or_shipped, loss_text, trained_batches
    from gan_lessons.training import TrainConfig, Trainer

    trainer = Trainer(small, TrainConfig(epochs=1, batch_size=64, max_batches=2, seed=0), "cpu")
    assert loss_text(trainer.history) == "no batch trained yet"
    assert not enough_trained(trainer, 1) and enough_trained(trainer, 0)
    shipped = generator_or_shipped(trainer, min_batches=1)
    assert shipped is not trainer.drawer and "shipped 'classic' generator" in capsys.readouterr().out
    trainer.fit(progress=False)
    assert trained_batches(trainer) == 2 and enough_trained(trainer, 2)
    assert generator_or_shipped(trainer, min_batches=2) is trainer.drawer and capsys.readouterr().out == ""
    assert loss_text(trainer.history).startswith("D loss ")
    with pytest.raises(ValueError, match="min_batches"):
        enough_trained(trainer, -1)


def test_a_relative_data_folder_is_made_absolute_for_the_kernel(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GAN_LESSONS_DATA", "mnist")  # relative to where the script was started
    assert RUNNER._env(fast=False)["GAN_LESSONS_DATA"] == str(tmp_path / "mnist")
    monkeypatch.delenv("GAN_LESSONS_DATA")
    assert "GAN_LESSONS_DATA" not in RUNNER._env(fast=True)
