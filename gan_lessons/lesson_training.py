"""Training cells a child can stop at any moment: time boxes, the stop button, the shipped stand-in (lesson 05)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from numbers import Real

import torch
from torch import nn

from . import validate as check
from .i18n import tr

ENOUGH_BATCHES = 200  # fewer batches than this draw only noise: later cells use the shipped generator instead


class Stopped(KeyboardInterrupt):
    """Lesson 05: training was stopped with the stop button, and the engine has already said so."""


def _trainer(trainer: object) -> object:
    """TRAINER when it is a Trainer (it counts its batches), or a TypeError saying what to pass."""
    if not hasattr(trainer, "trained_batches") and not hasattr(trainer, "steps"):
        raise TypeError(tr("trainer must be a Trainer from gan_lessons.training, such as Trainer(sample, "
                           "TrainConfig()); got {kind}.", kind=type(trainer).__name__))  # fmt: skip
    return trainer


def trained_batches(trainer) -> int:
    """Lesson 05: how many batches TRAINER has trained so far, in all its fits."""
    batches = getattr(_trainer(trainer), "trained_batches", None)
    return int(trainer.steps if batches is None else batches)


def was_stopped(trainer) -> bool:
    """Lesson 05: True when the last fit of TRAINER ended because the stop button (or Ctrl-C) was pressed."""
    return bool(getattr(trainer, "interrupted", False)) or getattr(trainer, "stop_signal", None) is not None


@contextmanager
def stoppable(starts_over: bool = False) -> Iterator[None]:
    """Lesson 04: the stop button (■) ends the code inside with one sentence instead of an error.

    What was trained so far is kept, and the next cells run on it. STARTS_OVER says that running the
    cell again trains from the start (a loop you wrote), rather than carrying on (the engine).
    """
    grad_mode = torch.is_grad_enabled()
    try:
        yield
    except Stopped:
        pass  # the engine has said what was trained and how to go on
    except KeyboardInterrupt:
        torch.set_grad_enabled(grad_mode)  # a stop inside a no_grad block must not leave gradients off later
        if starts_over:
            print(tr("Stopped. The next cells use what was trained so far; running this cell again starts over."))
        else:
            print(tr("Stopped. The next cells use what was trained so far; run this cell again to carry on."))


def stop_if_asked(trainer) -> None:
    """Lesson 07: after a fit, end a loop of fits when that fit was stopped with the stop button."""
    if was_stopped(trainer):
        raise Stopped


def deadline(seconds: float | None) -> Callable[[], bool]:
    """Lesson 05: a clock for a loop you write: time_up() turns True once SECONDS have passed (never, for None)."""
    if seconds is None:
        return lambda: False
    if isinstance(seconds, bool) or not isinstance(seconds, Real) or not seconds >= 0:
        raise ValueError(tr("seconds must be a number >= 0 (or None: no time limit), got {seconds!r}.",
                            seconds=seconds))  # fmt: skip
    end = time.perf_counter() + seconds
    return lambda: time.perf_counter() >= end


def timed(steps: Iterable, seconds: float | None) -> Iterator:
    """Lesson 04: the items of STEPS, one by one, until they run out or SECONDS have passed."""
    time_up = deadline(seconds)
    for step in steps:
        if time_up():
            return
        yield step


def live_curve(trainer, seconds: float, every: float, n: int = 1000, seed: int = 0) -> list[tuple[float, float]]:
    """Lesson 09: train TRAINER for SECONDS with lesson 05's live display, judging N digits every EVERY seconds.

    Returns (seconds of training, recognizability) pairs, starting with the untrained (0, ...); judging
    is not counted as training time. The stop button ends it early, with the pairs measured so far.
    """
    from .judge import judge_generator
    from .live import LiveTraining

    _trainer(trainer)
    seconds, every = check.number(seconds, "seconds", 0, above=True), check.number(every, "every", 0, above=True)
    n, seed = check.whole(n, "n", 1, 100_000), check.seed(seed)
    live = LiveTraining(trainer, seconds=seconds)
    curve, trained = [(0.0, judge_generator(trainer.drawer, n, seed).recognizability)], 0.0
    while trained < seconds - 1e-9 and trainer.epoch < trainer.config.epochs and not was_stopped(trainer):
        start = time.perf_counter()
        trainer.fit(callbacks=[live], progress=False, seconds=min(every, seconds - trained))
        trained += time.perf_counter() - start
        curve.append((trained, judge_generator(trainer.drawer, n, seed).recognizability))
    return curve


def enough_trained(trainer, min_batches: int = ENOUGH_BATCHES) -> bool:
    """Lesson 05: True when TRAINER has trained MIN_BATCHES batches or more: enough for its digits to mean much."""
    if not check.is_whole(min_batches) or min_batches < 0:
        raise ValueError(tr("min_batches must be a whole number >= 0, got {value!r}.", value=min_batches))
    return trained_batches(trainer) >= min_batches


def generator_or_shipped(trainer, arch: str | None = None, min_batches: int = ENOUGH_BATCHES) -> nn.Module:
    """Lesson 05: TRAINER's generator (its running average when it has one), or, when it has trained too
    little, the shipped generator of the same kind, saying so."""
    from .pretrained import load_generator

    if enough_trained(trainer, min_batches):
        return trainer.drawer
    arch = trainer.config.arch if arch is None else arch
    print(tr("Only {batches} batches were trained, too few for this cell to mean much: it uses the shipped "
             "{arch!r} generator instead. Run the training cell again to train more.",
             batches=trained_batches(trainer), arch=arch))  # fmt: skip
    return load_generator(arch, device=trainer.device)


def loss_text(history) -> str:
    """Lesson 05: the latest D and G losses in words, or that nothing has been trained yet."""
    d, g = getattr(history, "last_d", None), getattr(history, "last_g", None)
    if d is None or g is None:
        return tr("no batch trained yet")
    return tr("D loss {d:.3f}, G loss {g:.3f}", d=d, g=g)
