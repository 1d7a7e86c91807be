"""The digit judge: a small classifier that tells how good generated digits are (lesson 08).

It answers three questions about a batch of digits:

1. **Recognizability**: what share of them the judge reads as one digit with confidence >= 0.9?
2. **Digit counts**: does every digit 0..9 appear about equally often, or has the generator
   collapsed onto a few (mode collapse)?
3. **Fréchet distance**: how far the judge's features of the digits are from those of real
   test digits (0 = the same; compare it with the distance between two halves of the real test set).

The judge's weights and the real test set's feature statistics ship in ``assets/judge.pt``,
made by ``scripts/train_judge.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

from . import validate as check
from .checkpoints import CheckpointError, load_safe
from .data import to_model_range
from .i18n import tr
from .models import N_DIGITS, _check_shape, generate, is_conditional, make_noise

JUDGE_PATH = Path(__file__).parent / "assets" / "judge.pt"
CONFIDENT = 0.9  # a digit counts as recognizable when the judge is at least this sure
FD_SIZE = 5000  # at most this many digits go into a Fréchet distance (half of MNIST's test set)
FD_MIN = 128  # fewer digits than the judge has features make a Fréchet distance that means nothing
MISSING_SHARE = 0.02  # a digit with a smaller share than this (fair share: 0.10) is "missing"
DOMINANT_SHARE = 0.25  # a digit with a bigger share than this is "dominant"
MAX_DIGITS = 100_000  # the most digits judged at once (as many as `gan-lessons sample --n` makes): ~0.5 GB at most


class DigitJudge(nn.Module):
    """Lesson 08: a small CNN that reads a digit (B, 1, 28, 28) in [-1, 1] and scores 0..9 (B, 10)."""

    def __init__(self, width: int = 32, n_features: int = 128):
        super().__init__()
        width, n_features = check.whole(width, "width", 1, 1024), check.whole(n_features, "n_features", 1, 4096)
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1),  # (B, 32, 28, 28)
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, 32, 14, 14)
            nn.Conv2d(width, 2 * width, 3, padding=1),  # (B, 64, 14, 14)
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, 64, 7, 7)
            nn.Flatten(),  # (B, 3136)
            nn.Linear(2 * width * 7 * 7, n_features),  # (B, 128): the features the Fréchet distance uses
            nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(n_features, 10))  # (B, 10) scores (logits)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_shape(x, (None, 1, 28, 28), tr("The judge"))
        return self.head(self.features(x))


@dataclass
class Reference:
    """Lesson 08: the judge's features of MNIST's real test digits, to compare generated digits with."""

    features_a: torch.Tensor  # (5000, F) features of the test set's first half
    mean_b: torch.Tensor  # (F,) mean features of the second half
    cov_b: torch.Tensor  # (F, F) their covariance


def load_judge(path: str | Path = JUDGE_PATH) -> DigitJudge:
    """Lesson 08: the trained judge in eval mode, with its test accuracy and real-digit reference."""
    obj = load_safe(path, "judge")
    judge = DigitJudge(obj.get("width", 32), obj.get("n_features", 128))
    try:
        judge.load_state_dict({k: v.float() for k, v in obj["state"].items()})
        judge.reference = Reference(obj["features_a"].float(), obj["mean_b"].double(), obj["cov_b"].double())
        judge.accuracy = float(obj["accuracy"])
    except (KeyError, RuntimeError, AttributeError) as err:
        raise CheckpointError(tr("{path} is damaged or from another version of gan-lessons ({err}).", path=path,
                                 err=err)) from err  # fmt: skip
    return judge.eval()


@lru_cache(maxsize=1)
def _shipped_judge() -> DigitJudge:
    return load_judge(JUDGE_PATH)


def as_model_range(images: torch.Tensor) -> torch.Tensor:
    """Lesson 08: digits as floats (N, 1, 28, 28) in [-1, 1], from uint8 pixels or floats."""
    images = check.digits(_few_enough(images), tr("The judge expects"))  # (N, 1, 28, 28)
    if images.dtype == torch.uint8:
        return to_model_range(images)
    return images.detach().cpu().clamp(-1, 1)


def _few_enough(images: object) -> object:
    """IMAGES, or a ValueError when they are more than MAX_DIGITS digits (counted before any work)."""
    if isinstance(images, torch.Tensor) and images.dim() >= 1 and len(images) > MAX_DIGITS:
        raise ValueError(tr("The judge takes at most {most:,} digits at once; got {n:,}. Judge them in parts, such as "
                            "images[:{most}].", most=MAX_DIGITS, n=len(images)))  # fmt: skip
    return images


def _judge(judge: object) -> DigitJudge:
    """JUDGE, or the shipped judge when it is None; a TypeError for anything else."""
    if judge is None:
        return _shipped_judge()
    return check.kind(judge, "judge", DigitJudge, tr("None (the shipped judge) or load_judge()'s judge"),
                      error=TypeError)  # fmt: skip


@torch.no_grad()
def read_digits(images: torch.Tensor, judge: DigitJudge | None = None, batch: int = 1000) -> tuple:
    """Lesson 08: the judge's probabilities (N, 10) and features (N, F) for some digits."""
    judge, batch = _judge(judge), check.whole(batch, "batch", 1, MAX_DIGITS)
    x = check.digits(_few_enough(images), tr("The judge expects"))  # (N, 1, 28, 28), uint8 or float
    probs, feats = [], []
    for i in range(0, len(x), batch):  # a part at a time: floats of all the digits at once would take 4x the memory
        f = judge.features(as_model_range(x[i : i + batch]))  # (b, F)
        probs.append(judge.head(f).softmax(dim=1))  # (b, 10), each row sums to 1
        feats.append(f)
    return torch.cat(probs), torch.cat(feats)


def recognizability(probs: torch.Tensor, threshold: float = CONFIDENT) -> float:
    """Lesson 08: the share of digits the judge reads with confidence >= THRESHOLD."""
    probs, threshold = _probs(probs), check.number(threshold, "threshold", 0, 1)
    return (probs.max(dim=1).values >= threshold).float().mean().item()


def _probs(probs: object) -> torch.Tensor:
    """PROBS when it is the judge's probabilities, a float tensor (N, 10) with N >= 1; else a ValueError."""
    if (
        not isinstance(probs, torch.Tensor)
        or not probs.is_floating_point()
        or probs.dim() != 2
        or probs.shape[1] != 10
        or len(probs) == 0
        or probs.layout != torch.strided
        or probs.is_meta
    ):
        shape = tuple(probs.shape) if isinstance(probs, torch.Tensor) else type(probs).__name__
        raise ValueError(tr("Expected the judge's probabilities, a float tensor (N, 10) from read_digits; got {shape}.",
                            shape=shape))  # fmt: skip
    return probs


def digit_counts(probs: torch.Tensor) -> list[int]:
    """Lesson 08: how many digits the judge reads as 0, 1, ..., 9 (its best guess for each)."""
    probs = _probs(probs)
    return torch.bincount(probs.argmax(dim=1), minlength=10).tolist()


def coverage_warning(counts: list[int]) -> str | None:
    """Lesson 08: a warning naming the missing and dominant digits, or None when all look fair."""
    ok = isinstance(counts, (list, tuple)) and len(counts) == 10 and all(check.is_whole(c) and c >= 0 for c in counts)
    total = sum(counts) if ok else 0
    if not ok or total == 0:
        raise ValueError(tr("Expected 10 digit counts with a positive total, got {counts}.", counts=counts))
    missing = ", ".join(str(d) for d, c in enumerate(counts) if c / total < MISSING_SHARE)
    dominant = ", ".join(f"{d} ({c / total:.0%})" for d, c in enumerate(counts) if c / total > DOMINANT_SHARE)
    if not missing and not dominant:
        return None
    if not dominant:
        which = tr("Digits missing or very rare: {missing}", missing=missing)
    elif not missing:
        which = tr("Digits far too common: {dominant}", dominant=dominant)
    else:
        which = tr("Digits missing or very rare: {missing}; digits far too common: {dominant}", missing=missing,
                   dominant=dominant)  # fmt: skip
    return tr("Warning: mode collapse? The generator draws only some digits. {which}. A fair share is 10% each "
              "(of {total:,} digits).", which=which, total=total)  # fmt: skip


def feature_stats(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Lesson 08: the mean (F,) and covariance (F, F) of features (N, F), in float64."""
    if (
        not isinstance(features, torch.Tensor)
        or not features.is_floating_point()
        or features.dim() != 2
        or len(features) < 2
        or features.layout != torch.strided
        or features.is_meta
    ):
        shape = tuple(features.shape) if isinstance(features, torch.Tensor) else type(features).__name__
        raise ValueError(tr("Expected features of shape (N, F) with N >= 2, got {shape}.", shape=shape))
    f = features.double()
    mean = f.mean(dim=0)  # (F,)
    centered = f - mean  # (N, F)
    return mean, centered.T @ centered / (len(f) - 1)  # (F, F)


def _sqrt_psd(m: torch.Tensor) -> torch.Tensor:
    """The square root of a symmetric positive semi-definite matrix, by its eigenvalues."""
    values, vectors = torch.linalg.eigh((m + m.T) / 2)
    return (vectors * values.clamp(min=0).sqrt()) @ vectors.T


def frechet_from_stats(mean1: torch.Tensor, cov1: torch.Tensor, mean2: torch.Tensor, cov2: torch.Tensor) -> float:
    """Lesson 08: the Fréchet distance between two Gaussians given by their means and covariances."""
    parts = (mean1, cov1, mean2, cov2)
    if not all(isinstance(t, torch.Tensor) and t.is_floating_point() for t in parts) or \
            not (mean1.dim() == mean2.dim() == 1 and len(mean1) == len(mean2) >= 1 and
                 cov1.shape == cov2.shape == (len(mean1), len(mean1))):  # fmt: skip
        raise ValueError(
            tr("Expected two means (F,) and two covariances (F, F) as float tensors, such as feature_stats gives.")
        )
    mean1, cov1, mean2, cov2 = (t.double() for t in parts)
    root1 = _sqrt_psd(cov1)
    # trace of sqrt(cov1 @ cov2) = sum of sqrt(eigenvalues) of the symmetric root1 @ cov2 @ root1
    middle = torch.linalg.eigvalsh(root1 @ cov2 @ root1).clamp(min=0).sqrt().sum()
    distance = (mean1 - mean2).square().sum() + cov1.trace() + cov2.trace() - 2 * middle
    return max(distance.item(), 0.0)


def frechet_distance(features1: torch.Tensor, features2: torch.Tensor) -> float:
    """Lesson 08: the Fréchet distance between two sets of features (N1, F) and (N2, F)."""
    return frechet_from_stats(*feature_stats(features1), *feature_stats(features2))


@dataclass
class JudgeReport:
    """Lesson 08: the judge's verdict on a batch of digits."""

    n: int
    recognizability: float
    counts: list[int]
    warning: str | None
    fd: float | None  # generated digits against real test digits (None: too few digits, fewer than FD_MIN)
    fd_real: float | None  # real test digits against other real test digits, the same number of them
    fd_n: int  # how many digits went into each Fréchet distance
    threshold: float = CONFIDENT
    shares: list[float] = field(init=False)

    def __post_init__(self) -> None:
        self.shares = [c / self.n for c in self.counts]

    @property
    def covered(self) -> int:
        """Lesson 08: how many of the 10 digits appear at least a little (share >= 2%)."""
        return sum(s >= MISSING_SHARE for s in self.shares)

    @property
    def fd_ratio(self) -> float | None:
        """Lesson 08: the Fréchet distance in units of the real-against-real one (1 = as good as real)."""
        if self.fd is None or self.fd_real is None:
            return None  # too few digits to tell
        return self.fd / self.fd_real if self.fd_real > 0 else float("inf")

    def __str__(self) -> str:
        counts = "  ".join(f"{d}:{c}" for d, c in enumerate(self.counts))
        lines = [
            tr("Judged {n:,} digits.", n=self.n),
            tr("Recognizable (judge at least {threshold:.0%} sure): {share:.1%}", threshold=self.threshold,
               share=self.recognizability),
            tr("Digit counts: {counts}   (covered: {covered} of 10)", counts=counts, covered=self.covered),
            self._fd_line(),
        ]  # fmt: skip
        return "\n".join(lines + ([self.warning] if self.warning else []))

    def _fd_line(self) -> str:
        """The report's line about the Fréchet distance, or why it was not measured."""
        if self.fd is None:
            return tr("Fréchet distance: not measured. It needs at least {fd_min} digits and got {n}; with fewer it "
                      "looks as good as real whatever the digits. Judge more digits (1,000 is best).", fd_min=FD_MIN,
                      n=self.fd_n)  # fmt: skip
        return tr("Fréchet distance to real digits: {fd:.2f}   (real against real: {fd_real:.2f}, ratio {ratio:.1f}x; "
                  "{n:,} digits each; lower is better)", fd=self.fd, fd_real=self.fd_real, ratio=self.fd_ratio,
                  n=self.fd_n)  # fmt: skip


def judge_digits(images: torch.Tensor, judge: DigitJudge | None = None) -> JudgeReport:
    """Lesson 08: judge digits (N, 1, 28, 28), uint8 pixels or floats in [-1, 1]."""
    judge = _judge(judge)
    probs, feats = read_digits(images, judge)
    ref = judge.reference
    n = min(len(feats), len(ref.features_a), FD_SIZE)
    fd = fd_real = None
    if n >= FD_MIN:
        fd = frechet_from_stats(*feature_stats(feats[:n]), ref.mean_b, ref.cov_b)
        fd_real = frechet_from_stats(*feature_stats(ref.features_a[:n]), ref.mean_b, ref.cov_b)
    counts = digit_counts(probs)
    return JudgeReport(len(probs), recognizability(probs), counts, coverage_warning(counts), fd, fd_real, n)


def judge_generator(generator: nn.Module, n: int = 1000, seed: int = 0, judge: DigitJudge | None = None) -> JudgeReport:
    """Lesson 08: draw N digits from GENERATOR (seeded) and judge them."""
    n, seed = check.whole(n, tr("n, how many digits to judge (1,000 is best),"), 1, MAX_DIGITS), check.seed(seed)
    _check_generator(generator)
    digits = torch.cat([_draw(generator, i, min(1000, n - i), seed) for i in range(0, n, 1000)])  # (N, 1, 28, 28)
    return judge_digits(digits, judge)


def _draw(generator: nn.Module, start: int, n: int, seed: int) -> torch.Tensor:
    """Digits START..START+N of a seeded set; a conditional generator is asked for 0, 1, ..., 9 in turn."""
    z = make_noise(n, generator.z_dim, seed=(seed + start) % (check.MAX_SEED + 1))  # (n, z_dim)
    if not is_conditional(generator):
        return generate(generator, z)
    return generate(generator, z, torch.arange(start, start + n) % N_DIGITS)  # (n, 1, 28, 28)


def _check_generator(generator: object) -> None:
    """A TypeError unless GENERATOR is a generator (a network with a z_dim)."""
    if not isinstance(generator, nn.Module) or not check.is_whole(getattr(generator, "z_dim", None)):
        raise TypeError(tr("Expected a generator, such as load_generator('dcgan'); got {kind}.",
                           kind=type(generator).__name__))  # fmt: skip


def asked_digit_rates(generator: nn.Module, n: int = 1000, seed: int = 0,
                      judge: DigitJudge | None = None) -> list[float]:  # fmt: skip
    """Lesson 10: for each digit 0..9, the share of N digits asked of GENERATOR that the judge reads as that digit.

    "Read as it" means the judge's best guess is the digit asked for (however sure it is).
    """
    _check_generator(generator)
    if not is_conditional(generator):
        raise ValueError(tr("A {kind} cannot be asked for a digit; use a conditional generator.",
                            kind=type(generator).__name__))  # fmt: skip
    if not check.is_whole(n) or not 1 <= n <= MAX_DIGITS:
        raise ValueError(tr("Ask for at least 1 digit of each kind (1,000 is best), got n={n}.", n=n))
    seed, judge = check.seed(seed), _judge(judge)
    z = make_noise(n, generator.z_dim, seed=seed)  # (n, z_dim): the same noise for every digit
    rates = []
    for digit in range(N_DIGITS):
        probs, _ = read_digits(generate(generator, z, torch.full((n,), digit)), judge)  # (n, 10)
        rates.append((probs.argmax(dim=1) == digit).float().mean().item())
    return rates


def recognizability_curve(trainer, seconds: float, every: float = 15.0, n: int = 1000,
                          seed: int = 0, measure=None, clock=None) -> list[tuple[float, float]]:  # fmt: skip
    """Lesson 07: train TRAINER for SECONDS of training time, judging N digits every EVERY seconds.

    Returns (seconds of training, recognizability) pairs, starting with the untrained (0, ...).
    Judging is not counted as training time. Training also ends when the config's epochs are done.
    MEASURE(generator) -> float replaces the recognizability (lesson 10 measures digits read as asked).
    CLOCK() -> seconds replaces the wall clock: benchmarks on a busy machine pass time.process_time,
    the CPU seconds of this process (with one thread, about what an idle core would take).
    """
    from .live import train_for

    if not seconds > 0 or not every > 0:
        raise ValueError(tr("seconds and every must be > 0, got seconds={seconds}, every={every}.", seconds=seconds,
                            every=every))  # fmt: skip
    judge = _shipped_judge()
    if measure is None:

        def measure(generator: nn.Module) -> float:
            return judge_generator(generator, n, seed, judge).recognizability

    curve, trained = [(0.0, measure(trainer.drawer))], 0.0
    while trained < seconds - 1e-9 and trainer.epoch < trainer.config.epochs:
        trained += train_for(trainer, min(every, seconds - trained), clock=clock)  # judging is not counted
        curve.append((trained, measure(trainer.drawer)))
    return curve
