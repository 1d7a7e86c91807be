"""The training doctor: says in one plain sentence what is going on in training, why, and what to do (lesson 05).

Attach a `Doctor` to any `Trainer` as a callback; every EVERY seconds of training it measures a few
signals (`Signals`) and a pure rule (`diagnose`) names the state. Measuring and naming are apart, so
the rule is tested on recorded signals without training anything.

The signals of one check-up (the losses are averages over the batches since the last check-up):

- ``d_real``, ``d_fake``: how sure the detective was, on average, that the real digits and the fakes are real
  (from the engine's own numbers; NaN where the step does not give them);
- ``d_loss``, ``g_loss``: the two losses;
- ``grad``: the size of the forger's gradient at its last layer, on 64 digits of fixed noise;
- ``recognizable``: the share of 200 fixed-noise digits that the digit judge (lesson 08) reads with
  confidence >= 0.9;
- ``top2``: the share of those 200 digits taken by the two digits the judge reads most often (fair: 0.2);
- ``covered``: how many of the ten digits make at least 2% of those 200 (fair: all ten);
- ``spread``: how different the 200 pictures are from each other (mean distance between two pictures),
  divided by the same for 200 real digits: about 1 for a healthy forger, near 0 when all look alike;
- ``change``: how much the weights moved since the last check-up: the length of the change divided by the
  length of the weights, for the network that moved most (the forger or the detective);
- ``finite``: False once a loss or a weight is NaN or infinite.

The states (`diagnose`, first match wins; "for two check-ups" means in the last two check-ups):

- ``diverged``: a number is NaN or infinite. The cause is read from the settings: a learning rate >= 1e-2,
  an R1 weight >= 1,000, or a forger's gradient that grew a thousandfold; otherwise "unclear".
- ``stuck``: for three check-ups neither network's weights moved by more than 1/10,000 of
  their length, and the judge's score by less than 0.01: nothing is learning.
- ``detective_wins``: for two check-ups the detective is certain (D(fake) < 0.03 and D(real) > 0.9, or
  where those are unknown a D loss < 0.1 with a G loss > 4); or for three check-ups it is nearly always
  right (D(fake) < 0.1 and D(real) > 0.8, or a D loss < 0.2 with a G loss > 3) while the forger's gradient
  has faded and its digits are poor (recognizable < 0.5). Faded: below a tenth of its largest, or a G loss
  below 0.5 although D(fake) < 0.1, which only the original (saturating) minimax loss gives: its gradient
  is about D(fake), near 0. (With the usual non-saturating loss the forger's gradient does not fade, so
  there the detective's certainty is the sign.)
- ``mode_collapse``: for two check-ups, after WARM_SECONDS of training (however few batches), the pictures
  are nearly copies of each other (spread < 0.25); or, after warm-up and while the pictures are not spreading
  out again (the spread rose by less than 0.02 between the two), they are alike (spread < 0.45) or the judge
  reads most of them as the same two digits (top2 > 0.7 while recognizable >= 0.5, so that its reading means
  something).
- ``lazy_detective``: for three check-ups the digits are poor (recognizable < 0.3) but not copies of each
  other (spread >= 0.4: copies are a collapse, above), and the detective cannot tell real from fake: after
  warm-up D(fake) >= D(real) - 0.05; at any time D(fake) >= D(real) + 0.2 (it finds the fakes more real
  than the real digits: a healthy detective never does, even at the start).
- ``healthy``: the judge's score rose by 0.03 or more over the last three check-ups, or is 0.5 or more.
- ``warming_up``: the first WARM_SECONDS of training, when blobs are normal; ``unclear`` after that.

Warm-up is WARM_SECONDS of training and WARM_STEPS batches: in a healthy classic GAN the forger often
draws one digit for a while early on and then spreads out again, which is no alarm.

Where the collapse thresholds come from (benchmarks/doctor.py, 2026-12-06, 2-core CPU, CPU seconds of one
thread, 5 seeds; the spread is the mean distance between two of the 200 fixed-noise pictures over the same
for 200 real digits):

- a forger that trains 6 steps per detective step truly collapses: after 60 s the judge reads the 200
  digits as one digit (200 eights, or 200 threes) or two (117 fours and 83 eights); from 20 s on its
  spread is 0.12 to 0.27 and falls, so it is named at 26 to 33 s; it trains only 67 to 80 batches in 60 s;
- a healthy classic GAN draws blobs of one or two digits for a while at first, but their spread was
  0.31 or more from 10 s on (seeds 0 and 1: 0.32 or more from 20 s on, rising to 0.9); the other failures stay at 0.28
  or more before their own alarm (a detective 20x faster: 0.28 to 0.38; the others 0.37 or more);
- so COPIES = 0.25 lies between them, needs two check-ups in a row, and waits WARM_SECONDS (not
  WARM_STEPS: the collapse recipe trains too few batches); the "alike" rule (0.45, or two digits over
  0.7) waits for the whole warm-up; a learning rate of 2e-3 only half collapses in the first minute
  (2 to 4 digits, spread about 0.6, like a healthy classic GAN then), which is rightly not named;
- READABLE = 0.5 and SPREADING = 0.02: on the healthy classic GAN of lesson 05 (seeds 2 and 4, 1 thread, 230
  to 410 batches in its first 50 to 90 s) the judge read the blobs as one or two digits (top2 0.74 to 0.99,
  recognizable 0.03 to 0.28) while their spread rose from 0.27 to 0.44 and from 0.29 to 0.82: the forger
  spreading out again, no collapse; with the older rule (top2 with recognizable >= 0.2, and spread < 0.45
  even while rising) both were named mode collapse;
- VARIED = 0.4: a detective that learns nothing (learning rate 1e-7) faces varied blobs (spread 0.52
  to 0.53), while the collapsing forger, ahead of its detective (D(fake) > D(real) + 0.2 from 5 s on),
  draws copies (0.35 at 12 s, 0.28 at 17 s): without VARIED it was named a lazy detective at 17 s.

The doctor also keeps the best forger so far by its score: recognizable x covered / 10 (a forger that
draws one digit perfectly scores 0.1, not 1), says when the latest is clearly worse (by 0.1 or more,
from a best of 0.2 or more), and `Doctor.rewind` puts the best one back.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn
from torch.nn.functional import binary_cross_entropy as bce

from . import validate as check
from .i18n import N_, tr
from .models import N_DIGITS, generate, is_conditional, make_noise

EVERY = 5.0  # seconds of training between check-ups
N_JUDGED = 200  # fixed-noise digits the judge reads at each check-up
N_GRAD = 64  # fixed-noise digits for the forger's gradient
WARM_SECONDS = 20.0  # before this much training, only "diverged" is an alarm
WARM_STEPS = 200  # ... and before this many batches
SURE_RIGHT = (0.8, 0.1)  # detective nearly always right: D(real) above the first, D(fake) below the second
LOSS_RIGHT = (0.2, 3.0)  # ... or, without D's answers: D loss below the first, G loss above the second
CERTAIN = (0.9, 0.03)  # detective certain: D(real) above the first, D(fake) below the second
LOSS_CERTAIN = (0.1, 4.0)  # ... or, without D's answers: D loss below the first, G loss above the second
FADED = 0.1  # the forger's gradient has faded below this share of its largest
SATURATED = 0.5  # ... or its loss is below this while D(fake) < 0.1: the saturating minimax loss
COPIES = 0.25  # mode collapse after WARM_SECONDS: spread below this (pictures nearly copies of each other)
ALIKE = 0.45  # mode collapse after warm-up: spread below this
TWO_DIGITS = 0.7  # mode collapse: two digits take more than this share
READABLE = 0.5  # ... while at least this share is recognizable (the judge reads poor blobs as one or two digits)
SPREADING = 0.02  # ... and the spread did not rise this much between the two check-ups (the healthy early phase)
FOOLED = 0.05  # lazy detective: D(fake) >= D(real) - FOOLED after warm-up
PREFERS = 0.2  # ... or D(fake) >= D(real) + PREFERS at any time: it finds the fakes more real than the real digits
POOR = 0.3  # lazy detective: digits recognizable below this
VARIED = 0.4  # ... and spread at least this (copies of one picture are a collapse, not a lazy detective)
STILL = 1e-4  # stuck: the weights move less than this share of their length
RISING = 0.03  # healthy: the judge's score rose at least this much over three check-ups
GOOD = 0.5  # healthy: or it is at least this
WORSE = 0.1  # "your forger was better ...": the best score is at least this much above the latest
HUGE_LR, HUGE_R1 = 1e-2, 1e3
MAX_PICTURES = 5_000  # mean_distance and forger_gradient: the most pictures they take (5,000: 200 MB of distances)

ALARMS = ("diverged", "stuck", "detective_wins", "mode_collapse", "lazy_detective")
STATES = (*ALARMS, "healthy", "warming_up", "unclear")

# Healthy because the score is already high, yet a little lower than three check-ups ago: not "getting better".
HEALTHY_DIP = N_(
    "Healthy: the judge can read {now:.0%} of the digits (it was {before:.0%}; a small dip now and then is normal); "
    "keep training."
)
SENTENCES = {
    "healthy": N_(
        "Healthy and getting better: the judge can read {now:.0%} of the digits (it was {before:.0%}); keep training."
    ),
    "warming_up": N_("Warming up: blurry blobs are normal in the first seconds, so keep training and watch."),
    "unclear": N_(
        "No clear sign yet: nothing looks broken, but the digits are not getting better either "
        "(the judge reads {now:.0%}); give it another minute."
    ),
    "detective_wins": N_(
        "The detective wins: it spots almost every fake (D(real) = {d_real:.2f}, D(fake) = "
        "{d_fake:.2f}), so the forger gets no useful advice and learns nothing; give both the same "
        "learning rate, one detective step per forger step, and the non-saturating loss."
    ),
    "lazy_detective": N_(
        "The detective learns nothing: it cannot tell real digits from fakes (D(real) = {d_real:.2f}, "
        "D(fake) = {d_fake:.2f}) and the digits stay poor ({now:.0%} readable), so the forger has no "
        "teacher; give the detective the same learning rate as the forger (2e-4), not a tiny one."
    ),
    "mode_collapse": N_(
        "Mode collapse: the forger draws nearly the same picture again and again (spread {spread:.2f}, "
        "two digits make {top2:.0%}), because it found one drawing that fools the detective and learns "
        "faster than the detective can catch up; give both one step per batch and the learning rate 2e-4, "
        "or use lesson 09's recipe with a running average."
    ),
    "stuck": N_(
        "Stuck: the weights have not changed for {seconds:.0f} seconds, because the steps are too small to "
        "move anything (or were so big that the networks froze); set the learning rate back to 2e-4 and "
        "start again."
    ),
}
CAUSES = {
    "lr": N_(
        "Training blew up: the numbers became NaN or infinite, most likely because the learning rate {lr:g} is "
        "far too high; start again with 2e-4 (resuming would blow up again)."
    ),
    "r1": N_(
        "Training blew up: the numbers became NaN or infinite, most likely because the R1 weight {r1:g} is "
        "huge; start again with r1 = 1."
    ),
    "gradients": N_(
        "Training blew up: the numbers became NaN or infinite after the forger's gradient grew "
        "{growth:,.0f} times, so the steps became far too big; start again with half the learning rate."
    ),
    "unclear": N_(
        "Training blew up: the numbers became NaN or infinite although the learning rate {lr:g} and the R1 "
        "weight {r1:g} look normal; check any code you changed in the training step, then start again."
    ),
}
BETTER = N_(
    " Your forger was better {ago} ago (its score was {best:.2f}, now {now:.2f}): doctor.rewind(trainer) "
    "brings it back."
)


@dataclass
class Signals:
    """Lesson 05: what the doctor measured at one check-up (see the module's docstring)."""

    seconds: float  # of training, since the doctor began watching
    steps: int
    d_loss: float
    g_loss: float
    d_real: float
    d_fake: float
    grad: float
    recognizable: float
    top2: float
    spread: float
    change: float  # NaN at the first check-up
    finite: bool = True
    covered: int = 10  # digits with at least 2% of the judged ones

    @property
    def score(self) -> float:
        """Lesson 05: the forger's score for keeping the best: recognizable x covered / 10."""
        return self.recognizable * self.covered / N_DIGITS


@dataclass
class Setting:
    """Lesson 05: the settings the doctor reads to explain a blow-up."""

    lr_g: float = 2e-4
    lr_d: float = 2e-4
    r1: float = 0.0


@dataclass
class Diagnosis:
    """Lesson 05: a state's name, the sentence that explains it, and when it was made."""

    state: str
    sentence: str
    seconds: float

    @property
    def alarm(self) -> bool:
        """Lesson 05: True for the states that mean something is wrong."""
        return self.state in ALARMS


def _last(history: Sequence[Signals], n: int) -> Sequence[Signals] | None:
    """The last N check-ups, or None when there are fewer."""
    return history[-n:] if len(history) >= n else None


def _warm(s: Signals) -> bool:
    return s.seconds >= WARM_SECONDS and s.steps >= WARM_STEPS


def _detective_sure(s: Signals, answers: tuple = SURE_RIGHT, losses: tuple = LOSS_RIGHT) -> bool:
    """The detective is right with ANSWERS (D(real) above, D(fake) below), or where unknown with LOSSES."""
    if math.isnan(s.d_real) or math.isnan(s.d_fake):
        return s.d_loss < losses[0] and s.g_loss > losses[1]
    return s.d_real > answers[0] and s.d_fake < answers[1]


def _is_stuck(window: Sequence[Signals]) -> bool:
    scores = [s.recognizable for s in window]
    return all(s.change < STILL for s in window) and max(scores) - min(scores) < 0.01


def _detective_certain(window: Sequence[Signals]) -> bool:
    return all(_detective_sure(s, CERTAIN, LOSS_CERTAIN) for s in window)


def _faded(s: Signals, best_grad: float) -> bool:
    """The forger's gradient faded: measured, or known from a saturated loss (the original minimax loss).

    With that loss the forger's loss is log(1 - D(fake)), near 0 when D(fake) is near 0, and so is its
    gradient; the non-saturating loss -log D(fake) would be above 2.3 there.
    """
    return s.grad < FADED * best_grad or (s.d_fake < SURE_RIGHT[1] and s.g_loss < SATURATED)


def _detective_wins(window: Sequence[Signals], best_grad: float) -> bool:
    return all(_detective_sure(s) and _faded(s, best_grad) and s.recognizable < GOOD for s in window)


def _collapsed(window: Sequence[Signals]) -> bool:
    def copies(s: Signals) -> bool:  # after WARM_SECONDS, however few batches: a collapse recipe may train slowly
        return s.seconds >= WARM_SECONDS and s.spread < COPIES

    def alike(s: Signals) -> bool:
        return _warm(s) and (s.spread < ALIKE or (s.top2 > TWO_DIGITS and s.recognizable >= READABLE))

    if all(copies(s) for s in window):
        return True
    spreading = window[-1].spread - window[0].spread >= SPREADING  # a healthy classic GAN's first minutes
    return not spreading and all(copies(s) or alike(s) for s in window)


def _fooled(window: Sequence[Signals]) -> bool:
    def fooled(s: Signals) -> bool:
        prefers_fakes = s.d_fake >= s.d_real + PREFERS  # never seen in a healthy run, even at the start
        poor_but_varied = s.recognizable < POOR and s.spread >= VARIED
        return poor_but_varied and (prefers_fakes or (_warm(s) and s.d_fake >= s.d_real - FOOLED))

    return all(fooled(s) for s in window)


def _check_history(history: object) -> Sequence[Signals]:
    """HISTORY when it is a list of Signals (oldest first), or a TypeError saying what to pass."""
    if not (isinstance(history, Sequence) and not isinstance(history, (str, bytes))
            and all(isinstance(s, Signals) for s in history)):  # fmt: skip
        raise TypeError(tr("history must be a list of the doctor's check-ups (Signals), such as doctor.history; got "
                           "{value}.", value=check.describe(history)))  # fmt: skip
    return history


def _check_setting(setting: object) -> Setting:
    """SETTING when it is a Setting of learning rates and an R1 weight (numbers >= 0), or an error saying so."""
    check.kind(setting, "setting", Setting, tr("a Setting, such as Setting(lr_g=2e-4, lr_d=2e-4, r1=0)"),
               error=TypeError)  # fmt: skip
    for name in ("lr_g", "lr_d", "r1"):
        check.number(getattr(setting, name), f"setting.{name}", 0)
    return setting


def name_state(history: Sequence[Signals]) -> str:
    """Lesson 05: the state (one of STATES) that the check-ups HISTORY (oldest first) show at the last one."""
    _check_history(history)
    if not history:
        raise ValueError(tr("The doctor needs at least one check-up to name a state."))
    s = history[-1]
    if not s.finite:
        return "diverged"
    best_grad = max((h.grad for h in history if math.isfinite(h.grad)), default=0.0)
    three, two = _last(history, 3), _last(history, 2)
    if three and _is_stuck(three):
        return "stuck"
    if (two and _detective_certain(two)) or (three and _detective_wins(three, best_grad)):
        return "detective_wins"
    if two and _collapsed(two):
        return "mode_collapse"
    if three and _fooled(three):
        return "lazy_detective"
    before = history[-3].recognizable if len(history) >= 3 else history[0].recognizable
    if len(history) >= 3 and (s.recognizable - before >= RISING or s.recognizable >= GOOD):
        return "healthy"
    return "warming_up" if not _warm(s) else "unclear"


def blow_up_cause(history: Sequence[Signals], setting: Setting) -> tuple[str, dict]:
    """Lesson 05: the most likely cause of a blow-up ("lr", "r1", "gradients" or "unclear") and its numbers."""
    _check_history(history)
    _check_setting(setting)
    lr = max(setting.lr_g, setting.lr_d)
    if lr >= HUGE_LR:
        return "lr", {"lr": lr}
    if setting.r1 >= HUGE_R1:
        return "r1", {"r1": setting.r1}
    grads = [h.grad for h in history if math.isfinite(h.grad) and h.grad > 0]
    if len(grads) >= 2 and grads[-1] >= 1000 * min(grads):
        return "gradients", {"growth": grads[-1] / min(grads)}
    return "unclear", {"lr": lr, "r1": setting.r1}


def diagnose(history: Sequence[Signals], setting: Setting | None = None) -> Diagnosis:
    """Lesson 05: name the state of the check-ups HISTORY in one sentence with its reason and a fix."""
    if setting is not None:
        _check_setting(setting)
    state = name_state(history)
    s = history[-1]
    if state == "diverged":
        cause, values = blow_up_cause(history[:-1] or history, setting or Setting())
        return Diagnosis(state, tr(CAUSES[cause], **values), s.seconds)
    before = history[-3].recognizable if len(history) >= 3 else history[0].recognizable
    values = {"now": s.recognizable, "before": before, "d_fake": s.d_fake, "d_real": s.d_real,
              "spread": s.spread, "top2": s.top2,
              "seconds": s.seconds - _still_since(history)}  # fmt: skip
    sentence = HEALTHY_DIP if state == "healthy" and s.recognizable < before else SENTENCES[state]
    return Diagnosis(state, tr(sentence, **values), s.seconds)


def _still_since(history: Sequence[Signals]) -> float:
    """The seconds of the last check-up after which the weights stopped moving."""
    for i in range(len(history) - 1, 0, -1):
        if not history[i].change < STILL:
            return history[i].seconds
    return history[0].seconds


@lru_cache(maxsize=1)
def _judge():
    from .judge import load_judge

    return load_judge()


@contextmanager
def _evaluating(*models: nn.Module):
    """Inside, MODELS are in evaluation mode (BatchNorm reads, dropout rests); their modes come back afterwards."""
    modes = [m.training for m in models]
    for m in models:
        m.eval()
    try:
        yield
    finally:
        for m, mode in zip(models, modes, strict=True):
            m.train(mode)


def _draw(generator: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """Digits (N, 1, 28, 28) on the CPU from noise Z; a conditional forger is asked for 0, 1, ..., 9 in turn."""
    if is_conditional(generator):
        return generate(generator, z, torch.arange(len(z)) % N_DIGITS)
    return generate(generator, z)


def mean_distance(images: torch.Tensor) -> float:
    """Lesson 05: the mean pixel distance between two different pictures of IMAGES (N, 1, 28, 28)."""
    n = len(check.digits(images, tr("mean_distance expects"), finite=False))
    if not 2 <= n <= MAX_PICTURES:
        raise ValueError(tr("Spread needs from 2 to {most:,} pictures, got {count:,}.", most=MAX_PICTURES, count=n))
    flat = images.flatten(1).double()  # (N, 784)
    return float(torch.cdist(flat, flat).sum() / (n * (n - 1)))


def _last_weight(generator: nn.Module) -> nn.Parameter:
    """The forger's last layer's weight: where its gradient is measured."""
    return [p for p in generator.parameters() if p.dim() >= 2][-1]


def forger_gradient(generator: nn.Module, discriminator: nn.Module, z: torch.Tensor) -> float:
    """Lesson 05: the size of the forger's gradient at its last layer for noise Z (no weights or .grad change)."""
    check.kind(generator, "generator", nn.Module, tr("a generator (an nn.Module), such as build_gan('classic')[0]"),
               error=TypeError)  # fmt: skip
    check.kind(discriminator, "discriminator", nn.Module,
               tr("a discriminator (an nn.Module), such as build_gan('classic')[1]"), error=TypeError)  # fmt: skip
    check.tensor(z, "z", "(N, z_dim)")
    if not 1 <= len(z) <= MAX_PICTURES:
        raise ValueError(tr("z must hold from 1 to {most:,} noise vectors, such as make_noise(64); got {count:,}.",
                            most=MAX_PICTURES, count=len(z)))  # fmt: skip
    if not any(p.dim() >= 2 for p in generator.parameters()):
        raise ValueError(tr("The generator {kind} has no layer of weights to measure the gradient at; give it a "
                            "generator such as build_gan('classic')[0].", kind=type(generator).__name__))  # fmt: skip
    weight = _last_weight(generator)
    device = weight.device
    with _evaluating(generator, discriminator), torch.enable_grad():
        if is_conditional(generator):
            labels = (torch.arange(len(z)) % N_DIGITS).to(device)
            p = discriminator(generator(z.to(device), labels), labels)  # (B, 1)
        else:
            p = discriminator(generator(z.to(device)))  # (B, 1)
        loss = bce(p.clamp(0, 1), torch.ones_like(p))
        (grad,) = torch.autograd.grad(loss, weight)
    return float(grad.norm())


def _finite_weights(*models: nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for m in models for p in m.parameters())


def _setting(trainer) -> Setting:
    """The learning rates the optimizers really use (a recipe may have changed them) and the R1 weight."""

    def lr(name: str) -> float:
        opt = getattr(trainer, name, None)
        return float(opt.param_groups[0]["lr"]) if opt is not None else float(trainer.config.lr)

    return Setting(lr("opt_g"), lr("opt_d"), float(trainer.config.r1))


class Doctor:
    """Lesson 05: a Trainer callback that names the state of training every EVERY seconds and keeps the best forger.

    Use it as ``trainer.fit(callbacks=[doctor])``; ``with doctor.watching(trainer):`` around fit also explains
    a blow-up. SAY (default print) gets each sentence when the state changes, and every REPEAT seconds.
    CLOCK() -> seconds (default: the wall clock) measures training time; the doctor's own time is left out.
    """

    def __init__(self, every: float = EVERY, say: Callable[[str], None] | None = print, repeat: float = 30.0,
                 clock: Callable[[], float] | None = None, seed: int = 0, n_judged: int = N_JUDGED):  # fmt: skip
        if not (isinstance(every, (int, float)) and math.isfinite(every) and every > 0):
            raise ValueError(tr("every must be a number of seconds > 0, such as 5, got {value!r}.", value=every))
        self.every, self.say, self.repeat, self.seed, self.n_judged = float(every), say, float(repeat), seed, n_judged
        self.clock = clock or time.perf_counter
        self.history: list[Signals] = []  # every check-up's signals
        self.diagnoses: list[Diagnosis] = []  # every check-up's diagnosis
        self.best: dict | None = None  # the best forger so far: its weights, score and when
        self.own_seconds = 0.0  # time the doctor spent measuring
        self._trainer = None
        self._started = self._last_check = self._last_said = 0.0
        self._sums = torch.zeros(4, dtype=torch.float64)  # D loss, G loss, D(real), D(fake) since the last check-up
        self._counts = torch.zeros(4, dtype=torch.float64)
        self._read = (0, 0)  # (epoch, batch) up to which the trainer's rows were read
        self._weights: list[torch.Tensor] | None = None  # each network's weights, flat, at the last check-up

    @property
    def diagnosis(self) -> Diagnosis | None:
        """Lesson 05: the latest diagnosis (None before the first check-up)."""
        return self.diagnoses[-1] if self.diagnoses else None

    def _attach(self, trainer) -> None:
        if self._trainer is trainer:
            return
        if self._trainer is not None:
            raise ValueError(tr("This Doctor watches another Trainer; make one Doctor per Trainer."))
        self._trainer = trainer
        z = make_noise(self.n_judged, trainer.config.z_dim, seed=self.seed)  # (200, z_dim), its own generator
        self._z = z
        pick = torch.randperm(len(trainer.images), generator=torch.Generator().manual_seed(self.seed))[: self.n_judged]
        self._real_spread = mean_distance(trainer.images[pick.to(trainer.images.device)].cpu())
        self._started = self._last_check = self._last_said = self.clock()
        self._read = (trainer.epoch, trainer.batch)
        self.check(trainer)

    def on_batch(self, trainer) -> None:
        """Lesson 05: after each batch (the Trainer calls this): a check-up when EVERY seconds have passed."""
        self._attach(trainer)
        if trainer.batch == trainer.batches_per_epoch:  # the epoch's rows must be read before it ends
            self._read_rows(trainer)
        if self.clock() - self._last_check >= self.every:
            self.check(trainer)

    def __call__(self, trainer) -> None:
        """Lesson 05: after each epoch (the Trainer calls this): nothing more to do."""

    def _read_rows(self, trainer) -> None:
        start = self._read[1] if self._read[0] == trainer.epoch else 0
        rows = trainer.this_epoch()[start:].double()  # (k, 4): D loss, G loss, D(real), D(fake)
        if len(rows):
            self._sums[:2] += rows[:, :2].sum(dim=0)  # a NaN or inf loss stays in the sum: the doctor must see it
            self._counts[:2] += len(rows)
            self._sums[2:] += rows[:, 2:].nansum(dim=0)  # D's answers are NaN when the step does not give them
            self._counts[2:] += torch.isfinite(rows[:, 2:]).sum(dim=0)
        self._read = (trainer.epoch, trainer.batch)

    def measure(self, trainer) -> Signals:
        """Lesson 05: the signals now (see the module's docstring); changes no weight and no random stream."""
        self._read_rows(trainer)
        means = (self._sums / self._counts).tolist()  # NaN where nothing was counted
        losses_ok = self._counts[0] == 0 or all(math.isfinite(x) for x in means[:2])
        self._sums.zero_()
        self._counts.zero_()
        finite = bool(losses_ok) and _finite_weights(trainer.generator, trainer.discriminator)
        if not finite:
            nan = math.nan
            return Signals(self._seconds(), trainer.steps, *means, nan, nan, nan, nan, nan, finite=False)
        weights = [_flat(trainer.generator), _flat(trainer.discriminator)]
        change = math.nan if self._weights is None else max(map(_moved, self._weights, weights))
        self._weights = weights
        grad = forger_gradient(trainer.generator, trainer.discriminator, self._z[:N_GRAD])
        from .judge import MISSING_SHARE, digit_counts, read_digits, recognizability

        digits = _draw(trainer.drawer, self._z)  # (200, 1, 28, 28)
        probs, _ = read_digits(digits, _judge())  # (200, 10)
        counts = sorted(digit_counts(probs), reverse=True)
        covered = sum(c >= MISSING_SHARE * len(probs) for c in counts)
        return Signals(self._seconds(), trainer.steps, *means, grad=grad, recognizable=recognizability(probs),
                       top2=(counts[0] + counts[1]) / len(probs), spread=mean_distance(digits) / self._real_spread,
                       change=change, covered=covered)  # fmt: skip

    def _seconds(self) -> float:
        return self.clock() - self._started - self.own_seconds

    def check(self, trainer) -> Diagnosis:
        """Lesson 05: measure now, name the state, keep the best forger, and say it when it is news."""
        self._attach(trainer)
        began = self.clock()
        signals = self.measure(trainer)
        self.history.append(signals)
        found = diagnose(self.history, _setting(trainer))
        if signals.finite:
            self._keep_best(trainer, signals)
            found.sentence += self.better_note(signals)
        self.diagnoses.append(found)
        changed = len(self.diagnoses) < 2 or self.diagnoses[-2].state != found.state
        now = self.clock()
        if self.say is not None and (changed or now - self._last_said >= self.repeat):
            self.say(_spoken(found))
            self._last_said = now
        self.own_seconds += now - began
        self._last_check = now
        return found

    def _keep_best(self, trainer, signals: Signals) -> None:
        if self.best is not None and signals.score <= self.best["score"]:
            return
        average = getattr(trainer, "average", None)
        self.best = {"score": signals.score, "seconds": signals.seconds, "steps": signals.steps,
                     "generator": _copy_state(trainer.generator),
                     "average": None if average is None else _copy_state(average)}  # fmt: skip

    def better_note(self, signals: Signals) -> str:
        """Lesson 05: " Your forger was better ... ago ..." when the best is clearly better than SIGNALS, else ""."""
        best = self.best
        if best is None or best["score"] < 2 * WORSE or best["score"] - signals.score < WORSE:
            return ""
        return tr(BETTER, ago=_when(signals.seconds - best["seconds"]), best=best["score"], now=signals.score)

    def rewind(self, trainer) -> float:
        """Lesson 05: put the best forger so far back into TRAINER; returns the judge's score it had."""
        if self.best is None:
            raise ValueError(tr("The doctor has not seen this training yet: nothing to rewind to. Train with "
                                "callbacks=[doctor] first."))  # fmt: skip
        trainer.generator.load_state_dict(self.best["generator"])
        if self.best["average"] is not None and getattr(trainer, "average", None) is not None:
            trainer.average.load_state_dict(self.best["average"])
        return self.best["score"]

    def save_best(self, path: str | Path, trainer=None) -> Path:
        """Lesson 05: save the best forger so far as a generator file (like lesson 06's), atomically."""
        from .pretrained import save_generator

        trainer = trainer or self._trainer
        if self.best is None or trainer is None:
            raise ValueError(tr("The doctor has not seen this training yet: nothing to save. Train with "
                                "callbacks=[doctor] first."))  # fmt: skip
        drawer = copy.deepcopy(trainer.drawer)
        drawer.load_state_dict(self.best["average"] or self.best["generator"])
        return save_generator(drawer, trainer.config.arch, path)

    def watch(self, trainer, seconds: float) -> Diagnosis | None:
        """Lesson 05: train TRAINER for about SECONDS with the doctor watching; returns its last diagnosis.

        A blow-up is explained, and then raised as usual (TrainingDiverged). The time limit is fit's own
        (SECONDS by the doctor's clock), not a stop request: the doctor never presses the learner's stop
        button, so the learner's first press still pauses after the batch, and only a second press stops at
        once, as in any fit.
        """
        import io
        import sys
        from contextlib import redirect_stdout

        if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds > 0):
            raise ValueError(tr("seconds must be a number > 0, got {seconds!r}.", seconds=seconds))
        shown, say = sys.stdout, self.say
        if say is print:  # the doctor still speaks where the learner reads, while "Paused after ..." is hidden
            self.say = lambda text: print(text, file=shown)
        try:
            with self.watching(trainer), redirect_stdout(io.StringIO()):
                trainer.fit(callbacks=[self], progress=False, seconds=seconds, clock=self.clock)
        finally:
            self.say = say
        return self.diagnosis

    def explain_blow_up(self, trainer) -> Diagnosis:
        """Lesson 05: after training blew up (TrainingDiverged), name the most likely cause."""
        seconds = self._seconds() if self._trainer is not None else 0.0
        nan = math.nan
        self.history.append(Signals(seconds, trainer.steps, nan, nan, nan, nan, nan, nan, nan, nan, nan, False))
        found = diagnose(self.history, _setting(trainer))
        self.diagnoses.append(found)
        if self.say is not None:
            self.say(_spoken(found))
        return found

    @contextmanager
    def watching(self, trainer):
        """Lesson 05: inside, a blow-up (TrainingDiverged) is explained by the doctor before it goes on up."""
        from .training import TrainingDiverged

        try:
            yield self
        except TrainingDiverged:
            self.explain_blow_up(trainer)
            raise

    def signals_as_dicts(self) -> list[dict]:
        """Lesson 05: the recorded check-ups as plain dicts (to save as JSON and test the rule on)."""
        return [asdict(s) for s in self.history]


def _spoken(found: Diagnosis) -> str:
    """The line the doctor says: when, and the sentence."""
    return tr("Doctor, after {seconds} of training: {sentence}", seconds=_when(found.seconds), sentence=found.sentence)


def _flat(model: nn.Module) -> torch.Tensor:
    """A copy of MODEL's weights (its parameters, not BatchNorm's running averages) as one flat tensor."""
    return torch.cat([p.detach().flatten() for p in model.parameters()]).clone()


def _moved(before: torch.Tensor, after: torch.Tensor) -> float:
    """How far the weights moved from BEFORE to AFTER, as a share of their length."""
    return float((after - before).norm() / before.norm().clamp_min(1e-12))


def _copy_state(model: nn.Module) -> dict:
    """A copy of MODEL's weights on the CPU, untouched by later training."""
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def _when(seconds: float) -> str:
    from .live import format_duration

    return format_duration(max(0.0, seconds))
