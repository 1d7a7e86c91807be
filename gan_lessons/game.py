"""The "you be the discriminator" game: find the fake among real digits (lesson 08).

The rounds are plain data (``new_round``, ``verdict``), so they are easy to test; ``play``
wraps them in buttons for the notebook and imports ipywidgets only when it is called.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from . import validate as check
from .data import to_pixels
from .i18n import tr
from .models import generate, is_conditional, make_noise
from .plots import png_bytes


@dataclass
class Round:
    """Lesson 08: one round of the game: some pictures, one of them fake."""

    images: torch.Tensor  # (K, 1, 28, 28) in [-1, 1]
    fake: int  # which picture is the fake, 0 .. K-1
    p_real: list[float] | None  # the discriminator's P(real) for each picture, when there is one


@torch.no_grad()
def new_round(real: torch.Tensor, generator: nn.Module, discriminator: nn.Module | None = None,
              n: int = 4, seed: int = 0) -> Round:  # fmt: skip
    """Lesson 08: N pictures, N - 1 of them picked from REAL (N, 1, 28, 28) and one drawn by GENERATOR."""
    real = check.digits(real, tr("new_round expects real"), pixels=False)  # (N, 1, 28, 28)
    n, seed = check.whole(n, tr("n (a round has 2 to 10 pictures)"), 2, 10), check.seed(seed)
    for player in (generator, discriminator):
        if player is not None and not isinstance(player, nn.Module):
            raise TypeError(tr("new_round needs networks, such as load_generator('dcgan'); got {kind}.",
                               kind=type(player).__name__))  # fmt: skip
    if is_conditional(discriminator):  # it would need the digit of each picture, and real ones come unlabelled
        raise ValueError(tr("new_round needs a discriminator that is not conditional (lesson 08's); a conditional "
                            "one must be told each picture's digit. Pass discriminator=None, or a classic or dcgan "
                            "one."))  # fmt: skip
    if n > len(real) + 1:
        raise ValueError(tr("A round has 2 to 10 pictures and needs n - 1 real digits; got n={n}, {real} real.", n=n,
                            real=len(real)))  # fmt: skip
    g = torch.Generator().manual_seed(seed)
    picks = torch.randperm(len(real), generator=g)[: n - 1]
    fake_at = int(torch.randint(0, n, (1,), generator=g))
    fake = generate(generator, make_noise(1, generator.z_dim, seed=seed))  # (1, 1, 28, 28)
    others = real[picks].cpu()  # (n - 1, 1, 28, 28)
    images = torch.cat([others[:fake_at], fake, others[fake_at:]])  # (n, 1, 28, 28)
    p_real = None
    if discriminator is not None:
        was_training = discriminator.training
        discriminator.eval()
        device = next(discriminator.parameters()).device
        p_real = discriminator(images.to(device)).flatten().cpu().tolist()  # (n,) probabilities
        discriminator.train(was_training)
    return Round(images, fake_at, p_real)


def verdict(round_: Round, pick: int) -> str:
    """Lesson 08: what to tell a player who picked picture PICK (counting from 0), and what D thought."""
    check.kind(round_, "round_", Round, tr("a Round, from new_round()"), error=TypeError)
    if not check.is_whole(pick) or not 0 <= pick < len(round_.images):
        raise ValueError(tr("Pick a picture from 0 to {last}, got {pick}.", last=len(round_.images) - 1, pick=pick))
    fake = round_.fake + 1
    if pick == round_.fake:
        lines = [tr("Right! You found the fake: it was picture {fake}.", fake=fake)]
    else:
        lines = [tr("Fooled! You picked picture {pick}; the fake: it was picture {fake}.", pick=pick + 1, fake=fake)]
    if round_.p_real is not None:
        sure = ", ".join(f"{i + 1}: {p:.0%}" for i, p in enumerate(round_.p_real))
        guess = min(range(len(round_.p_real)), key=round_.p_real.__getitem__)  # the least real-looking one
        lines.append(tr("The discriminator's 'how real?' for each picture: {sure}.", sure=sure))
        if guess == round_.fake:
            lines.append(tr("It would have picked picture {guess} as the fake: it was right.", guess=guess + 1))
        else:
            lines.append(tr("It would have picked picture {guess} as the fake: it was wrong.", guess=guess + 1))
    return "\n".join(lines)


def _png(image: torch.Tensor, scale: int = 3) -> bytes:
    """One digit (1, 28, 28) in [-1, 1] as PNG bytes, SCALE times bigger with sharp pixels (84 x 84)."""
    return png_bytes(to_pixels(image)[0].numpy(), scale=scale)  # (28, 28) uint8 in


def play(real: torch.Tensor, generator: nn.Module, discriminator: nn.Module | None = None, n: int = 4,
         seed: int = 0):  # fmt: skip
    """Lesson 08: the game as a widget: click the picture you think is fake, then see what D thought."""
    import ipywidgets as widgets

    state = {"round": None, "seed": seed, "score": [0, 0]}
    pictures = widgets.HBox()
    buttons = widgets.HBox()
    message = widgets.Textarea(layout=widgets.Layout(width="600px", height="90px"), disabled=True)
    again = widgets.Button(description=tr("New round"), icon="refresh")

    def start(_=None) -> None:
        state["round"] = new_round(real, generator, discriminator, n, state["seed"])
        state["seed"] += 1
        pictures.children = [widgets.Image(value=_png(img), format="png") for img in state["round"].images]
        buttons.children = [_pick_button(i) for i in range(n)]
        message.value = tr("Which picture is the fake? Click its button.")

    def _pick_button(i: int):
        button = widgets.Button(description=tr("Picture {number}", number=i + 1), layout=widgets.Layout(width="84px"))
        button.on_click(lambda _: choose(i))
        return button

    def choose(i: int) -> None:
        round_ = state["round"]
        state["score"][0] += i == round_.fake
        state["score"][1] += 1
        for button in buttons.children:
            button.disabled = True
        found, played = state["score"]
        message.value = verdict(round_, i) + "\n" + tr("Your score: {found} of {played}.", found=found, played=played)

    again.on_click(start)
    start()
    box = widgets.VBox([pictures, buttons, message, again])
    box.choose, box.start, box.state = choose, start, state  # so a notebook (or a test) can play too
    return box
