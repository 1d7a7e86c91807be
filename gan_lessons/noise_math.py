"""Arithmetic on the noise: find a direction from examples, add it to a new digit (lesson 06).

An idea from the DCGAN paper (Radford, Metz and Chintala, 2015): average the noise of a few pictures
that share something (thick strokes), average the noise of a few that do not (thin strokes), and
subtract. The difference is a direction in noise space; adding it to the noise of a new digit moves
that digit the same way. Pure functions here; ipywidgets loads only inside `NoiseArithmetic.widget()`.
"""

from __future__ import annotations

import torch
from torch import nn

from . import validate as check
from .i18n import tr
from .models import make_noise
from .widgets import _generator, check_seed, draw, image_widget

MAX_AMOUNT = 3.0  # the slider goes from -MAX_AMOUNT to MAX_AMOUNT


def _noise_rows(z: object, name: str) -> torch.Tensor:
    """Z as float noise rows (N, z_dim) with N >= 1, or a ValueError saying what to pass."""
    if not isinstance(z, torch.Tensor) or not z.is_floating_point() or z.dim() != 2 or len(z) == 0:
        raise ValueError(tr("{name} must be noise rows, a float tensor (N, z_dim) with N >= 1, such as "
                            "noise[[0, 3, 5]]; got {value}.", name=name, value=check._name(z)))  # fmt: skip
    if not bool(torch.isfinite(z).all()):
        raise ValueError(tr("{name} holds NaN or inf; use noise from make_noise.", name=name))
    return z


def _noise_row(z: object, name: str) -> torch.Tensor:
    """Z as one row of noise (z_dim,), or a ValueError saying what to pass; (1, z_dim) is taken too."""
    if not isinstance(z, torch.Tensor) or z.dim() not in (1, 2):
        raise ValueError(tr("{name} must be one row of noise, a float tensor (z_dim,), such as noise[0]; got "
                            "{value}.", name=name, value=check.describe(z)))  # fmt: skip
    return _noise_rows(z.reshape(1, -1), name)[0]  # (z_dim,)


def ink(images: torch.Tensor) -> torch.Tensor:
    """Lesson 06: how much of each digit (N, 1, 28, 28) in [-1, 1] is ink: the share of pixels brighter than grey."""
    images = check.digits(images, tr("ink expects"), pixels=False)  # (N, 1, 28, 28)
    return (images > 0).float().mean(dim=(1, 2, 3))  # (N,)


def by_ink(images: torch.Tensor, k: int = 4) -> tuple[list[int], list[int]]:
    """Lesson 06: the places of the K digits with the most ink and of the K with the least (thick, thin)."""
    amounts = ink(images)  # (N,)
    if len(amounts) < 2:
        raise ValueError(tr("by_ink needs at least 2 digits to compare; got {n}.", n=len(amounts)))
    k = check.whole(k, "k", 1, len(amounts) // 2)
    order = amounts.argsort(descending=True, stable=True).tolist()
    return order[:k], order[-k:]


def thick_and_thin(images: torch.Tensor, kinds: torch.Tensor) -> tuple[list[int], list[int]]:
    """Lesson 06: for each kind of digit in KINDS (N,) shown at least twice, the places of its most and least inked.

    Pairing digits of the same kind keeps "a 0 rather than a 1" out of the direction: only thickness is left.
    """
    amounts = ink(images)  # (N,)
    if not isinstance(kinds, torch.Tensor) or kinds.shape != amounts.shape or kinds.is_floating_point():
        raise ValueError(tr("kinds must hold one whole number per digit, shape ({n},), such as the judge's "
                            "probs.argmax(dim=1); got {value}.", n=len(amounts), value=check._name(kinds)))  # fmt: skip
    thick, thin = [], []
    for kind in sorted(set(kinds.tolist())):
        places = (kinds == kind).nonzero().flatten()  # (K,)
        if len(places) >= 2:
            order = places[amounts[places].argsort(descending=True, stable=True)].tolist()
            thick.append(order[0])
            thin.append(order[-1])
    if not thick:
        raise ValueError(tr("thick_and_thin needs at least two digits of one kind; show more digits."))
    return thick, thin


def direction(z_with: torch.Tensor, z_without: torch.Tensor) -> torch.Tensor:
    """Lesson 06: the average noise of Z_WITH (A, z_dim) minus the average of Z_WITHOUT (B, z_dim): (z_dim,)."""
    z_with, z_without = _noise_rows(z_with, "z_with"), _noise_rows(z_without, "z_without")
    if z_with.shape[1] != z_without.shape[1]:
        raise ValueError(tr("z_with and z_without must have the same number of noise numbers; got {a} and {b}.",
                            a=z_with.shape[1], b=z_without.shape[1]))  # fmt: skip
    return z_with.mean(dim=0) - z_without.mean(dim=0)  # (z_dim,)


def rows_at(z: torch.Tensor, places: object, name: str) -> torch.Tensor:
    """Lesson 06: the rows of noise Z (N, z_dim) at PLACES, a list of whole numbers 0..N-1: (len(places), z_dim)."""
    z = _noise_rows(z, "z")
    ok = isinstance(places, (list, tuple)) and len(places) > 0 and all(check.is_whole(p) for p in places)
    if not ok or not all(0 <= p < len(z) for p in places):
        raise ValueError(tr("{name} must be a list of the digits' numbers, from 0 to {last}, such as [0, 5, 9]; got "
                            "{value}.", name=name, last=len(z) - 1, value=check._name(places)))  # fmt: skip
    return z[list(places)]  # (K, z_dim)


def direction_from(z: torch.Tensor, thick: object, thin: object) -> torch.Tensor:
    """Lesson 06: the direction from the digits at places THIN to those at THICK, for noise Z (N, z_dim): (z_dim,)."""
    return direction(rows_at(z, thick, "THICK"), rows_at(z, thin, "THIN"))


def along(z: torch.Tensor, way: torch.Tensor, amounts: torch.Tensor) -> torch.Tensor:
    """Lesson 06: copies of noise Z (z_dim,) with AMOUNTS (K,) times the direction WAY (z_dim,) added: (K, z_dim)."""
    z, way = _noise_row(z, "z"), _noise_row(way, "way")  # (z_dim,), (z_dim,)
    if len(z) != len(way):
        raise ValueError(tr("z and way must have the same number of noise numbers; got {a} and {b}.", a=len(z),
                            b=len(way)))  # fmt: skip
    if isinstance(amounts, (list, tuple)) and all(check.is_number(a) for a in amounts):
        amounts = torch.tensor([float(a) for a in amounts])  # (K,)
    if not isinstance(amounts, torch.Tensor) or not amounts.is_floating_point() or amounts.dim() > 1:
        raise ValueError(tr("amounts must be a float tensor (K,) of how much of the direction to add, such as "
                            "torch.linspace(-2, 2, 9); got {value}.", value=check.describe(amounts)))  # fmt: skip
    amounts = _noise_rows(amounts.to(z.dtype).reshape(-1, 1), "amounts")  # (K, 1)
    return z + amounts * way  # (K, z_dim)


def numbered_figure(images: torch.Tensor, nrow: int = 8):
    """Lesson 06: a figure of digits (N, 1, 28, 28) in [-1, 1], each with its place number above it."""
    import matplotlib.pyplot as plt

    images = check.digits(images, tr("numbered_figure expects"), pixels=False)  # (N, 1, 28, 28)
    nrow = check.whole(nrow, "nrow", 1)
    rows = -(-len(images) // nrow)
    fig, axes = plt.subplots(rows, nrow, figsize=(1.1 * nrow, 1.25 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i, 0].numpy(), cmap="gray", vmin=-1, vmax=1)
            ax.set_title(str(i), fontsize=9)
    fig.tight_layout()
    return fig


def show_numbered(images: torch.Tensor, nrow: int = 8) -> None:
    """Lesson 06: show numbered_figure in the notebook."""
    import matplotlib.pyplot as plt

    numbered_figure(images, nrow)
    plt.show()


class NoiseArithmetic:
    """Lesson 06: a slider that adds a direction to the noise of a new digit; a seed slider picks the digit."""

    def __init__(self, generator: nn.Module, way: torch.Tensor, seed: int = 100, amount: float = 0.0):
        self.generator, self.seed = generator, check_seed(seed)
        _generator(generator)
        self.way = _noise_row(way, "way")  # (z_dim,)
        if len(self.way) != generator.z_dim:
            raise ValueError(tr("way must have {n} noise numbers, like this generator's noise; got {got}.",
                                n=generator.z_dim, got=len(self.way)))  # fmt: skip
        self.amount = check.number(amount, "amount", -MAX_AMOUNT, MAX_AMOUNT)

    def noise(self, amounts: torch.Tensor) -> torch.Tensor:
        """Lesson 06: the seed's noise with each of AMOUNTS (K,) times the direction added: (K, z_dim)."""
        z = make_noise(1, self.generator.z_dim, seed=self.seed)[0]  # (z_dim,)
        return along(z, self.way, amounts)

    def png(self) -> bytes:
        """Lesson 06: the digit with the amount now, big."""
        return draw(self.generator, self.noise(torch.tensor([self.amount])))

    def strip_png(self) -> bytes:
        """Lesson 06: the digit from -2 to +2 times the direction, in one row."""
        return draw(self.generator, self.noise(torch.linspace(-2, 2, 9)), scale=3)

    def widget(self):
        """Lesson 06: the amount and seed sliders beside the digit, and the whole row below."""
        import ipywidgets as w

        image, row = image_widget(self.png()), image_widget(self.strip_png())
        amount = w.FloatSlider(value=self.amount, min=-MAX_AMOUNT, max=MAX_AMOUNT, step=0.1,
                               description=tr("amount"))  # fmt: skip
        seed = w.IntSlider(value=self.seed, min=0, max=200, description=tr("seed"))

        def redraw(*_):
            self.amount = amount.value
            image.value = self.png()

        def new_digit(change):
            self.seed = change["new"]
            redraw()
            row.value = self.strip_png()

        amount.observe(redraw, names="value")
        seed.observe(new_digit, names="value")
        return w.VBox([w.HBox([w.VBox([amount, seed]), image]), row])
