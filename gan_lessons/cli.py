"""The command line: `gan-lessons train`, `gan-lessons sample` and `gan-lessons judge` (see the README)."""

from __future__ import annotations

import argparse
import math
import os
import shlex
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import validate as check
from .checkpoints import CheckpointError
from .data import DataError
from .models import ARCHITECTURES
from .training import MAX_BATCH_SIZE, MAX_EPOCHS, ConfigError, TrainingDiverged

MIN_FREE_BYTES = 200 * 2**20  # room for a few checkpoints and pictures
MAX_SAMPLES = 100_000  # `sample --n`: 78 MB of digits, drawn 1,000 at a time
GRID_MOST = 400  # `sample --png` draws the first 400 digits at most (20 x 20)
LOCK_NAME = ".gan-lessons.lock"  # in a run's folder while `train` writes there
PREVIOUS = "previous-"  # `train --restart` moves an earlier run's files into OUT/previous-1, previous-2 ...
# The flags a resumed run cannot read from its checkpoint: the printed "to continue" command repeats them.
RESUME_FLAGS = ("data", "device", "quiet", "cuda_graph")


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived (kill, Docker, Colab, a job scheduler): stop as Ctrl-C does (lesson 05)."""


def _number(kind: type, low: float, what: str, strict: bool = False, below: float = math.inf,
            high: float = math.inf):  # fmt: skip
    """An argparse type: a KIND number >= LOW (> LOW when STRICT), < BELOW and <= HIGH, with a clear message."""

    def parse(text: str):
        shown = text if len(text) <= 30 else f"{text[:12]}...{text[-6:]} ({len(text)} characters)"
        try:
            value = kind(text)
        except ValueError:  # not a number, or an int of thousands of digits
            raise argparse.ArgumentTypeError(f"expected {what}, got {shown!r}") from None
        if not check.is_number(value) or value < low or (strict and value == low) or value >= below or value > high:
            raise argparse.ArgumentTypeError(f"expected {what}, got {shown!r}")
        return value

    return parse


def _whole(low: int, high: int):
    return _number(int, low, f"a whole number from {low} to {high:,}", high=high)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `gan-lessons` (lesson 05 shows the commands)."""
    parser = argparse.ArgumentParser(prog="gan-lessons", description="Train GANs on MNIST digits and draw samples.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a GAN; writes a checkpoint, a loss CSV and grids of digits")
    train.add_argument("--arch", choices=sorted(ARCHITECTURES), default="classic")
    train.add_argument("--epochs", type=_whole(0, MAX_EPOCHS), default=50,
                       help="epochs to train in all (a resumed run counts those already done)")  # fmt: skip
    train.add_argument("--max-batches", type=_whole(1, 10**9), default=None,
                       help="stop each epoch after this many batches (a quick try)")  # fmt: skip
    train.add_argument("--batch-size", type=_whole(1, MAX_BATCH_SIZE), default=128)
    train.add_argument("--lr", type=_number(float, 0, "a learning rate > 0, such as 2e-4", strict=True), default=2e-4)
    train.add_argument("--seed", type=_whole(0, check.MAX_SEED), default=42)
    share = _number(float, 0, "a number in [0, 1), such as 0.999", below=1)
    train.add_argument("--ema", type=share, default=0.0,
                       help="keep a running average of the generator (lesson 09); 0 = off")  # fmt: skip
    train.add_argument("--r1", type=_number(float, 0, "a number >= 0, such as 1"), default=0.0,
                       help="weight of the gradient penalty on real digits (lesson 09); 0 = off")  # fmt: skip
    train.add_argument("--data", help="folder with the MNIST files (default: see the README)")
    train.add_argument("--out", help="folder for the checkpoint, losses and pictures (default: runs/ARCH)")
    again = train.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="continue the run in OUT from OUT/checkpoint.pt")
    again.add_argument("--restart", action="store_true",
                       help=f"start over in OUT; an earlier run's files there move to OUT/{PREVIOUS}N")  # fmt: skip
    train.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--cuda-graph", action="store_true",
                       help="replay each step as one CUDA graph (faster on NVIDIA GPUs; not yet checked on one, "
                            "see the README's GPU section); elsewhere it says why and trains as usual")  # fmt: skip

    sample = sub.add_parser("sample", help="draw digits with a trained generator")
    source = sample.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", help="a checkpoint.pt from `gan-lessons train`")
    source.add_argument("--pretrained", help="the name of a generator shipped with the package")
    sample.add_argument("--n", type=_whole(1, MAX_SAMPLES), default=64)
    sample.add_argument("--out", required=True, help="FILE.pt: the digits as a uint8 tensor (N, 1, 28, 28)")
    sample.add_argument("--png", help=f"also save a grid of the digits (the first {GRID_MOST}) as this .png file")
    sample.add_argument("--seed", type=_whole(0, check.MAX_SEED), default=0)
    sample.add_argument("--digit", type=_number(int, 0, "a digit from 0 to 9", below=10), default=None,
                        help="the digit a conditional generator draws (lesson 10); default: 0 to 9 in turn")

    judge = sub.add_parser("judge", help="score digits with the digit judge (lesson 08)")
    judge.add_argument("--samples", required=True, help="FILE.pt from `gan-lessons sample` (uint8, (N, 1, 28, 28))")
    return parser


def check_writable(folder: Path, need: int = MIN_FREE_BYTES, flag: str = "--out") -> None:
    """Fail before the work starts when FOLDER cannot take our files (NEED bytes of them)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".gan-lessons-write-test.")  # a name no other run uses
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise ConfigError(f"Cannot write to {folder} ({err.strerror}). Choose another folder with {flag}.") from None
    free = shutil.disk_usage(folder).free
    if free < need:
        raise ConfigError(f"Only {free // 2**20} MB free in {folder}; this needs about {-(-need // 2**20)} MB. "
                          f"Free some space, or choose another folder with {flag}.")  # fmt: skip


# --- train ----------------------------------------------------------------------------------------------------------


def _run_files(out: Path) -> list[Path]:
    """The files a `gan-lessons train` run writes in OUT, those that exist."""
    names = [out / "checkpoint.pt", out / "history.csv", *out.glob("generated_images_epoch_*.png")]
    return [p for p in names if os.path.lexists(p)]


def _keep_aside(out: Path, files: list[Path]) -> Path:
    """Move an earlier run's FILES into OUT/previous-N (the first N free); return that folder."""
    n = 1
    while os.path.lexists(out / f"{PREVIOUS}{n}"):
        n += 1
    aside = out / f"{PREVIOUS}{n}"
    aside.mkdir()
    for path in files:
        os.replace(path, aside / path.name)  # a rename: nothing is copied, nothing is lost
    return aside


@contextmanager
def run_lock(folder: Path) -> Iterator[None]:
    """Lesson 05: hold FOLDER for one `train` at a time; the system frees it when we end, even by a crash."""
    path = folder / LOCK_NAME
    with open(path, "a+") as f:
        if not _try_lock(f):
            f.seek(0)
            who = f.read().strip()
            who = f" (process {who})" if who.isdigit() else ""
            raise ConfigError(f"Another gan-lessons train{who} is writing to {folder} right now. Wait for it to "
                              "finish or stop it, or choose another folder with --out.")  # fmt: skip
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        yield  # the lock goes when the file closes


def _try_lock(f) -> bool:
    """Lock the open file F without waiting; False when another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def continue_command(args: argparse.Namespace, arch: str) -> str:
    """Lesson 05: the command that continues this run, quoted so that it works as printed."""
    words = ["gan-lessons", "train", "--arch", arch, "--epochs", str(args.epochs), "--out", str(args.out)]
    defaults = build_parser().parse_args(["train"])
    for name in RESUME_FLAGS:
        value = getattr(args, name, None)
        if value in (None, False) or value == getattr(defaults, name, None):
            continue
        flag = "--" + name.replace("_", "-")
        words += [flag] if value is True else [flag, str(value)]
    return shlex.join([*words, "--resume"])


def _check_train_args(args: argparse.Namespace) -> Path:
    """The checks of `train` that need no file read: the output folder and the number of epochs."""
    if args.out is None:
        args.out = f"runs/{args.arch}"
    if not args.out.strip():
        raise ConfigError("--out needs a folder name, such as runs/classic; got an empty one.")
    out = Path(args.out)
    if os.path.lexists(out) and not out.is_dir():
        raise ConfigError(f"--out {out} is a file, not a folder. Choose a folder, such as runs/{args.arch}.")
    if args.epochs == 0:
        raise ConfigError("--epochs 0 trains nothing: there is nothing to do. Give how many epochs to train in "
                          "all, such as --epochs 50.")  # fmt: skip
    if args.data is not None and not args.data.strip():
        raise ConfigError("--data needs a folder name; got an empty one. Leave --data out to use the default.")
    return out


def cmd_train(args: argparse.Namespace) -> int:
    """Run `gan-lessons train`."""
    out = _check_train_args(args)
    from .training import resolve_device

    check_writable(out)
    for path in _run_files(out):
        check.output_file(path, "--out", error=ConfigError)  # a device file or a link in the way: refused
    device = resolve_device(args.device)  # before loading data: a missing GPU is found at once
    with run_lock(out):
        return _train_in(out, args, device)


def _train_in(out: Path, args: argparse.Namespace, device) -> int:
    """`gan-lessons train` once OUT is ours alone."""
    from .data import load_mnist
    from .engine import Trainer
    from .training import TrainConfig

    ckpt = out / "checkpoint.pt"
    earlier = _run_files(out)
    if earlier and not (args.resume or args.restart):
        names = ", ".join(p.name for p in earlier[:3]) + (f" and {len(earlier) - 3} more" if len(earlier) > 3 else "")
        raise ConfigError(f"{out} already holds a training run ({names}). Add --resume to continue it, or "
                          f"--restart to start over (its files then move to {out / (PREVIOUS + 'N')}), or "
                          "choose another folder with --out.")  # fmt: skip
    if args.resume and earlier and not ckpt.exists():
        raise ConfigError(f"{out} holds files of an earlier run ({earlier[0].name}) but no checkpoint.pt to resume. "
                          "Use --restart instead of --resume to keep them aside and start over.")  # fmt: skip
    if args.restart and earlier:
        aside = _keep_aside(out, earlier)
        print(f"Moved the earlier run's {len(earlier)} files to {aside}; starting over in {out}.")
    for stale in out.glob(f".{ckpt.name}.*.tmp"):  # half-written by a run that was killed while saving
        stale.unlink()
        print(f"Removed {stale.name}, a half-written checkpoint; {ckpt.name} itself is whole.")
    data = load_mnist(args.data)
    if args.resume and ckpt.exists():
        trainer = Trainer.load(ckpt, data, device, arch=args.arch)
        c = trainer.config
        if trainer.epoch >= args.epochs:
            print(f"Nothing to do: {ckpt} has {trainer.epoch} epochs done, and --epochs {args.epochs} asks for "
                  f"{args.epochs} in all. To train more, give a larger --epochs, such as --epochs "
                  f"{trainer.epoch + 10}.")  # fmt: skip
            return 0
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
    return _fit(trainer, out, args)


def _fit(trainer, out: Path, args: argparse.Namespace) -> int:
    """Train, saving as we go; say how it ended and how to continue."""
    from .checkpoints import write_text_atomic
    from .engine import print_every
    from .plots import save_grid

    ckpt = out / "checkpoint.pt"
    again = continue_command(args, trainer.config.arch)

    def save_outputs(t) -> None:
        write_text_atomic(t.history.csv_text(), out / "history.csv")
        if t.epoch % 10 == 0 or t.epoch == args.epochs:
            save_grid(t.samples(), out / f"generated_images_epoch_{t.epoch}.png", nrow=4, title=f"epoch {t.epoch}")

    try:
        trainer.fit(args.epochs, [print_every(5), save_outputs], progress=not args.quiet, checkpoint=ckpt)
    except TrainingDiverged as err:
        kept = f"It is {ckpt}." if ckpt.exists() else "No checkpoint was saved yet."
        raise TrainingDiverged(f"{err} {kept} Start a new run with a smaller --lr, such as 2e-4.") from err
    except KeyboardInterrupt as err:  # a second Ctrl-C or SIGTERM stops at once, without saving
        kept = f"{ckpt} holds the last saved progress. To continue: {again}" if ckpt.exists() else ""
        print(f"gan-lessons: stopped at once. {kept}", file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130
    if trainer.stopped_early:
        by = "SIGTERM" if trainer.stop_signal == signal.SIGTERM else "Ctrl-C"
        print(f"Stopped by {by}. Saved to {ckpt}. To continue: {again}", file=sys.stderr)
        return 143 if trainer.stop_signal == signal.SIGTERM else 130
    print(f"Done: {ckpt}, {out / 'history.csv'} and the pictures are in {out}.")
    return 0


# --- sample and judge -----------------------------------------------------------------------------------------------


def cmd_sample(args: argparse.Namespace) -> int:
    """Run `gan-lessons sample`."""
    import torch

    from .checkpoints import save_atomic
    from .data import to_pixels
    from .models import generate, make_noise
    from .plots import save_grid
    from .pretrained import WEIGHTS_DIR, available, load_generator

    if args.pretrained is not None and not args.pretrained.strip():
        raise ConfigError(f"--pretrained needs a name; shipped ones: {', '.join(available()) or 'none yet'}.")
    if args.checkpoint is not None and not args.checkpoint.strip():
        raise ConfigError("--checkpoint needs a file name, such as runs/classic/checkpoint.pt; got an empty one.")
    source = WEIGHTS_DIR / f"{args.pretrained}.pt" if args.pretrained else Path(args.checkpoint)
    out = check.output_file(args.out, "--out", not_same_as=[(source, "the generator it reads")], error=ConfigError)
    png = None
    if args.png is not None:
        png = check.output_file(args.png, "--png", suffix=".png", error=ConfigError,
                                not_same_as=[(source, "the generator it reads"), (out, "--out")])  # fmt: skip
    for path, flag in ((out, "--out"), (png, "--png")):
        if path is not None:
            check_writable(path.parent, need=2**20 + args.n * 784, flag=flag)
    generator = load_generator(args.pretrained or args.checkpoint)
    noise = make_noise(args.n, generator.z_dim, seed=args.seed)  # (N, z_dim)
    asked = _asked(generator, args)  # (N,) digits for a conditional generator, else None
    parts = [generate(generator, noise[i : i + 1000], *([] if asked is None else [asked[i : i + 1000]]))
             for i in range(0, args.n, 1000)]  # fmt: skip
    pixels = torch.cat([to_pixels(p) for p in parts])  # (N, 1, 28, 28) uint8, drawn 1,000 at a time
    save_atomic(pixels, out)
    print(f"Wrote {args.n} digits to {out}")
    if png is not None:
        shown = pixels[:GRID_MOST]
        save_grid(shown, png)
        first = "" if len(shown) == len(pixels) else f" of the first {len(shown)} digits"
        print(f"Wrote a grid{first} to {png}")
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
    from .checkpoints import load_tensor
    from .judge import judge_digits

    if not args.samples.strip():
        raise ConfigError("--samples needs a file name, such as digits.pt; got an empty one.")
    path = Path(args.samples)
    if not path.is_file():
        raise CheckpointError(f"No file at {path}. Make one with: gan-lessons sample --pretrained dcgan --n 1000 "
                              f"--out {shlex.quote(str(path))}")  # fmt: skip
    digits = load_tensor(path, "a file of digits from `gan-lessons sample`")
    try:
        print(judge_digits(digits))
    except ValueError as err:
        raise CheckpointError(f"{path}: {err}") from err
    return 0


# --- main -----------------------------------------------------------------------------------------------------------


class _PipeGuard:
    """Standard output that keeps going when its reader goes away (`gan-lessons train | head -1`)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._to_nowhere()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._to_nowhere()

    def _to_nowhere(self) -> None:
        nowhere = open(os.devnull, "w")  # noqa: SIM115 - it lives as long as the program
        try:
            os.dup2(nowhere.fileno(), self._stream.fileno())  # Python's own flush at exit goes nowhere too
        except (OSError, ValueError, AttributeError):  # a stream without a file (a test's capture)
            pass
        self._stream = nowhere

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextmanager
def _signals_and_pipes() -> Iterator[None]:
    """While a command runs: SIGTERM stops it as Ctrl-C does, and a closed pipe on stdout is ignored."""
    stdout, previous = sys.stdout, None
    sys.stdout = _PipeGuard(stdout)
    if threading.current_thread() is threading.main_thread():

        def on_sigterm(signum, frame):
            raise Terminated

        previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        sys.stdout = stdout


def main(argv: list[str] | None = None) -> int:
    """Lesson 05: the `gan-lessons` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = {"train": cmd_train, "sample": cmd_sample, "judge": cmd_judge}[args.command]
    with _signals_and_pipes():
        return _run(command, args, parser)


def _run(command, args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        return command(args)
    except ConfigError as err:
        parser.error(str(err))  # usage error, exit code 2
    except (DataError, CheckpointError, TrainingDiverged) as err:
        print(f"gan-lessons: error: {err}", file=sys.stderr)
        return 1
    except MemoryError:
        print("gan-lessons: error: this computer ran out of memory. Ask for less (a smaller --n or "
              "--batch-size).", file=sys.stderr)  # fmt: skip
        return 1
    except OSError as err:  # a file we read or write: a full disk, a folder removed while we run ...
        print(f"gan-lessons: error: could not read or write {err.filename or 'a file'} ({err.strerror or err}). "
              "Check that the path exists and the disk has space.", file=sys.stderr)  # fmt: skip
        return 1
    except KeyboardInterrupt as err:  # Ctrl-C or SIGTERM before training started, or while sampling
        by = "SIGTERM" if isinstance(err, Terminated) else "Ctrl-C"
        print(f"gan-lessons: stopped by {by}. Files already written are complete.", file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130
    return 0
