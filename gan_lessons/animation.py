"""A film of training: the fixed-noise digits after every epoch, saved as an animated GIF (lesson 05)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from . import validate as check
from .engine import Trainer
from .i18n import tr


class GridRecorder:
    """Lesson 05: a Trainer callback that keeps the fixed-noise grid after every epoch, to make a GIF."""

    def __init__(self):
        self.frames: list[np.ndarray] = []  # each (H, W) uint8, a 4x4 grid of digits
        self.epochs: list[int] = []  # the epoch each frame was taken after (0 = before training)

    def __call__(self, trainer: Trainer) -> None:
        """Lesson 05: take a picture of the trainer's fixed-noise digits now."""
        from .plots import image_grid

        self.frames.append(image_grid(trainer.samples(), nrow=4))  # (H, W) uint8
        self.epochs.append(trainer.epoch)

    def save_gif(self, path: str | Path, seconds_per_frame: float = 0.4, scale: int = 3) -> Path:
        """Lesson 05: write the frames as an animated GIF that loops; the last frame stays longer."""
        if not self.frames:
            raise ValueError(tr("No frames yet: pass this recorder in fit(callbacks=[...]) or call it with a trainer."))
        if not seconds_per_frame > 0 or not isinstance(scale, int) or scale < 1:
            raise ValueError(tr("Need seconds_per_frame > 0 and a whole scale >= 1, got {seconds_per_frame}, {scale}.",
                                seconds_per_frame=seconds_per_frame, scale=scale))  # fmt: skip
        labelled = zip(self.frames, self.epochs, strict=True)
        pictures = [_captioned(frame, tr("epoch {epoch}", epoch=epoch), scale) for frame, epoch in labelled]
        durations = [round(1000 * seconds_per_frame)] * len(pictures)
        durations[-1] = max(durations[-1], 2000)  # linger on the result before looping
        from .checkpoints import write_atomic  # never through a link or into a device; never half-written

        return write_atomic(lambda f: pictures[0].save(f, format="GIF", save_all=True, append_images=pictures[1:],
                                                       duration=durations, loop=0), path)  # fmt: skip


def _captioned(grid: np.ndarray, caption: str, scale: int):
    """A grid (H, W) enlarged SCALE times, with CAPTION written in a strip above it, as a Pillow image."""
    from PIL import Image, ImageDraw

    from .plots import enlarge

    big = Image.fromarray(enlarge(grid, scale))  # (H * scale, W * scale), sharp pixels
    picture = Image.new("L", (big.width, big.height + 24), color=255)
    picture.paste(big, (0, 24))
    ImageDraw.Draw(picture).text((6, 5), caption, fill=0, font=_caption_font(caption))
    return picture


def _caption_font(caption: str):
    """Pillow's own font for plain English; the shipped Chinese font (gan_lessons/fonts.py) for anything else."""
    from PIL import ImageFont

    if caption.isascii():
        return None
    from .fonts import SHIPPED

    return ImageFont.truetype(str(SHIPPED), 14)


class NoGif(FileNotFoundError, ValueError):
    """Lesson 05: no GIF at the path given to show_gif (a FileNotFoundError, and a ValueError as every bad argument)."""


def show_gif(path: str | Path) -> None:
    """Lesson 05: show an animated GIF in the notebook."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(tr("path must be a GIF's file name, such as \"training.gif\"; got {value}.",
                           value=check.describe(path)))  # fmt: skip
    if not str(path).strip():
        raise ValueError(tr('path is empty; give a GIF\'s file name, such as "training.gif".'))
    path = Path(path)
    if not path.is_file():
        raise NoGif(tr("No GIF at {path}. Make one first with recorder.save_gif({name!r}).", path=path,
                       name=str(path)))  # fmt: skip
    from IPython.display import Image, display

    display(Image(filename=str(path)))
