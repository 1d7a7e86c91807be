"""Training a GAN: the classic per-batch step and a fast, resumable engine around it (lesson 05)."""

from __future__ import annotations

import copy
import hashlib
import math
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.nn.functional import binary_cross_entropy as bce
from torch.nn.functional import binary_cross_entropy_with_logits as bce_logits

from . import validate as check
from .checkpoints import FORMAT, CheckpointError, load_safe, save_atomic
from .data import MnistData, shuffled_batches, to_model_range
from .i18n import tr
from .models import ARCHITECTURES, N_DIGITS, Z_DIM, build_gan, discriminator_logit, generate, make_noise


class ConfigError(ValueError):
    """A training setting is out of range (lesson 05)."""


class TrainingDiverged(RuntimeError):
    """The losses became NaN or infinite (lesson 05)."""


@dataclass
class TrainConfig:
    """Lesson 05: the settings of one training run; the defaults are the reference program's."""

    arch: str = "classic"
    epochs: int = 50
    batch_size: int = 128
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    z_dim: int = Z_DIM
    seed: int = 42
    max_batches: int | None = None  # stop each epoch after this many batches (quick tries, tests)
    ema: float = 0.0  # keep a running average of the generator's weights (lesson 09); 0 = off, as in the reference
    r1: float = 0.0  # weight of the gradient penalty on real digits (lesson 09); 0 = off, as in the reference
    cuda_graph: bool = False  # replay each step as one CUDA graph (gan_lessons.graphed); eager where it cannot

    def __post_init__(self) -> None:
        err = {"error": ConfigError}
        self.arch = check.one_of(self.arch, "arch", ARCHITECTURES, **err)
        self.epochs = check.whole(self.epochs, "epochs", 0, MAX_EPOCHS, **err)
        self.batch_size = check.whole(self.batch_size, "batch_size", 1, MAX_BATCH_SIZE, **err)
        self.lr = check.number(self.lr, "lr", 0, above=True, hint=tr(" (try 2e-4)"), **err)
        betas = tuple(self.betas) if isinstance(self.betas, (tuple, list)) else self.betas
        if not (isinstance(betas, tuple) and len(betas) == 2 and all(check.is_number(b) and 0 <= b < 1 for b in betas)):
            raise ConfigError(tr("betas must be two numbers in [0, 1), such as (0.5, 0.999), got {betas!r}",
                                 betas=self.betas))
        self.betas = tuple(float(b) for b in betas)
        self.z_dim = check.whole(self.z_dim, "z_dim", 1, MAX_Z_DIM, **err)
        self.seed = check.seed(self.seed, **err)
        if self.max_batches is not None:  # None: every batch
            if not (check.is_whole(self.max_batches) and 1 <= self.max_batches <= MAX_BATCHES):
                raise ConfigError(tr("max_batches must be None or a whole number from 1 to {most:,}, got {value!r}",
                                     most=MAX_BATCHES, value=self.max_batches))
            self.max_batches = int(self.max_batches)
        self.ema = check.number(self.ema, "ema", 0, 1, below=True, hint=tr(": 0 turns it off, 0.999 is typical"), **err)
        self.r1 = check.number(self.r1, "r1", 0, hint=tr(": 0 turns the penalty off, 1 is typical"), **err)
        if not isinstance(self.cuda_graph, bool):
            raise ConfigError(tr("cuda_graph must be True or False, got {value!r}", value=self.cuda_graph))


MAX_EPOCHS = 1_000_000  # about two years of CPU time for the classic GAN: a typo, not a plan
MAX_BATCH_SIZE = 1_000_000  # more than MNIST's 70,000 digits
MAX_Z_DIM = 10_000  # the lessons use 100
MAX_BATCHES = 10**9  # max_batches: far more batches than any epoch holds


def pick_device() -> torch.device:
    """Lesson 00: the fastest device here: an NVIDIA GPU, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """Lesson 05: DEVICE as a torch.device (None or "auto": the fastest here), or a clear error."""
    if device is None or device == "auto":
        return pick_device()
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ConfigError(tr("Unknown device {device!r}: use 'cpu', 'cuda', 'mps' or 'auto'.", device=device)) from None
    if (device.type == "cuda" and not torch.cuda.is_available()) or (
        device.type == "mps" and not torch.backends.mps.is_available()
    ):
        raise ConfigError(tr("This computer has no {device} device that PyTorch can use. Use 'cpu' or 'auto'.",
                             device=device.type))
    return device


def make_optimizers(generator: nn.Module, discriminator: nn.Module, config: TrainConfig) -> tuple:
    """Lesson 05: one Adam per network, fused into a few kernels where the device allows."""
    kwargs = {"lr": config.lr, "betas": config.betas}
    device = next(generator.parameters()).device
    fused = {"fused": True} if device.type in ("cpu", "cuda") else {}
    return (torch.optim.Adam(generator.parameters(), **kwargs, **fused),
            torch.optim.Adam(discriminator.parameters(), **kwargs, **fused))  # fmt: skip


def train_step(generator, discriminator, opt_g, opt_d, real: torch.Tensor, z: torch.Tensor, r1: float = 0.0,
               sure: torch.Tensor | None = None) -> tuple:  # fmt: skip
    """Lesson 05: one step of the classic GAN on a batch; returns (D loss, G loss) as tensors.

    R1 > 0 (lesson 09) adds the gradient penalty `real_penalty` to the discriminator's loss (times R1 / 2).
    SURE, a tensor of 2 numbers, gets the detective's mean answer on the real digits and on the fakes
    (for a live display; written on the device, so it costs no wait).
    """
    ones = torch.ones(len(real), 1, device=real.device)  # (B, 1) label "real"
    zeros = torch.zeros(len(real), 1, device=real.device)  # (B, 1) label "fake"
    fake = generator(z)  # (B, 1, 28, 28)

    # 1. The discriminator learns: real digits -> 1, fakes -> 0 (detach: leave G alone).
    opt_d.zero_grad()
    if r1:
        real_logit, steepness = real_penalty(discriminator, real)
        real_loss, real_p = bce_logits(real_logit, ones), None
    else:
        real_p = discriminator(real)  # (B, 1): how sure D is that each real digit is real
        real_loss = bce(real_p, ones)
    fake_p = discriminator(fake.detach())  # (B, 1)
    d_loss = real_loss + bce(fake_p, zeros)
    if sure is not None:
        real_p = torch.sigmoid(real_logit) if real_p is None else real_p
        sure.copy_(torch.stack([real_p.mean(), fake_p.mean()]).detach())
    (d_loss + r1 / 2 * steepness if r1 else d_loss).backward()  # the loss reported leaves the penalty out
    opt_d.step()

    # 2. The generator learns: make the discriminator say 1 for the fakes. D's own weights need
    # no gradient here (step 1 of the next batch clears it), so autograd skips computing it.
    opt_g.zero_grad()
    with _frozen(discriminator):
        g_loss = bce(discriminator(fake), ones)
        g_loss.backward()
    opt_g.step()
    return d_loss.detach(), g_loss.detach()


def conditional_step(generator, discriminator, opt_g, opt_d, real: torch.Tensor, labels: torch.Tensor,
                     z: torch.Tensor, wanted: torch.Tensor, r1: float = 0.0) -> tuple:  # fmt: skip
    """Lesson 10: one step of the conditional GAN; returns (D loss, G loss) as tensors.

    The same game as `train_step`, but each picture comes with a digit: REAL digits with their
    true LABELS, and fakes drawn from noise Z as the digits WANTED (chosen at random).
    """
    ones = torch.ones(len(real), 1, device=real.device)  # (B, 1) label "real"
    zeros = torch.zeros(len(real), 1, device=real.device)  # (B, 1) label "fake"
    fake = generator(z, wanted)  # (B, 1, 28, 28): one digit of each kind asked for

    # 1. The detective learns: a real digit with its true label -> 1, a fake with the label it was drawn for -> 0.
    opt_d.zero_grad()
    if r1:
        real_logit, steepness = real_penalty(discriminator, real, labels)
        real_loss = bce_logits(real_logit, ones)
    else:
        real_loss = bce(discriminator(real, labels), ones)
    d_loss = real_loss + bce(discriminator(fake.detach(), wanted), zeros)
    (d_loss + r1 / 2 * steepness if r1 else d_loss).backward()
    opt_d.step()

    # 2. The forger learns: make the detective say 1 for each fake, told the digit that was wanted.
    opt_g.zero_grad()
    with _frozen(discriminator):
        g_loss = bce(discriminator(fake, wanted), ones)
        g_loss.backward()
    opt_g.step()
    return d_loss.detach(), g_loss.detach()


def real_penalty(discriminator: nn.Module, real: torch.Tensor,
                 labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
    """Lesson 09: D's answers on REAL before the sigmoid (B, 1), and how steep they are there (R1).

    The penalty is the squared length of the answer's gradient with respect to the pixels,
    averaged over the batch: small when nudging a real digit hardly changes D's mind.
    A conditional detective (lesson 10) gets the digits' LABELS too.
    """
    real = real.detach().requires_grad_(True)  # (B, 1, 28, 28)
    if labels is None:
        logit = discriminator_logit(discriminator, real)  # (B, 1)
    else:
        logit = discriminator.logit(real, labels)  # (B, 1)
    (slope,) = torch.autograd.grad(logit.sum(), real, create_graph=True)  # (B, 1, 28, 28)
    return logit, slope.square().sum(dim=(1, 2, 3)).mean()


@torch.no_grad()
def update_average(average: nn.Module, generator: nn.Module, keep: float, step: int) -> None:
    """Lesson 09: move AVERAGE's weights a little towards GENERATOR's (BatchNorm statistics are copied).

    Each weight keeps the share KEEP of its old value, or less in the first steps: after STEP
    batches at most (1 + step) / (10 + step), so the average does not drag the untrained start along.
    """
    decay = min(keep, (1 + step) / (10 + step))
    for a, p in zip(average.parameters(), generator.parameters(), strict=True):
        a.lerp_(p, 1 - decay)
    for a, b in zip(average.buffers(), generator.buffers(), strict=True):
        a.copy_(b)


@contextmanager
def _frozen(model: nn.Module) -> Iterator[None]:
    """Inside, MODEL's parameters get no gradients; their flags come back afterwards."""
    flags = [p.requires_grad for p in model.parameters()]
    model.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in zip(model.parameters(), flags, strict=True):
            p.requires_grad_(flag)


@dataclass
class History:
    """Lesson 05: the losses of every batch, and their average per epoch."""

    batch_d: list[float] = field(default_factory=list)
    batch_g: list[float] = field(default_factory=list)
    epoch_d: list[float] = field(default_factory=list)
    epoch_g: list[float] = field(default_factory=list)

    def add_epoch(self, d: list[float], g: list[float]) -> None:
        """Lesson 05: record one epoch's batch losses and their averages."""
        self.batch_d += d
        self.batch_g += g
        self.epoch_d.append(sum(d) / len(d))
        self.epoch_g.append(sum(g) / len(g))

    def csv_text(self) -> str:
        """Lesson 05: the per-epoch averages as CSV text (epoch, d_loss, g_loss)."""
        rows = [f"{i + 1},{d:.6f},{g:.6f}" for i, (d, g) in enumerate(zip(self.epoch_d, self.epoch_g, strict=True))]
        return "epoch,d_loss,g_loss\n" + "".join(r + "\n" for r in rows)

    def to_csv(self, path: str | Path) -> None:
        """Lesson 05: write the per-epoch averages as CSV (epoch, d_loss, g_loss)."""
        Path(path).write_text(self.csv_text())


Callback = Callable[["Trainer"], None]


class Trainer:
    """Lesson 05: trains a GAN fast: data on the device, no syncs inside an epoch, resumable."""

    def __init__(self, data: MnistData | torch.Tensor, config: TrainConfig | None = None, device=None):
        config = TrainConfig() if config is None else config
        self.config = check.kind(config, "config", TrainConfig, tr("a TrainConfig, such as TrainConfig(lr=1e-3) "
                                 "(from a dict d: TrainConfig(**d))"), error=ConfigError)  # fmt: skip
        self.device = resolve_device(device)
        images = to_model_range(data.images) if isinstance(data, MnistData) else _check_images(data)
        _check_last_batch(len(images), self.config)
        self.images = images.to(self.device)  # (N, 1, 28, 28) in [-1, 1], all of it on the device
        self.labels = _labels_for(data, self.config.arch, self.device)  # (N,) digits, or None when not needed
        torch.manual_seed(self.config.seed)  # the starting weights
        gen, disc = build_gan(self.config.arch, self.config.z_dim)
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
        self.stop_signal: int | None = None  # the signal that stopped the last fit early (SIGINT, SIGTERM), if any
        self._stop = threading.Event()
        self._graph = None  # the graphed step (gan_lessons.graphed), made at the first batch when asked for

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
            checkpoint: str | Path | None = None) -> History:  # fmt: skip
        """Lesson 05: train until EPOCHS epochs are done in all (default: the config's)."""
        target = self.config.epochs if epochs is None else epochs
        target = check.whole(target, "epochs", 0, MAX_EPOCHS, error=ConfigError)  # the config's rule
        total = max(0, (target - self.epoch) * self.batches_per_epoch - self.batch)
        self._stop.clear()
        stop_requested, received = self._stop.is_set, []
        watchers = [c.on_batch for c in callbacks if hasattr(c, "on_batch")]  # called after every batch
        with _progress(total, progress) as bar, _stop_on_signals(self._stop, received):
            while self.epoch < target and not stop_requested():
                try:
                    finished = self._run_epoch(bar, stop_requested, watchers)
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
                    callback(self)
        self.stopped_early = self.epoch < target
        self.stop_signal = received[-1] if received else None
        if self.stopped_early:
            if checkpoint is not None:
                self.save(checkpoint)
            print(tr("Stopped in epoch {epoch} after batch {batch}. Call fit again to continue.", epoch=self.epoch + 1,
                     batch=self.batch))
        return self.history

    def _run_epoch(self, bar, stop_requested: Callable[[], bool], watchers: Sequence[Callback] = ()) -> bool:
        """Train one epoch (or the rest of one); False when asked to stop part-way."""
        n, bs = self.batches_per_epoch, self.config.batch_size
        if self._order is None:
            self._order = torch.randperm(len(self.images), generator=self.rng, device=self.device)[: n * bs]
            self._losses = torch.zeros(n, 2, device=self.device)
            self._sure = None
            self.batch = 0
        if watchers and self._sure is None:  # only a watcher asks what D thought of each batch
            self._sure = torch.full((n, 2), math.nan, device=self.device)
        for real in shuffled_batches(self.images, bs, self._order, start=self.batch):
            z = torch.randn(len(real), self.config.z_dim, generator=self.rng, device=self.device)  # (B, z_dim)
            try:
                if self._sure is None:  # no watcher: the plain step
                    d_loss, g_loss = self._step(real, z)
                else:
                    d_loss, g_loss = self._step(real, z, self._sure[self.batch])
            except RuntimeError as err:  # BCE refuses NaN probabilities
                if "between 0 and 1" not in str(err):
                    raise
                raise self._diverged(self.batch + 1) from err
            self._losses[self.batch, 0], self._losses[self.batch, 1] = d_loss, g_loss  # stays on the device
            self.batch += 1
            if self.average is not None:
                update_average(self.average, self.generator, self.config.ema, self.steps)
            bar.update(1)
            for watch in watchers:
                watch(self)
            if stop_requested() and self.batch < n:
                return False
        self._end_epoch()
        return True

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
        """One batch: the CUDA-graph replay when config.cuda_graph asks for it and it can run; else the
        conditional step for a GAN that takes labels (lesson 10), or train_step.

        SURE gets D's mean answers (train_step only; the other two leave it as it was).
        """
        nets = (self.generator, self.discriminator, self.opt_g, self.opt_d)
        if self.config.cuda_graph:
            from .graphed import replay

            losses = replay(self, real, z)  # None when it cannot run here (it says why, once)
            if losses is not None:
                return losses
        if self.labels is not None:
            labels, wanted = self._batch_labels(len(real))  # (B,) true digits, (B,) digits to draw
            return conditional_step(*nets, real, labels, z, wanted, self.config.r1)
        return train_step(*nets, real, z, self.config.r1, sure)

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
        self.history.add_epoch(losses[:, 0].tolist(), losses[:, 1].tolist())
        self.epoch, self.batch, self._order, self._losses = self.epoch + 1, 0, None, None

    def _diverged(self, batch: int, gpu: bool = False) -> TrainingDiverged:
        epoch = self.epoch + 1
        if gpu:  # a GPU reports the failure a little after it happened, and stops
            where = tr("around epoch {epoch}, batch {batch}", epoch=epoch, batch=batch)
            restart = tr(" The GPU stopped too: restart Python (in Jupyter or Colab: restart the kernel) first.")
        else:
            where, restart = tr("in epoch {epoch}, batch {batch}", epoch=epoch, batch=batch), ""
        return TrainingDiverged(tr(
            "Training blew up: the losses became NaN or infinite {where}. This usually means the learning rate is too "
            "high (it is {lr}); try 2e-4. The last good checkpoint, if you saved one, is unchanged.{restart}",
            where=where, lr=self.config.lr, restart=restart))  # fmt: skip

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
            problem = _damage(state, trainer)
            if problem is None:
                trainer._load_state(state)
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
        self._graph = None  # a graph recorded before would write to the optimizers' old state tensors
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        if self.average is not None:
            self.average.load_state_dict(state["average"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        _set_rng_state(self.rng, state["rng"])
        self.fixed_noise = state["fixed_noise"]
        self.history = History(**state["history"])
        self.epoch, self.batch = state["epoch"], state["batch"]
        if state["order"] is not None:
            self._order = state["order"].to(self.device)
            self._losses = torch.zeros(self.batches_per_epoch, 2, device=self.device)
            self._losses[: self.batch] = state["losses"].to(self.device)


def _damage(state: dict, trainer: Trainer) -> str | None:
    """What is wrong with the contents of a checkpoint that unpickled, for TRAINER; None when nothing is."""
    n, size = trainer.batches_per_epoch, len(trainer.images)
    epoch, batch, order, losses = state["epoch"], state["batch"], state["order"], state["losses"]
    if not (check.is_whole(epoch) and 0 <= epoch <= MAX_EPOCHS):
        return tr("its epoch count is {epoch!r}, not a whole number from 0 to {most:,}", epoch=epoch, most=MAX_EPOCHS)
    if not (check.is_whole(batch) and 0 <= batch < n and (batch == 0 or order is not None)):
        return tr("its batch count is {batch!r}, not a whole number from 0 to {most}", batch=batch, most=n - 1)
    history = state["history"]
    if not (isinstance(history, dict) and set(history) == {"batch_d", "batch_g", "epoch_d", "epoch_g"}
            and all(isinstance(v, list) and all(check.is_number(x) for x in v) for v in history.values())):
        return tr("its history of losses is not four lists of numbers")
    if not len(history["epoch_d"]) == len(history["epoch_g"]) == epoch:
        return tr("its history holds {held} epochs, but it says {epoch} were trained", held=len(history["epoch_d"]),
                  epoch=epoch)
    if order is not None:
        if not (isinstance(order, torch.Tensor) and order.dtype == torch.int64 and order.dim() == 1
                and len(order) == min(size, n * trainer.config.batch_size)):
            return tr("its order of digits for this epoch is not a list of digit numbers of the right length")
        if len(order) and (int(order.min()) < 0 or int(order.max()) >= size):
            return tr("its order of digits names digits outside 0..{last}", last=size - 1)
        if not (isinstance(losses, torch.Tensor) and losses.is_floating_point() and tuple(losses.shape) == (batch, 2)
                and bool(torch.isfinite(losses).all())):
            return tr("its losses of this epoch are not numbers")
    noise = state["fixed_noise"]
    if not (isinstance(noise, torch.Tensor) and noise.dtype == torch.float32 and noise.dim() == 2
            and noise.shape[1] == trainer.config.z_dim and bool(torch.isfinite(noise).all())):
        return tr("its fixed noise is not a float32 tensor (N, {z_dim}) of numbers", z_dim=trainer.config.z_dim)
    for part in ("generator", "discriminator", "average", "opt_g", "opt_d"):
        if not _finite(state[part]):
            return tr("its {part} holds numbers that are NaN or infinite", part=part)
    return None


def _finite(obj: object) -> bool:
    """True when every floating-point tensor inside OBJ (dicts and lists too) holds only finite numbers."""
    if isinstance(obj, torch.Tensor):
        return not obj.is_floating_point() or bool(torch.isfinite(obj).all())
    if isinstance(obj, dict):
        return all(_finite(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return all(_finite(v) for v in obj)
    return not isinstance(obj, float) or math.isfinite(obj)  # other things (None, flags, names) hold no weights


def _set_rng_state(rng: torch.Generator, saved: torch.Tensor) -> None:
    """Continue RNG from SAVED; a state from another kind of device (CPU and CUDA differ) seeds it instead."""
    try:
        rng.set_state(saved)
    except (RuntimeError, TypeError, ValueError):
        seed = int.from_bytes(hashlib.sha256(saved.numpy().tobytes()).digest()[:8], "little") % 2**63
        rng.manual_seed(seed)  # the same seed from the same file: resuming stays repeatable on this device
        print(tr("Note: this checkpoint was saved on another kind of device; training goes on on {device} with other "
                 "(but repeatable) shuffles and noise than it would have had there.", device=rng.device.type))


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
        raise ConfigError(tr("The labels must be one digit 0..9 per image; got a tensor of shape {shape}.",
                             shape=tuple(labels.shape)))
    return labels.long().to(device)


def _check_last_batch(n_images: int, config: TrainConfig) -> None:
    """Raise a ConfigError when an epoch would end with a batch of 1 digit: BatchNorm cannot learn from one."""

    def last(bs: int) -> int:
        n = min(math.ceil(n_images / bs), config.max_batches or n_images)
        return min(n_images, n * bs) - (n - 1) * bs

    if n_images < 2:
        raise ConfigError(tr("Training needs at least 2 digits, got {count}.", count=n_images))
    if last(config.batch_size) == 1:
        better = next(b for b in range(max(2, config.batch_size - 1), n_images + 1) if last(b) != 1)
        raise ConfigError(tr("With {count:,} digits and batch_size {batch_size}, one batch would hold just 1 digit; "
                             "BatchNorm needs 2 or more to learn. Try batch_size {better}.", count=n_images,
                             batch_size=config.batch_size, better=better))  # fmt: skip


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator:
    """A tqdm progress bar (with time left) that works in notebooks and terminals."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, disable=not enabled, unit=tr("batch"), desc=tr("training"))
    try:
        yield bar
    finally:
        bar.close()


@contextmanager
def _stop_on_signals(requested: threading.Event, received: list[int]) -> Iterator[None]:
    """While training, Ctrl-C, Jupyter's stop button or SIGTERM (kill, Docker, Colab) ask to stop after the batch."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}

    def on_signal(signum, frame):
        if requested.is_set():  # a second one stops at once, as the signal's own handler would
            handler = previous.get(signum)
            if callable(handler) and handler is not signal.default_int_handler:
                handler(signum, frame)
            raise KeyboardInterrupt
        received.append(signum)
        requested.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def print_every(n: int = 5) -> Callback:
    """Lesson 05: a callback that prints the average losses every N epochs, as the reference does."""

    def callback(trainer: Trainer) -> None:
        if trainer.epoch % n == 0 or trainer.epoch == trainer.config.epochs:
            d, g = trainer.history.epoch_d[-1], trainer.history.epoch_g[-1]
            print(tr("Epoch [{epoch}/{epochs}]  D loss: {d:.4f}  G loss: {g:.4f}", epoch=trainer.epoch,
                     epochs=trainer.config.epochs, d=d, g=g))

    return callback
