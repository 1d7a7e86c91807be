"""Draw the README's pictures with the project's own code (the widget screenshot comes from tests/test_browser.py).

python scripts/make_readme_pictures.py            # writes docs/img/gan_diagram.png and docs/img/samples_*.png
GAN_LESSONS_SCREENSHOT=docs/img/widgets.png GAN_LESSONS_FAST=1 python -m pytest tests/test_browser.py
"""

from pathlib import Path

import matplotlib.pyplot as plt

from gan_lessons.data import load_sample, to_model_range
from gan_lessons.diagrams import gan_diagram
from gan_lessons.models import generate, make_noise
from gan_lessons.plots import save_grid
from gan_lessons.pretrained import available, load_generator

OUT = Path(__file__).resolve().parents[1] / "docs" / "img"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    real = to_model_range(load_sample().images[:1])  # (1, 1, 28, 28)
    fake = generate(load_generator("classic"), make_noise(1, seed=3))  # (1, 1, 28, 28)
    fig = gan_diagram(real[0], fake[0])
    fig.savefig(OUT / "gan_diagram.png", dpi=80)
    plt.close(fig)
    for name in available():
        digits = generate(load_generator(name), make_noise(32, seed=0))  # (32, 1, 28, 28)
        save_grid(digits, OUT / f"samples_{name}.png", nrow=8, title=f"{name}: 32 digits from the shipped weights")
    print(f"wrote the pictures in {OUT}")


if __name__ == "__main__":
    main()
