"""Pictures: grids of digits and loss curves, shown in a notebook or saved as PNG (lesson 01)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from . import validate as check
from .data import to_pixels
from .fonts import ensure_font
from .i18n import tr

ensure_font()  # from the first picture on, Chinese is drawn with the shipped font


def image_grid(images: torch.Tensor, nrow: int | None = None, pad: int = 2) -> np.ndarray:
    """Lesson 01: tile digits (B, 1, 28, 28) in [-1, 1] into one grey picture (H, W) of uint8."""
    from torchvision.utils import make_grid

    images = check.digits(images, tr("image_grid expects"), finite=False, size=None)  # (B, 1, H, W)
    pixels = images if images.dtype == torch.uint8 else to_pixels(images)  # NaN -> black, clipped
    nrow = math.ceil(math.sqrt(len(pixels))) if nrow is None else check.whole(nrow, "nrow", 1)
    pad = check.whole(pad, "pad", 0)
    if len(pixels) == 1:  # make_grid returns a lone picture without its border
        return torch.nn.functional.pad(pixels[0, 0], (pad, pad, pad, pad)).numpy()  # (H, W)
    return make_grid(pixels, nrow=nrow, padding=pad)[0].numpy()  # (H, W): make_grid repeats grey thrice


MAX_PIXELS = 2**25  # the most pixels of one picture the package draws (32 MB of grey)


def enlarge(picture: np.ndarray, scale: int) -> np.ndarray:
    """Lesson 06: a picture (H, W) or (H, W, C) SCALE times bigger, each pixel a sharp SCALE x SCALE square."""
    if not isinstance(picture, np.ndarray) or picture.ndim not in (2, 3) or picture.size == 0:
        raise ValueError(tr("enlarge expects a picture as a NumPy array (H, W) or (H, W, C); got {value}.",
                            value=check.describe(picture)))  # fmt: skip
    scale = check.whole(scale, "scale", 1, max(1, math.isqrt(MAX_PIXELS // picture.size)))  # counted before the work
    return picture.repeat(scale, axis=0).repeat(scale, axis=1)  # (H * scale, W * scale[, C])


def png_bytes(picture: np.ndarray | Figure, scale: int = 1, dpi: float = 72) -> bytes:
    """Lesson 04: a picture as PNG bytes, the one PNG encoder of the package.

    PICTURE is a uint8 array, grey (H, W) or colour (H, W, 3) or (H, W, 4), drawn SCALE times bigger
    with sharp pixels; or a matplotlib figure, drawn at DPI dots per inch (the caller closes it).
    """
    from PIL import Image

    buffer = io.BytesIO()
    if isinstance(picture, Figure):
        picture.savefig(buffer, format="png", dpi=dpi)  # matplotlib writes its own PNG
        return buffer.getvalue()
    colours = picture.shape[2:] if getattr(picture, "ndim", 0) >= 2 else None  # () grey, (3,) RGB, (4,) RGBA
    if not isinstance(picture, np.ndarray) or picture.dtype != np.uint8 or colours not in ((), (3,), (4,)):
        raise ValueError(tr("png_bytes expects a uint8 picture (H, W) or (H, W, 3 or 4), or a matplotlib figure; "
                            "got {got}.", got=getattr(picture, "shape", type(picture).__name__)))  # fmt: skip
    Image.fromarray(np.ascontiguousarray(enlarge(picture, scale))).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def grid_figure(images: torch.Tensor, nrow: int | None = None, title: str | None = None, size: float = 4.0):
    """Lesson 01: a matplotlib figure of a grid of digits (4x4 for 16, like the reference)."""
    grid = image_grid(images, nrow)
    ensure_font()  # Chinese text in any picture, whatever matplotlib's settings
    fig, ax = plt.subplots(figsize=(size, size * grid.shape[0] / grid.shape[1]))
    ax.imshow(grid, cmap="gray", vmin=0, vmax=255)
    ax.axis("off")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def show_grid(images: torch.Tensor, nrow: int | None = None, title: str | None = None, size: float = 4.0) -> None:
    """Lesson 01: show a grid of digits in the notebook."""
    grid_figure(images, nrow, title, size)
    plt.show()


def save_grid(images: torch.Tensor, path: str | Path, nrow: int | None = None, title: str | None = None) -> Path:
    """Lesson 05: save a grid of digits as a PNG file."""
    from .checkpoints import write_atomic  # never through a link or into a device; never half-written

    fig = grid_figure(images, nrow, title)
    try:
        return write_atomic(lambda f: fig.savefig(f, format="png", dpi=100), path)
    finally:
        plt.close(fig)


def loss_figure(d_losses: list[float], g_losses: list[float], xlabel: str | None = None):
    """Lesson 05: a figure of the discriminator's and generator's losses over time (XLABEL: "epoch" if None)."""
    try:
        d, g = np.asarray(d_losses, dtype=float), np.asarray(g_losses, dtype=float)  # NaN and inf leave gaps
    except (TypeError, ValueError):
        raise ValueError(tr("Expected two lists of numbers: the D losses and the G losses.")) from None
    if d.ndim != 1 or d.shape != g.shape:
        raise ValueError(tr("Expected two lists of losses of the same length; got {d} and {g}.", d=d.shape, g=g.shape))
    ensure_font()  # Chinese text in any picture, whatever matplotlib's settings
    fig, ax = plt.subplots(figsize=(6, 3.5))
    steps = np.arange(1, len(d) + 1)
    ax.plot(steps, d, label=tr("discriminator (D)"))
    ax.plot(steps, g, label=tr("generator (G)"))
    ax.set_xlabel(tr("epoch") if xlabel is None else xlabel)
    ax.set_ylabel(tr("loss"))
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def show_losses(d_losses: list[float], g_losses: list[float], xlabel: str | None = None) -> None:
    """Lesson 05: show the loss curves in the notebook."""
    loss_figure(d_losses, g_losses, xlabel)
    plt.show()


def pixel_figure(image: torch.Tensor, size: float = 9.0):
    """Lesson 01: one digit (28, 28) with every pixel's value (0 to 255) printed on it."""
    if isinstance(image, torch.Tensor) and image.dim() == 2:
        image = image[None]  # (1, H, W)
    images = check.digits(image, tr("pixel_figure expects"), finite=False, size=None)  # (N, 1, H, W)
    if len(images) != 1:
        raise ValueError(tr("Expected one digit of shape (28, 28) or (1, 28, 28), got {shape}.",
                            shape=tuple(image.shape)))  # fmt: skip
    size = check.number(size, "size", 1, 50)
    pixels = images[0, 0]  # (H, W)
    if pixels.numel() > 100 * 100:
        raise ValueError(tr("pixel_figure writes every pixel's value: give a digit of at most 100x100 pixels; got "
                            "{shape}.", shape=tuple(pixels.shape)))  # fmt: skip
    pixels = (pixels if pixels.dtype == torch.uint8 else to_pixels(pixels)).numpy()  # (H, W) of 0..255
    ensure_font()  # Chinese text in any picture, whatever matplotlib's settings
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(pixels, cmap="gray", vmin=0, vmax=255)
    for (row, col), value in np.ndenumerate(pixels):
        colour = "black" if value > 127 else "white"  # dark text on light pixels, light on dark
        ax.text(col, row, str(value), ha="center", va="center", fontsize=size * 0.6, color=colour)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    return fig


def show_pixels(image: torch.Tensor, size: float = 9.0) -> None:
    """Lesson 01: show one digit as a grid of numbers."""
    pixel_figure(image, size)
    plt.show()


def sliding_filter_figure(digit: torch.Tensor, kernel: torch.Tensor, feature_map: torch.Tensor,
                          spots: list[tuple[int, int]], stride: int = 2, padding: int = 1):  # fmt: skip
    """Lesson 03: where a filter looks on a DIGIT at a few SPOTS (row, col) of its FEATURE_MAP."""
    from matplotlib.patches import Rectangle

    digit, kernel, feature_map = (_picture(x, name) for x, name in ((digit, "digit"), (kernel, "kernel"),
                                                                     (feature_map, "feature_map")))  # fmt: skip
    spots = _spots(spots)
    stride, padding = check.whole(stride, "stride", 1, 100), check.whole(padding, "padding", 0, 100)
    k = kernel.shape[0]
    ensure_font()  # Chinese text in any picture, whatever matplotlib's settings
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2), gridspec_kw={"width_ratios": [1, 0.6, 1]})
    axes[0].imshow(digit.numpy(), cmap="gray")
    axes[1].imshow(kernel.numpy(), cmap="coolwarm", vmin=-2 * kernel.abs().max(), vmax=2 * kernel.abs().max())
    for (row, col), value in np.ndenumerate(kernel.numpy()):
        axes[1].text(col, row, f"{value:g}", ha="center", va="center", fontsize=12)
    axes[2].imshow(feature_map.numpy(), cmap="gray")
    for spot, colour in zip(spots, ["red", "lime", "orange", "cyan", "magenta"], strict=False):
        top, left = spot[0] * stride - padding, spot[1] * stride - padding  # the window's corner on the digit
        axes[0].add_patch(Rectangle((left - 0.5, top - 0.5), k, k, fill=False, ec=colour, lw=2.5))
        axes[2].add_patch(Rectangle((spot[1] - 0.5, spot[0] - 0.5), 1, 1, fill=False, ec=colour, lw=2.5))
    titles = [tr("the digit, and where the filter looks"), tr("the filter ({k}x{k} numbers)", k=k),
              tr("the feature map it makes")]  # fmt: skip
    for ax, title in zip(axes, titles, strict=True):
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def _picture(x: object, name: str) -> torch.Tensor:
    """X as one picture (H, W) of floats, or a ValueError naming NAME; (1, H, W) and (1, 1, H, W) are taken too."""
    if not isinstance(x, torch.Tensor) or not (x.is_floating_point() or x.dtype == torch.uint8) or x.is_meta:
        raise ValueError(tr("{name} must be a tensor of numbers holding one picture (H, W); got {value}.", name=name,
                            value=check.describe(x)))  # fmt: skip
    x = x.detach().cpu().squeeze().float()
    if x.dim() != 2 or not 1 <= x.numel() <= 1000 * 1000:
        raise ValueError(tr("{name} must be one picture (H, W), (1, H, W) or (1, 1, H, W); got {shape}.", name=name,
                            shape=tuple(x.shape)))  # fmt: skip
    return x  # (H, W)


def _spots(spots: object) -> list[tuple[int, int]]:
    """SPOTS as a list of (row, col) pairs of whole numbers, or a ValueError with an example."""
    ok = isinstance(spots, (list, tuple)) and len(spots) <= 100 and all(
        isinstance(s, (list, tuple)) and len(s) == 2 and all(check.is_whole(n) and abs(n) <= 10**4 for n in s)
        for s in spots)  # fmt: skip
    if not ok:
        raise ValueError(tr("spots must be a list of (row, col) pairs of whole numbers, such as [(0, 0), (3, 5)]; "
                            "got {value}.", value=check.describe(spots)))  # fmt: skip
    return [(int(r), int(c)) for r, c in spots]


def guesses_figure(images: torch.Tensor, probabilities: torch.Tensor, title: str | None = None):
    """Lesson 03: digits (B, 1, 28, 28) with the discriminator's P(real) written over each."""
    images = check.digits(images, tr("guesses_figure expects"), finite=False)  # (B, 1, 28, 28)
    if not isinstance(probabilities, torch.Tensor) or not probabilities.is_floating_point():
        raise ValueError(tr("probabilities must be a float tensor of the discriminator's P(real), one per digit; got "
                            "{value}.", value=check.describe(probabilities)))  # fmt: skip
    probabilities = probabilities.detach().float().cpu().reshape(-1)  # (B,)
    if len(images) != len(probabilities):
        raise ValueError(tr("Expected B digits (B, 1, 28, 28) and B probabilities; got {shape} and {n}.",
                            shape=tuple(images.shape), n=len(probabilities)))  # fmt: skip
    if title is not None and not isinstance(title, str):
        raise ValueError(tr("title must be text or None; got {value}.", value=check.describe(title)))
    ensure_font()  # Chinese text in any picture, whatever matplotlib's settings
    fig, axes = plt.subplots(1, len(images), figsize=(1.6 * len(images), 2.0), squeeze=False)
    for ax, image, p in zip(axes[0], images, probabilities, strict=True):
        ax.imshow(image_grid(image[None], pad=0), cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"{p:.2f}", color="green" if p >= 0.5 else "red")
        ax.axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_sliding_filter(digit: torch.Tensor, kernel: torch.Tensor, feature_map: torch.Tensor,
                        spots: list[tuple[int, int]], stride: int = 2, padding: int = 1) -> None:  # fmt: skip
    """Lesson 03: show where a filter looks on a digit, and the feature map it makes."""
    sliding_filter_figure(digit, kernel, feature_map, spots, stride, padding)
    plt.show()


def show_guesses(images: torch.Tensor, probabilities: torch.Tensor, title: str | None = None) -> None:
    """Lesson 03: show digits with the discriminator's P(real) over each."""
    guesses_figure(images, probabilities, title)
    plt.show()
