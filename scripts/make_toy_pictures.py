"""Draw the README's pictures of lesson 04's 2-D game with the package's own code.

python scripts/make_toy_pictures.py     # writes docs/img/toy_ring.png and docs/img/toy_collapse.png
"""

from __future__ import annotations

import io
from pathlib import Path

import torch
from PIL import Image

from gan_lessons.toy2d import GamePicture, ToyGame

ROOT = Path(__file__).resolve().parents[1]
GAMES = {  # file: (settings, steps); the collapse settings are the lesson's Try-it
    "toy_ring.png": ({}, 1500),
    "toy_collapse.png": ({"lr_d": 1e-4, "lr_g": 1e-2}, 800),
}


def main() -> None:
    torch.set_num_threads(1)
    for name, (settings, steps) in GAMES.items():
        game = ToyGame(**settings)
        game.step(steps)
        picture = Image.open(io.BytesIO(GamePicture(game).png())).convert("P", palette=Image.ADAPTIVE, colors=128)
        path = ROOT / "docs" / "img" / name
        picture.save(path, optimize=True)
        print(f"{path.relative_to(ROOT)}: {game.coverage()}, {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
