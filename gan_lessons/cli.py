"""The command line: `gan-lessons train` and `gan-lessons sample` (see the README)."""

from __future__ import annotations

import argparse
import math
import shutil
import sys
from pathlib import Path

from .checkpoints import CheckpointError
from .data import DataError
from .models import ARCHITECTURES
from .training import ConfigError, TrainingDiverged

MIN_FREE_BYTES = 200 * 2**20  # room for a few checkpoints and pictures


def _number(kind: type, low: float, what: str, strict: bool = False):
    """An argparse type: a KIND number >= LOW (or > LOW when STRICT), with a clear message."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not math.isfinite(value) or value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `gan-lessons` (lesson 04 shows the commands)."""
    parser = argparse.ArgumentParser(prog="gan-lessons", description="Train GANs on MNIST digits and draw samples.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a GAN; writes a checkpoint, a loss CSV and grids of digits")
    train.add_argument("--arch", choices=sorted(ARCHITECTURES), default="classic")
    train.add_argument("--epochs", type=_number(int, 0, "a whole number >= 0"), default=50)
    train.add_argument("--max-batches", type=_number(int, 1, "a whole number >= 1"), default=None,
                       help="stop each epoch after this many batches (a quick try)")  # fmt: skip
    train.add_argument("--batch-size", type=_number(int, 1, "a whole number >= 1"), default=128)
    train.add_argument("--lr", type=_number(float, 0, "a learning rate > 0, such as 2e-4", strict=True), default=2e-4)
    train.add_argument("--seed", type=_number(int, 0, "a whole number >= 0"), default=42)
    train.add_argument("--data", help="folder with the MNIST files (default: see the README)")
    train.add_argument("--out", default="runs/classic", help="folder for the checkpoint, losses and pictures")
    train.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    train.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    sample = sub.add_parser("sample", help="draw digits with a trained generator")
    source = sample.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", help="a checkpoint.pt from `gan-lessons train`")
    source.add_argument("--pretrained", help="the name of a generator shipped with the package")
    sample.add_argument("--n", type=_number(int, 1, "a whole number >= 1"), default=64)
    sample.add_argument("--out", required=True, help="FILE.pt: the digits as a uint8 tensor (N, 1, 28, 28)")
    sample.add_argument("--png", help="also save a grid of the digits as this PNG file")
    sample.add_argument("--seed", type=_number(int, 0, "a whole number >= 0"), default=0)
    return parser


def check_writable(folder: Path) -> None:
    """Fail before training when FOLDER cannot take our files."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".gan-lessons-write-test"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as err:
        raise ConfigError(f"Cannot write to {folder} ({err.strerror}). Choose another folder with --out.") from None
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        raise ConfigError(f"Only {free // 2**20} MB free in {folder}; training needs about 200 MB. Free some space.")


def cmd_train(args: argparse.Namespace) -> int:
    """Run `gan-lessons train`."""
    from .data import load_mnist
    from .plots import save_grid
    from .training import TrainConfig, Trainer, pick_device, print_every

    out = Path(args.out)
    check_writable(out)
    device = pick_device() if args.device == "auto" else args.device
    data = load_mnist(args.data)
    ckpt = out / "checkpoint.pt"
    if args.resume and ckpt.exists():
        trainer = Trainer.load(ckpt, data, device, arch=args.arch)
        print(f"Resuming from {ckpt}: {trainer.epoch} epochs done, {trainer.batch} batches into the next.")
    else:
        if args.resume:
            print(f"No checkpoint in {out} yet: starting from the beginning.")
        config = TrainConfig(arch=args.arch, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                             seed=args.seed, max_batches=args.max_batches)  # fmt: skip
        trainer = Trainer(data, config, device)
    trainer.config.epochs = args.epochs
    print(f"Training the {trainer.config.arch} GAN on {trainer.device} for {args.epochs} epochs "
          f"of {trainer.batches_per_epoch} batches.")  # fmt: skip

    def save_outputs(t: Trainer) -> None:
        t.history.to_csv(out / "history.csv")
        if t.epoch % 10 == 0 or t.epoch == args.epochs:
            save_grid(t.samples(), out / f"generated_images_epoch_{t.epoch}.png", nrow=4, title=f"epoch {t.epoch}")

    trainer.fit(args.epochs, [print_every(5), save_outputs], progress=not args.quiet, checkpoint=ckpt)
    if trainer.stopped_early:
        print(f"Saved to {ckpt}. To continue: gan-lessons train --arch {trainer.config.arch} "
              f"--epochs {args.epochs} --out {out} --resume", file=sys.stderr)  # fmt: skip
        return 130
    print(f"Done: {ckpt}, {out / 'history.csv'} and the pictures are in {out}.")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    """Run `gan-lessons sample`."""
    from .checkpoints import save_atomic
    from .data import to_pixels
    from .models import generate, make_noise
    from .plots import save_grid
    from .pretrained import load_generator

    generator = load_generator(args.pretrained or args.checkpoint)
    digits = generate(generator, make_noise(args.n, generator.z_dim, seed=args.seed))  # (N, 1, 28, 28)
    pixels = to_pixels(digits)  # (N, 1, 28, 28) uint8
    save_atomic(pixels, args.out)
    print(f"Wrote {args.n} digits to {args.out}")
    if args.png:
        save_grid(digits, args.png)
        print(f"Wrote a grid to {args.png}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Lesson 04: the `gan-lessons` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = {"train": cmd_train, "sample": cmd_sample}[args.command]
    try:
        return command(args)
    except ConfigError as err:
        parser.error(str(err))  # usage error, exit code 2
    except (DataError, CheckpointError, TrainingDiverged) as err:
        print(f"gan-lessons: error: {err}", file=sys.stderr)
        return 1
    return 0
