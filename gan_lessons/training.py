"""Training a GAN, the maths (lesson 05): the settings, one step on a batch, the optimizers, and lesson 09's extras.

This is the file to open to see how a GAN learns. The engine that runs these steps for many epochs
(Trainer, its History, checkpoints, stopping) is in gan_lessons.engine; `from gan_lessons.training import
Trainer` still works, and gives the engine's Trainer.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields

import torch
from torch import nn
from torch.nn.functional import binary_cross_entropy as bce
from torch.nn.functional import binary_cross_entropy_with_logits as bce_logits
from torch.nn.functional import cross_entropy

from . import validate as check
from .i18n import tr
from .models import ARCHITECTURES, MAX_Z_DIM, Z_DIM, check_dial, discriminator_logit, make_noise, read_dial


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
    dial: int = 0  # positions of the DCGAN forger's dial, read from its noise (lesson 09); 0 = none, as the reference

    def __post_init__(self) -> None:
        err = {"error": ConfigError}
        self.arch = check.one_of(self.arch, "arch", ARCHITECTURES, **err)
        self.epochs = check.whole(self.epochs, "epochs", 0, MAX_EPOCHS, **err)
        self.batch_size = check.whole(self.batch_size, "batch_size", 1, MAX_BATCH_SIZE, **err)
        self.lr = check.number(self.lr, "lr", 0, above=True, hint=tr(" (try 2e-4)"), **err)
        betas = tuple(self.betas) if isinstance(self.betas, (tuple, list)) else self.betas
        if not (isinstance(betas, tuple) and len(betas) == 2 and all(check.is_number(b) and 0 <= b < 1 for b in betas)):
            raise ConfigError(
                tr("betas must be two numbers in [0, 1), such as (0.5, 0.999), got {betas!r}", betas=self.betas)
            )
        self.betas = tuple(float(b) for b in betas)
        self.z_dim = check.whole(self.z_dim, "z_dim", 1, MAX_Z_DIM, **err)
        self.seed = check.seed(self.seed, **err)
        if self.max_batches is not None:  # None: every batch
            if not (check.is_whole(self.max_batches) and 1 <= self.max_batches <= MAX_BATCHES):
                raise ConfigError(
                    tr(
                        "max_batches must be None or a whole number from 1 to {most:,}, got {value!r}",
                        most=MAX_BATCHES,
                        value=self.max_batches,
                    )
                )
            self.max_batches = int(self.max_batches)
        self.ema = check.number(self.ema, "ema", 0, 1, below=True, hint=tr(": 0 turns it off, 0.999 is typical"), **err)
        self.r1 = check.number(self.r1, "r1", 0, hint=tr(": 0 turns the penalty off, 1 is typical"), **err)
        if not isinstance(self.cuda_graph, bool):
            raise ConfigError(tr("cuda_graph must be True or False, got {value!r}", value=self.cuda_graph))
        try:
            self.dial = check_dial(self.arch, self.dial, self.z_dim)  # the models' own rule
        except (TypeError, ValueError) as bad:
            raise ConfigError(str(bad)) from None


CONFIG_DEFAULTS = {f.name: f.default for f in fields(TrainConfig)}  # the reference program's settings, by name
MAX_EPOCHS = 1_000_000  # about two years of CPU time for the classic GAN: a typo, not a plan
MAX_BATCH_SIZE = 1_000_000  # more than MNIST's 70,000 digits
MAX_BATCHES = 10**9  # max_batches: far more batches than any epoch holds

# The settings each architecture trains with unless told otherwise (the CLI's defaults): the classic GAN keeps
# the reference program's (TrainConfig's own defaults); the DCGAN takes lesson 09's recipe and the conditional
# GAN lesson 10's, the quickest to good digits that we measured on a CPU (README, "How good is it?").
RECIPES: dict[str, dict[str, float]] = {
    "classic": {},
    "dcgan": {"epochs": 5, "batch_size": 32, "lr": 3e-3, "ema": 0.999, "dial": 10},
    "conditional": {"epochs": 3, "batch_size": 32, "lr": 1e-3, "ema": 0.999},
}


def recipe(arch: str) -> dict:
    """Lesson 09: ARCH's default settings, as TrainConfig's keywords (epochs, batch_size, lr, ema, r1, ...)."""
    arch = check.one_of(arch, "arch", ARCHITECTURES, error=ConfigError)
    defaults = {k: v for k, v in CONFIG_DEFAULTS.items() if k not in ("arch", "max_batches", "cuda_graph")}
    return {**defaults, **RECIPES[arch]}


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
        raise ConfigError(
            tr("This computer has no {device} device that PyTorch can use. Use 'cpu' or 'auto'.", device=device.type)
        )
    return device


def check_nets(nets: object) -> tuple:
    """Lesson 05: NETS when it is (generator, discriminator, opt_g, opt_d), as a Trainer holds them, or a TypeError."""
    if not (isinstance(nets, (tuple, list)) and len(nets) == 4):
        kinds = isinstance(nets, (tuple, list)) and 0 < len(nets) <= 8  # networks: their kinds, not their layers
        value = "(" + ", ".join(type(x).__name__ for x in nets) + ")" if kinds else check.describe(nets)
        raise TypeError(tr("nets must be (generator, discriminator, opt_g, opt_d), such as (trainer.generator, "
                           "trainer.discriminator, trainer.opt_g, trainer.opt_d); got {value}.",
                           value=value))  # fmt: skip
    _check_nets(*nets)
    return tuple(nets)


def _check_nets(generator: object, discriminator: object, *optimizers: object) -> None:
    """A TypeError unless GENERATOR and DISCRIMINATOR are networks and each of OPTIMIZERS an optimizer (cheap)."""
    if (isinstance(generator, nn.Module) and isinstance(discriminator, nn.Module)
            and all(isinstance(opt, torch.optim.Optimizer) for opt in optimizers)):  # fmt: skip
        return  # the usual case, every batch: no message is made
    check.kind(generator, "generator", nn.Module, tr("a generator (an nn.Module), such as build_gan('classic')[0]"),
               error=TypeError)  # fmt: skip
    check.kind(discriminator, "discriminator", nn.Module,
               tr("a discriminator (an nn.Module), such as build_gan('classic')[1]"), error=TypeError)  # fmt: skip
    for name, opt in zip(("opt_g", "opt_d"), optimizers, strict=False):
        check.kind(opt, name, torch.optim.Optimizer,
                   tr("an optimizer, such as make_optimizers(generator, discriminator, config)[0]"),
                   error=TypeError)  # fmt: skip


def _check_batch(real: object, z: object, r1: object, labels: object = None, wanted: object = None) -> None:
    """A ValueError unless REAL (B, 1, 28, 28), Z (B, z_dim), LABELS and WANTED (B,) and R1 >= 0 fit a step.

    Cheap enough for every batch: it looks at shapes and kinds, never at the numbers (no wait for a GPU).
    """
    n = len(real) if isinstance(real, torch.Tensor) and real.dim() == 4 and real.dtype == torch.float32 else -1
    if (n >= 0 and isinstance(z, torch.Tensor) and z.dim() == 2 and z.dtype == torch.float32 and len(z) == n
            and all(x is None or (isinstance(x, torch.Tensor) and x.dim() == 1 and x.dtype == torch.int64
                                  and len(x) == n) for x in (labels, wanted))
            and check.is_number(r1) and r1 >= 0):  # fmt: skip
        return  # the usual case, every batch: no message is made
    check.tensor(real, "real", "(B, 1, 28, 28)")
    check.tensor(z, "z", "(B, z_dim)", length=len(real))
    for name, digits in (("labels", labels), ("wanted", wanted)):
        if digits is not None:
            check.tensor(digits, name, "(B,)", torch.int64, length=len(real))
    check.number(r1, "r1", 0, hint=tr(": 0 turns the penalty off, 1 is typical"))


def make_optimizers(generator: nn.Module, discriminator: nn.Module, config: TrainConfig) -> tuple:
    """Lesson 05: one Adam per network, fused into a few kernels where the device allows."""
    _check_nets(generator, discriminator)
    check.kind(config, "config", TrainConfig, tr("a TrainConfig, such as TrainConfig(lr=1e-3)"), error=TypeError)
    for name, net in (("generator", generator), ("discriminator", discriminator)):
        if next(net.parameters(), None) is None:
            raise ValueError(tr("The {name} has no weights to train; give it a network with weights, such as "
                                "build_gan('classic').", name=name))  # fmt: skip
    kwargs = {"lr": config.lr, "betas": config.betas}
    device = next(generator.parameters()).device
    fused = {"fused": True} if device.type in ("cpu", "cuda") else {}
    return (torch.optim.Adam(generator.parameters(), **kwargs, **fused),
            torch.optim.Adam(discriminator.parameters(), **kwargs, **fused))  # fmt: skip


def train_step(generator, discriminator, opt_g, opt_d, real: torch.Tensor, z: torch.Tensor, r1: float = 0.0,
               sure: torch.Tensor | None = None) -> tuple:  # fmt: skip
    """Lesson 05: one step of the classic GAN on a batch; returns (D loss, G loss) as tensors.

    R1 > 0 (lesson 09) adds the gradient penalty `real_penalty` to the discriminator's loss (times R1 / 2).
    A discriminator with a dial (lesson 09) also guesses the dial each fake was drawn with: both
    networks add `dial_loss` to their losses, so the forger learns to draw each position differently.
    SURE, a tensor of 2 numbers, gets the detective's mean answer on the real digits and on the fakes
    (for a live display; written on the device, so it costs no wait).
    """
    _check_nets(generator, discriminator, opt_g, opt_d)
    _check_batch(real, z, r1)
    if sure is not None and not (isinstance(sure, torch.Tensor) and sure.dim() == 1 and len(sure) == 2):
        check.tensor(sure, "sure", "(2,)", None, length=2)
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
    fake_p, guess_loss = _answer(discriminator, fake.detach(), z)  # (B, 1), and the dial's loss (0 without one)
    d_loss = real_loss + bce(fake_p, zeros)
    if sure is not None:
        real_p = torch.sigmoid(real_logit) if real_p is None else real_p
        sure.copy_(torch.stack([real_p.mean(), fake_p.mean()]).detach())
    (d_loss + guess_loss + (r1 / 2 * steepness if r1 else 0)).backward()  # reported: the game's loss alone
    opt_d.step()

    # 2. The generator learns: make the discriminator say 1 for the fakes. D's own weights need
    # no gradient here (step 1 of the next batch clears it), so autograd skips computing it.
    opt_g.zero_grad()
    with _frozen(discriminator):
        fake_p, guess_loss = _answer(discriminator, fake, z)
        g_loss = bce(fake_p, ones)
        (g_loss + guess_loss).backward()
    opt_g.step()
    return d_loss.detach(), g_loss.detach()


def dial_loss(guess: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """Lesson 09: how badly GUESS (B, dial), the detective's scores, names the dial read from noise Z (B, z_dim)."""
    check.tensor(guess, "dial_loss: guess", "(B, dial)", None)
    check.tensor(z, "dial_loss: z", "(B, z_dim)", None, length=len(guess))
    if not (guess.is_floating_point() and 1 < guess.shape[1] <= z.shape[1]):
        raise ValueError(tr("dial_loss: guess must hold one score per position of the dial, (B, dial) float numbers "
                            "with dial from 2 to z_dim; got {shape} for noise {noise}.", shape=tuple(guess.shape),
                            noise=tuple(z.shape)))  # fmt: skip
    return cross_entropy(guess, read_dial(z, guess.shape[1]))  # small when the right position scores highest


def _answer(discriminator: nn.Module, fake: torch.Tensor, z: torch.Tensor) -> tuple:
    """D's P(real) for FAKE (B, 1), and the dial's loss when D guesses a dial (lesson 09), else 0."""
    if not getattr(discriminator, "dial", 0):
        return discriminator(fake), 0
    fake_p, guess = discriminator.answer_and_guess(fake)  # (B, 1), (B, dial)
    return fake_p, dial_loss(guess, z)


def conditional_step(generator, discriminator, opt_g, opt_d, real: torch.Tensor, labels: torch.Tensor,
                     z: torch.Tensor, wanted: torch.Tensor, r1: float = 0.0) -> tuple:  # fmt: skip
    """Lesson 10: one step of the conditional GAN; returns (D loss, G loss) as tensors.

    The same game as `train_step`, but each picture comes with a digit: REAL digits with their
    true LABELS, and fakes drawn from noise Z as the digits WANTED (chosen at random).
    """
    _check_nets(generator, discriminator, opt_g, opt_d)
    _check_batch(real, z, r1, labels, wanted)
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
    check.kind(discriminator, "discriminator", nn.Module,
               tr("a discriminator (an nn.Module), such as build_gan('classic')[1]"), error=TypeError)  # fmt: skip
    check.tensor(real, "real", "(B, 1, 28, 28)")
    if labels is not None:
        check.tensor(labels, "labels", "(B,)", torch.int64, length=len(real))
        if not callable(getattr(discriminator, "logit", None)):
            raise ValueError(
                tr(
                    "labels are for a conditional discriminator (lesson 10), which has a logit method; "
                    "this {name} has none. Pass labels=None.",
                    name=type(discriminator).__name__,
                )
            )
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
    if not (isinstance(average, nn.Module) and isinstance(generator, nn.Module) and check.is_number(keep)
            and 0 <= keep <= 1 and check.is_whole(step) and step >= 0):  # fmt: skip
        for name, net in (("average", average), ("generator", generator)):
            check.kind(net, name, nn.Module, tr("a generator (an nn.Module), such as build_gan('classic')[0]"),
                       error=TypeError)  # fmt: skip
        check.number(keep, "keep", 0, 1, hint=tr(" (0.999 is typical)"))
        check.whole(step, "step")
    decay = min(keep, (1 + step) / (10 + step))
    for a, p in zip(average.parameters(), generator.parameters(), strict=True):
        a.lerp_(p, 1 - decay)
    for a, b in zip(average.buffers(), generator.buffers(), strict=True):
        a.copy_(b)


@torch.no_grad()
def measure_batchnorm(generator: nn.Module, batches: int = 100, batch_size: int = 256, seed: int = 0) -> nn.Module:
    """Lesson 09: measure GENERATOR's BatchNorm statistics again, for its own weights, from BATCHES of noise.

    The running average (update_average) copies the forger's statistics, which were measured for the
    forger's weights, not for the averaged ones; measuring them again fits them (the shipped DCGAN's
    Fréchet ratio went from 7.5x to 4.9x, README). Changes GENERATOR in place and returns it.
    """
    check.kind(generator, "generator", nn.Module, tr("a generator (an nn.Module), such as build_gan('dcgan')[0]"),
               error=TypeError)  # fmt: skip
    batches, batch_size = check.whole(batches, "batches", 1, 10_000), check.whole(batch_size, "batch_size", 2, 10_000)
    z_dim = check.whole(getattr(generator, "z_dim", None), "generator.z_dim", 1, MAX_Z_DIM)
    norms = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta, was_training = [m.momentum for m in norms], generator.training
    device = next(generator.parameters(), torch.empty(0)).device
    noise = make_noise(batches * batch_size, z_dim, seed=seed).split(batch_size)  # BATCHES x (batch_size, z_dim)
    try:
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # None: each statistic becomes the plain average over all the batches
        generator.train()
        for z in noise:
            generator(z.to(device))
    finally:
        for m, momentum in zip(norms, momenta, strict=True):
            m.momentum = momentum
        generator.train(was_training)
    return generator


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


# The engine's names, for lessons and scripts that import them from here (they load gan_lessons.engine on
# first use). This is the one import of the engine in this module: the engine builds on this file, not the
# other way round (tests/test_layering.py checks both).
ENGINE_NAMES = ("Trainer", "History", "Callback", "print_every")


def __getattr__(name: str) -> object:
    """Lesson 05: `from gan_lessons.training import Trainer` gives gan_lessons.engine.Trainer."""
    if name in ENGINE_NAMES:
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
