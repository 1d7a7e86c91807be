"""Pictures: grids of digits and loss curves, shown in a notebook or saved as PNG (lesson 01)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from .data import to_pixels


def image_grid(images: torch.Tensor, nrow: int | None = None, pad: int = 2) -> np.ndarray:
    """Lesson 01: tile digits (B, 1, 28, 28) in [-1, 1] into one grey picture (H, W) of uint8."""
    if images.dim() == 3:
        images = images.unsqueeze(1)  # (B, 28, 28) -> (B, 1, 28, 28)
    if images.dim() != 4 or images.shape[1] != 1 or len(images) == 0:
        raise ValueError(f"Expected digits of shape (B, 1, H, W) with B >= 1, got {tuple(images.shape)}.")
    pixels = images if images.dtype == torch.uint8 else to_pixels(images)  # NaN -> black, clipped
    b, _, h, w = pixels.shape
    nrow = nrow or math.ceil(math.sqrt(b))
    if nrow < 1:
        raise ValueError(f"nrow must be >= 1, got {nrow}.")
    rows = math.ceil(b / nrow)
    grid = np.zeros((rows * (h + pad) + pad, nrow * (w + pad) + pad), dtype=np.uint8)
    for i, img in enumerate(pixels[:, 0].numpy()):  # img: (H, W)
        r, c = divmod(i, nrow)
        grid[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) : pad + c * (w + pad) + w] = img
    return grid


def grid_figure(images: torch.Tensor, nrow: int | None = None, title: str | None = None, size: float = 4.0):
    """Lesson 01: a matplotlib figure of a grid of digits (4x4 for 16, like the reference)."""
    grid = image_grid(images, nrow)
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
    """Lesson 04: save a grid of digits as a PNG file."""
    fig = grid_figure(images, nrow, title)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def loss_figure(d_losses: list[float], g_losses: list[float], xlabel: str = "epoch"):
    """Lesson 04: a figure of the discriminator's and generator's losses over time."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    steps = np.arange(1, len(d_losses) + 1)
    ax.plot(steps, np.asarray(d_losses, dtype=float), label="discriminator (D)")
    ax.plot(steps, np.asarray(g_losses, dtype=float), label="generator (G)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def show_losses(d_losses: list[float], g_losses: list[float], xlabel: str = "epoch") -> None:
    """Lesson 04: show the loss curves in the notebook."""
    loss_figure(d_losses, g_losses, xlabel)
    plt.show()
