"""Is it copying? Each generated digit beside the real training digit closest to it (lesson 08).

A generator never sees a real digit: only the discriminator does. If it had learned to copy, each of
its digits would have a twin in the training set, pixel for pixel. `nearest_real` finds, for every
digit, the training digit whose pixels are closest (the smallest straight-line distance between the
two pictures seen as lists of 784 numbers), a few thousand training digits at a time so that memory
stays small even for all 60,000.
"""

from __future__ import annotations

import torch

from . import validate as check
from .data import to_model_range
from .i18n import tr

CHUNK = 4096  # training digits compared at once: 4,096 x 784 floats is 13 MB
MAX_QUERIES = 10_000  # digits looked up in one call


def _as_floats(images: object, what: str) -> torch.Tensor:
    """IMAGES as float digits (N, 1, 28, 28) in [-1, 1], from uint8 pixels or floats."""
    images = check.digits(images, what)
    return to_model_range(images) if images.dtype == torch.uint8 else images


def difference(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Lesson 08: how different digits A and B (N, 1, 28, 28) are, pair by pair: 0 (the same) to 1 (opposite).

    The root mean square of the pixel differences, with pixels on a 0 (black) to 1 (white) scale.
    """
    a, b = _as_floats(a, tr("difference expects")), _as_floats(b, tr("difference expects"))
    if a.shape != b.shape:
        raise ValueError(tr("difference needs two batches of the same size; got {a} and {b} digits.", a=len(a),
                            b=len(b)))  # fmt: skip
    return ((a - b) / 2).pow(2).mean(dim=(1, 2, 3)).sqrt()  # (N,); pixels span 2 (from -1 to 1)


def nearest_real(digits: torch.Tensor, real: torch.Tensor, chunk: int = CHUNK) -> tuple[torch.Tensor, torch.Tensor]:
    """Lesson 08: for each of DIGITS (N, 1, 28, 28), the index of the closest of REAL (M, 1, 28, 28), and how close.

    Returns (indices (N,), differences (N,)); a difference is `difference` of the pair, 0 for an exact copy.
    REAL may be uint8 pixels (as MNIST comes) or floats in [-1, 1]; it is read CHUNK digits at a time.
    """
    queries = _as_floats(digits, tr("nearest_real expects"))  # (N, 1, 28, 28)
    if len(queries) > MAX_QUERIES:
        raise ValueError(tr("nearest_real looks up at most {most:,} digits at once; got {n:,}. Pass fewer, such as "
                            "digits[:16].", most=MAX_QUERIES, n=len(queries)))  # fmt: skip
    real = check.digits(real, tr("nearest_real expects"))  # (M, 1, 28, 28), uint8 or float
    chunk = check.whole(chunk, "chunk", 1)
    flat = queries.reshape(len(queries), -1).double()  # (N, 784)
    best = torch.full((len(queries),), float("inf"), dtype=torch.float64)  # (N,) smallest squared distance so far
    index = torch.zeros(len(queries), dtype=torch.long)  # (N,)
    for start in range(0, len(real), chunk):
        part = _as_floats(real[start : start + chunk], tr("nearest_real expects"))  # (C, 1, 28, 28)
        part = part.reshape(len(part), -1).double()  # (C, 784)
        squared = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ part.T + part.pow(2).sum(1)  # (N, C)
        low, where = squared.min(dim=1)  # (N,), (N,): the first of equals wins
        better = low < best
        best, index = torch.where(better, low, best), torch.where(better, where + start, index)
    matches = _as_floats(real[index], tr("nearest_real expects"))  # (N, 1, 28, 28)
    return index, difference(queries, matches)


def pairs_figure(digits: torch.Tensor, matches: torch.Tensor, differences: torch.Tensor | None = None):
    """Lesson 08: DIGITS (N, 1, 28, 28) on top, their closest real MATCHES below, with the DIFFERENCES (N,)."""
    import matplotlib.pyplot as plt

    top, bottom = _as_floats(digits, tr("pairs_figure expects")), _as_floats(matches, tr("pairs_figure expects"))
    if len(top) != len(bottom):
        raise ValueError(tr("pairs_figure needs as many matches as digits; got {a} and {b}.", a=len(top),
                            b=len(bottom)))  # fmt: skip
    fig, axes = plt.subplots(2, len(top), figsize=(1.2 * len(top), 3), squeeze=False)
    for i in range(len(top)):
        for row, image in ((0, top[i]), (1, bottom[i])):
            axes[row, i].imshow(image[0].numpy(), cmap="gray", vmin=-1, vmax=1)
            axes[row, i].set_xticks([])
            axes[row, i].set_yticks([])
        if differences is not None:
            axes[1, i].set_xlabel(f"{float(differences[i]):.2f}", fontsize=9)
    axes[0, 0].set_ylabel(tr("generated"), fontsize=9)
    axes[1, 0].set_ylabel(tr("closest real"), fontsize=9)
    fig.tight_layout()
    return fig


def show_pairs(digits: torch.Tensor, matches: torch.Tensor, differences: torch.Tensor | None = None) -> None:
    """Lesson 08: show pairs_figure in the notebook."""
    import matplotlib.pyplot as plt

    pairs_figure(digits, matches, differences)
    plt.show()
