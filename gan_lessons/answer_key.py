"""The answer key of every self-check in the lessons (lesson 00 introduces the checks).

One entry per question id ``"NN.k"``: lesson NN, k-th question in order of appearance. The
notebooks name the id only (``check("01.2", answer)``); answers, hints and explanations live here,
and docs/teachers.md shows them to teachers (scripts/teachers_tables.py writes its tables from
this file; a test keeps the two in step). Each lesson has its own block below: keep yours together.

Two kinds of entry:

- ``Question``: the learner writes a value. ``answer`` is compared like this: numbers within
  ``tolerance``, text ignoring case and spaces, True/False exactly, tuples item by item. For a
  multiple choice, ``answer`` is the right letter and ``choices`` the allowed letters.
- ``Exercise``: the learner writes one or two lines of code. ``checker(yours, ours)`` returns None
  when the learner's object is right and otherwise a sentence saying what is wrong; ``ours()``
  makes the package's version (used when the notebook passes none, and by the tests as a right
  example); ``wrong()`` makes a typical wrong one.

Fields of both: ``ask`` (the question in a few words), ``hint`` (what a learner who got it wrong
needs to hear), ``why`` (the explanation for the teacher), ``wrong`` (a typical wrong answer; the
tests check that it gets the hint).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from . import validate as check
from .data import to_model_range
from .i18n import N_, tr
from .models import ClassicGenerator, ConditionalGenerator, DCGANGenerator, count_parameters, make_noise, read_dial
from .toy2d import nonsaturating_loss, real_points


def as_written(value: object, width: int = 60) -> str:
    """Lesson 00: VALUE as Python writes it, cut to WIDTH characters; never raises (even for 10**5000)."""
    width = check.whole(width, "width", 2)
    try:
        text = repr(value)
    except Exception:  # a number too long to write out, or an object whose repr is broken
        return "…"
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True)
class Seen:
    """Lesson 02: what a notebook saw of the learner's line: how to run it again, and the notebook's names."""

    again: Callable[[], object] | None = None
    names: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    """Lesson 00: a question whose answer is a value (a number, True/False, a letter, a shape)."""

    ask: str
    answer: object
    hint: str
    why: str
    wrong: object
    choices: tuple[str, ...] = ()
    tolerance: float = 0.0
    computed: Callable[[], object] | None = None  # how the package computes the answer; tests compare
    mistakes: tuple[tuple[object, str], ...] = ()  # (a typical wrong answer, the hint for that mistake)


@dataclass(frozen=True)
class Exercise:
    """Lesson 02: a "write the code" exercise, checked by running the learner's object."""

    ask: str
    answer: str  # the right code, as the teacher's page shows it
    checker: Callable[[object, object], str | None]
    ours: Callable[[], object]
    wrong: Callable[[], object]
    hint: str
    why: str
    sees: bool = False  # True: checker(yours, ours, seen) also gets what the notebook saw (a Seen)


# Helpers for checkers -----------------------------------------------------------------------------


def layer_problem(yours: object, ours: nn.Module, x: torch.Tensor) -> str | None:
    """None when layer YOURS gives what OURS gives on X (same shape, same numbers), else what differs."""
    check.kind(ours, "ours", nn.Module, tr("the package's layer"), error=TypeError)
    check.kind(x, "x", torch.Tensor, tr("a tensor to try both layers on"), error=TypeError)
    if isinstance(yours, type) and issubclass(yours, nn.Module):
        return tr(
            "You wrote the kind of layer, {name}, without making one: add brackets, like nn.ReLU().",
            name=yours.__name__,
        )
    if not isinstance(yours, nn.Module):
        return tr("Write a layer, like nn.ReLU() or nn.Linear(3, 4); you wrote {value}.", value=as_written(yours))
    with torch.no_grad():
        got, want = yours(x), ours(x)
    if got.shape != want.shape:
        return tr(
            "For input of shape {shape} yours gives shape {yours}, ours {ours}.",
            shape=tuple(x.shape),
            yours=tuple(got.shape),
            ours=tuple(want.shape),
        )
    if not torch.allclose(got, want, atol=1e-6):
        shown = ", ".join(f"{v:.2f}" for v in got.flatten()[:5].tolist())
        expected = ", ".join(f"{v:.2f}" for v in want.flatten()[:5].tolist())
        given = ", ".join(f"{v:g}" for v in x.flatten()[:5].tolist())
        return tr(
            "For {given} yours gives {shown}; it should give {expected}.", given=given, shown=shown, expected=expected
        )
    return None


def tensor_problem(yours: object, ours: torch.Tensor, what: str) -> str | None:
    """What is wrong with YOURS as a tensor like OURS (not a tensor, another shape), else None.

    WHAT names the tensor in English, marked with N_ where it is written; it is shown translated.
    """
    check.kind(ours, "ours", torch.Tensor, tr("the package's tensor"), error=TypeError)
    check.kind(what, "what", str, tr("the tensor's name in words"), error=TypeError)
    what = tr(what)
    if isinstance(yours, (int, float)) and not isinstance(yours, bool):
        return tr(
            "Yours is one number, {value:g}; {what} is a tensor of shape {shape}: use torch, not math.",
            value=yours,
            what=what,
            shape=tuple(ours.shape),
        )
    if not isinstance(yours, torch.Tensor):
        return tr(
            "Yours is {value}; {what} is a tensor of shape {shape}.",
            value=as_written(yours),
            what=what,
            shape=tuple(ours.shape),
        )
    if yours.shape != ours.shape:
        return tr(
            "Yours has shape {yours}; {what} has shape {shape}.",
            yours=tuple(yours.shape),
            what=what,
            shape=tuple(ours.shape),
        )
    return None


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return torch.allclose(a.detach().float(), b.detach().float(), atol=1e-4, rtol=1e-4)


def _fake_losses_problem(yours: object, ours: object) -> str | None:
    """Lesson 03's exercise: the BCE loss of each guess p for a fake picture, -log(1 - p)."""
    problem = tensor_problem(yours, ours, N_("the losses"))
    if problem or _close(yours, ours):
        return problem
    p = 1 - torch.exp(-ours)  # the guesses, worked back from the right losses
    if _close(yours, -torch.log(p)):
        return tr("That is the loss for a REAL picture, -log(p). A fake picture should get 0, so use 1 - p.")
    if _close(yours, torch.log(1 - p)):
        return tr("Almost: your losses are below 0. A loss is never negative: put a minus in front.")
    return tr(
        "For the guesses {guesses} yours gives {yours}.",
        guesses=[round(v, 2) for v in p.tolist()],
        yours=[round(v, 2) for v in yours.tolist()],
    )


def _halfway_problem(yours: object, ours: object) -> str | None:
    """Lesson 06's exercise: the noise halfway from z_a to z_b."""
    problem = tensor_problem(yours, ours, N_("the halfway noise"))
    if problem or _close(yours, ours):
        return problem
    if _close(yours, 2 * ours):
        return tr("Yours is z_a + z_b: twice too big. Halfway takes half of A plus half of B.")
    return tr(
        "Yours differs from the halfway noise by {difference:.2f} per number on average.",
        difference=(yours - ours).abs().mean(),
    )


_GUESSES = torch.tensor([0.1, 0.5, 0.8, 0.99])  # lesson 03's exercise: the detective's guesses for 4 fakes


@torch.no_grad()
def _same_in_any_batch(generator: nn.Module) -> bool:
    """True when GENERATOR draws recipe 0 the same in two batches with different companions."""
    recipe = make_noise(1, seed=0)  # (1, z_dim)
    a = generator(torch.cat([recipe, make_noise(7, seed=1)]))[:1]  # (1, 1, 28, 28)
    b = generator(torch.cat([recipe, make_noise(7, seed=2)]))[:1]
    return torch.equal(a, b)


# Lesson 00: what is a GAN ---------------------------------------------------------------------------

_L00 = {
    "00.1": Question(
        ask='Which player makes the fake pictures? ("generator" or "discriminator")',
        answer="generator",
        choices=("generator", "discriminator"),
        wrong="discriminator",
        hint="Which network is the forger?",
        why="The generator (the forger) draws; the discriminator (the detective) only judges.",
    ),
    "00.2": Question(
        ask="The discriminator looks at one picture. What does it answer? (a new picture / how sure it is "
        "the picture is real / which digit)",
        answer="b",
        choices=("a", "b", "c"),
        wrong="c",
        hint="The detective only judges: real or fake, and how sure it is.",
        why="Its answer is one number from 0 (surely fake) to 1 (surely real). Telling which digit is a "
        "different job, done by the judge in lesson 08.",
    ),
    "00.3": Question(
        ask="True or false: the generator looks at the real digits to copy them.",
        answer=False,
        wrong=True,
        hint="What does the forger get to start from, and whose answers does it learn from?",
        why="Only the discriminator sees real digits; the generator learns through the discriminator's "
        "answers about its fakes.",
    ),
}

# Lesson 01: the data ----------------------------------------------------------------------------------

_L01 = {
    "01.1": Question(
        ask="How many numbers make one MNIST picture?",
        answer=784,
        wrong=28,
        hint="The picture is 28 pixels wide and 28 pixels tall: one number per pixel.",
        why="28 x 28 = 784 pixels, one number each.",
        mistakes=(
            (28, "That is one side. The picture is a square: 28 rows of 28 pixels."),
            (56, "Adding gives the two edges; the pixels fill the whole square."),
        ),
    ),
    "01.2": Question(
        ask="What is the number of a pure white pixel?",
        answer=255,
        wrong=1,
        hint="Black is 0. White is the biggest number a pixel can have.",
        why="A pixel is stored in one byte: 0 (black) to 255 (white).",
        mistakes=(
            (1, "1 is white only after the lesson scales the numbers; the file stores whole numbers, one byte each."),
            (0, "0 means no ink at all, which we draw black."),
        ),
    ),
    "01.3": Question(
        ask="A grey pixel has the number 51. What number does it become after scaling to -1..1?",
        answer=-0.6,
        tolerance=0.01,
        wrong=0.2,
        hint="Do what the lesson does to every pixel: first divide by 255, then subtract 0.5 and divide by 0.5.",
        why="51 / 255 = 0.2; (0.2 - 0.5) / 0.5 = -0.6. The scaling maps 0..255 to -1..1.",
        computed=lambda: to_model_range(torch.full((1, 28, 28), 51, dtype=torch.uint8))[0, 0, 0, 0].item(),
        mistakes=(
            (0.2, "That is only the first step (0 to 1). Now move it to -1..1, as the lesson does."),
            (0.6, "Almost: mind the sign. A grey darker than the middle ends up below 0."),
        ),
    ),
    "01.4": Question(
        ask="What shape does the first batch of images have?",
        answer=(128, 1, 28, 28),
        wrong=(128, 28, 28),
        hint="(how many digits in a batch, channels, height, width)",
        why="128 digits per batch, 1 channel (grey), 28 x 28 pixels.",
    ),
}

# Lesson 02: the generator ------------------------------------------------------------------------------

_L02 = {
    "02.1": Exercise(
        ask="Write the generator's last layer: the one that squeezes every number between -1 and 1.",
        answer="nn.Tanh()",
        checker=lambda yours, ours: layer_problem(yours, ours, torch.linspace(-3, 3, 7)),
        ours=nn.Tanh,
        wrong=nn.Sigmoid,
        hint="The list of layers above names the one that squeezes numbers between -1 and 1. "
        "Write it with nn. in front and brackets after, like nn.ReLU().",
        why="Tanh maps any number into -1..1, the range of the scaled pixels of lesson 01. Sigmoid would "
        "give 0..1, so the generator could never draw black (-1).",
    ),
    "02.2": Question(
        ask="What shape comes out of the first layer, nn.Linear(100, 256), for 16 noise vectors?",
        answer=(16, 256),
        wrong=(256, 16),
        hint="One row per recipe (there are N_PICTURES), 256 numbers in each.",
        why="A Linear layer keeps the rows (one per picture) and changes the columns from 100 to 256.",
        computed=lambda: tuple(nn.Linear(100, 256)(make_noise(16)).shape),
        mistakes=(((256, 16), "Rows first: one row per recipe, then the numbers in each row."),),
    ),
    "02.3": Question(
        ask="How many weights does nn.Linear(100, 256) have?",
        answer=25_600,
        wrong=356,
        hint="Each output has one weight for each input. How many outputs are there, and how many inputs?",
        why="100 x 256 = 25,600 weights (plus 256 biases, which are not weights).",
        computed=lambda: nn.Linear(100, 256).weight.numel(),
        mistakes=(
            (
                356,
                "Adding counts the ends of the wires; count the wires themselves: every input is joined to every "
                "output.",
            ),
            (25856, "That counts the 256 biases too; the question asks only for the weights."),
        ),
    ),
    "02.4": Question(
        ask="Why are all the numbers of the pictures between -1 and 1? (ReLU / tanh / the noise is small)",
        answer="b",
        choices=("a", "b", "c"),
        wrong="a",
        hint="Which layer squeezes every number between -1 and 1?",
        why="The last layer, tanh, squeezes every number into -1..1 whatever comes in.",
    ),
    "02.5": Question(
        ask="True or false: in evaluation mode the same recipe gives the same picture, whatever else is in its batch.",
        answer=True,
        wrong=False,
        hint="In evaluation mode, batch normalization uses its running averages, not the batch's.",
        why="In evaluation mode BatchNorm uses its stored running averages, so a picture depends only on its own "
        "noise. In training mode it uses the batch's average and spread, so a picture also depends on its "
        "companions; the lesson shows both.",
        computed=lambda: _same_in_any_batch(ClassicGenerator().eval()),
    ),
}

# Lesson 03: the discriminator --------------------------------------------------------------------------

_L03 = {
    "03.1": Question(
        ask="Shape of the feature map with stride=1 (padding 1, 4 x 4 filter) for a (1, 1, 28, 28) digit?",
        answer=(1, 1, 27, 27),
        wrong=(1, 1, 28, 28),
        hint="Add the border (padding) on both sides to the width first; then use the rule above for how many places a "
        "window fits in.",
        why="With padding the picture is 30 x 30; a 4 x 4 window fits in 30 - 4 + 1 = 27 places per row.",
        computed=lambda: tuple(
            nn.functional.conv2d(torch.zeros(1, 1, 28, 28), torch.zeros(1, 1, 4, 4), stride=1, padding=1).shape
        ),
        mistakes=(
            (
                (1, 1, 28, 28),
                "A 4-wide window does not fit in as many places as the picture is wide: use the rule above.",
            ),
            ((1, 1, 25, 25), "Don't forget the border: padding 1 adds a pixel on each side."),
            ((1, 1, 14, 14), "That is for stride 2; here the filter moves one pixel at a time."),
        ),
    ),
    "03.2": Question(
        ask="The detective says 0.9 for a picture. What does it think? (surely fake / probably real / no idea)",
        answer="b",
        choices=("a", "b", "c"),
        wrong="a",
        hint="0 is surely fake, 1 surely real, 0.5 no idea. Where is 0.9?",
        why="0.9 is close to 1: it thinks the picture is probably real.",
    ),
    "03.3": Question(
        ask="What loss does the detective get for guessing 0.5 for a real picture? (two decimals)",
        answer=0.69,
        tolerance=0.01,
        wrong=0.5,
        hint="For a real picture the loss is -log(p), where p is the detective's guess. You may use math.log.",
        why="-log(0.5) = log(2) = 0.693.",
        computed=lambda: nn.BCELoss()(torch.tensor([0.5]), torch.tensor([1.0])).item(),
        mistakes=(
            (-0.69, "A loss is never negative: mind the minus in front of log."),
            (0.5, "The loss is not the guess itself: put the guess into -log(p)."),
        ),
    ),
    "03.4": Exercise(
        ask="Write the losses of four guesses p for fake pictures, in one line of PyTorch.",
        answer="-torch.log(1 - p)",
        checker=_fake_losses_problem,
        ours=lambda: nn.BCELoss(reduction="none")(_GUESSES, torch.zeros(4)),
        wrong=lambda: -torch.log(_GUESSES),
        hint="A fake picture's loss must be 0 when p is 0 and grow as p goes to 1: which of log(p) and log(1 - p) does "
        "that, and with what sign in front? torch.log works on all four guesses at once.",
        why="A fake should get 0: the loss -log(1 - p) is 0 when p is 0 and grows as p goes to 1. Writing "
        "-log(p) is the most common slip: that is the loss for a real picture.",
    ),
    "03.5": Question(
        ask="True or false: the untrained detective is unsure about every picture (all guesses 0.4 to 0.6).",
        answer=True,
        wrong=False,
        hint="Look at the numbers above the pictures.",
        why="Untrained, its weights are small random numbers, so the last layer's sum is near 0 and the "
        "sigmoid gives about 0.5 for every picture.",
    ),
}

# Lesson 04: watch the game (2-D) ----------------------------------------------------------------------

_P_FAKE = torch.tensor([[0.05], [0.3], [0.8]])  # (3, 1): a detective's P(real) for three fakes


def _forger_loss_problem(yours: object, ours: object) -> str | None:
    """None when YOURS is the forger's non-saturating loss, the number OURS; else what is wrong."""
    if not isinstance(yours, torch.Tensor):
        return tr("Write a loss, like bce(p_fake, ...): it gives a tensor; you wrote {value}.", value=as_written(yours))
    if yours.numel() != 1:
        return tr("A loss is one number; yours has shape {shape}. Put bce(...) around it.", shape=tuple(yours.shape))
    if yours.item() < 0:
        return tr(
            "Yours is {yours:.4f}, below 0: BCE is never negative. A minus sign belongs to the minimax loss.",
            yours=yours.item(),
        )
    if not torch.allclose(yours.detach().float(), torch.as_tensor(ours).detach().float(), atol=1e-5):
        return tr(
            "Yours is {yours:.4f}; the fakes labelled real give {ours:.4f}.", yours=yours.item(), ours=float(ours)
        )
    return None


_L04 = {
    "04.1": Question(
        ask="How many numbers make one real dot in the 2-D game?",
        answer=2,
        wrong=784,
        hint="A dot on a sheet of paper has a place across (x) and a place up (y).",
        why="Each real 'picture' is a point (x, y): the detective reads (B, 2) and the forger writes (B, 2).",
        computed=lambda: real_points("ring", 1).shape[1],
    ),
    "04.2": Question(
        ask="In the minimax game, what does the forger want V to be? (as big as possible / as small as "
        "possible / exactly 0)",
        answer="b",
        choices=("a", "b", "c"),
        wrong="a",
        hint="V is minus the detective's loss, and the detective wants V big. The forger is its opponent.",
        why="V = average log D(x) + average log(1 - D(G(z))). The detective pushes V up, the forger down: "
        "min over G of max over D of V, the minimax game of Goodfellow et al. 2014.",
    ),
    "04.3": Question(
        ask="Where is the minimax forger loss log(1 - D(G(z))) flattest? (near D(G(z)) = 0 / near 1)",
        answer="a",
        choices=("a", "b"),
        wrong="b",
        hint="Look at the blue curve at the left end, where the detective sees through the fakes.",
        why="Its slope is -1/(1 - p), about -1 near p = 0, while -log p has slope -1/p, huge near 0. The push that "
        "reaches the forger is that slope times the sigmoid's slope p(1 - p), tiny near 0: p for the minimax "
        "loss (almost nothing), 1 - p for the non-saturating one (almost 1). Early in training the detective "
        "spots the fakes (D(G(z)) near 0), so the minimax loss gives the forger almost no gradient: it saturates.",
    ),
    "04.4": Exercise(
        ask="Write the forger's non-saturating loss of p_fake (the fakes labelled real).",
        answer="bce(p_fake, torch.ones_like(p_fake))",
        checker=_forger_loss_problem,
        ours=lambda: nonsaturating_loss(_P_FAKE),
        wrong=lambda: nn.BCELoss()(_P_FAKE, torch.zeros_like(_P_FAKE)),
        hint="The forger wants its fakes called real: which label means real? torch.ones_like(p_fake) and "
        "torch.zeros_like(p_fake) make labels shaped like p_fake.",
        why="BCE with label 1 is -log D(G(z)), the non-saturating loss of Goodfellow et al. 2014: steep where the "
        "detective spots the fakes. With label 0 (the usual slip) it is the detective's loss on the fakes; a "
        "forger that made it smaller would be helping the detective.",
    ),
    "04.5": Question(
        ask="True or false: if the fakes matched the real dots perfectly, the best detective says 0.5 everywhere.",
        answer=True,
        wrong=False,
        hint="If real and fake dots lie in the same places, equally often, is anything left to tell them apart?",
        why="Goodfellow et al. 2014 show the best detective says p_real(x) / (p_real(x) + p_fake(x)) at each "
        "place x: 1/2 when the two match. That is why a well-played game ends with a pale background and the "
        "losses near 1.39 (detective) and 0.69 (forger).",
    ),
    "04.6": Question(
        ask="In the collapsed game (forger lr 1e-2, detective lr 1e-4), what do the fakes do? (cover all 8 blobs "
        "/ huddle in one place / spread evenly over the sheet)",
        answer="b",
        choices=("a", "b", "c"),
        wrong="a",
        hint="Look at the orange dots: in how many places do they sit?",
        why="A forger much faster than its detective sends all its fakes to the one place the detective likes "
        "best, then jumps as one clump when the detective catches up: mode collapse. tests/test_toy2d.py "
        "measures it: at most 2 of 8 blobs covered.",
    ),
}

# Lesson 05: training ------------------------------------------------------------------------------------


def _loss_problem(yours: object, ours: nn.Module) -> str | None:
    """None when YOURS computes the loss OURS computes on a few answers and labels, else what differs."""
    if isinstance(yours, type):
        return tr(
            "You wrote the kind of loss, {name}, without making one: add brackets, like nn.BCELoss().",
            name=yours.__name__,
        )
    if not callable(yours):
        return tr("Write a loss you can call, like nn.MSELoss(); you wrote {value}.", value=as_written(yours))
    p, y = torch.tensor([[0.1], [0.5], [0.9]]), torch.tensor([[1.0], [0.0], [1.0]])  # answers, labels (3, 1)
    got, want = yours(p, y), ours(p, y)
    if not isinstance(got, torch.Tensor) or got.shape != want.shape or not torch.allclose(got, want, atol=1e-6):
        shown = f"{got.item():.4f}" if isinstance(got, torch.Tensor) and got.numel() == 1 else repr(got)
        return tr(
            "For answers 0.1, 0.5, 0.9 and labels 1, 0, 1 yours gives {shown}; lesson 03's loss gives {want:.4f}.",
            shown=shown,
            want=want,
        )
    return None


def _fakes() -> torch.Tensor:
    """Four fakes of a seeded classic generator, with their graph back to it (4, 1, 28, 28)."""
    with torch.random.fork_rng():  # the lesson's own random numbers stay as they were
        torch.manual_seed(0)
        return ClassicGenerator()(make_noise(4, seed=0))


def _detach_problem(yours: object, ours: torch.Tensor) -> str | None:
    """None when YOURS holds OURS' pictures without a graph, else what is wrong."""
    if callable(yours):
        return tr("You named the method without calling it: add brackets, like fake.detach().")
    if not isinstance(yours, torch.Tensor):
        return tr("Write a tensor: the fakes, cut from the forger. You wrote {value}.", value=as_written(yours))
    if yours.shape != ours.shape or not torch.equal(yours.detach(), ours):
        return tr("Yours holds other numbers than the fakes: keep the pictures, cut only the graph.")
    if yours.requires_grad:
        return tr("Yours still has its graph back to the forger (its requires_grad is True).")
    return None


_L05 = {
    "05.1": Exercise(
        ask="Write the loss both players use: lesson 03's binary cross-entropy, as a PyTorch layer.",
        answer="nn.BCELoss()",
        checker=_loss_problem,
        ours=nn.BCELoss,
        wrong=nn.MSELoss,
        hint="Binary cross-entropy is BCE for short; the layer is nn. and those three letters and Loss, with brackets.",
        why="nn.BCELoss() takes the detective's answers (0 to 1) and the labels (1 real, 0 fake), as in lesson "
        "03. MSELoss would also run, but it punishes a sure wrong answer far less, so learning is slower.",
    ),
    "05.2": Question(
        ask="In the forger's turn, what label do the fakes get: 0 or 1?",
        answer=1,
        wrong=0,
        hint="The forger wants the detective to take its fakes for real. Which label means real?",
        why="The forger's loss is BCE(D(fake), 1): it is small when the detective says 'real' to the fakes "
        "(the non-saturating loss of Goodfellow et al. 2014).",
    ),
    "05.3": Exercise(
        ask="Write the fakes with the graph cut off (one method call on fake).",
        answer="fake.detach()",
        checker=_detach_problem,
        ours=lambda: _fakes().detach(),
        wrong=_fakes,
        hint="The method that cuts a tensor from its graph is named in the text above: fake.something().",
        why="detach() gives the same numbers without the record of how they were computed, so the detective's "
        "backward() stops there: no wasted gradients for the forger, and the forger's graph stays for its "
        "own turn.",
    ),
    "05.4": Question(
        ask="At the end of the run where the forger's learning rate was 200 times too small, where is D(fake)? "
        "(near 0 / near 0.5 / near 1)",
        answer="a",
        choices=("a", "b", "c"),
        wrong="b",
        hint="Look at the red line in the middle picture at the end of the run.",
        why="The detective learns and the forger hardly does, so the detective becomes sure every fake is fake: "
        "D(fake) near 0, D(real) near 1, D loss near 0. It then gives the forger no useful advice.",
    ),
    "05.5": Question(
        ask="How many batches make one epoch of 60,000 digits in batches of 128?",
        answer=469,
        wrong=468,
        hint="How many full batches of 128 fit in 60,000 digits, and what happens to the digits left over?",
        why="468 full batches of 128 hold 59,904 digits; the last 96 make a 469th, smaller batch.",
        computed=lambda: math.ceil(60_000 / 128),
        mistakes=(
            (468, "The 96 digits left over are not thrown away: they make one more, smaller batch."),
            (468.75, "A count of batches is a whole number: what happens to the digits left over?"),
        ),
    ),
    "05.6": Question(
        ask="The G loss went up from one epoch to the next. Does that mean the pictures got worse?",
        answer="b",
        choices=("a", "b"),
        wrong="a",
        hint="Each loss measures one player against the other, who also learns.",
        why="The G loss measures the forger against the current detective; if the detective improved, the "
        "loss can rise while the pictures get better. Look at the pictures.",
    ),
    "05.7": Question(
        ask="Which of these does a checkpoint not hold? (generator's weights / optimizers' memory / the digits)",
        answer="c",
        choices=("a", "b", "c"),
        wrong="b",
        hint="We had to pass the data to Trainer.load. Why?",
        why="A checkpoint holds the networks, the optimizers' memory (Adam's averages), the random state and "
        "the history, not the training data, which is loaded separately.",
    ),
}

# Lesson 06: play with the noise -------------------------------------------------------------------------

_L06 = {
    "06.1": Question(
        ask="How many numbers are in one noise vector?",
        answer=100,
        wrong=1,
        hint="Look at the shape of z: (1, how many?).",
        why="The generator starts from Z_DIM = 100 numbers.",
        computed=lambda: make_noise(1).shape[1],
    ),
    "06.2": Question(
        ask="At strength 0, are all 100 noise numbers zero?",
        answer=True,
        wrong=False,
        hint="What is any number times 0?",
        why="Strength multiplies every number; anything times 0 is 0.",
    ),
    "06.3": Exercise(
        ask="Write the noise halfway from z_a to z_b.",
        answer="(z_a + z_b) / 2   or   0.5 * z_a + 0.5 * z_b",
        checker=_halfway_problem,
        ours=lambda: 0.5 * make_noise(1, seed=0) + 0.5 * make_noise(1, seed=1),  # what widgets.blend gives
        wrong=lambda: make_noise(1, seed=0) + make_noise(1, seed=1),
        hint="Take half of z_a and half of z_b, and add them up.",
        why="Halfway is t = 0.5 of the blend (1 - t) x A + t x B. Adding without halving is not between A and "
        "B: its numbers spread about 1.4 times wider than normal noise, like strength 1.4.",
    ),
    "06.4": Question(
        ask='With t = 1, which digit does the blend give, "a" or "b"?',
        answer="b",
        choices=("a", "b"),
        wrong="a",
        hint="(1 - 1) of A is nothing of A.",
        why="The blend is (1 - t) x A + t x B; at t = 1 it is all B.",
    ),
}

# Lesson 07: a convolutional GAN -------------------------------------------------------------------------


def _grow_problem(yours: object, ours: nn.ConvTranspose2d) -> str | None:
    """None when YOURS is a transposed convolution made like OURS (channels, filter, stride, padding, bias)."""
    if isinstance(yours, type):
        return tr(
            "You wrote the kind of layer, {name}, without making one: add the numbers in brackets.", name=yours.__name__
        )
    if not isinstance(yours, nn.ConvTranspose2d):
        return tr(
            "Write a transposed convolution, nn.ConvTranspose2d(...); you wrote {value}.", value=as_written(yours)
        )
    for what, attr in ((N_("feature maps in"), "in_channels"), (N_("feature maps out"), "out_channels"),
                       (N_("filter size"), "kernel_size"), (N_("stride"), "stride"),
                       (N_("padding"), "padding")):  # fmt: skip
        if getattr(yours, attr) != getattr(ours, attr):
            return tr(
                "Its {what} is {yours}; it should be {ours}.",
                what=tr(what),
                yours=getattr(yours, attr),
                ours=getattr(ours, attr),
            )
    if (yours.bias is None) != (ours.bias is None):
        return tr("Leave out the bias, bias=False: batch normalization comes next and would cancel it.")
    return None


_L07 = {
    "07.1": Question(
        ask="What shape comes out of nn.ConvTranspose2d(64, 32, 4, 2, 1) for a batch of shape (16, 64, 7, 7)?",
        answer=(16, 32, 14, 14),
        wrong=(16, 64, 14, 14),
        hint="The batch stays 16, the 32 is the number of new feature maps, and a stride of 2 makes the "
        "pictures twice as big.",
        why="The layer keeps the batch, makes 32 feature maps from 64, and a stride of 2 with a 4 x 4 filter "
        "and padding 1 doubles 7 x 7 to 14 x 14.",
        computed=lambda: tuple(nn.ConvTranspose2d(64, 32, 4, 2, 1)(torch.zeros(16, 64, 7, 7)).shape),
        mistakes=(
            ((16, 64, 14, 14), "The layer makes 32 new feature maps from the 64."),
            ((16, 32, 7, 7), "A stride of 2 makes the pictures twice as big."),
        ),
    ),
    "07.2": Exercise(
        ask="Write the forger's first growing layer: 64 feature maps in, 32 out, filter 4, stride 2, padding 1, "
        "no bias.",
        answer="nn.ConvTranspose2d(64, 32, 4, 2, 1, bias=False)",
        checker=_grow_problem,
        ours=lambda: nn.ConvTranspose2d(64, 32, 4, 2, 1, bias=False),
        wrong=lambda: nn.ConvTranspose2d(64, 32, 4, 2, 1),
        hint="nn.ConvTranspose2d takes the feature maps in, the feature maps out, the filter size, the stride "
        "and the padding, in that order, then bias=False.",
        why="The numbers must fit the layers around it (64 maps of 7 x 7 in, 32 out, twice as big); the bias "
        "is left out because batch normalization right after would cancel it.",
    ),
    "07.3": Question(
        ask="With the DCGAN paper's start, about how big is the spread (standard deviation) of a layer's weights?",
        answer=0.02,
        tolerance=0.005,
        wrong=1.0,
        hint="Look at the numbers printed for the paper's start, or at std= in paper_start.",
        why="Radford et al. 2015 start every weight from a normal distribution with mean 0 and standard "
        "deviation 0.02; the printed spreads are all close to 0.02.",
    ),
    "07.4": Question(
        ask="How many times more numbers does the classic's drawing layer learn than the DCGAN's? (whole number)",
        answer=1566,
        wrong=803_600,
        hint="Both counts are printed above: how many times does the DCGAN's count fit into the classic's? Round to a "
        "whole number.",
        why="nn.Linear(1024, 784) has 1024 x 784 + 784 = 803,600 numbers; the DCGAN's last transposed "
        "convolution has 32 x 4 x 4 + 1 = 513; 803,600 / 513 is about 1,566.",
        computed=lambda: round(
            count_parameters(ClassicGenerator().net[-2]) / count_parameters(DCGANGenerator().grow[-2])
        ),  # fmt: skip
        mistakes=(
            (803600, "That is the classic's count alone: how many times the DCGAN's is it?"),
            (513, "That is the DCGAN's count alone: how many times does it fit into the classic's?"),
        ),
    ),
    "07.5": Question(
        ask="In the race, what was different between the two GANs? (learning rate / batch size / only the networks)",
        answer="c",
        choices=("a", "b", "c"),
        wrong="a",
        hint="Look at the TrainConfig in the race cell: which settings come from the loop, and which are the "
        "same for both?",
        why="Both used BATCH_SIZE, LR, the same data, seed and time; only arch changed. A faster step means "
        "more batches in the same time, which is part of what the race measures.",
    ),
    "07.6": Question(
        ask="Why does the DCGAN's drawing layer need so few numbers? (filters reused / fewer digits / smaller "
        "pictures)",
        answer="a",
        choices=("a", "b", "c"),
        wrong="c",
        hint="Both see the same 28 x 28 digits. Think of reason 1 above.",
        why="A transposed convolution uses the same small filter at every place of the picture, so it learns "
        "each pattern once instead of once per pixel.",
    ),
}

# Lesson 08: judging -------------------------------------------------------------------------------------


def _two_bunches() -> tuple[torch.Tensor, torch.Tensor]:
    """Two seeded bunches of one feature, (500, 1) each, the second spread more and moved up."""
    g = torch.Generator().manual_seed(0)
    return torch.randn(500, 1, generator=g).double(), torch.randn(500, 1, generator=g).double() * 1.5 + 2


def _distance_problem(yours: object, ours: object, seen: Seen | None = None) -> str | None:
    """None when YOURS is the number OURS (a Fréchet distance), else what is wrong (the slip, when it is a usual one).

    The two bunches are the notebook's ``a`` and ``b`` when SEEN holds them, else the key's own example.
    """
    if isinstance(yours, torch.Tensor):
        if yours.numel() != 1:
            return tr(
                "Yours is {count} numbers; the distance is one number. Did you use .mean() and .std()?",
                count=yours.numel(),
            )
        yours = yours.item()
    if not isinstance(yours, (int, float)) or isinstance(yours, bool):
        return tr("Write a number (a sum of two squares); you wrote {value}.", value=as_written(yours))
    if math.isclose(yours, float(ours), rel_tol=1e-6):
        return None
    slip = _distance_slip(yours, _bunches(seen, float(ours)))
    return slip or tr("Yours is {yours:.4f}; the distance is {ours:.4f}. Check each part: the averages, the "
                      "spreads, and a square on each difference.", yours=yours, ours=float(ours))  # fmt: skip


def _bunches(seen: Seen | None, ours: float) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The two bunches the learner measured: the notebook's a and b, or the key's own example; None if unknown."""
    names = seen.names if seen is not None else {}
    a, b = names.get("a"), names.get("b")
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.numel() > 1 and b.numel() > 1:
        return a.double(), b.double()
    if math.isclose(ours, _one_feature_distance(), rel_tol=1e-9):
        return _two_bunches()
    return None


def _distance_slip(yours: float, bunches: tuple[torch.Tensor, torch.Tensor] | None) -> str | None:
    """The usual slip that gives YOURS from the two BUNCHES, in words; None when it is none of them."""
    if bunches is None:
        return None
    a, b = bunches
    means, stds, variances = a.mean() - b.mean(), a.std() - b.std(), a.var() - b.var()
    slips = [(means**2 + variances**2, N_("Yours uses .var(), the spread squared; the spread itself is .std().")),
             (means**2 + stds, N_("The difference of the spreads is not squared: add ** 2 to it too.")),
             (means + stds**2, N_("The difference of the averages is not squared: add ** 2 to it too.")),
             (means**2 + variances, N_("Yours uses .var(), the spread squared; the spread itself is .std().")),
             ((means + stds) ** 2, N_("Square each difference on its own, then add the two squares.")),
             (means**2, N_("The spreads are missing: add their squared difference.")),
             (stds**2, N_("The averages are missing: add their squared difference."))]  # fmt: skip
    for value, words in slips:
        if math.isclose(yours, float(value), rel_tol=1e-6):
            return tr(words)
    return None


def _one_feature_distance(squared_spread: bool = True) -> float:
    a, b = _two_bunches()
    spread = (a.std() - b.std()) ** (2 if squared_spread else 1)
    return float((a.mean() - b.mean()) ** 2 + spread)


_L08 = {
    "08.1": Question(
        ask="probs holds the judge's answers for 8 digits. What is its shape?",
        answer=(8, 10),
        wrong=(10, 8),
        hint="One row per digit, and in each row one probability for each of 0 to 9.",
        why="8 digits, and for each 10 probabilities (one per digit 0 to 9) that add up to 1.",
    ),
    "08.2": Question(
        ask="What recognizability do you expect for pure noise? (about 100% / about 10% / about 0%)",
        answer="c",
        choices=("a", "b", "c"),
        wrong="b",
        hint="It picks a best guess, but is it 90% sure?",
        why="The judge learned to answer 'every digit 10%' for junk, so it is never 90% sure of noise: about 0%.",
    ),
    "08.3": Question(
        ask="1,000 digits read as 480 sevens and 520 ones, each 99% sure. A good GAN? (yes / no: collapsed)",
        answer="b",
        choices=("a", "b"),
        wrong="a",
        hint="Look at the counts, not only at the recognizability.",
        why="Recognizability looks at digits one by one; the counts show that eight of the ten digits are "
        "missing: mode collapse.",
    ),
    "08.4": Exercise(
        ask="Write the one-feature Fréchet distance: (difference of the averages)² + (difference of the spreads)².",
        answer="(a.mean() - b.mean()) ** 2 + (a.std() - b.std()) ** 2",
        checker=_distance_problem,
        ours=_one_feature_distance,
        sees=True,
        wrong=lambda: _one_feature_distance(squared_spread=False),
        hint="The averages are a.mean() and b.mean(), the spreads a.std() and b.std(); the question says what to "
        "do with their differences.",
        why="For one feature the Fréchet distance between two bell curves is exactly that sum. With 128 "
        "features it also compares how the features vary together (their covariances), as the FID does.",
    ),
    "08.5": Question(
        ask="Averages 3 and 5, spreads 2 and 3: what is the one-feature Fréchet distance?",
        answer=5,
        tolerance=1e-9,
        wrong=3,
        hint="Square the difference of the averages, square the difference of the spreads, and add them.",
        why="(3 - 5)² + (2 - 3)² = 4 + 1 = 5.",
        computed=lambda: (3 - 5) ** 2 + (2 - 3) ** 2,
        mistakes=(
            (3, "Square each difference before you add."),
            (-3, "Square each difference before you add: a square is never negative."),
        ),
    ),
    "08.6": Question(
        ask="Which digit does the shipped classic GAN draw far too rarely?",
        answer=4,
        wrong=5,
        hint="Read the warning in the shipped classic GAN's report: it names the missing digit.",
        why="The judge reads only about 1.5% of its digits as 4s (a fair share is 10%): a partial mode "
        "collapse that recognizability alone does not show. 5s are rare too (about 4%), but above the 2% "
        "warning line.",
        mistakes=((5, "5s are rare too, but above the warning line: read the warning again."),),
    ),
}

# Lesson 09: better training -----------------------------------------------------------------------------


def _number_problem(yours: object, ours: object) -> str | None:
    """None when YOURS is the number OURS (within a millionth), else what is wrong."""
    if isinstance(yours, torch.Tensor) and yours.numel() == 1:
        yours = yours.item()
    if not isinstance(yours, (int, float)) or isinstance(yours, bool):
        return tr("Write a number, some arithmetic with calm; you wrote {value}.", value=as_written(yours))
    ours = float(ours)
    if math.isclose(yours, 2 * ours, rel_tol=1e-6) and ours != 0:
        return tr("Yours is R1 times the steepness: the penalty is R1 / 2 times it.")
    if not math.isclose(yours, ours, rel_tol=1e-6):
        return tr("Yours is {yours:.4f}; the penalty is {ours:.4f}.", yours=yours, ours=ours)
    return None


_STEEPNESS = 0.37  # a steepness, for the key's own examples


_L09 = {
    "09.1": Question(
        ask="How many steps make one epoch of 60,000 digits in batches of 32?",
        answer=1875,
        wrong=469,
        hint="How many batches of 32 do 60,000 digits fill? Does it come out even?",
        why="60,000 / 32 = 1,875 exactly: about four times as many steps as the 469 of batches of 128 "
        "(4 x 469 = 1,876).",
        computed=lambda: math.ceil(60_000 / 32),
        mistakes=((469, "That is for batches of 128; a batch of 32 is four times smaller."),),
    ),
    "09.2": Question(
        ask="Average 5, new value 7, keep 0.9: what is the next running average?",
        answer=5.2,
        tolerance=1e-6,
        wrong=6.8,
        hint="keep x the old average + (1 - keep) x the new value: put in the numbers of the question.",
        why="0.9 x 5 + 0.1 x 7 = 4.5 + 0.7 = 5.2: the average moves a tenth of the way towards the new value.",
        mistakes=(
            (6.8, "You kept 0.9 of the new value; keep 0.9 of the old average instead."),
            (6, "That is the plain average of 5 and 7; the running average keeps most of the old one."),
        ),
    ),
    "09.3": Exercise(
        ask="With the weight weight = 1.0, write what the gradient penalty adds to the detective's loss, from calm.",
        answer="weight / 2 * calm",
        checker=_number_problem,
        ours=lambda: 1.0 / 2 * _STEEPNESS,
        wrong=lambda: 1.0 * _STEEPNESS,
        hint="The text above says it: the weight / 2 times the steepness.",
        why="R1 (Mescheder et al. 2018) adds gamma / 2 times the mean squared slope of D's answer (before the "
        "sigmoid) around real digits; the package's train_step adds r1 / 2 * steepness.",
    ),
    "09.4": Question(
        ask="The first ten noise numbers are 0.1, 2.3, -0.5, 1.9, 0.0, -1.2, 0.7, 0.3, -2.0, 1.1. At which position "
        "is the dial?",
        answer=1,
        wrong=2,
        hint="Find the biggest of the ten numbers, then count its place from 0: the first number is position 0.",
        why="The biggest is 2.3, the second number, so the dial is at position 1 (counting from 0), as "
        "read_dial(z, 10) says.",
        computed=lambda: int(read_dial(torch.tensor([[0.1, 2.3, -0.5, 1.9, 0.0, -1.2, 0.7, 0.3, -2.0, 1.1]]), 10)),
        mistakes=(
            (2, "You started counting at one; positions count from zero, so the first number is position zero."),
            (2.3, "That is the biggest number itself; the dial's position is its place among the ten, from 0."),
            (3, "That number is big, but not the biggest: look again at the second number."),
        ),
    ),
    "09.5": Question(
        ask="What does the running average change? (the digits learned from / only the weights we draw with / "
        "the detective's loss)",
        answer="b",
        choices=("a", "b", "c"),
        wrong="a",
        hint="Does the averaged copy ever play against the detective?",
        why="The average is a second copy of the forger used only to draw; training itself (both players and "
        "their losses) is exactly as without it.",
    ),
}

# Lesson 10: choose your digit -----------------------------------------------------------------------------


def _rows_layer_problem(yours: object, ours: nn.Module) -> str | None:
    """None when YOURS is a Linear layer from a one-hot row (10) to 256 numbers without bias, else what differs."""
    if isinstance(yours, type) and issubclass(yours, nn.Module):
        return tr(
            "You wrote the kind of layer, {name}, without making one: add brackets and sizes.", name=yours.__name__
        )
    if isinstance(yours, nn.Embedding):
        return tr("An nn.Embedding does this job for digits written as whole numbers, like 3. Here the detective "
                  "gets one-hot rows of 10 numbers, and those go through an nn.Linear.")  # fmt: skip
    if not isinstance(yours, nn.Linear):
        return tr("Write a layer, like nn.Linear(10, 4, bias=False); you wrote {value}.", value=as_written(yours))
    sizes, want = (yours.in_features, yours.out_features), (ours.in_features, ours.out_features)
    if sizes != want:
        return tr(
            "Yours takes {takes} numbers and gives {gives}; it should take {should_take} and give {should_give}.",
            takes=sizes[0],
            gives=sizes[1],
            should_take=want[0],
            should_give=want[1],
        )
    if yours.bias is not None:
        return tr("Yours adds a bias, so a digit's row would not be just its own numbers: add bias=False.")
    return None


def _wanted_problem(yours: object, ours: torch.Tensor, seen: Seen | None = None) -> str | None:
    """None when YOURS is a batch of random whole digits 0..9 shaped like OURS, else what is wrong.

    When SEEN can run the learner's line again, it is run 20 times more (on a copy of the random state):
    a right line gives new digits each time and, among them, every digit from 0 to 9.
    """
    if not isinstance(yours, torch.Tensor):
        return tr("Make a tensor with torch.randint; you wrote {value}.", value=as_written(yours))
    if yours.shape != ours.shape:
        return tr(
            "Yours has shape {yours}; it needs one digit per fake: {ours}.",
            yours=tuple(yours.shape),
            ours=tuple(ours.shape),
        )
    if yours.is_floating_point() or yours.dtype == torch.bool:
        return tr("Yours holds fractions (or True/False); digits are whole numbers: use torch.randint.")
    if int(yours.min()) < 0 or int(yours.max()) > 9:
        return tr(
            "Yours has numbers from {low} to {high}; digits go from 0 to 9.",
            low=int(yours.min()),
            high=int(yours.max()),
        )
    if len(yours) > 1 and bool((yours == yours[0]).all()):
        return tr("Yours asks for the same digit every time; the forger must practise every digit: pick at random.")
    if len(yours) > 2 and torch.equal(yours.long(), torch.arange(len(yours)) % 10):
        return tr("Yours counts 0, 1, 2, ... in order, the same in every batch: pick the digits at random.")
    return _drawn_again_problem(yours, seen)


def _drawn_again_problem(yours: torch.Tensor, seen: Seen | None) -> str | None:
    """What running the learner's line 20 more times shows (always the same digits, a digit never asked for)."""
    if seen is None or seen.again is None:
        return None
    with torch.random.fork_rng():  # the lesson's own random numbers stay as they were
        draws = [seen.again() for _ in range(20)]
    if not all(isinstance(d, torch.Tensor) and d.shape == yours.shape for d in draws):
        return None
    if all(torch.equal(d, yours) for d in draws):
        return tr("Yours gives the same digits every time it runs: pick them at random, new for every batch.")
    asked = set(torch.cat(draws + [yours]).long().tolist())
    never = [d for d in range(10) if d not in asked]
    if never:
        return tr(
            "Run 20 more times, yours never asked for {digits}: look again at where torch.randint stops.",
            digits=", ".join(map(str, never)),
        )
    return None


_L10 = {
    "10.1": Question(
        ask="The one-hot row [0, 0, 0, 0, 0, 0, 1, 0, 0, 0] stands for which digit?",
        answer=6,
        wrong=7,
        hint="Count the places from 0: the first place is the digit 0, the second the digit 1, ...",
        why="The 1 is at place 6 (counting from 0), so the row is the label 6.",
        computed=lambda: int(torch.tensor([0, 0, 0, 0, 0, 0, 1, 0, 0, 0]).argmax()),
        mistakes=((7, "Count the places from 0, not from 1."),),
    ),
    "10.2": Question(
        ask="How many numbers go into the conditional forger's first layer, for each digit it draws?",
        answer=110,
        wrong=100,
        hint="The 100 noise numbers, and the label's one-hot row glued to their end.",
        why="100 noise numbers + 10 one-hot switches = 110: nn.Linear(110, 1024) instead of lesson 07's "
        "nn.Linear(100, 1024).",
        computed=lambda: ConditionalGenerator().project[0].in_features,
        mistakes=((100, "The label goes in too: its one-hot row is glued to the end of the noise."),),
    ),
    "10.3": Exercise(
        ask="Write the layer that turns a one-hot row (10 numbers) into the detective's row of 256 numbers.",
        answer="nn.Linear(10, 256, bias=False)",
        checker=_rows_layer_problem,
        ours=lambda: nn.Linear(10, 256, bias=False),
        wrong=lambda: nn.Linear(10, 256),
        hint='Like the `layer` of the section "One-hot or an embedding?", with 256 in place of 4.',
        why="A one-hot row times the layer's weights picks out the digit's own 256 learned numbers (one column "
        "of nn.Linear's weight, which is stored as (out, in)): an embedding. Without bias, a digit's row is "
        "exactly its own numbers.",
    ),
    "10.4": Exercise(
        ask="Make `wanted`: B random digits from 0 to 9 for the forger to draw.",
        answer="torch.randint(0, 10, (B,))",
        checker=_wanted_problem,
        sees=True,
        ours=lambda: torch.randint(0, 10, (32,)),
        wrong=lambda: torch.rand(32) * 10,
        hint="torch.randint(low, high, (how_many,)) gives whole numbers from low up to, but not including, high: which "
        "low and which high give the digits 0 to 9?",
        why="The forger practises every digit equally when the digits it is asked for are drawn at random, "
        "new for every batch. torch.randint's upper end is not included.",
    ),
    "10.5": Question(
        ask="Where did the detective learn that a digit which does not fit its label is fake?",
        answer="b",
        choices=("a", "b", "c"),
        wrong="c",
        hint='Which pictures did the detective see labelled "fake", and what labels came with them?',
        why='The detective sees real digits only with their true labels. Its "fake" examples are the '
        "forger's, each with the label it was asked for: early on they often do not fit it. So \"does not "
        'fit its label" becomes a sign of a fake, and the forger must draw the digit asked to fool it.',
    ),
    "10.6": Question(
        ask="In the table of all ten digits, what stays the same along a row?",
        answer="b",
        choices=("a", "b", "c"),
        wrong="a",
        hint="Each row was made from one noise vector; each column asks for one digit.",
        why="A row is one noise vector with the labels 0 to 9: the same handwriting, ten digits. A column "
        "is one digit in several handwritings.",
    ),
}

BLOCKS: dict[str, dict[str, Question | Exercise]] = {
    "00": _L00, "01": _L01, "02": _L02, "03": _L03, "04": _L04, "05": _L05,
    "06": _L06, "07": _L07, "08": _L08, "09": _L09, "10": _L10,
}  # fmt: skip
KEY: dict[str, Question | Exercise] = {qid: entry for block in BLOCKS.values() for qid, entry in block.items()}
