"""Draw the pictures of docs/troubleshooting.md with the project's own code: tiny runs with bad settings.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/make_troubleshooting_pictures.py   # about 5 minutes on a CPU

It writes each picture twice, labelled in English (docs/img/NAME.png, for docs/troubleshooting.md) and in
Chinese with the package's shipped font (docs/img/NAME.zh-CN.png, for docs/troubleshooting.zh-CN.md);
``--languages zh-CN`` writes only the Chinese ones. Each picture is a real run on the built-in sample of
6,000 digits, seeded, so it is the same on every run (on the CPU, with one thread). The script checks that
each run shows what its picture claims, and stops with an error when one does not, so the guide never shows
a picture that says something else.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from gan_lessons.data import load_sample, to_model_range
from gan_lessons.fonts import ensure_font
from gan_lessons.models import ClassicGenerator, generate, make_noise
from gan_lessons.plots import image_grid
from gan_lessons.pretrained import available, load_generator
from gan_lessons.training import History, TrainConfig, Trainer

ROOT = Path(__file__).resolve().parents[1]
SEED = 1
NOISE = make_noise(16, 100, seed=5)  # the same 16 noise vectors for every picture
LANGUAGES = ("en", "zh-CN")
CHINESE = {  # every label of the pictures, in Chinese (docs/troubleshooting.zh-CN.md)
    "16 samples": "16 个样本",
    "D loss, lr 2e-4": "D 的损失，lr 2e-4",
    "G loss, lr 2e-4": "G 的损失，lr 2e-4",
    "D loss": "D 的损失",
    "G loss": "G 的损失",
    "batch": "批次",
    "Healthy: the pretrained classic GAN": "健康：预先训练好的经典 GAN",
    "Pure noise: an untrained generator": "纯噪声：没训练过的生成器",
    "Mode collapse: lr 2e-3 for both": "模式崩溃：两个网络的 lr 都是 2e-3",
    "D wins: G's lr 1e-6, D's 2e-4": "判别器赢了：G 的 lr 是 1e-6，D 的是 2e-4",
    "Too slow: lr 1e-6 for both": "太慢：两个网络的 lr 都是 1e-6",
}


def spread(images: torch.Tensor) -> float:
    """How different pictures are from each other: the mean distance between two of them."""
    flat = images.flatten(1)  # (N, 784)
    return torch.cdist(flat, flat).mean().item()


def train(data, batches: int, lr_g: float, lr_d: float) -> Trainer:
    """A tiny run of the classic GAN with its own learning rate for each network."""
    trainer = Trainer(data, TrainConfig(batch_size=64, lr=lr_d, seed=SEED, max_batches=50), "cpu")
    for group in trainer.opt_g.param_groups:
        group["lr"] = lr_g
    start = time.perf_counter()
    trainer.fit(batches // 50, progress=False)  # "epochs" of 50 batches
    print(f"  {batches} batches in {time.perf_counter() - start:.0f} s")
    return trainer


def say(text: str, language: str) -> str:
    """TEXT in LANGUAGE ("en" or "zh-CN")."""
    return CHINESE[text] if language == "zh-CN" else text


def draw(path: Path, samples: torch.Tensor, history: History | None, title: str, normal: History | None = None):
    """Write the picture once for each language asked for: PATH in English, PATH's .zh-CN.png twin in Chinese."""
    for language in LANGUAGES:
        target = path if language == "en" else path.with_suffix(".zh-CN.png")
        draw_one(target, samples, history, title, normal, language)


def draw_one(
    path: Path, samples: torch.Tensor, history: History | None, title: str, normal: History | None, language: str
) -> None:
    """Samples on the left and the losses of every batch on the right (faint: a NORMAL run's), as one PNG."""
    ensure_font()  # Chinese labels with the package's shipped font
    panels = 2 if history else 1
    fig, axes = plt.subplots(1, panels, figsize=(3.0 * panels + (1.4 if history else 0), 3.0), squeeze=False)
    axes[0, 0].imshow(image_grid(samples, nrow=4), cmap="gray", vmin=0, vmax=255)
    axes[0, 0].set_title(say("16 samples", language), fontsize=9)
    axes[0, 0].axis("off")
    if history:
        ax = axes[0, 1]
        if normal:
            steps = np.arange(1, len(normal.batch_d) + 1)
            faint = {"lw": 0.8, "ls": "--", "color": "C0", "alpha": 0.4}
            ax.plot(steps, normal.batch_d, **faint, label=say("D loss, lr 2e-4", language))
            faint = {"lw": 0.8, "ls": "--", "color": "C1", "alpha": 0.4}
            ax.plot(steps, normal.batch_g, **faint, label=say("G loss, lr 2e-4", language))
        ax.plot(np.arange(1, len(history.batch_d) + 1), history.batch_d, lw=0.8, label=say("D loss", language))
        ax.plot(np.arange(1, len(history.batch_g) + 1), history.batch_g, lw=0.8, label=say("G loss", language))
        ax.set_xlabel(say("batch", language), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle(say(title, language), fontsize=10)
    fig.tight_layout()
    from PIL import Image

    png = io.BytesIO()
    fig.savefig(png, dpi=80)
    plt.close(fig)
    picture = Image.open(png).convert("RGB").quantize(64, method=Image.Quantize.FASTOCTREE)  # 64 colours: small
    picture.save(path, optimize=True)
    print(f"  wrote {path} ({path.stat().st_size // 1024} KB)")


def tail(values: list[float], n: int = 50) -> float:
    return float(np.mean(values[-n:]))


def main() -> None:
    global LANGUAGES
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--batches", type=int, default=300, help="batches of 64 digits in each run (a multiple of 50)")
    parser.add_argument("--languages", default=",".join(LANGUAGES), help='the labels to draw: "en", "zh-CN" or both')
    args = parser.parse_args()
    LANGUAGES = tuple(args.languages.split(","))
    assert set(LANGUAGES) <= {"en", "zh-CN"}, f"unknown language in {args.languages!r}"
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)  # the same numbers on every CPU
    data = load_sample()
    real = to_model_range(data.images[:256])  # (256, 1, 28, 28)
    print(f"Real digits differ by {spread(real):.1f} on average.")

    print("healthy: the pretrained classic generator")
    if "classic" in available():
        digits = generate(load_generator("classic"), NOISE)
        draw(args.out / "healthy.png", digits, None, "Healthy: the pretrained classic GAN")

    print("pure noise: a generator that has not learned anything")
    torch.manual_seed(SEED)
    untrained = generate(ClassicGenerator(), NOISE)
    assert spread(untrained) < 0.25 * spread(real), "an untrained generator draws the same grey fuzz"
    draw(args.out / "pure_noise.png", untrained, None, "Pure noise: an untrained generator")

    print("mode collapse: a learning rate 10 times too high for both networks")
    collapsed = train(data, args.batches, lr_g=2e-3, lr_d=2e-3)
    samples = collapsed.samples(NOISE)
    print(f"  its samples differ by {spread(samples):.1f}")
    assert spread(samples) < 0.75 * spread(real), "the samples are much more alike than real digits"
    draw(args.out / "mode_collapse.png", samples, collapsed.history, "Mode collapse: lr 2e-3 for both")

    print("the discriminator wins: the generator's learning rate 200 times too small")
    d_wins = train(data, args.batches, lr_g=1e-6, lr_d=2e-4)
    h = d_wins.history
    print(f"  last 50 batches: D {tail(h.batch_d):.3f}, G {tail(h.batch_g):.2f}")
    assert tail(h.batch_d) < 0.05 and tail(h.batch_g) > tail(h.batch_g[:100]) + 1, "D near 0, G climbing"
    draw(args.out / "d_wins.png", d_wins.samples(NOISE), h, "D wins: G's lr 1e-6, D's 2e-4")

    print("too slow: a learning rate 200 times too small for both networks, and the right one to compare")
    slow, normal = train(data, args.batches, lr_g=1e-6, lr_d=1e-6), train(data, args.batches, lr_g=2e-4, lr_d=2e-4)
    moved = {name: abs(tail(t.history.batch_d) - tail(t.history.batch_d[:10], 10)) for name, t in
             (("lr 1e-6", slow), ("lr 2e-4", normal))}  # fmt: skip
    print(f"  the D loss moved by {moved}")
    assert moved["lr 1e-6"] < 0.25 * moved["lr 2e-4"], "the losses hardly move, compared with a normal run"
    draw(args.out / "too_slow.png", slow.samples(NOISE), slow.history, "Too slow: lr 1e-6 for both", normal.history)


if __name__ == "__main__":
    os.environ.setdefault("GAN_LESSONS_OFFLINE", "1")
    main()
