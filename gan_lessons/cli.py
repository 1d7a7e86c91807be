"""The command line: `gan-lessons train`, `gan-lessons sample` and `gan-lessons judge` (see the README)."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import validate as check
from .checkpoints import CheckpointError
from .data import DataError
from .i18n import tr
from .models import ARCHITECTURES, MAX_DIAL, N_DIGITS
from .training import (
    CONFIG_DEFAULTS,
    MAX_BATCH_SIZE,
    MAX_BATCHES,
    MAX_EPOCHS,
    ConfigError,
    TrainConfig,
    TrainingDiverged,
    recipe,
)

MIN_FREE_BYTES = 200 * 2**20  # room for a few checkpoints and pictures
MAX_SAMPLES = 100_000  # `sample --n`: 78 MB of digits, drawn 1,000 at a time
GRID_MOST = 400  # `sample --png` draws the first 400 digits at most (20 x 20)
LOCK_NAME = ".gan-lessons.lock"  # in a run's folder while `train` writes there
PREVIOUS = "previous-"  # `train --restart` moves an earlier run's files into OUT/previous-1, previous-2 ...
# The flags a resumed run cannot read from its checkpoint: the printed "to continue" command repeats them.
RESUME_FLAGS = ("data", "device", "quiet", "cuda_graph")
DEFAULTS = CONFIG_DEFAULTS  # one source: the config's own defaults
RECIPE = " (default: the --arch's recipe, see the list below)"
RECIPE_FLAGS = ("epochs", "batch_size", "lr", "ema", "r1", "dial")  # left out, each comes from recipe(--arch)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived (kill, Docker, Colab, a job scheduler): stop as Ctrl-C does (lesson 05)."""


def _shown(text: str) -> str:
    """TEXT as a message shows it: cut in the middle when it is long."""
    return (
        text
        if len(text) <= 30
        else tr("{start}...{end} ({count} characters)", start=text[:12], end=text[-6:], count=len(text))
    )


def _setting(name: str, kind: type, what: str):
    """An argparse type for TrainConfig's setting NAME: a KIND number that the config itself accepts (WHAT: in words).

    The range is TrainConfig's own rule, checked by making a config with this one value: written once.
    """

    def parse(text: str):
        try:
            value = kind(text)
            TrainConfig(**{name: value})
        except ValueError:  # not a number, an int of thousands of digits, or out of the config's range
            raise argparse.ArgumentTypeError(tr("expected {what}, got {value!r}", what=what,
                                                value=_shown(text))) from None  # fmt: skip
        return value

    return parse


def _whole(low: int, high: int, what: str | None = None):
    """An argparse type: a whole number from LOW to HIGH (WHAT: in words)."""

    def parse(text: str) -> int:
        try:
            value = check.whole(int(text), "", low, high)
        except ValueError:
            words = what or tr("a whole number from {low} to {high:,}", low=low, high=high)
            raise argparse.ArgumentTypeError(tr("expected {what}, got {value!r}", what=words,
                                                value=_shown(text))) from None  # fmt: skip
        return value

    return parse


def _from_to(low: int, high: int) -> str:
    return tr("a whole number from {low} to {high:,}", low=low, high=high)


def _recipes_text() -> str:
    """The recipes `train` uses for the settings left out, one line per --arch (for --help)."""
    lines = ["recipes (the settings left out come from the --arch's):"]
    for arch in sorted(ARCHITECTURES):
        r = recipe(arch)
        lines.append(f"  {arch:<12} --epochs {r['epochs']} --batch-size {r['batch_size']} --lr {r['lr']:g} "
                     f"--ema {r['ema']:g} --r1 {r['r1']:g} --dial {r['dial']}")  # fmt: skip
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `gan-lessons` (lesson 05 shows the commands)."""
    parser = argparse.ArgumentParser(prog="gan-lessons", description="Train GANs on MNIST digits and draw samples.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a GAN; writes a checkpoint, a loss CSV and grids of digits",
                           epilog=_recipes_text(), formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    train.add_argument("--arch", choices=sorted(ARCHITECTURES), default=DEFAULTS["arch"])
    train.add_argument("--epochs", type=_setting("epochs", int, _from_to(0, MAX_EPOCHS)),
                       help="epochs to train in all (a resumed run counts those already done)" + RECIPE)  # fmt: skip
    train.add_argument("--max-batches", type=_setting("max_batches", int, _from_to(1, MAX_BATCHES)),
                       default=DEFAULTS["max_batches"],
                       help="stop each epoch after this many batches (a quick try)")  # fmt: skip
    train.add_argument("--batch-size", type=_setting("batch_size", int, _from_to(1, MAX_BATCH_SIZE)),
                       help="digits per batch" + RECIPE)  # fmt: skip
    train.add_argument("--lr", type=_setting("lr", float, tr("a learning rate > 0, such as 2e-4")),
                       help="the learning rate of both networks' Adam" + RECIPE)  # fmt: skip
    train.add_argument("--seed", type=_setting("seed", int, _from_to(0, check.MAX_SEED)), default=DEFAULTS["seed"])
    train.add_argument("--ema", type=_setting("ema", float, tr("a number in [0, 1), such as 0.999")),
                       help="keep a running average of the generator (lesson 09); 0 = off" + RECIPE)  # fmt: skip
    train.add_argument("--r1", type=_setting("r1", float, tr("a number >= 0, such as 1")),
                       help="weight of the gradient penalty on real digits (lesson 09); 0 = off" + RECIPE)  # fmt: skip
    train.add_argument("--dial", type=_whole(0, MAX_DIAL),
                       help="positions of the DCGAN forger's dial, read from its noise (lesson 09); 0 = none"
                            + RECIPE)  # fmt: skip
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
    train.add_argument("--doctor", action="store_true",
                       help="every few seconds, say in the log what state training is in and what to do")  # fmt: skip
    train.add_argument("--keep-best", action="store_true",
                       help="keep the best generator so far (by the digit judge); save it as OUT/best.pt")  # fmt: skip

    sample = sub.add_parser("sample", help="draw digits with a trained generator")
    source = sample.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", help="a checkpoint.pt from `gan-lessons train`")
    source.add_argument("--pretrained", help="the name of a generator shipped with the package")
    sample.add_argument("--n", type=_whole(1, MAX_SAMPLES), default=64)
    sample.add_argument("--out", required=True, help="FILE.pt: the digits as a uint8 tensor (N, 1, 28, 28)")
    sample.add_argument("--png", help=f"also save a grid of the digits (the first {GRID_MOST}) as this .png file")
    sample.add_argument("--seed", type=_whole(0, check.MAX_SEED), default=0)
    sample.add_argument(
        "--digit",
        type=_whole(0, N_DIGITS - 1, tr("a digit from 0 to 9")),
        default=None,
        help="the digit a conditional generator draws (lesson 10); default: 0 to 9 in turn",
    )

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
        raise ConfigError(tr("Cannot write to {folder} ({why}). Choose another folder with {flag}.", folder=folder,
                             why=err.strerror, flag=flag)) from None  # fmt: skip
    free = shutil.disk_usage(folder).free
    if free < need:
        raise ConfigError(tr("Only {free} MB free in {folder}; this needs about {need} MB. Free some space, or choose "
                             "another folder with {flag}.", free=free // 2**20, folder=folder, need=-(-need // 2**20),
                             flag=flag))  # fmt: skip


def _not_ours(path: Path, what: str, role: str) -> ConfigError:
    """The error for a PATH in a run's folder that is WHAT (a link, a folder ...), where `train` keeps its ROLE."""
    aside = shlex.quote(str(path) + ".old")
    return ConfigError(tr("{path} is {what}, where gan-lessons train keeps its {role}; it was left alone. Move it away "
                          "(mv {quoted} {aside}) or choose another folder with --out.", path=path, what=what,
                          role=role, quoted=shlex.quote(str(path)), aside=aside))  # fmt: skip


def _check_run_files(out: Path) -> None:
    """Refuse, before anything is written, a run's file in OUT that is a link, a folder, a device or a pipe."""
    roles = {"checkpoint.pt": tr("checkpoint"), "history.csv": tr("table of losses")}
    for path in _run_files(out):
        what = check._what_is(path)
        if what is not None:
            raise _not_ours(path, what, roles.get(path.name, tr("pictures")))


def _check_inputs_are_not_outputs(inputs: list[Path], outputs: list[Path], flag: str) -> None:
    """Refuse when a file the command reads (INPUTS) is one it writes (OUTPUTS), however either is named."""
    for output in outputs:
        for source in inputs:
            if check._same_file(output, source):
                raise ConfigError(tr("{output} is the same file as {source}, which {flag} reads: writing it would "
                                     "destroy it. Choose another folder with --out.", output=output, source=source,
                                     flag=flag))  # fmt: skip


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
    """Lesson 05: hold FOLDER for one `train` at a time; the system frees it when we end, even by a crash.

    The lock file is opened without following a link and used only when it is a regular file of its
    own (one name, holding nothing or a process number): a user's file is never emptied.
    """
    path = folder / LOCK_NAME
    what = check._what_is(path)
    if what is not None:
        raise _not_ours(path, what, tr("lock file"))
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags, 0o666)  # the umask applies, as to any new file
    except OSError as err:
        raise _not_ours(path, err.strerror or str(err), tr("lock file")) from None
    with os.fdopen(fd, "r+b") as f:
        info = os.fstat(fd)
        f.seek(0)
        held = f.read(33).strip()
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or (held and not held.isdigit()):
            raise _not_ours(path, tr("a file that is not a lock of ours (it has another name too, or holds more "
                                     "than a process number)"), tr("lock file"))  # fmt: skip
        if not _try_lock(f):
            f.seek(0)
            held = f.read(33).strip()  # read again: the other run may have just written its number
            who = tr(" (process {pid})", pid=held.decode()) if held.isdigit() else ""
            raise ConfigError(tr("Another gan-lessons train{who} is writing to {folder} right now. Wait for it to "
                                 "finish or stop it, or choose another folder with --out.", who=who,
                                 folder=folder))  # fmt: skip
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()).encode())
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
        raise ConfigError(tr("--out needs a folder name, such as runs/classic; got an empty one."))
    out = Path(args.out)
    if os.path.lexists(out) and not out.is_dir():
        raise ConfigError(tr("--out {out} is a file, not a folder. Choose a folder, such as runs/{arch}.", out=out,
                             arch=args.arch))  # fmt: skip
    if args.epochs == 0:
        raise ConfigError(tr("--epochs 0 trains nothing: there is nothing to do. Give how many epochs to train in "
                             "all, such as --epochs 50."))  # fmt: skip
    if args.data is not None and not args.data.strip():
        raise ConfigError(tr("--data needs a folder name; got an empty one. Leave --data out to use the default."))
    return out


def _data_files(args: argparse.Namespace) -> list[Path]:
    """The MNIST files `train` will read (from --data, GAN_LESSONS_DATA or ./data), those there are."""
    from .data import ENV_DATA, _find_file, _split_names

    folder = Path(args.data or os.environ.get(ENV_DATA) or "data")
    return [p for p in (_find_file(folder, name) for name in _split_names(True)) if p is not None]


def fill_recipe(args: argparse.Namespace) -> None:
    """Lesson 09: give each of `train`'s settings left out its value in the recipe of --arch."""
    settings = recipe(args.arch)
    for name in RECIPE_FLAGS:
        if getattr(args, name) is None:
            setattr(args, name, settings[name])


def cmd_train(args: argparse.Namespace) -> int:
    """Run `gan-lessons train`."""
    fill_recipe(args)
    out = _check_train_args(args)
    from .training import resolve_device

    check_writable(out)
    _check_run_files(out)  # a device file or a link in the way: refused before the lock is made
    outputs = [*_run_files(out), out / LOCK_NAME]
    _check_inputs_are_not_outputs(_data_files(args), outputs, "--data")
    device = resolve_device(args.device)  # before loading data: a missing GPU is found at once
    with run_lock(out):
        return _train_in(out, args, device)


def _train_in(out: Path, args: argparse.Namespace, device) -> int:
    """`gan-lessons train` once OUT is ours alone."""
    from .data import load_mnist
    from .engine import Trainer

    ckpt = out / "checkpoint.pt"
    earlier = _run_files(out)
    if earlier and not (args.resume or args.restart):
        names = ", ".join(p.name for p in earlier[:3])
        if len(earlier) > 3:
            names += tr(" and {n} more", n=len(earlier) - 3)
        raise ConfigError(tr("{out} already holds a training run ({names}). Add --resume to continue it, or "
                             "--restart to start over (its files then move to {aside}), or choose another folder "
                             "with --out.", out=out, names=names, aside=out / (PREVIOUS + "N")))  # fmt: skip
    if args.resume and earlier and not ckpt.exists():
        raise ConfigError(tr("{out} holds files of an earlier run ({name}) but no checkpoint.pt to resume. Use "
                             "--restart instead of --resume to keep them aside and start over.", out=out,
                             name=earlier[0].name))  # fmt: skip
    if args.restart and earlier:
        aside = _keep_aside(out, earlier)
        print(tr("Moved the earlier run's {n} files to {aside}; starting over in {out}.", n=len(earlier), aside=aside,
                 out=out))  # fmt: skip
    _remove_stale_parts(ckpt)
    data = load_mnist(args.data)
    if args.resume and ckpt.exists():
        trainer = Trainer.load(ckpt, data, device, arch=args.arch)
        if trainer.epoch >= args.epochs:
            print(tr("Nothing to do: {ckpt} has {done} epochs done, and --epochs {epochs} asks for {epochs} in all. "
                     "To train more, give a larger --epochs, such as --epochs {more}.", ckpt=ckpt, done=trainer.epoch,
                     epochs=args.epochs, more=trainer.epoch + 10))  # fmt: skip
            return 0
        c = trainer.config
        print(tr("Resuming from {ckpt}: {epoch} epochs done, {batch} batches into the next. It keeps its settings: "
                 "batch size {batch_size}, lr {lr}, seed {seed}, max batches {max_batches}, ema {ema}, r1 {r1}, "
                 "dial {dial}.",
                 ckpt=ckpt, epoch=trainer.epoch, batch=trainer.batch, batch_size=c.batch_size, lr=c.lr, seed=c.seed,
                 max_batches=c.max_batches, ema=c.ema, r1=c.r1, dial=c.dial))  # fmt: skip
    else:
        if args.resume:
            print(tr("No checkpoint in {out} yet: starting from the beginning.", out=out))
        config = TrainConfig(arch=args.arch, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                             seed=args.seed, max_batches=args.max_batches, ema=args.ema, r1=args.r1,
                             dial=args.dial)  # fmt: skip
        trainer = Trainer(data, config, device)
    trainer.config.epochs = args.epochs
    trainer.config.cuda_graph = args.cuda_graph  # each run chooses; --resume does not carry it over
    print(tr("Training the {arch} GAN on {device} for {epochs} epochs of {batches} batches.",
             arch=trainer.config.arch, device=trainer.device, epochs=args.epochs,
             batches=trainer.batches_per_epoch))  # fmt: skip
    return _fit(trainer, out, args)


def _remove_stale_parts(ckpt: Path) -> None:
    """Remove the half-written copies of CKPT that a run killed while saving left behind (ours only), and say so."""
    from .checkpoints import stale_parts

    for part in stale_parts(ckpt):
        part.unlink(missing_ok=True)
        if ckpt.is_file():
            print(tr("Removed {name}, a half-written checkpoint; {ckpt} itself is whole.", name=part.name,
                     ckpt=ckpt.name))  # fmt: skip
        else:
            print(tr("Removed {name}, a half-written checkpoint; no whole {ckpt} was saved before it.",
                     name=part.name, ckpt=ckpt.name))  # fmt: skip


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

    from contextlib import nullcontext

    doctor = _doctor(args)  # None unless --doctor or --keep-best
    callbacks = [print_every(5), save_outputs] + ([doctor] if doctor else [])
    try:
        with doctor.watching(trainer) if doctor else nullcontext():
            trainer.fit(args.epochs, callbacks, progress=not args.quiet, checkpoint=ckpt)
    except TrainingDiverged as err:
        kept = tr("It is {ckpt}.", ckpt=ckpt) if ckpt.exists() else tr("No checkpoint was saved yet.")
        raise TrainingDiverged(f"{err} {kept}") from err  # the engine's message names the likely cause
    except KeyboardInterrupt as err:  # a second Ctrl-C or SIGTERM stops at once, without saving
        if ckpt.exists():
            kept = tr("{ckpt} holds the last saved progress. To continue: {again}", ckpt=ckpt, again=again)
        else:
            kept = tr("Nothing was saved yet (the first checkpoint is written at the end of epoch 1 or at a single "
                      "Ctrl-C). To start again: {again}", again=again)  # fmt: skip
        print(tr("gan-lessons: stopped at once. {kept}", kept=kept), file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130
    if doctor is not None and args.keep_best and doctor.best is not None:
        best = doctor.save_best(out / "best.pt", trainer)
        print(f"The best generator so far (the doctor's score {doctor.best['score']:.2f}) is in {best}.")
    if trainer.stopped_early:
        by = "SIGTERM" if trainer.stop_signal == signal.SIGTERM else "Ctrl-C"
        print(tr("Stopped by {by}. Saved to {ckpt}. To continue: {again}", by=by, ckpt=ckpt, again=again),
              file=sys.stderr)  # fmt: skip
        return 143 if trainer.stop_signal == signal.SIGTERM else 130
    print(tr("Done: {ckpt}, {history} and the pictures are in {out}.", ckpt=ckpt, history=out / "history.csv",
             out=out))  # fmt: skip
    return 0


def _doctor(args: argparse.Namespace):
    """The training doctor (gan_lessons.doctor) for --doctor (it speaks) or --keep-best (it keeps quiet), or None."""
    if not (args.doctor or args.keep_best):
        return None
    from .doctor import Doctor

    return Doctor(say=print if args.doctor else None)


# --- sample and judge -----------------------------------------------------------------------------------------------


def cmd_sample(args: argparse.Namespace) -> int:
    """Run `gan-lessons sample`."""
    import torch

    from .checkpoints import save_atomic
    from .data import to_pixels
    from .models import generate, make_noise
    from .plots import save_grid
    from .pretrained import available, load_generator, source_path

    if args.pretrained is not None and not args.pretrained.strip():
        raise ConfigError(tr("--pretrained needs a name; shipped ones: {names}.",
                             names=", ".join(available()) or tr("none yet")))  # fmt: skip
    if args.checkpoint is not None and not args.checkpoint.strip():
        raise ConfigError(tr("--checkpoint needs a file name, such as runs/classic/checkpoint.pt; got an empty one."))
    source = source_path(args.pretrained or args.checkpoint)  # the file read, however --pretrained names it
    reads = tr("the generator it reads")
    out = check.output_file(args.out, "--out", not_same_as=[(source, reads)], error=ConfigError)
    png = None
    if args.png is not None:
        png = check.output_file(args.png, "--png", suffix=".png", error=ConfigError,
                                not_same_as=[(source, reads), (out, "--out")])  # fmt: skip
    for path, flag in ((out, "--out"), (png, "--png")):
        if path is not None:
            check_writable(path.parent, need=2**20 + args.n * 784, flag=flag)
    generator = load_generator(source)
    noise = make_noise(args.n, generator.z_dim, seed=args.seed)  # (N, z_dim)
    asked = _asked(generator, args)  # (N,) digits for a conditional generator, else None
    parts = [generate(generator, noise[i : i + 1000], *([] if asked is None else [asked[i : i + 1000]]))
             for i in range(0, args.n, 1000)]  # fmt: skip
    pixels = torch.cat([to_pixels(p) for p in parts])  # (N, 1, 28, 28) uint8, drawn 1,000 at a time
    save_atomic(pixels, out)
    print(tr("Wrote {n} digits to {out}", n=args.n, out=out))
    if png is not None:
        shown = pixels[:GRID_MOST]
        save_grid(shown, png)
        if len(shown) == len(pixels):
            print(tr("Wrote a grid to {png}", png=png))
        else:
            print(tr("Wrote a grid of the first {n} digits to {png}", n=len(shown), png=png))
    return 0


def _asked(generator, args: argparse.Namespace):
    """The digits to ask a conditional generator for (N,): --digit, or 0 to 9 in turn; None for the others."""
    import torch

    from .models import is_conditional

    if not is_conditional(generator):
        if args.digit is not None:
            name = args.pretrained or args.checkpoint
            raise ConfigError(tr("--digit needs a conditional generator, one that is told which digit to draw; {name} "
                                 "draws whatever digit its noise gives. Use --pretrained conditional (or a checkpoint "
                                 "of `gan-lessons train --arch conditional`), or leave --digit out.",
                                 name=name))  # fmt: skip
        return None
    if args.digit is None:
        print(tr("No --digit given: asking for the digits 0 to 9 in turn."))
        return torch.arange(args.n) % N_DIGITS  # (N,)
    return torch.full((args.n,), args.digit)  # (N,)


def cmd_judge(args: argparse.Namespace) -> int:
    """Run `gan-lessons judge` (lesson 08): recognizability, digit counts and Fréchet distance."""
    from .checkpoints import load_tensor
    from .judge import judge_digits

    if not args.samples.strip():
        raise ConfigError(tr("--samples needs a file name, such as digits.pt; got an empty one."))
    path = Path(args.samples)
    if not os.path.exists(path):
        raise CheckpointError(tr("No file at {path}. Make one with: gan-lessons sample --pretrained dcgan --n 1000 "
                                 "--out {quoted}", path=path, quoted=shlex.quote(str(path))))  # fmt: skip
    digits = load_tensor(path, tr("a file of digits from `gan-lessons sample`"))
    try:
        print(judge_digits(digits))
    except ValueError as err:
        raise CheckpointError(f"{path}: {err}") from err
    return 0


# --- main -----------------------------------------------------------------------------------------------------------


class _PipeGuard:
    """Standard output that keeps going when it cannot be written: its reader went away (`... | head -1`),
    it was closed (`>&-`) or its disk is full. FAILED keeps the reason, so it is never blamed on our files."""

    def __init__(self, stream):
        self._stream = stream if stream is not None else open(os.devnull, "w")  # noqa: SIM115 - lives as long
        self.failed: OSError | None = None

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as err:
            self._to_nowhere(err)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as err:
            self._to_nowhere(err)

    def _to_nowhere(self, err: OSError) -> None:
        if not isinstance(err, BrokenPipeError):  # a closed pipe is the reader's choice, not a failure
            self.failed = self.failed or err
        nowhere = open(os.devnull, "w")  # noqa: SIM115 - it lives as long as the program
        try:
            os.dup2(nowhere.fileno(), self._stream.fileno())  # Python's own flush at exit goes nowhere too
        except (OSError, ValueError, AttributeError):  # a stream without a file (a test's capture)
            pass
        self._stream = nowhere

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _fill_closed_std_fds() -> None:
    """When standard output or error was closed (`>&-`), put the null device there, so that no file we open
    takes its number and gets our messages written into it."""
    for fd in (1, 2):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_WRONLY)
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)


@contextmanager
def _signals_and_pipes() -> Iterator[_PipeGuard]:
    """While a command runs: SIGTERM stops it as Ctrl-C does, and standard output that fails is ignored."""
    _fill_closed_std_fds()
    stdout, previous = sys.stdout, None
    guard = _PipeGuard(stdout)
    sys.stdout = guard
    if threading.current_thread() is threading.main_thread():

        def on_sigterm(signum, frame):
            raise Terminated

        previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield guard
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        guard.flush()
        sys.stdout = stdout if stdout is not None else guard
        if guard.failed is not None:
            print(tr("gan-lessons: could not print to standard output ({why}); the files themselves were written as "
                     "said above.", why=guard.failed.strerror or guard.failed), file=sys.stderr)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Lesson 05: the `gan-lessons` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = {"train": cmd_train, "sample": cmd_sample, "judge": cmd_judge}[args.command]
    with _signals_and_pipes():
        return _run(command, args, parser)


def _out_of_memory(err: BaseException) -> bool:
    """True when ERR is torch's or Python's way of saying the memory ran out (torch raises a RuntimeError)."""
    if isinstance(err, MemoryError) or type(err).__name__ == "OutOfMemoryError":
        return True
    text = str(err)
    return isinstance(err, RuntimeError) and ("can't allocate memory" in text or "out of memory" in text.lower())


def _run(command, args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        return command(args)
    except ConfigError as err:
        parser.error(str(err))  # usage error, exit code 2
    except (DataError, CheckpointError, TrainingDiverged) as err:
        print(tr("gan-lessons: error: {error}", error=err), file=sys.stderr)
        return 1
    except (MemoryError, RuntimeError) as err:
        if not _out_of_memory(err):
            raise
        print(tr("gan-lessons: error: this computer ran out of memory. Ask for less (a smaller --n or "
                 "--batch-size)."), file=sys.stderr)  # fmt: skip
        return 1
    except OSError as err:  # a file we read or write: a full disk, a folder removed while we run ...
        print(tr("gan-lessons: error: could not read or write {path} ({why}). Check that the path exists and the "
                 "disk has space.", path=err.filename or tr("a file"), why=err.strerror or err),
              file=sys.stderr)  # fmt: skip
        return 1
    except KeyboardInterrupt as err:  # Ctrl-C or SIGTERM before training started, or while sampling
        by = "SIGTERM" if isinstance(err, Terminated) else "Ctrl-C"
        print(tr("gan-lessons: stopped by {by}. Files already written are complete.", by=by), file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130
    return 0
