"""Interrupted work loses nothing: SIGKILL mid-epoch and mid-save, Ctrl-C, and a run that blows up (NaN).

The kills happen in a child process running `gan-lessons train`, at a chosen batch or in the middle of
writing a checkpoint (a small wrapper patches the package from outside, so the package has no test-only
code). Afterwards the last complete checkpoint loads, and `--resume` finishes the run with exactly the
history, on the CPU, of a run that was never interrupted.
"""

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gan_lessons import training
from gan_lessons.checkpoints import load_safe
from gan_lessons.cli import main
from gan_lessons.data import load_mnist
from gan_lessons.training import Trainer

RUN = ["train", "--epochs", "2", "--max-batches", "2", "--batch-size", "16", "--seed", "3", "--quiet",
       "--device", "cpu", "--out", "run"]  # fmt: skip
CKPT = Path("run/checkpoint.pt")
AGAIN = "gan-lessons train --arch classic --epochs 2 --out run --device cpu --quiet --resume"  # what RUN prints

# Run by the child: patch the package as a test would, then run the command line with the given arguments.
WRAPPER = """
import io, os, signal, sys
from gan_lessons import checkpoints, training
from gan_lessons.cli import main

real_step, real_save, steps, saves = training.train_step, checkpoints.torch.save, [], []
KILL_AT_STEP, KILL_IN_SAVE = int(os.environ["KILL_AT_STEP"]), int(os.environ["KILL_IN_SAVE"])

def step(*args):
    steps.append(1)
    if len(steps) == KILL_AT_STEP:
        os.kill(os.getpid(), signal.SIGKILL)  # the laptop's battery dies mid-epoch
    return real_step(*args)

def save(obj, f):
    saves.append(1)
    if len(saves) != KILL_IN_SAVE:
        return real_save(obj, f)
    whole = io.BytesIO()
    real_save(obj, whole)
    f.write(whole.getvalue()[: len(whole.getvalue()) // 2])  # half of the checkpoint reaches the disk
    f.flush()
    os.fsync(f.fileno())
    os.kill(os.getpid(), signal.SIGKILL)

training.train_step, checkpoints.torch.save = step, save
sys.exit(main(sys.argv[1:]))
"""


def run_main(args: list[str], capsys) -> tuple[int, str]:
    """Run `gan-lessons ARGS` in this process; return its exit code and stderr."""
    code = main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def history_and_weights(path: Path) -> tuple[dict, dict]:
    state = load_safe(path, "checkpoint")
    return state["history"], state["generator"]


def assert_same_run(path: Path, straight: tuple[dict, dict]) -> None:
    history, weights = history_and_weights(path)
    assert history == straight[0], "the resumed run's losses differ from the uninterrupted run's"
    assert all(torch.equal(weights[k], v) for k, v in straight[1].items())


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """The uninterrupted run: its history and final generator weights."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GAN_LESSONS_OFFLINE", "1")
        patch.delenv("GAN_LESSONS_DATA", raising=False)
        patch.chdir(tmp_path_factory.mktemp("straight"))
        assert main(RUN) == 0
        return history_and_weights(CKPT)


def run_killed(kill_at_step: int = 0, kill_in_save: int = 0) -> subprocess.CompletedProcess:
    """Run `gan-lessons train` in a child process that SIGKILLs itself at a step or in a save."""
    env = {**os.environ, "KILL_AT_STEP": str(kill_at_step), "KILL_IN_SAVE": str(kill_in_save)}
    child = subprocess.run([sys.executable, "-c", WRAPPER, *RUN], capture_output=True, text=True, env=env, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    return child


def test_sigkill_mid_epoch_then_resume_equals_an_uninterrupted_run(straight, capsys):
    run_killed(kill_at_step=4)  # an epoch has 2 batches: step 4 is in the middle of epoch 2
    trainer = Trainer.load(CKPT, load_mnist(quiet=True), "cpu")
    assert (trainer.epoch, trainer.batch) == (1, 0), "the last complete checkpoint is the end of epoch 1"
    code, _ = run_main([*RUN, "--resume"], capsys)
    assert code == 0
    assert_same_run(CKPT, straight)


def test_sigkill_while_writing_a_checkpoint_keeps_the_last_whole_one(straight, capsys):
    run_killed(kill_in_save=2)  # the second save: the end of epoch 2
    half_written = list(Path("run").glob(".checkpoint.pt.*.tmp"))
    assert len(half_written) == 1 and half_written[0].stat().st_size > 0, "the child died while writing"
    assert Trainer.load(CKPT, load_mnist(quiet=True), "cpu").epoch == 1  # the old file is whole and loads
    assert main([*RUN, "--resume"]) == 0
    assert "Removed .checkpoint.pt." in capsys.readouterr().out
    assert not list(Path("run").glob(".*.tmp"))
    assert_same_run(CKPT, straight)


def _step_that_presses_ctrl_c(at_step: int, times: int = 1):
    real_step, steps = training.train_step, []

    def step(*args):
        steps.append(1)
        if len(steps) == at_step:
            for _ in range(times):
                signal.raise_signal(signal.SIGINT)  # as if the learner pressed Ctrl-C now
        return real_step(*args)

    return step


def test_ctrl_c_saves_mid_epoch_and_says_how_to_resume(straight, monkeypatch, capsys):
    with monkeypatch.context() as patch:
        patch.setattr(training, "train_step", _step_that_presses_ctrl_c(at_step=3))  # epoch 2, batch 1
        code, err = run_main(RUN, capsys)
    assert code == 130
    assert "Stopped by Ctrl-C. Saved to run/checkpoint.pt. To continue: " + AGAIN in err
    trainer = Trainer.load(CKPT, load_mnist(quiet=True), "cpu")
    assert (trainer.epoch, trainer.batch) == (1, 1), "the batch in progress was finished and saved"
    code, _ = run_main([*RUN, "--resume"], capsys)
    assert code == 0
    assert_same_run(CKPT, straight)


def test_second_ctrl_c_stops_at_once_and_keeps_the_last_checkpoint(straight, monkeypatch, capsys):
    with monkeypatch.context() as patch:
        patch.setattr(training, "train_step", _step_that_presses_ctrl_c(at_step=4, times=2))
        code, err = run_main(RUN, capsys)
    assert code == 130
    assert "stopped at once. run/checkpoint.pt holds the last saved progress. To continue: " + AGAIN in err
    assert Trainer.load(CKPT, load_mnist(quiet=True), "cpu").epoch == 1
    assert run_main([*RUN, "--resume"], capsys)[0] == 0
    assert_same_run(CKPT, straight)


def test_ctrl_c_from_outside_the_process_saves_and_exits_cleanly():
    args = [*RUN[:2], "1000", *RUN[3:]]  # --epochs 1000: it would run for ever
    child = subprocess.Popen([sys.executable, "-m", "gan_lessons", *args], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while not CKPT.exists():  # the first epoch's checkpoint: training is under way
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()
        time.sleep(0.02)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130, err
    assert "Traceback" not in err
    assert "To continue: " + AGAIN.replace("--epochs 2", "--epochs 1000") in err
    assert Trainer.load(CKPT, load_mnist(quiet=True), "cpu").epoch >= 1


def test_nan_stops_training_and_keeps_the_last_good_checkpoint(straight, monkeypatch, capsys):
    assert main([*RUN[:2], "1", *RUN[3:]]) == 0  # one good epoch
    good = CKPT.read_bytes()
    real_step = training.train_step

    def absurd_lr(generator, discriminator, opt_g, opt_d, *batch):  # a learning rate of 1e30 from epoch 2 on
        for group in [*opt_g.param_groups, *opt_d.param_groups]:
            group["lr"] = 1e30
        return real_step(generator, discriminator, opt_g, opt_d, *batch)

    with monkeypatch.context() as patch:
        patch.setattr(training, "train_step", absurd_lr)
        code, err = run_main([*RUN, "--resume"], capsys)
    assert code == 1
    assert "Training blew up: the losses became NaN or infinite in epoch 2" in err
    assert "Likely cause: the learning rate lr = 1e+30 is far larger" in err and "It is run/checkpoint.pt." in err
    assert CKPT.read_bytes() == good, "the last good checkpoint is untouched"
    assert Trainer.load(CKPT, load_mnist(quiet=True), "cpu").epoch == 1
    assert run_main([*RUN, "--resume"], capsys)[0] == 0  # without the absurd rate the run finishes as usual
    assert_same_run(CKPT, straight)


# --- SIGTERM, the printed command, broken pipes, runs that meet ---------------------------------------------------


def _start(args: list[str], **kw) -> subprocess.Popen:
    """`gan-lessons ARGS` in a child process; returns once its first checkpoint exists (training is under way)."""
    child = subprocess.Popen([sys.executable, "-m", "gan_lessons", *args], stdout=kw.pop("stdout", subprocess.PIPE),
                             stderr=subprocess.PIPE, text=True, **kw)  # fmt: skip
    out = Path(args[args.index("--out") + 1])
    deadline = time.monotonic() + 120
    while not (out / "checkpoint.pt").exists():
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()
        time.sleep(0.02)
    return child


def test_sigterm_saves_like_ctrl_c_and_the_printed_command_continues():
    args = [*RUN[:2], "1000", *RUN[3:]]
    child = _start(args)
    child.send_signal(signal.SIGTERM)  # what kill, Docker, Colab and job schedulers send
    _, err = child.communicate(timeout=120)
    assert child.returncode == 143, err
    assert "Traceback" not in err and "Stopped by SIGTERM. Saved to run/checkpoint.pt" in err
    again = err.split("To continue: ")[1].strip()
    assert again == AGAIN.replace("--epochs 2", "--epochs 1000")
    epochs = Trainer.load(CKPT, load_mnist(quiet=True), "cpu").epoch
    words = shlex.split(again)
    words[words.index("--epochs") + 1] = str(epochs + 1)  # continue, but for one more epoch only
    assert main(words[1:]) == 0
    assert Trainer.load(CKPT, load_mnist(quiet=True), "cpu").epoch == epochs + 1


def test_the_printed_command_keeps_data_and_quotes_paths(shared_mnist, tmp_path, capsys):
    data, out = tmp_path / "my data", tmp_path / "my runs" / "first try"
    data.mkdir()
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (data / name).symlink_to(shared_mnist / name)
    args = ["train", "--epochs", "2", "--max-batches", "2", "--batch-size", "16", "--quiet", "--data", str(data),
            "--out", str(out)]  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training, "train_step", _step_that_presses_ctrl_c(at_step=3))
        assert main(args) == 130
    again = capsys.readouterr().err.split("To continue: ")[1].strip()
    assert f"--data '{data}'" in again and f"--out '{out}'" in again  # quoted: the folders have spaces
    words = shlex.split(again)
    assert words[:2] == ["gan-lessons", "train"] and words[-1] == "--resume"
    assert main(words[1:]) == 0  # as printed
    assert "60,000 images" in capsys.readouterr().out and load_safe(out / "checkpoint.pt", "checkpoint")["epoch"] == 2


def test_a_closed_pipe_on_stdout_does_not_stop_training():
    args = [*RUN[:2], "3", *RUN[3:]]
    child = subprocess.Popen([sys.executable, "-m", "gan_lessons", *args], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)  # fmt: skip
    child.stdout.readline()  # `| head -1`: read one line, then go away
    child.stdout.close()
    err = child.stderr.read().decode()
    assert child.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "could not read or write" not in err
    assert Trainer.load(CKPT, load_mnist(quiet=True), "cpu").epoch == 3


def test_nothing_to_do_is_said_plainly(capsys):
    with pytest.raises(SystemExit) as done:
        main([*RUN[:2], "0", *RUN[3:]])
    assert done.value.code == 2 and "--epochs 0 trains nothing: there is nothing to do" in capsys.readouterr().err
    assert not Path("run").exists()
    assert main([*RUN[:2], "1", *RUN[3:]]) == 0
    before = CKPT.read_bytes()
    assert main([*RUN[:2], "1", *RUN[3:], "--resume"]) == 0
    out = capsys.readouterr().out
    assert "Nothing to do: run/checkpoint.pt has 1 epochs done, and --epochs 1 asks for 1 in all" in out
    assert CKPT.read_bytes() == before, "nothing was re-saved"


def test_a_second_run_into_the_same_folder_waits_its_turn(capsys):
    first = _start([*RUN[:2], "1000", *RUN[3:]])
    try:
        before = sorted(p.name for p in Path("run").iterdir())
        for extra in ([], ["--resume"], ["--restart"]):
            with pytest.raises(SystemExit) as done:
                main([*RUN, *extra])
            assert done.value.code == 2
            err = capsys.readouterr().err
            assert f"Another gan-lessons train (process {first.pid}) is writing to run right now" in err, err
        after = sorted(p.name for p in Path("run").iterdir())
        first_writes = r"history\.csv|generated_images_epoch_\d+\.png"  # the first run goes on writing these
        new = [n for n in after if n not in before and not re.fullmatch(first_writes, n)]
        assert set(before) <= set(after) and new == [], "the second run touched nothing (the first one goes on writing)"
    finally:
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=120)
    assert first.returncode == 143 and "Stopped by SIGTERM" in err
    assert Trainer.load(CKPT, load_mnist(quiet=True), "cpu").epoch >= 1


def test_a_crashed_run_leaves_no_lock_behind(capsys):
    first = _start([*RUN[:2], "1000", *RUN[3:]])
    first.kill()  # SIGKILL: no clean-up at all
    first.communicate(timeout=60)
    assert Path("run/.gan-lessons.lock").read_text() == str(first.pid)  # its lock file stays, but not its lock
    assert main([*RUN, "--resume"]) == 0  # --epochs 2: the run finishes
    assert Trainer.load(CKPT, load_mnist(quiet=True), "cpu").epoch == 2


# --- Stopping a lesson's training: after some seconds, or with the stop button, at any moment ----------------------

FAST = dict(epochs=2, batch_size=64, max_batches=3, seed=7)  # 2 epochs of 3 batches on 512 digits


def _ticks(step: float = 1.0):
    """A clock that moves STEP seconds each time it is read: a stop after some seconds lands on a known batch."""
    now = [0.0]

    def clock() -> float:
        now[0] += step
        return now[0]

    return clock


def _straight(small) -> training.History:
    return Trainer(small, training.TrainConfig(**FAST), "cpu").fit(progress=False)


def test_fit_for_some_seconds_stops_and_the_next_fit_continues_exactly(small, capsys):
    trainer = Trainer(small, training.TrainConfig(**FAST), "cpu")
    trainer.fit(progress=False, seconds=1.5, clock=_ticks())  # read to start, then after each batch: 2, 3
    assert (trainer.epoch, trainer.batch, trainer.trained_batches) == (0, 2, 2) and trainer.stopped_early
    first = trainer.this_epoch()[:, :2]  # (2, 2): D and G loss of each batch
    trainer.fit(progress=False, seconds=1, clock=_ticks())
    assert (trainer.epoch, trainer.batch, trainer.trained_batches) == (1, 0, 3), "it carried on from batch 3"
    assert capsys.readouterr().out == "", "a planned stop says nothing"
    again = Trainer(small, training.TrainConfig(**FAST), "cpu")
    again.fit(progress=False, seconds=1.5, clock=_ticks())
    assert torch.equal(again.this_epoch()[:, :2], first), "the same seed, stopped at the same batch: the same numbers"
    assert trainer.fit(progress=False) == _straight(small), "stopping and going on changes no number"
    with pytest.raises(ValueError, match="seconds must be a number > 0"):
        trainer.fit(seconds=0)


def test_fit_for_real_seconds_trains_at_least_a_batch_each_time(small):
    trainer = Trainer(small, training.TrainConfig(**dict(FAST, epochs=1000)), "cpu")
    trainer.fit(progress=False, seconds=0.2)
    first = trainer.trained_batches
    trainer.fit(progress=False, seconds=0.2)
    assert 1 <= first < trainer.trained_batches


class _Interrupter:
    """A callback that raises KeyboardInterrupt (as Jupyter's stop button does) after batch AT (counted from 1)."""

    def __init__(self, at: int):
        self.at, self.batches = at, 0

    def on_batch(self, trainer: Trainer) -> None:
        self.batches += 1
        if self.batches == self.at:
            raise KeyboardInterrupt

    def __call__(self, trainer: Trainer) -> None:  # after each epoch
        pass


@pytest.mark.parametrize("at", [1, 3, 4])  # in the first batch's callback; at an epoch's end; in epoch 2
def test_a_stop_in_a_callback_ends_fit_normally_and_the_next_fit_continues(small, capsys, at):
    trainer = Trainer(small, training.TrainConfig(**FAST), "cpu")
    history = trainer.fit(callbacks=[_Interrupter(at)], progress=False)
    out = capsys.readouterr().out
    assert out.count("Paused after") == 1 and f"Paused after {at} batches" in out and "Call fit again" in out
    assert trainer.trained_batches == at and trainer.stopped_early and history is trainer.history
    assert trainer.fit(progress=False) == _straight(small)


@pytest.mark.parametrize("at", [1, 2, 5])
def test_a_stop_inside_a_step_undoes_that_batch_and_the_next_fit_continues(small, monkeypatch, capsys, at):
    real_step, steps = training.train_step, []

    def step(*args):
        steps.append(1)
        if len(steps) == at:
            raise KeyboardInterrupt  # the stop lands as the step begins
        return real_step(*args)

    trainer = Trainer(small, training.TrainConfig(**FAST), "cpu")
    monkeypatch.setattr(training, "train_step", step)
    trainer.fit(progress=False)
    monkeypatch.undo()
    assert trainer.trained_batches == at - 1, "the batch cut short is not counted"
    assert capsys.readouterr().out.count("Paused after") == 1
    assert trainer.fit(progress=False) == _straight(small), "its noise is drawn again: no number changes"


def test_a_stop_before_anything_trained_leaves_a_history_a_lesson_can_read(small, monkeypatch, capsys):
    def step(*args):
        raise KeyboardInterrupt

    trainer = Trainer(small, training.TrainConfig(**FAST), "cpu")
    monkeypatch.setattr(training, "train_step", step)
    history = trainer.fit(progress=False)
    assert (history.last_d, history.last_g, trainer.trained_batches, trainer.steps) == (None, None, 0, 0)
    assert history.epoch_d == [] and "Paused after 0 batches" in capsys.readouterr().out


def test_last_losses_follow_the_unfinished_epoch_then_the_finished_ones(small, tmp_path):
    trainer = Trainer(small, training.TrainConfig(**FAST), "cpu")
    trainer.fit(progress=False, seconds=1.5, clock=_ticks())  # 2 batches of epoch 1
    d, g = trainer.this_epoch()[:, 0].tolist(), trainer.this_epoch()[:, 1].tolist()
    assert trainer.history.last_d == pytest.approx(sum(d) / 2) and trainer.history.last_g == pytest.approx(sum(g) / 2)
    trainer.save(tmp_path / "c.pt")
    resumed = Trainer.load(tmp_path / "c.pt", small, "cpu")
    assert resumed.history.last_d == trainer.history.last_d, "a resumed trainer knows them too"
    trainer.fit(1, progress=False)
    history = trainer.history
    assert history.last_d == history.epoch_d[-1] and history.last_g == history.epoch_g[-1]


def test_in_a_notebook_the_sentence_says_to_run_the_cell_again(small, monkeypatch, capsys):
    from gan_lessons import engine

    monkeypatch.setattr(engine, "_in_notebook", lambda: True)
    trainer = Trainer(small, training.TrainConfig(**FAST), "cpu")
    trainer.fit(callbacks=[_Interrupter(2)], progress=False)
    out = capsys.readouterr().out.strip()
    assert out == "Paused after 2 batches of training (epoch 1, batch 2 of 3). Run this cell again to continue."


def test_with_a_checkpoint_the_sentence_names_the_file_not_fit(small, tmp_path, capsys):
    trainer = Trainer(small, training.TrainConfig(**FAST), "cpu")
    trainer.fit(callbacks=[_Interrupter(4)], progress=False, checkpoint=tmp_path / "c.pt")
    out = capsys.readouterr().out
    assert f"Paused after 4 batches of training (epoch 2, batch 1 of 3), saved to {tmp_path / 'c.pt'}." in out
    assert "fit" not in out
    assert Trainer.load(tmp_path / "c.pt", small, "cpu").trained_batches == 4


def _presses(times: int, at: int, in_callback: bool = False):
    """A step (or a callback) that presses Ctrl-C TIMES times during batch AT, as an impatient learner would."""
    real_step, calls = training.train_step, []

    def press() -> None:
        calls.append(1)
        if len(calls) == at:
            for _ in range(times):
                signal.raise_signal(signal.SIGINT)

    def step(*args):
        if not in_callback:
            press()
        return real_step(*args)

    class Watcher:
        def on_batch(self, trainer):
            if in_callback:
                press()

        def __call__(self, trainer):
            pass

    return step, Watcher()


@pytest.mark.parametrize("in_callback", [False, True], ids=["in-a-step", "in-a-callback"])
def test_pressing_stop_twice_ends_fit_normally_after_a_whole_batch(small, monkeypatch, capsys, in_callback):
    step, watcher = _presses(times=2, at=2, in_callback=in_callback)
    trainer = Trainer(small, training.TrainConfig(**FAST), "cpu")
    monkeypatch.setattr(training, "train_step", step)
    trainer.fit(callbacks=[watcher], progress=False)  # no checkpoint: a lesson's cell
    monkeypatch.undo()
    assert trainer.trained_batches == 2, "the batch in progress was finished, then training stopped"
    assert trainer.stop_signal == signal.SIGINT and capsys.readouterr().out.count("Paused after 2 batches") == 1
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "the usual Ctrl-C is back"
    assert trainer.fit(progress=False) == _straight(small)
