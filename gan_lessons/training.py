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

from .checkpoints import FORMAT, CheckpointError, load_safe, save_atomic
from .data import MnistData, shuffled_batches, to_model_range
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
    ema: float = 0.0  # keep a running average of the generator's weights (lesson 07); 0 = off, as in the reference
    r1: float = 0.0  # weight of the gradient penalty on real digits (lesson 07); 0 = off, as in the reference
    cuda_graph: bool = False  # replay each step as one CUDA graph (gan_lessons.graphed); eager where it cannot

    def __post_init__(self) -> None:
        self.betas = tuple(self.betas) if isinstance(self.betas, (tuple, list)) else self.betas
        betas_ok = isinstance(self.betas, tuple) and len(self.betas) == 2 and all(_is_num(b) for b in self.betas)
        rules = [
            (self.arch in ARCHITECTURES, f"arch must be one of {sorted(ARCHITECTURES)}, got {self.arch!r}"),
            (_is_int(self.epochs) and self.epochs >= 0, f"epochs must be a whole number >= 0, got {self.epochs!r}"),
            (_is_int(self.batch_size) and self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size!r}"),
            (_is_num(self.lr) and 0 < self.lr, f"lr must be a number > 0 (try 2e-4), got {self.lr!r}"),
            (betas_ok and all(0 <= b < 1 for b in self.betas),
             f"betas must be two numbers in [0, 1), such as (0.5, 0.999), got {self.betas!r}"),
            (_is_int(self.z_dim) and self.z_dim >= 1, f"z_dim must be >= 1, got {self.z_dim!r}"),
            (_is_int(self.seed) and 0 <= self.seed < 2**63, f"seed must be a whole number >= 0, got {self.seed!r}"),
            (self.max_batches is None or (_is_int(self.max_batches) and self.max_batches >= 1),
             f"max_batches must be None or >= 1, got {self.max_batches!r}"),
            (_is_num(self.ema) and 0 <= self.ema < 1,
             f"ema must be a number in [0, 1): 0 turns it off, 0.999 is typical; got {self.ema!r}"),
            (_is_num(self.r1) and 0 <= self.r1 < math.inf,
             f"r1 must be a number >= 0: 0 turns the penalty off, 1 is typical; got {self.r1!r}"),
            (isinstance(self.cuda_graph, bool), f"cuda_graph must be True or False, got {self.cuda_graph!r}"),
        ]  # fmt: skip
        for ok, message in rules:
            if not ok:
                raise ConfigError(message)


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_num(x: object) -> bool:
    return _is_int(x) or (isinstance(x, float) and math.isfinite(x))


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
        raise ConfigError(f"Unknown device {device!r}: use 'cpu', 'cuda', 'mps' or 'auto'.") from None
    if (device.type == "cuda" and not torch.cuda.is_available()) or (
        device.type == "mps" and not torch.backends.mps.is_available()
    ):
        raise ConfigError(f"This computer has no {device.type} device that PyTorch can use. Use 'cpu' or 'auto'.")
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
    """Lesson 07: D's answers on REAL before the sigmoid (B, 1), and how steep they are there (R1).

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
    """Lesson 07: move AVERAGE's weights a little towards GENERATOR's (BatchNorm statistics are copied).

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

    def to_csv(self, path: str | Path) -> None:
        """Lesson 05: write the per-epoch averages as CSV (epoch, d_loss, g_loss)."""
        rows = [f"{i + 1},{d:.6f},{g:.6f}" for i, (d, g) in enumerate(zip(self.epoch_d, self.epoch_g, strict=True))]
        Path(path).write_text("epoch,d_loss,g_loss\n" + "".join(r + "\n" for r in rows))


Callback = Callable[["Trainer"], None]


class Trainer:
    """Lesson 05: trains a GAN fast: data on the device, no syncs inside an epoch, resumable."""

    def __init__(self, data: MnistData | torch.Tensor, config: TrainConfig | None = None, device=None):
        self.config = config or TrainConfig()
        self.device = resolve_device(device)
        images = to_model_range(data.images) if isinstance(data, MnistData) else data
        _check_images(images)
        _check_last_batch(len(images), self.config)
        self.images = images.to(self.device)  # (N, 1, 28, 28) in [-1, 1], all of it on the device
        self.labels = _labels_for(data, self.config.arch, self.device)  # (N,) digits, or None when not needed
        torch.manual_seed(self.config.seed)  # the starting weights
        gen, disc = build_gan(self.config.arch, self.config.z_dim)
        self.generator, self.discriminator = gen.to(self.device), disc.to(self.device)
        self.opt_g, self.opt_d = make_optimizers(self.generator, self.discriminator, self.config)
        self.average = copy.deepcopy(self.generator).requires_grad_(False) if self.config.ema else None
        self.rng = torch.Generator(self.device).manual_seed(self.config.seed)  # shuffles and noise
        self.fixed_noise = make_noise(16, self.config.z_dim, seed=self.config.seed + 1)  # (16, z_dim)
        self.fixed_labels = torch.arange(16) % N_DIGITS  # (16,) 0..9, 0..5: the digits a conditional GAN is asked
        self.history = History()
        self.epoch = 0  # epochs finished
        self.batch = 0  # batches finished in the current epoch
        self._order: torch.Tensor | None = None  # this epoch's shuffled indices
        self._losses: torch.Tensor | None = None  # (batches, 2) this epoch's losses, on the device
        self._sure: torch.Tensor | None = None  # (batches, 2) mean D(real), D(fake), kept only for a watcher
        self.stopped_early = False
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
        """Lesson 07: how many batches training has taken so far, in all epochs."""
        return len(self.history.batch_d) + self.batch

    @property
    def drawer(self) -> nn.Module:
        """Lesson 07: the generator to draw with: the running average when config.ema is on."""
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
        TrainConfig(epochs=target)  # the same check as the config's
        total = max(0, (target - self.epoch) * self.batches_per_epoch - self.batch)
        self._stop.clear()
        stop_requested = self._stop.is_set
        watchers = [c.on_batch for c in callbacks if hasattr(c, "on_batch")]  # called after every batch
        with _progress(total, progress) as bar, _stop_on_ctrl_c(self._stop):
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
        if self.stopped_early:
            if checkpoint is not None:
                self.save(checkpoint)
            print(f"Stopped in epoch {self.epoch + 1} after batch {self.batch}. Call fit again to continue.")
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
        where = "around" if gpu else "in"  # a GPU reports the failure a little after it happened
        restart = " The GPU stopped too: restart Python (in Jupyter or Colab: restart the kernel) first." if gpu else ""
        return TrainingDiverged(
            f"Training blew up: the losses became NaN or infinite {where} epoch {self.epoch + 1}, batch {batch}. "
            f"This usually means the learning rate is too high (it is {self.config.lr}); try 2e-4. "
            f"The last good checkpoint, if you saved one, is unchanged.{restart}"
        )

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
            raise CheckpointError(f"{path} holds a {state.get('arch')!r} GAN, not {arch!r}. Use --arch "
                                  f"{state.get('arch')} or another checkpoint.")  # fmt: skip
        size = state.get("data_size")  # None in checkpoints older than this check
        if size is not None and isinstance(data, (MnistData, torch.Tensor)) and len(data) != size:
            raise CheckpointError(f"{path} was trained on {size:,} digits, but the data given has {len(data):,}. "
                                  "Resume with the same data (the same --data folder).")  # fmt: skip
        try:
            trainer = cls(data, TrainConfig(**state["config"]), device)
            trainer._load_state(state)
        except (KeyError, TypeError, RuntimeError, ConfigError) as err:
            why = (str(err).strip().splitlines() or [type(err).__name__])[0]  # torch's first line says enough
            raise CheckpointError(f"{path} is damaged or from another version of gan-lessons ({why}).") from err
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


def _set_rng_state(rng: torch.Generator, saved: torch.Tensor) -> None:
    """Continue RNG from SAVED; a state from another kind of device (CPU and CUDA differ) seeds it instead."""
    try:
        rng.set_state(saved)
    except (RuntimeError, TypeError, ValueError):
        seed = int.from_bytes(hashlib.sha256(saved.numpy().tobytes()).digest()[:8], "little") % 2**63
        rng.manual_seed(seed)  # the same seed from the same file: resuming stays repeatable on this device
        print(f"Note: this checkpoint was saved on another kind of device; training goes on on {rng.device.type} "
              "with other (but repeatable) shuffles and noise than it would have had there.")  # fmt: skip


def _check_images(images: torch.Tensor) -> None:
    """Raise a clear ValueError unless IMAGES is (N, 1, 28, 28) floats in [-1, 1]."""
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"Expected MnistData (from load_mnist) or a tensor of images; got {type(images).__name__}.")
    if images.dim() != 4 or tuple(images.shape[1:]) != (1, 28, 28) or len(images) == 0:
        raise ValueError(f"Expected images of shape (N, 1, 28, 28) with N >= 1, got {tuple(images.shape)}.")
    if not images.is_floating_point() or not torch.isfinite(images).all() or images.abs().max() > 1:
        raise ValueError("Expected float images scaled to [-1, 1]; use gan_lessons.data.to_model_range(pixels).")


def _labels_for(data: MnistData | torch.Tensor, arch: str, device: torch.device) -> torch.Tensor | None:
    """The digits' labels on DEVICE when ARCH needs them (the conditional GAN), else None."""
    if arch != "conditional":
        return None
    if not isinstance(data, MnistData):
        raise ConfigError("The conditional GAN learns from digits with their labels: pass MnistData (from "
                          "load_mnist), not a tensor of images.")  # fmt: skip
    labels = data.labels
    if labels.shape != (len(data.images),) or len(labels) and not 0 <= int(labels.min()) <= int(labels.max()) < 10:
        raise ConfigError(f"The labels must be one digit 0..9 per image; got a tensor of shape {tuple(labels.shape)}.")
    return labels.long().to(device)


def _check_last_batch(n_images: int, config: TrainConfig) -> None:
    """Raise a ConfigError when an epoch would end with a batch of 1 digit: BatchNorm cannot learn from one."""

    def last(bs: int) -> int:
        n = min(math.ceil(n_images / bs), config.max_batches or n_images)
        return min(n_images, n * bs) - (n - 1) * bs

    if n_images < 2:
        raise ConfigError(f"Training needs at least 2 digits, got {n_images}.")
    if last(config.batch_size) == 1:
        better = next(b for b in range(max(2, config.batch_size - 1), n_images + 1) if last(b) != 1)
        raise ConfigError(f"With {n_images:,} digits and batch_size {config.batch_size}, one batch would hold "
                          f"just 1 digit; BatchNorm needs 2 or more to learn. Try batch_size {better}.")  # fmt: skip


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator:
    """A tqdm progress bar (with time left) that works in notebooks and terminals."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, disable=not enabled, unit="batch", desc="training")
    try:
        yield bar
    finally:
        bar.close()


@contextmanager
def _stop_on_ctrl_c(requested: threading.Event) -> Iterator[None]:
    """While training, Ctrl-C (or Jupyter's stop button) asks to stop after the current batch."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigint(signum, frame):
        if requested.is_set():  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        requested.set()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def print_every(n: int = 5) -> Callback:
    """Lesson 05: a callback that prints the average losses every N epochs, as the reference does."""

    def callback(trainer: Trainer) -> None:
        if trainer.epoch % n == 0 or trainer.epoch == trainer.config.epochs:
            d, g = trainer.history.epoch_d[-1], trainer.history.epoch_g[-1]
            print(f"Epoch [{trainer.epoch}/{trainer.config.epochs}]  D loss: {d:.4f}  G loss: {g:.4f}")

    return callback
