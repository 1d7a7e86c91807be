"""The GAN game as a picture: the forger, the detective and what flows between them (lesson 00)."""

from __future__ import annotations

import torch

from . import validate as check
from .data import to_pixels
from .i18n import N_, tr

BOXES = {  # name: (centre x, centre y, text, colour); the drawing is 12 wide and 6 tall
    "noise": (1.3, 1.5, N_("noise\n100 random\nnumbers"), "#e8e8e8"),
    "generator": (4.2, 1.5, N_("GENERATOR\nthe forger"), "#ffd8a8"),
    "discriminator": (8.6, 3.0, N_("DISCRIMINATOR\nthe detective"), "#a5d8ff"),
    "verdict": (11.0, 3.0, N_("real or\nfake?"), "#d3f9d8"),
}
PICTURES = {"real": (6.3, 4.6, N_("a real digit")), "fake": (6.3, 1.4, N_("a fake digit"))}  # centre x, y, caption
ARROWS = [((2.3, 1.5), (3.2, 1.5)), ((5.2, 1.5), (5.65, 1.5)), ((6.95, 1.7), (7.6, 2.5)),
          ((6.95, 4.3), (7.6, 3.5)), ((9.6, 3.0), (10.0, 3.0))]  # fmt: skip
FEEDBACK = [  # from, to, bend, label place, label
    ((11.0, 2.35), (4.2, 0.85), -0.5, (8.6, -0.6), N_("the forger learns to fool the detective")),
    ((11.0, 3.65), (8.6, 3.65), 0.5, (9.8, 4.45), N_("the detective learns to catch fakes")),
]


def _picture(image: torch.Tensor | None, seed: int) -> torch.Tensor:
    """One digit as (28, 28) uint8 pixels; random noise when IMAGE is None."""
    if image is None:
        g = torch.Generator().manual_seed(check.seed(seed))
        return torch.randint(0, 256, (28, 28), generator=g, dtype=torch.uint8)
    image = check.digits(image, tr("gan_diagram expects"), finite=False, one=True)[0, 0]  # (28, 28)
    return image if image.dtype == torch.uint8 else to_pixels(image)


def gan_diagram(real: torch.Tensor | None = None, fake: torch.Tensor | None = None, seed: int = 0):
    """Lesson 00: a figure of the GAN game; REAL and FAKE are digits to show in it (noise if None)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from .fonts import ensure_font

    ensure_font()  # Chinese text drawn with the shipped font
    fig, ax = plt.subplots(figsize=(11, 5.5))
    ax.set_xlim(0, 12)
    ax.set_ylim(-1.1, 6)
    ax.axis("off")
    for x, y, text, colour in BOXES.values():
        ax.add_patch(FancyBboxPatch((x - 0.85, y - 0.55), 1.7, 1.1, boxstyle="round,pad=0.1", fc=colour, ec="black"))
        ax.text(x, y, tr(text), ha="center", va="center", fontsize=10, fontweight="bold")
    for name, image in (("real", real), ("fake", fake)):
        x, y, caption = PICTURES[name]
        pixels = _picture(image, seed if name == "fake" else seed + 1).numpy()  # (28, 28)
        ax.imshow(pixels, cmap="gray", vmin=0, vmax=255, extent=(x - 0.6, x + 0.6, y - 0.6, y + 0.6))
        ax.text(x, y - 0.8, tr(caption), ha="center", va="top", fontsize=9)
    for start, end in ARROWS:
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=18, lw=1.8))
    for start, end, bend, place, label in FEEDBACK:  # the verdict teaches both players
        ax.add_patch(FancyArrowPatch(start, end, connectionstyle=f"arc3,rad={bend}", arrowstyle="-|>",
                                     mutation_scale=14, lw=1.2, ls="--", color="#c92a2a"))  # fmt: skip
        ax.text(*place, tr(label), ha="center", fontsize=9, color="#c92a2a")
    ax.set_title(tr("A GAN is a game between a forger and a detective"), fontsize=13)
    fig.tight_layout()
    return fig


def show_gan_diagram(real: torch.Tensor | None = None, fake: torch.Tensor | None = None, seed: int = 0) -> None:
    """Lesson 00: show the picture of the GAN game in the notebook."""
    import matplotlib.pyplot as plt

    gan_diagram(real, fake, seed)
    plt.show()
