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


def _number(kind: type, low: float, what: str, strict: bool = False, below: float = math.inf):
    """An argparse type: a KIND number >= LOW (or > LOW when STRICT) and < BELOW, with a clear message."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not math.isfinite(value) or value < low or (strict and value == low) or value >= below:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `gan-lessons` (lesson 05 shows the commands)."""
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
    share = _number(float, 0, "a number in [0, 1), such as 0.999", below=1)
    train.add_argument("--ema", type=share, default=0.0,
                       help="keep a running average of the generator (lesson 07); 0 = off")  # fmt: skip
    train.add_argument("--r1", type=_number(float, 0, "a number >= 0, such as 1"), default=0.0,
                       help="weight of the gradient penalty on real digits (lesson 07); 0 = off")  # fmt: skip
    train.add_argument("--data", help="folder with the MNIST files (default: see the README)")
    train.add_argument("--out", default="runs/classic", help="folder for the checkpoint, losses and pictures")
    train.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    train.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--cuda-graph", action="store_true",
                       help="replay each step as one CUDA graph (faster on NVIDIA GPUs; not yet checked on one, "
                            "see the README's GPU section); elsewhere it says why and trains as usual")  # fmt: skip

    sample = sub.add_parser("sample", help="draw digits with a trained generator")
    source = sample.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", help="a checkpoint.pt from `gan-lessons train`")
    source.add_argument("--pretrained", help="the name of a generator shipped with the package")
    sample.add_argument("--n", type=_number(int, 1, "a whole number >= 1"), default=64)
    sample.add_argument("--out", required=True, help="FILE.pt: the digits as a uint8 tensor (N, 1, 28, 28)")
    sample.add_argument("--png", help="also save a grid of the digits as this PNG file")
    sample.add_argument("--seed", type=_number(int, 0, "a whole number >= 0"), default=0)
    sample.add_argument("--digit", type=_number(int, 0, "a digit from 0 to 9", below=10), default=None,
                        help="the digit a conditional generator draws (lesson 10); default: 0 to 9 in turn")

    judge = sub.add_parser("judge", help="score digits with the digit judge (lesson 08)")
    judge.add_argument("--samples", required=True, help="FILE.pt from `gan-lessons sample` (uint8, (N, 1, 28, 28))")
    return parser


def check_writable(folder: Path, need: int = MIN_FREE_BYTES, flag: str = "--out") -> None:
    """Fail before the work starts when FOLDER cannot take our files (NEED bytes of them)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".gan-lessons-write-test"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as err:
        raise ConfigError(f"Cannot write to {folder} ({err.strerror}). Choose another folder with {flag}.") from None
    free = shutil.disk_usage(folder).free
    if free < need:
        raise ConfigError(f"Only {free // 2**20} MB free in {folder}; this needs about {-(-need // 2**20)} MB. "
                          f"Free some space, or choose another folder with {flag}.")  # fmt: skip


def cmd_train(args: argparse.Namespace) -> int:
    """Run `gan-lessons train`."""
    from .data import load_mnist
    from .plots import save_grid
    from .training import TrainConfig, Trainer, print_every, resolve_device

    out = Path(args.out)
    check_writable(out)
    device = resolve_device(args.device)  # before loading data: a missing GPU is found at once
    ckpt = out / "checkpoint.pt"
    for stale in out.glob(f".{ckpt.name}.*.tmp"):  # half-written by a run that was killed while saving
        stale.unlink()
        print(f"Removed {stale.name}, a half-written checkpoint; {ckpt.name} itself is whole.")
    data = load_mnist(args.data)
    if args.resume and ckpt.exists():
        trainer = Trainer.load(ckpt, data, device, arch=args.arch)
        c = trainer.config
        print(f"Resuming from {ckpt}: {trainer.epoch} epochs done, {trainer.batch} batches into the next. "
              f"It keeps its settings: batch size {c.batch_size}, lr {c.lr}, seed {c.seed}, "
              f"max batches {c.max_batches}, ema {c.ema}, r1 {c.r1}.")  # fmt: skip
    else:
        if args.resume:
            print(f"No checkpoint in {out} yet: starting from the beginning.")
        config = TrainConfig(arch=args.arch, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                             seed=args.seed, max_batches=args.max_batches, ema=args.ema, r1=args.r1)  # fmt: skip
        trainer = Trainer(data, config, device)
    trainer.config.epochs = args.epochs
    trainer.config.cuda_graph = args.cuda_graph  # each run chooses; --resume does not carry it over
    print(f"Training the {trainer.config.arch} GAN on {trainer.device} for {args.epochs} epochs "
          f"of {trainer.batches_per_epoch} batches.")  # fmt: skip

    def save_outputs(t: Trainer) -> None:
        t.history.to_csv(out / "history.csv")
        if t.epoch % 10 == 0 or t.epoch == args.epochs:
            save_grid(t.samples(), out / f"generated_images_epoch_{t.epoch}.png", nrow=4, title=f"epoch {t.epoch}")

    try:
        trainer.fit(args.epochs, [print_every(5), save_outputs], progress=not args.quiet, checkpoint=ckpt)
    except TrainingDiverged as err:
        kept = f"It is {ckpt}." if ckpt.exists() else "No checkpoint was saved yet."
        raise TrainingDiverged(f"{err} {kept} Start a new run with a smaller --lr, such as 2e-4.") from err
    except KeyboardInterrupt:  # a second Ctrl-C stops at once, without saving
        kept = f"{ckpt} holds the last saved progress: add --resume to continue." if ckpt.exists() else ""
        print(f"gan-lessons: stopped at once. {kept}", file=sys.stderr)
        return 130
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

    for path, flag in ((args.out, "--out"), (args.png, "--png")):
        if path:
            check_writable(Path(path).parent, need=2**20, flag=flag)
    generator = load_generator(args.pretrained or args.checkpoint)
    digits = generate(generator, make_noise(args.n, generator.z_dim, seed=args.seed), _asked(generator, args))
    pixels = to_pixels(digits)  # (N, 1, 28, 28) uint8
    save_atomic(pixels, args.out)
    print(f"Wrote {args.n} digits to {args.out}")
    if args.png:
        save_grid(digits, args.png)
        print(f"Wrote a grid to {args.png}")
    return 0


def _asked(generator, args: argparse.Namespace):
    """The digits to ask a conditional generator for (N,): --digit, or 0 to 9 in turn; None for the others."""
    import torch

    from .models import N_DIGITS, is_conditional

    if not is_conditional(generator):
        if args.digit is not None:
            name = args.pretrained or args.checkpoint
            raise ConfigError(f"--digit needs a conditional generator, one that is told which digit to draw; {name} "
                              "draws whatever digit its noise gives. Use --pretrained conditional (or a checkpoint "
                              "of `gan-lessons train --arch conditional`), or leave --digit out.")  # fmt: skip
        return None
    if args.digit is None:
        print("No --digit given: asking for the digits 0 to 9 in turn.")
        return torch.arange(args.n) % N_DIGITS  # (N,)
    return torch.full((args.n,), args.digit)  # (N,)


def cmd_judge(args: argparse.Namespace) -> int:
    """Run `gan-lessons judge` (lesson 08): recognizability, digit counts and Fréchet distance."""
    import pickle

    import torch

    from .judge import judge_digits

    path = Path(args.samples)
    if not path.is_file():
        raise CheckpointError(f"No file at {path}. Make one with: gan-lessons sample --pretrained dcgan --n 1000 "
                              f"--out {path}")  # fmt: skip
    try:
        digits = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(f"Refused to load {path}: it holds more than plain tensors.") from err
    except Exception as err:
        raise CheckpointError(f"{path} is not a file of digits from `gan-lessons sample` ({err}).") from err
    if not isinstance(digits, torch.Tensor):
        raise CheckpointError(f"{path} holds a {type(digits).__name__}, not a tensor of digits (N, 1, 28, 28).")
    try:
        print(judge_digits(digits))
    except ValueError as err:
        raise CheckpointError(f"{path}: {err}") from err
    return 0


def main(argv: list[str] | None = None) -> int:
    """Lesson 05: the `gan-lessons` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = {"train": cmd_train, "sample": cmd_sample, "judge": cmd_judge}[args.command]
    try:
        return command(args)
    except ConfigError as err:
        parser.error(str(err))  # usage error, exit code 2
    except (DataError, CheckpointError, TrainingDiverged) as err:
        print(f"gan-lessons: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # a file we read or write: a full disk, a folder removed while we run ...
        print(f"gan-lessons: error: could not read or write {err.filename or 'a file'} ({err.strerror or err}). "
              "Check that the path exists and the disk has space.", file=sys.stderr)  # fmt: skip
        return 1
    except KeyboardInterrupt:  # Ctrl-C before training started, or while sampling
        print("gan-lessons: stopped by Ctrl-C. Files already written are complete.", file=sys.stderr)
        return 130
    return 0
