"""Watching training live: a display that updates in place every few seconds, and the time it takes (lesson 05)."""

from __future__ import annotations

import base64
import copy
import math
import time
from numbers import Real

import numpy as np
import torch
from torch import nn

from . import validate as check
from .engine import Trainer, pick_step
from .i18n import N_, tr
from .models import N_DIGITS, generate, make_noise
from .training import MAX_EPOCHS, make_optimizers

MAX_TIMED = 10_000  # seconds_per_batch: the most batches it times (and warms up with)
_TRAINER = ("config", "images", "labels", "generator", "discriminator", "device", "batches_per_epoch", "epoch",
            "batch")  # fmt: skip  # what the helpers here read of a Trainer


def format_duration(seconds: float) -> str:
    """Lesson 05: a time in words a person reads easily, like "3 min 5 s" or "1 h 20 min"."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float, np.integer, np.floating)):
        raise TypeError(tr("A duration must be a number of seconds, such as 65; got {seconds}.",
                           seconds=check.describe(seconds)))  # fmt: skip
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(tr("A duration must be a finite number of seconds >= 0, got {seconds!r}.", seconds=seconds))
    seconds = round(seconds)
    if seconds < 60:
        return tr("{seconds} s", seconds=seconds)
    if seconds < 3600:
        return tr("{minutes} min {seconds} s", minutes=seconds // 60, seconds=seconds % 60)
    return tr("{hours} h {minutes} min", hours=seconds // 3600, minutes=seconds % 3600 // 60)


def _sync(device: torch.device) -> None:
    """Wait until the GPU has finished its queued work, so that timings are honest."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def seconds_per_batch(trainer: Trainer, batches: int = 8, warmup: int = 3) -> float:
    """Lesson 05: time a few training batches on copies of TRAINER's networks (the trainer is left unchanged).

    The batches run the step the trainer itself would (pick_step): the conditional one for lesson 10's GAN.
    """
    check.trainer(trainer, _TRAINER)
    if not all(check.is_whole(n) and low <= n <= MAX_TIMED for n, low in ((batches, 1), (warmup, 0))):
        raise ValueError(tr("Need whole numbers batches >= 1 and warmup >= 0, at most {most:,} each, such as "
                            "batches=8, warmup=3; got batches={batches}, warmup={warmup}.", most=MAX_TIMED,
                            batches=check.describe(batches), warmup=check.describe(warmup)))  # fmt: skip
    gen, disc = copy.deepcopy(trainer.generator), copy.deepcopy(trainer.discriminator)
    opt_g, opt_d = make_optimizers(gen, disc, trainer.config)
    rng = torch.Generator(trainer.device).manual_seed(0)  # its own random numbers: the trainer's stay untouched
    size, z_dim = min(trainer.config.batch_size, len(trainer.images)), trainer.config.z_dim
    step = pick_step(trainer.config, (gen, disc, opt_g, opt_d), trainer.images[:size])
    started = 0.0
    for i in range(warmup + batches):  # the first batches are slow while PyTorch warms up
        if i == warmup:
            _sync(trainer.device)
            started = time.perf_counter()
        pick = torch.randint(len(trainer.images), (size,), generator=rng, device=trainer.device)
        z = torch.randn(size, z_dim, generator=rng, device=trainer.device)  # (B, z_dim)
        labels = wanted = None
        if trainer.labels is not None:  # the conditional GAN: true labels, and random digits to draw
            labels = trainer.labels[pick]  # (B,)
            wanted = torch.randint(N_DIGITS, (size,), generator=rng, device=trainer.device)  # (B,)
        step(trainer.images[pick], z, labels, wanted)
    _sync(trainer.device)
    return (time.perf_counter() - started) / batches


class _Frame:
    """What the live display shows: a progress bar, a line of text and a picture."""

    def __init__(self, fraction: float, text: str, png: bytes):
        self.fraction, self.text, self.png = fraction, text, png

    def _repr_html_(self) -> str:
        picture = base64.b64encode(self.png).decode("ascii")
        return (f'<div><progress value="{self.fraction:.4f}" max="1" style="width: 60%"></progress> '
                f"<b>{self.text}</b><br><img src=\"data:image/png;base64,{picture}\"></div>")  # fmt: skip

    def __repr__(self) -> str:  # what a terminal shows instead
        filled = round(20 * self.fraction)
        return f"[{'#' * filled}{'.' * (20 - filled)}] {self.text}"


def _as_number(x: torch.Tensor | float) -> float:
    """A loss or a batch of D's answers as one plain number (the mean)."""
    return float(x.detach().float().mean()) if isinstance(x, torch.Tensor) else float(x)


def _where(epoch: int, epochs: int, batch: int, batches: int) -> str:
    """Where training is: "epoch 2 of 5" between epochs, else "epoch 3 of 5, batch 7 of 20" (EPOCH counts from 0)."""
    if batch == 0:
        return tr("epoch {epoch} of {epochs}", epoch=epoch, epochs=epochs)
    return tr("epoch {epoch} of {epochs}, batch {batch} of {batches}", epoch=epoch + 1, epochs=epochs, batch=batch,
              batches=batches)  # fmt: skip


def _status_line(where: str, elapsed: float, done: int, left: int, sure: str, limit: float | None = None) -> str:
    """The live display's line: where training is, the time so far, the time LEFT steps will take (never more
    than what is left of the time LIMIT, when there is one), D's answers."""
    estimate = None if done <= 0 else elapsed / done * left
    if limit is not None:
        estimate = limit - elapsed if estimate is None else min(estimate, limit - elapsed)
    if left <= 0 or (estimate is not None and estimate <= 0):
        guess = tr("done")
    elif estimate is None:
        guess = tr("time left: measuring...")
    else:
        guess = tr("about {duration} left", duration=format_duration(estimate))
    return tr("{where} | {elapsed} so far | {left}{sure}", where=where, elapsed=format_duration(elapsed), left=guess,
              sure=sure)  # fmt: skip


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    """The running mean of the last WINDOW values at each place (shorter at the start)."""
    sums = np.cumsum(np.insert(values, 0, 0.0))
    starts = np.maximum(np.arange(1, len(values) + 1) - window, 0)
    return (sums[1:] - sums[starts]) / (np.arange(1, len(values) + 1) - starts)


class _Display:
    """The parts both live displays share: the rows seen so far, the picture, and the display itself."""

    def __init__(self, batches_per_epoch: int, every: float):
        if isinstance(every, bool) or not isinstance(every, Real) or not every >= 0:  # inf: only after each epoch
            raise ValueError(tr("every is how many seconds between updates, a number >= 0; got {every}.",
                                every=check.describe(every)))  # fmt: skip
        self.per_epoch, self.every = batches_per_epoch, every
        self.steps: list[int] = []  # the batch number (counted from the start of training) of each row
        self.rows: list[tuple[float, float, float, float]] = []  # D loss, G loss, mean D(real), mean D(fake)
        self.started = self.last_update = time.perf_counter()
        self.handle = None  # IPython's handle on the display, made by show()

    columns = 4  # digits per row of the picture
    digits_title = N_("fixed noise, now")

    def digits(self) -> torch.Tensor:  # (16, 1, 28, 28)
        raise NotImplementedError

    def status(self) -> tuple[float, str]:
        raise NotImplementedError

    def recent(self, n: int = 20) -> tuple[float, float, float, float]:
        """Lesson 05: the averages over the last N batches: D loss, G loss, mean D(real), mean D(fake)."""
        rows = np.asarray(self.rows[-n:], dtype=float).reshape(-1, 4)  # (up to n, 4)
        if len(rows) == 0:
            raise ValueError(tr("No batches yet: train first."))
        return tuple(float(np.nanmean(col)) if not np.isnan(col).all() else math.nan for col in rows.T)

    def sure_text(self) -> str:
        """The detective's latest mean answers, in words."""
        if not self.rows or math.isnan(self.recent()[2]):
            return ""
        _, _, real, fake = self.recent()
        return tr(" | D(real) {real:.2f}, D(fake) {fake:.2f}", real=real, fake=fake)

    def picture(self) -> bytes:
        """Lesson 05: a PNG of the losses and of how sure the detective is, beside the fixed-noise digits."""
        from matplotlib.figure import Figure  # not pyplot: a redraw cut short leaves no figure behind to show

        from .fonts import ensure_font
        from .plots import image_grid, png_bytes

        ensure_font()  # Chinese text drawn with the shipped font
        digits, columns = self.digits(), self.columns  # (n, 1, 28, 28), shown COLUMNS to a row
        tall = max(3.6, 0.45 * math.ceil(len(digits) / columns) + 0.6)
        fig = Figure(figsize=(13, tall))
        losses, sure, right = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.4, 1.4, 1]})
        x = np.asarray(self.steps, dtype=float) / self.per_epoch  # (n,) each batch's place, in epochs
        rows = np.asarray(self.rows, dtype=float).reshape(-1, 4)  # (n, 4): one row per batch
        window = max(1, min(50, self.per_epoch // 5))
        curves = ((losses, 0, N_("D loss"), "tab:blue"), (losses, 1, N_("G loss"), "tab:orange"),
                  (sure, 2, N_("D(real digits)"), "tab:green"), (sure, 3, N_("D(fakes)"), "tab:red"))  # fmt: skip
        for ax, col, name, colour in curves:
            keep = ~np.isnan(rows[:, col])
            if keep.any():
                ax.plot(x[keep], rows[keep, col], color=colour, alpha=0.25, lw=0.8)
                ax.plot(x[keep], _smooth(rows[keep, col], window), color=colour, lw=2, label=tr(name))
        sure.axhline(0.5, color="grey", ls="--", lw=1)
        sure.text(0.01, 0.52, tr("0.5: can't tell"), color="grey", transform=sure.get_yaxis_transform())
        losses.set(xlabel=tr("epoch"), ylabel=tr("loss"), title=tr("losses (thin: each batch)"))
        sure.set(xlabel=tr("epoch"), ylim=(0, 1), title=tr("how sure the detective is: 'real' (1) or 'fake' (0)"))
        for ax in (losses, sure):
            ax.grid(alpha=0.3)
            if ax.get_legend_handles_labels()[0]:  # a conditional GAN's step does not say how sure D is
                ax.legend(loc="upper right", fontsize=8)
        right.imshow(image_grid(digits, nrow=columns), cmap="gray", vmin=0, vmax=255)
        right.set_title(tr(self.digits_title))
        right.axis("off")
        fig.tight_layout()
        return png_bytes(fig, dpi=72)

    def frame(self) -> _Frame:
        """Lesson 05: the progress bar, the status line and the picture, ready to display."""
        return _Frame(*self.status(), self.picture())

    def show(self) -> None:
        """Lesson 05: show the display now; later updates change the same display."""
        from IPython.display import display

        self.handle = display(self.frame(), display_id=True)
        self.last_update = time.perf_counter()

    def update(self) -> None:
        """Lesson 05: draw the display again with what is known now.

        The new frame is made whole before it replaces the old one: a stop (Ctrl-C) in the middle of a
        redraw leaves the last frame showing.
        """
        if self.handle is None:
            self.show()
        else:
            frame = self.frame()
            self.handle.update(frame)
            self.last_update = time.perf_counter()

    def due(self) -> bool:
        """True when the last update is EVERY seconds old (or there was none)."""
        return self.handle is None or time.perf_counter() - self.last_update >= self.every


class LiveLoop(_Display):
    """Lesson 05: a live display for a training loop you write yourself: call add(...) after every batch.

    It shows the losses, how sure the detective is about real digits and fakes, the digits GENERATOR
    draws from 16 fixed noise vectors, and the time left; it redraws every EVERY seconds.
    """

    def __init__(self, generator: nn.Module, epochs: int, batches_per_epoch: int, every: float = 2.0, seed: int = 1,
                 seconds: float | None = None):  # fmt: skip
        for name, value in (("epochs", epochs), ("batches_per_epoch", batches_per_epoch)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(tr("{name} must be a whole number >= 1, got {value!r}.", name=name, value=value))
        if seconds is not None:  # the loop's time limit: the time left is never more than what is left of it
            seconds = check.number(seconds, "seconds", 0, above=True)
        super().__init__(batches_per_epoch, every)
        self.generator, self.total, self.seconds = generator, epochs * batches_per_epoch, seconds
        self.noise = make_noise(16, generator.z_dim, seed=seed)  # (16, z_dim): the same 16 recipes every time

    def digits(self) -> torch.Tensor:
        """Lesson 05: the generator's digits from the fixed noise, drawn now (16, 1, 28, 28)."""
        return generate(self.generator, self.noise)

    def status(self) -> tuple[float, str]:
        """Lesson 05: how far the loop is (0 to 1) and a line saying so, with the time left."""
        done, elapsed = len(self.rows), time.perf_counter() - self.started
        epoch, batch = divmod(done, self.per_epoch)
        where = _where(epoch, self.total // self.per_epoch, batch, self.per_epoch)
        fraction = done / self.total if self.seconds is None else max(done / self.total, elapsed / self.seconds)
        line = _status_line(where, elapsed, done, self.total - done, self.sure_text(), self.seconds)
        return min(1.0, fraction), line

    def add(self, d_loss, g_loss, d_real, d_fake) -> None:
        """Lesson 05: note one batch (the two losses, and D's answers on the real digits and on the fakes)."""
        self.steps.append(len(self.rows) + 1)
        self.rows.append(tuple(_as_number(v) for v in (d_loss, g_loss, d_real, d_fake)))
        if self.due() or len(self.rows) == self.total:
            self.update()


class LiveTraining(_Display):
    """Lesson 05: a Trainer callback: one display of losses, how sure D is, digits and time left, updated in place.

    It shows the digits from the first batch on. During an epoch it redraws every EVERY seconds (this
    makes the trainer wait for the device, so the command line, which shows no display, never pays for
    it); it always redraws after an epoch. With SECONDS (as given to fit or train_for) it shows the time
    left of those seconds. A conditional GAN (lesson 10) shows one row per digit 0 to 9, asked for
    a few times each, so each digit can be watched getting better.
    """

    def __init__(self, trainer: Trainer, epochs: int | None = None, every: float = 3.0, seconds: float | None = None):
        check.trainer(trainer, _TRAINER)
        if epochs is not None:
            epochs = check.whole(epochs, "epochs", 0, MAX_EPOCHS)  # the config's rule
        super().__init__(trainer.batches_per_epoch, every)
        if seconds is not None:
            seconds = check.number(seconds, "seconds", 0, above=True)  # NumPy's numbers too (validate.py's rule)
        self.trainer, self.seconds = trainer, seconds
        self.target = trainer.config.epochs if epochs is None else epochs  # train until this many epochs are done
        self.first_step = trainer.epoch * self.per_epoch + trainer.batch
        self._read = (trainer.epoch, 0)  # (epoch, batch): how far the rows have been read
        if trainer.labels is not None:  # the conditional GAN: rows 0..9, COLUMNS of each
            self.digits_title = N_("each row: one digit, asked for 4 times")

    def digits(self) -> torch.Tensor:
        """Lesson 05: the digits from the fixed noise (16, 1, 28, 28); lesson 10: 0 to 9, 4 of each (40, 1, 28, 28)."""
        t = self.trainer
        if t.labels is None:
            return t.samples()
        noise = t.fixed_noise[: self.columns].repeat(N_DIGITS, 1)  # (40, z_dim): the same 4 recipes for each digit
        asked = torch.arange(N_DIGITS).repeat_interleave(self.columns)  # (40,) 0 0 0 0 1 1 1 1 ...
        return generate(t.drawer, noise, asked)  # (40, 1, 28, 28)

    def status(self) -> tuple[float, str]:
        """Lesson 05: how far training is (0 to 1) and a line saying so, with the time left."""
        t, n = self.trainer, self.per_epoch
        step, end = t.epoch * n + t.batch, self.target * n
        done, left_steps = step - self.first_step, max(0, end - step)
        fraction = 1.0 if end == 0 else min(1.0, step / end)
        elapsed = time.perf_counter() - self.started
        where = _where(t.epoch, self.target, t.batch, n)
        if self.seconds is None or left_steps == 0:
            return fraction, _status_line(where, elapsed, done, left_steps, self.sure_text())
        left = max(0.0, self.seconds - elapsed)
        guess = tr("about {duration} left", duration=format_duration(left)) if left > 0 else tr("done")
        line = tr("{where} | {elapsed} so far | {left}{sure}", where=where, elapsed=format_duration(elapsed),
                  left=guess, sure=self.sure_text())  # fmt: skip
        return min(1.0, elapsed / self.seconds), line

    def _read_rows(self) -> None:
        """Copy the batches done since the last read from the trainer (this waits for the device)."""
        t = self.trainer
        start = self._read[1] if self._read[0] == t.epoch else 0
        rows = t.this_epoch()  # (k, 4)
        for i in range(start, len(rows)):
            self.steps.append(t.epoch * self.per_epoch + i + 1)
            self.rows.append(tuple(rows[i].tolist()))
        self._read = (t.epoch, len(rows))

    def on_batch(self, trainer: Trainer) -> None:
        """Lesson 05: after each batch (the Trainer calls this): redraw when EVERY seconds have passed."""
        self._check(trainer)
        last = trainer.batch == self.per_epoch  # the epoch's rows must be read before it ends
        if last or self.due():
            self._read_rows()
        if self.due() and not last:
            self.update()

    def __call__(self, trainer: Trainer) -> None:
        """Lesson 05: update the display after an epoch (the Trainer calls this)."""
        self._check(trainer)
        self.update()

    def _check(self, trainer: Trainer) -> None:
        if trainer is not self.trainer:
            raise ValueError(tr("This LiveTraining watches another Trainer; make one with LiveTraining(trainer)."))


def train_for(trainer: Trainer, seconds: float, callbacks=(), clock=None) -> float:
    """Lesson 07: train TRAINER for about SECONDS (it stops after the batch running then); returns the seconds taken.

    Training also ends when the trainer's configured epochs are done; call it again to carry on.
    CALLBACKS go to fit (a LiveTraining, say). CLOCK() -> seconds replaces the wall clock (the judge's
    benchmarks count CPU seconds). This is the one "train for N seconds": Trainer.fit(seconds=...).
    """
    check.trainer(trainer, ("fit",))
    check.number(seconds, "seconds", 0, above=True)  # NumPy's numbers too (validate.py's rule)
    if clock is not None and not callable(clock):
        raise TypeError(tr("clock must be None (the wall clock) or a function that gives the seconds, such as "
                           "time.process_time; got {value}.", value=check.describe(clock)))  # fmt: skip
    clock = time.perf_counter if clock is None else clock
    started = clock()
    if not check.is_number(started):
        raise TypeError(tr("clock() must give the seconds as a number, such as time.process_time() does; got "
                           "{value}.", value=check.describe(started)))  # fmt: skip
    trainer.fit(callbacks=callbacks, progress=False, seconds=seconds, clock=clock)
    return clock() - started
