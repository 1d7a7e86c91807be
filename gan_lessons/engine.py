"""The training engine (lesson 05): a Trainer that runs the steps of gan_lessons.training for many epochs.

It keeps every digit on the device, waits for the device once an epoch, saves and resumes checkpoints
(checked first by gan_lessons.resume), and stops when asked: after SECONDS, on Ctrl-C or Jupyter's stop
button, or on request_stop(). A stop never leaves half a batch behind, and the next fit carries on from
there. `pick_step` chooses, once, the function that trains on a batch; everything that trains uses it.
"""

from __future__ import annotations

import copy
import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace

import torch
from torch import nn

from . import graphed, resume, training
from . import validate as check
from .checkpoints import FORMAT, CheckpointError, load_safe, save_atomic
from .data import MnistData, shuffled_batches, to_model_range
from .diagnose import likely_cause
from .i18n import tr
from .models import N_DIGITS, build_gan, generate, make_noise
from .training import MAX_EPOCHS, ConfigError, TrainConfig, TrainingDiverged, make_optimizers, resolve_device


@dataclass
class History:
    """Lesson 05: the losses of every batch, and their average per epoch."""

    batch_d: list[float] = field(default_factory=list)
    batch_g: list[float] = field(default_factory=list)
    epoch_d: list[float] = field(default_factory=list)
    epoch_g: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._unfinished: tuple[list[float], list[float]] = ([], [])  # the batches of an epoch not yet done

    def note_unfinished(self, d: list[float], g: list[float]) -> None:
        """Lesson 05: the losses of the batches done so far in an epoch that is not finished (the engine calls this)."""
        self._unfinished = (list(d), list(g))

    @property
    def last_d(self) -> float | None:
        """Lesson 05: D's mean loss over the most recent batches: the unfinished epoch's, else the last epoch's.

        None when nothing has been trained yet, so a lesson can print it after any stop.
        """
        return _last(self._unfinished[0], self.epoch_d)

    @property
    def last_g(self) -> float | None:
        """Lesson 05: G's mean loss over the most recent batches, as last_d; None before any training."""
        return _last(self._unfinished[1], self.epoch_g)

    def add_epoch(self, d: list[float], g: list[float]) -> None:
        """Lesson 05: record one epoch's batch losses and their averages."""
        self.batch_d += d
        self.batch_g += g
        self.epoch_d.append(sum(d) / len(d))
        self.epoch_g.append(sum(g) / len(g))
        self._unfinished = ([], [])

    def csv_text(self) -> str:
        """Lesson 05: the per-epoch averages as CSV text (epoch, d_loss, g_loss)."""
        rows = [f"{i + 1},{d:.6f},{g:.6f}" for i, (d, g) in enumerate(zip(self.epoch_d, self.epoch_g, strict=True))]
        return "epoch,d_loss,g_loss\n" + "".join(r + "\n" for r in rows)

    def to_csv(self, path: str | Path) -> None:
        """Lesson 05: write the per-epoch averages as CSV (epoch, d_loss, g_loss)."""
        Path(path).write_text(self.csv_text())


Callback = Callable[["Trainer"], None]


def _last(unfinished: list[float], epochs: list[float]) -> float | None:
    """The mean of UNFINISHED when it holds any loss, else the last of EPOCHS, else None."""
    if unfinished:
        return sum(unfinished) / len(unfinished)
    return epochs[-1] if epochs else None


Step = Callable[..., tuple]  # (real, z, labels, wanted, sure) -> (D loss, G loss)


@dataclass(frozen=True)
class PickedStep:
    """Lesson 05: the step that trains on one batch, as `pick_step` chose it; call it with the batch.

    EAGER(real, z, labels, wanted, sure) runs the step of gan_lessons.training; GRAPH, when there is one,
    replays full batches as a CUDA graph (a shorter last batch runs EAGER on the same weights).
    """

    eager: Step
    graph: graphed.GraphedStep | None = None

    @property
    def kind(self) -> str:
        """Lesson 05: "graphed" when full batches replay a CUDA graph, else "eager"."""
        return "eager" if self.graph is None else "graphed"

    def __call__(self, real: torch.Tensor, z: torch.Tensor, labels: torch.Tensor | None = None,
                 wanted: torch.Tensor | None = None, sure: torch.Tensor | None = None) -> tuple:  # fmt: skip
        """Lesson 05: train on REAL (B, 1, 28, 28) with noise Z (B, z_dim), and LABELS, WANTED (B,) if conditional."""
        if self.graph is not None and len(real) == self.graph.batch_size:
            return self.graph(real, z)
        return self.eager(real, z, labels, wanted, sure)


def pick_step(config: TrainConfig, nets: tuple, example: torch.Tensor | None = None) -> PickedStep:
    """Lesson 05: the one function that trains NETS (generator, discriminator, opt_g, opt_d) on a batch with CONFIG.

    The conditional GAN (lesson 10) gets conditional_step, the others train_step (both with CONFIG.r1's
    penalty); with CONFIG.cuda_graph and a full batch EXAMPLE (B, 1, 28, 28), full batches replay a CUDA
    graph where one can be recorded (else it says why, once). The steps are looked up when called.
    """
    check.kind(config, "config", TrainConfig, tr("a TrainConfig, such as TrainConfig(lr=1e-3)"), error=TypeError)
    nets = training.check_nets(nets)
    if example is not None:
        check.tensor(example, "example", "(B, 1, 28, 28)")
    if config.arch == "conditional":

        def eager(real, z, labels, wanted, sure=None):  # SURE: the conditional step does not fill it
            return training.conditional_step(*nets, real, labels, z, wanted, config.r1)
    else:

        def eager(real, z, labels=None, wanted=None, sure=None):
            return training.train_step(*nets, real, z, config.r1, sure)

    graph = graphed.make_graphed(nets, example, config) if config.cuda_graph and example is not None else None
    return PickedStep(eager, graph)


class _HalfBatch(KeyboardInterrupt):
    """A KeyboardInterrupt raised inside a step after an optimizer had moved: the batch cannot be undone."""


class _Signals:
    """While fit runs: the first Ctrl-C (or SIGTERM, or Jupyter's stop button) asks to stop after the batch;
    a second stops at once, but waits for the batch in progress to be whole (never half an optimizer step)."""

    def __init__(self, requested: threading.Event):
        self.requested, self.received = requested, []
        self.at_once = False  # a second signal came
        self.in_batch, self.pending = False, None  # a second signal during a batch waits here
        self.previous: dict = {}

    def on_signal(self, signum: int, frame) -> None:
        if not self.requested.is_set():
            self.received.append(signum)
            self.requested.set()
            return
        self.at_once = True
        if self.in_batch:
            self.pending = (signum, frame)
        else:
            self._stop_now(signum, frame)

    def _stop_now(self, signum: int, frame) -> None:
        """As the signal's own handler would (the command line's SIGTERM handler raises its own kind)."""
        handler = self.previous.get(signum)
        if callable(handler) and handler is not signal.default_int_handler:
            handler(signum, frame)
        raise KeyboardInterrupt

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Handle SIGINT and SIGTERM inside (only the main thread may; elsewhere nothing changes)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.previous[signum] = signal.signal(signum, self.on_signal)
        try:
            yield
        finally:
            for signum, handler in self.previous.items():
                signal.signal(signum, handler)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Inside, a second signal waits until the batch is whole; then it stops training at once."""
        self.in_batch = True
        try:
            yield
        finally:
            self.in_batch = False
        if self.pending is not None:
            signum, frame = self.pending
            self.pending = None
            self._stop_now(signum, frame)

    def ignore(self) -> None:
        """From now on (saving at the end), signals only ask again to stop: nothing is cut short."""
        self.requested.set()
        self.in_batch = True


class Trainer:
    """Lesson 05: trains a GAN fast: data on the device, no syncs inside an epoch, resumable."""

    def __init__(self, data: MnistData | torch.Tensor, config: TrainConfig | None = None, device=None):
        config = TrainConfig() if config is None else config
        self.config = check.kind(config, "config", TrainConfig, tr("a TrainConfig, such as TrainConfig(lr=1e-3) "
                                 "(from a dict d: TrainConfig(**d))"), error=ConfigError)  # fmt: skip
        self.device = resolve_device(device)
        images = to_model_range(data.images) if isinstance(data, MnistData) else _check_images(data)
        training._check_last_batch(len(images), self.config)
        self.images = images.to(self.device)  # (N, 1, 28, 28) in [-1, 1], all of it on the device
        self.labels = _labels_for(data, self.config.arch, self.device)  # (N,) digits, or None when not needed
        torch.manual_seed(self.config.seed)  # the starting weights
        gen, disc = build_gan(self.config.arch, self.config.z_dim, self.config.dial)
        self.generator, self.discriminator = gen.to(self.device), disc.to(self.device)
        self.opt_g, self.opt_d = make_optimizers(self.generator, self.discriminator, self.config)
        self.average = copy.deepcopy(self.generator).requires_grad_(False) if self.config.ema else None
        self.rng = torch.Generator(self.device).manual_seed(self.config.seed)  # shuffles and noise
        seed = (self.config.seed + 1) % (check.MAX_SEED + 1)
        self.fixed_noise = make_noise(16, self.config.z_dim, seed=seed)  # (16, z_dim)
        self.fixed_labels = torch.arange(16) % N_DIGITS  # (16,) 0..9, 0..5: the digits a conditional GAN is asked
        self.history = History()
        self.epoch = 0  # epochs finished
        self.batch = 0  # batches finished in the current epoch
        self._order: torch.Tensor | None = None  # this epoch's shuffled indices
        self._losses: torch.Tensor | None = None  # (batches, 2) this epoch's losses, on the device
        self._sure: torch.Tensor | None = None  # (batches, 2) mean D(real), D(fake), kept only for a watcher
        self.stopped_early = False
        self.resumed = False  # True once load() gave this trainer a checkpoint's state (a blow-up may come from it)
        self.stop_signal: int | None = None  # the signal that stopped the last fit early (SIGINT, SIGTERM), if any
        self._stop = threading.Event()
        self._picked: PickedStep | None = None  # the step for each batch (pick_step), chosen at the first batch
        self._picked_for: bool | None = None  # the config.cuda_graph it was chosen for

    def request_stop(self) -> None:
        """Lesson 05: ask training to pause after the current batch (Ctrl-C does the same)."""
        self._stop.set()

    @property
    def batches_per_epoch(self) -> int:
        """Lesson 05: how many batches make one epoch (fewer when max_batches is set)."""
        n = math.ceil(len(self.images) / self.config.batch_size)
        return min(n, self.config.max_batches or n)

    @property
    def steps(self) -> int:
        """Lesson 09: how many batches training has taken so far, in all epochs."""
        return len(self.history.batch_d) + self.batch

    @property
    def trained_batches(self) -> int:
        """Lesson 05: how many batches have been trained so far, in all epochs (0 before the first)."""
        return self.steps

    @property
    def step_kind(self) -> str:
        """Lesson 05: the step a full batch runs: "graphed", "eager", or "not decided yet" (before the first batch)."""
        if not self.config.cuda_graph:
            return "eager"
        if self._picked is None or self._picked_for != self.config.cuda_graph:
            return "not decided yet"
        return self._picked.kind

    @property
    def drawer(self) -> nn.Module:
        """Lesson 09: the generator to draw with: the running average when config.ema is on."""
        return self.generator if self.average is None else self.average

    def samples(self, noise: torch.Tensor | None = None) -> torch.Tensor:
        """Lesson 05: digits from the fixed noise (or NOISE), to watch progress."""
        noise = self.fixed_noise if noise is None else noise
        if self.labels is None:
            return generate(self.drawer, noise)  # (16, 1, 28, 28)
        return generate(self.drawer, noise, torch.arange(len(noise)) % N_DIGITS)  # (16, 1, 28, 28): 0, 1, ..., 9, 0

    def fit(self, epochs: int | None = None, callbacks: Sequence[Callback] = (), progress: bool = True,
            checkpoint: str | Path | None = None, seconds: float | None = None, *,
            clock: Callable[[], float] | None = None) -> History:  # fmt: skip
        """Lesson 05: train until EPOCHS epochs are done in all (default: the config's), or for SECONDS at most.

        Ctrl-C, Jupyter's stop button or request_stop() pause training after the batch in progress: fit
        returns as usual and says, in one sentence, how far training got and how to continue. SECONDS
        (counted by CLOCK, default the wall clock) stops it quietly after the batch running then. Either
        way the next fit carries on from that batch, exactly as if it had never stopped. A second Ctrl-C
        stops at once; when CHECKPOINT is given, it then saves nothing and the KeyboardInterrupt goes on
        to the caller (the command line keeps the last saved file).
        """
        target = self.config.epochs if epochs is None else epochs
        target = check.whole(target, "epochs", 0, MAX_EPOCHS, error=ConfigError)  # the config's rule
        callbacks = _check_callbacks(callbacks)
        time_up = _deadline(seconds, clock)
        self._stop.clear()
        signals, interrupted = _Signals(self._stop), False
        self._adam_start = (self.steps, _adam_steps(self.opt_d))  # to tell, after a KeyboardInterrupt, if D moved

        started, grad_mode = self.steps, torch.is_grad_enabled()

        def should_stop() -> bool:  # each fit trains at least one batch before it looks at the time
            return self._stop.is_set() or (self.steps > started and time_up())

        with signals.installed():
            try:
                self._epochs(target, callbacks, progress, checkpoint, should_stop, signals)
            except _HalfBatch:
                raise
            except KeyboardInterrupt:
                torch.set_grad_enabled(grad_mode)  # a stop inside a no_grad block must not leave gradients off
                if signals.at_once and checkpoint is not None:
                    raise  # a second Ctrl-C or SIGTERM: save nothing; the file keeps the last saved progress
                interrupted = True
                if self._order is not None and self.batch == self.batches_per_epoch:
                    self._end_epoch()  # stopped after the epoch's last batch: the epoch is whole
            asked = self._stop.is_set()  # by a signal or request_stop (not by the time)
            signals.ignore()
            self._note_unfinished()
            self.stopped_early = self.epoch < target
            self.stop_signal = signals.received[-1] if signals.received else None
            if self.stopped_early and checkpoint is not None:
                self.save(checkpoint)
            if self.stopped_early and (interrupted or asked):
                print(self._paused(checkpoint))
        return self.history

    def _epochs(self, target: int, callbacks: Sequence[Callback], progress: bool, checkpoint: str | Path | None,
                should_stop: Callable[[], bool], signals: _Signals) -> None:  # fmt: skip
        """Train epochs until TARGET are done or SHOULD_STOP() says so (between batches)."""
        total = max(0, (target - self.epoch) * self.batches_per_epoch - self.batch)
        watchers = [c.on_batch for c in callbacks if hasattr(c, "on_batch")]  # called after every batch
        with _progress(total, progress) as bar:
            while self.epoch < target and not should_stop():
                try:
                    finished = self._run_epoch(bar, should_stop, watchers, signals)
                except RuntimeError as err:  # on a GPU, BCE on NaN stops the GPU: "device-side assert"
                    if "device-side assert" not in str(err):
                        raise
                    raise self._diverged(self.batch + 1, gpu=True) from err
                if not finished:
                    break
                if checkpoint is not None:
                    self.save(checkpoint)
                bar.set_postfix(D=f"{self.history.epoch_d[-1]:.3f}", G=f"{self.history.epoch_g[-1]:.3f}")
                for callback in callbacks:
                    if callable(callback):  # an object with only on_batch watches the batches alone
                        callback(self)

    def _run_epoch(self, bar, should_stop: Callable[[], bool], watchers: Sequence[Callback] = (),
                   signals: _Signals | None = None) -> bool:  # fmt: skip
        """Train one epoch (or the rest of one); False when asked to stop part-way."""
        n, bs = self.batches_per_epoch, self.config.batch_size
        signals = _Signals(threading.Event()) if signals is None else signals
        if self._order is None:
            self._order = torch.randperm(len(self.images), generator=self.rng, device=self.device)[: n * bs]
            self._losses = torch.zeros(n, 2, device=self.device)
            self._sure = None
            self.batch = 0
        if watchers and self._sure is None:  # only a watcher asks what D thought of each batch
            self._sure = torch.full((n, 2), math.nan, device=self.device)
        for real in shuffled_batches(self.images, bs, self._order, start=self.batch):
            with signals.batch():  # a second Ctrl-C waits until this batch is whole
                self._train_batch(real)
            bar.update(1)
            for watch in watchers:
                watch(self)
            if should_stop() and self.batch < n:
                return False
        self._end_epoch()
        return True

    def _train_batch(self, real: torch.Tensor) -> None:
        """Train on one batch REAL (B, 1, 28, 28) and count it; a KeyboardInterrupt inside the step undoes it."""
        before = self.rng.get_state()  # to draw the same noise again if this batch is undone
        z = torch.randn(len(real), self.config.z_dim, generator=self.rng, device=self.device)  # (B, z_dim)
        try:
            if self._sure is None:  # no watcher: the plain step
                d_loss, g_loss = self._step(real, z)
            else:
                d_loss, g_loss = self._step(real, z, self._sure[self.batch])
        except KeyboardInterrupt as err:  # raised by code inside the step (a signal waits for the batch)
            self._undo_batch(before, err)
            raise
        except RuntimeError as err:  # BCE refuses NaN probabilities
            if "between 0 and 1" not in str(err):
                raise
            raise self._diverged(self.batch + 1) from err
        self._losses[self.batch, 0], self._losses[self.batch, 1] = d_loss, g_loss  # stays on the device
        self.batch += 1
        if self.average is not None:
            training.update_average(self.average, self.generator, self.config.ema, self.steps)

    def _undo_batch(self, rng_state: torch.Tensor, err: KeyboardInterrupt) -> None:
        """Forget the batch a KeyboardInterrupt cut short: its noise is drawn again next time.

        Only a step that had not yet moved the discriminator can be undone; otherwise raise _HalfBatch.
        """
        done_before, adam_before = self._adam_start
        if _adam_steps(self.opt_d) != adam_before + (self.steps - done_before):
            raise _HalfBatch(
                tr(
                    "The stop came in the middle of a step, after the discriminator had learned from the "
                    "batch; this trainer cannot continue exactly. Load the last checkpoint."
                )
            ) from err
        self.rng.set_state(rng_state)

    def _note_unfinished(self) -> None:
        """Give the history the losses of the unfinished epoch's batches (this waits for the device)."""
        if self._losses is not None and self.batch:
            losses = self._losses[: self.batch].cpu()  # (batch, 2)
            self.history.note_unfinished(losses[:, 0].tolist(), losses[:, 1].tolist())
        else:
            self.history.note_unfinished([], [])

    def _paused(self, checkpoint: str | Path | None) -> str:
        """The one sentence fit says when it was stopped: how far training got, and how to continue."""
        if self.batch == 0:
            where = tr("{epochs} epochs done", epochs=self.epoch)
        else:
            where = tr("epoch {epoch}, batch {batch} of {batches}", epoch=self.epoch + 1, batch=self.batch,
                       batches=self.batches_per_epoch)  # fmt: skip
        if _in_notebook():
            return tr("Paused after {steps} batches of training ({where}). Run this cell again to continue.",
                      steps=self.steps, where=where)  # fmt: skip
        if checkpoint is not None:
            return tr("Paused after {steps} batches of training ({where}), saved to {path}.", steps=self.steps,
                      where=where, path=checkpoint)  # fmt: skip
        return tr("Paused after {steps} batches of training ({where}). Call fit again to continue.",
                  steps=self.steps, where=where)  # fmt: skip

    def this_epoch(self) -> torch.Tensor:
        """Lesson 05: the batches done in this epoch so far, (k, 4): D loss, G loss, mean D(real), mean D(fake).

        The last two are NaN unless a watcher (a callback with `on_batch`) was training along. Reading waits
        for the device, so the engine itself never calls this inside an epoch.
        """
        if self._losses is None:
            return torch.zeros(0, 4)
        sure = self._sure if self._sure is not None else torch.full_like(self._losses, math.nan)
        return torch.cat([self._losses, sure], dim=1)[: self.batch].cpu()

    def _step(self, real: torch.Tensor, z: torch.Tensor, sure: torch.Tensor | None = None) -> tuple:
        """One batch through the step pick_step chose (at the first batch, and again if config.cuda_graph changed).

        A conditional GAN (lesson 10) gets the batch's true labels and random digits to draw; SURE gets
        D's mean answers (train_step only; the others leave it as it was).
        """
        if self._picked is None or self._picked_for != self.config.cuda_graph:
            nets = (self.generator, self.discriminator, self.opt_g, self.opt_d)
            self._picked = pick_step(self.config, nets, self.images[: self.config.batch_size])
            self._picked_for = self.config.cuda_graph
        labels = wanted = None
        if self.labels is not None:
            labels, wanted = self._batch_labels(len(real))  # (B,) true digits, (B,) digits to draw
        return self._picked(real, z, labels, wanted, sure)

    def _batch_labels(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The current batch's true labels (n,) and n random digits for the forger to draw (n,)."""
        start = self.batch * self.config.batch_size
        labels = self.labels[self._order[start : start + n]]  # the same order as the batch's pictures
        wanted = torch.randint(N_DIGITS, (n,), generator=self.rng, device=self.device)
        return labels, wanted

    def _end_epoch(self) -> None:
        losses = self._losses.cpu()  # the one sync of the epoch
        bad = ~torch.isfinite(losses)
        if bad.any():
            raise self._diverged(int(bad.any(dim=1).nonzero()[0]) + 1)
        self.history.add_epoch(losses[:, 0].tolist(), losses[:, 1].tolist())  # forgets the unfinished batches
        self.epoch, self.batch, self._order, self._losses = self.epoch + 1, 0, None, None

    def _diverged(self, batch: int, gpu: bool = False) -> TrainingDiverged:
        epoch = self.epoch + 1
        if gpu:  # a GPU reports the failure a little after it happened, and stops
            where = tr("around epoch {epoch}, batch {batch}", epoch=epoch, batch=batch)
            restart = tr(" The GPU stopped too: restart Python (in Jupyter or Colab: restart the kernel) first.")
        else:
            where, restart = tr("in epoch {epoch}, batch {batch}", epoch=epoch, batch=batch), ""
        return TrainingDiverged(tr(
            "Training blew up: the losses became NaN or infinite {where}. {cause} The last good checkpoint, if you "
            "saved one, is unchanged.{restart}", where=where, cause=likely_cause(self._settings_used(), self.resumed),
            restart=restart))  # fmt: skip

    def _settings_used(self) -> SimpleNamespace:
        """The learning rate and r1 training really used: the optimizers' own rate may differ from the config's."""
        rates = [group["lr"] for opt in (self.opt_g, self.opt_d) for group in opt.param_groups]
        return SimpleNamespace(lr=max(rates, default=self.config.lr), r1=self.config.r1)

    def state_dict(self) -> dict:
        """Lesson 05: everything needed to continue exactly where training is now."""
        mid_epoch = self._order is not None
        return {
            "format": FORMAT, "kind": "checkpoint", "arch": self.config.arch, "config": asdict(self.config),
            "epoch": self.epoch, "batch": self.batch, "data_size": len(self.images),
            "order": self._order.cpu() if mid_epoch else None,
            "losses": self._losses[: self.batch].cpu() if mid_epoch else None,
            "generator": self.generator.state_dict(), "discriminator": self.discriminator.state_dict(),
            "average": None if self.average is None else self.average.state_dict(),
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "rng": self.rng.get_state(), "fixed_noise": self.fixed_noise, "history": asdict(self.history),
        }  # fmt: skip

    def save(self, path: str | Path) -> Path:
        """Lesson 05: save a checkpoint atomically (the old file stays until the new one is whole)."""
        return save_atomic(self.state_dict(), path)

    @classmethod
    def load(cls, path: str | Path, data: MnistData | torch.Tensor, device=None, arch: str | None = None):
        """Lesson 05: rebuild a Trainer from a checkpoint, ready to continue."""
        state = load_safe(path, "checkpoint")
        if arch is not None and "arch" in state and state["arch"] != arch:
            raise CheckpointError(tr("{path} holds a {saved!r} GAN, not {arch!r}. Use --arch {saved} or another "
                                     "checkpoint.", path=path, saved=state.get("arch"), arch=arch))  # fmt: skip
        size = state.get("data_size")  # None in checkpoints older than this check
        if size is not None and not check.is_whole(size):
            raise CheckpointError(tr("{path} is damaged: the number of digits it was trained on is {size!r}.",
                                     path=path, size=size))  # fmt: skip
        if size is not None and isinstance(data, (MnistData, torch.Tensor)) and len(data) != size:
            raise CheckpointError(tr("{path} was trained on {size:,} digits, but the data given has {given:,}. "
                                     "Resume with the same data (the same --data folder).", path=path, size=size,
                                     given=len(data)))  # fmt: skip
        try:
            trainer = cls(data, TrainConfig(**state["config"]), device)
            problem = resume.damage(state, trainer)
            if problem is None:
                trainer._load_state(state)
                trainer.resumed = True
        except (KeyError, TypeError, AttributeError, RuntimeError, ConfigError) as err:
            why = (str(err).strip().splitlines() or [type(err).__name__])[0]  # torch's first line says enough
            raise CheckpointError(tr("{path} is damaged or from another version of gan-lessons ({why}).", path=path,
                                     why=why)) from err  # fmt: skip
        if problem is not None:
            raise CheckpointError(tr("{path} is damaged: {problem}. It was not used, and nothing was saved over it. "
                                     "Use another checkpoint, or start over with --restart.", path=path,
                                     problem=problem))  # fmt: skip
        return trainer

    def _load_state(self, state: dict) -> None:
        self._picked = None  # a graph recorded before would write to the optimizers' old state tensors
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        if self.average is not None:
            self.average.load_state_dict(state["average"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        resume.set_rng_state(self.rng, state["rng"])
        self.fixed_noise = state["fixed_noise"]
        self.history = History(**state["history"])
        self.epoch, self.batch = state["epoch"], state["batch"]
        if state["order"] is not None:
            self._order = state["order"].to(self.device)
            self._losses = torch.zeros(self.batches_per_epoch, 2, device=self.device)
            self._losses[: self.batch] = state["losses"].to(self.device)
        self._note_unfinished()


def _check_images(images: object) -> torch.Tensor:
    """IMAGES as (N, 1, 28, 28) float32 in [-1, 1], or a clear ValueError."""
    if not isinstance(images, torch.Tensor):
        raise ValueError(tr("Expected MnistData (from load_mnist) or a tensor of images; got {kind}.",
                            kind=type(images).__name__))  # fmt: skip
    if images.dtype == torch.uint8:
        raise ValueError(tr("Expected float images scaled to [-1, 1], not pixels 0..255; use "
                            "gan_lessons.data.to_model_range(pixels)."))  # fmt: skip
    return check.digits(images, tr("Trainer expects"), pixels=False)


def _labels_for(data: MnistData | torch.Tensor, arch: str, device: torch.device) -> torch.Tensor | None:
    """The digits' labels on DEVICE when ARCH needs them (the conditional GAN), else None."""
    if arch != "conditional":
        return None
    if not isinstance(data, MnistData):
        raise ConfigError(tr("The conditional GAN learns from digits with their labels: pass MnistData (from "
                             "load_mnist), not a tensor of images."))  # fmt: skip
    labels = data.labels
    if labels.shape != (len(data.images),) or len(labels) and not 0 <= int(labels.min()) <= int(labels.max()) < 10:
        raise ConfigError(
            tr("The labels must be one digit 0..9 per image; got a tensor of shape {shape}.", shape=tuple(labels.shape))
        )
    return labels.long().to(device)


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator:
    """A tqdm progress bar (with time left) that works in notebooks and terminals."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, disable=not enabled, unit=tr("batch"), desc=tr("training"))
    try:
        yield bar
    finally:
        bar.close()


def _deadline(seconds: float | None, clock: Callable[[], float] | None) -> Callable[[], bool]:
    """A function saying whether SECONDS (by CLOCK, default the wall clock) have passed since now; never, for None."""
    if seconds is None:
        return lambda: False
    if not (check.is_number(seconds) and seconds > 0):
        raise ConfigError(tr("seconds must be a number > 0 (or None for no time limit), got {seconds!r}.",
                             seconds=seconds))  # fmt: skip
    clock = time.perf_counter if clock is None else clock
    end = clock() + seconds
    return lambda: clock() >= end


def _adam_steps(optimizer: torch.optim.Optimizer) -> float:
    """How many steps OPTIMIZER has taken (Adam counts them per parameter; all of them move together)."""
    for state in optimizer.state.values():
        if "step" in state:
            return float(state["step"])
    return 0.0


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (where IPython is already loaded: this never imports it)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return getattr(shell, "kernel", None) is not None


def _check_callbacks(callbacks: object) -> tuple:
    """CALLBACKS as a tuple of callables (or objects with on_batch), or a TypeError saying what fit takes."""
    ok = isinstance(callbacks, (list, tuple)) and all(callable(c) or hasattr(c, "on_batch") for c in callbacks)
    if not ok:
        raise TypeError(tr("callbacks must be a list of functions, such as [live] or [], got {value}.",
                           value=check.describe(callbacks)))  # fmt: skip
    return tuple(callbacks)


def print_every(n: int = 5) -> Callback:
    """Lesson 05: a callback that prints the average losses every N epochs, as the reference does."""

    def callback(trainer: Trainer) -> None:
        if trainer.epoch % n == 0 or trainer.epoch == trainer.config.epochs:
            d, g = trainer.history.epoch_d[-1], trainer.history.epoch_g[-1]
            print(
                tr(
                    "Epoch [{epoch}/{epochs}]  D loss: {d:.4f}  G loss: {g:.4f}",
                    epoch=trainer.epoch,
                    epochs=trainer.config.epochs,
                    d=d,
                    g=g,
                )
            )

    return callback
