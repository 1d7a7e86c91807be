"""Every bad input in docs/bad_inputs.md gets a clear error that says what was expected and how to fix it.

Function arguments must fail inside gan_lessons (never deep in torch or numpy); the command line must
exit with 1 or 2 and a message, never a traceback. tests/test_catalogue.py checks that each row of the
catalogue names one of these tests, and that each test here has its row.
"""

import gzip
import math
import os
import pickle
import re
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import gan_lessons
from gan_lessons import cli, training
from gan_lessons.checkpoints import FORMAT, CheckpointError, load_safe
from gan_lessons.cli import main
from gan_lessons.data import DataError, load_mnist, read_idx, read_mnist_folder, subset, to_model_range
from gan_lessons.judge import judge_digits, judge_generator
from gan_lessons.lesson import seed_everything
from gan_lessons.models import (
    ARCHITECTURES,
    ClassicDiscriminator,
    ClassicGenerator,
    build_gan,
    discriminator_logit,
    generate,
    make_noise,
)
from gan_lessons.plots import image_grid, loss_figure
from gan_lessons.pretrained import load_generator, save_generator
from gan_lessons.training import ConfigError, TrainConfig, Trainer, resolve_device

PACKAGE = Path(gan_lessons.__file__).parent
QUICK = ["--epochs", "1", "--max-batches", "2", "--batch-size", "64", "--quiet", "--device", "cpu"]


def raised_by_us(excinfo) -> bool:
    """True when the error was raised by gan_lessons' own code, not deep inside torch or numpy."""
    return Path(str(excinfo.traceback[-1].path)).parent == PACKAGE


def run_main(args: list[str], capsys) -> tuple[int, str]:
    """Run `gan-lessons ARGS` in this process; return its exit code and what it printed to stderr."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as done:  # argparse's usage errors
        code = done.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


# --- Function arguments -------------------------------------------------------------------------------------------


def _missing_device() -> str:
    """A device type this computer lacks (CI has no GPU; a GPU machine lacks MPS or CUDA)."""
    if not torch.cuda.is_available():
        return "cuda"
    if not torch.backends.mps.is_available():
        return "mps"
    pytest.skip("this computer has both CUDA and MPS")


ARGUMENTS = [
    pytest.param(lambda s: ClassicGenerator()(torch.randn(5, 99)), ValueError,
                 r"expects a tensor of shape \(B, 100\), B = batch size; got \(5, 99\)", id="noise-wrong-size"),
    pytest.param(lambda s: ClassicGenerator()(torch.randn(100)), ValueError,
                 r"expects a tensor of shape \(B, 100\).*got \(100,\)", id="noise-without-batch"),
    pytest.param(lambda s: generate(ClassicGenerator(), [0.5] * 100), ValueError,
                 r"needs noise, a tensor \(N, z_dim\) such as make_noise\(16\); got list", id="noise-not-a-tensor"),
    pytest.param(lambda s: make_noise(-1), ValueError, "n must be a whole number >= 0, got -1", id="noise-count"),
    pytest.param(lambda s: make_noise(4, 0), ValueError, "z_dim must be a whole number >= 1, got 0", id="noise-z-dim"),
    pytest.param(lambda s: make_noise(4, seed=1.5), ValueError,
                 "A seed is a whole number from 0 to 4,294,967,295; got 1.5",
                 id="noise-seed"),
    pytest.param(lambda s: ClassicDiscriminator()(torch.zeros(2, 1, 32, 32)), ValueError,
                 r"expects a tensor of shape \(B, 1, 28, 28\).*got \(2, 1, 32, 32\)", id="images-not-28x28"),
    pytest.param(lambda s: ClassicDiscriminator()(torch.zeros(2, 28, 28)), ValueError,
                 r"expects a tensor of shape \(B, 1, 28, 28\).*got \(2, 28, 28\)", id="images-without-channel"),
    pytest.param(lambda s: Trainer(torch.zeros(8, 1, 32, 32), TrainConfig(), "cpu"), ValueError,
                 r"Trainer expects grey 28x28 digits, \(N, 28, 28\) or \(N, 1, 28, 28\).*got \(8, 1, 32, 32\)",
                 id="train-images-not-28x28"),
    pytest.param(lambda s: Trainer(s.images[:64].float().unsqueeze(1), TrainConfig(), "cpu"), ValueError,
                 r"in \[-1, 1\].*use gan_lessons.data.to_model_range\(pixels\)", id="train-images-not-in-range"),
    pytest.param(lambda s: Trainer(torch.full((8, 1, 28, 28), math.nan), TrainConfig(), "cpu"), ValueError,
                 r"in \[-1, 1\]", id="train-images-nan"),
    pytest.param(lambda s: Trainer([[0.0] * 784], TrainConfig(), "cpu"), ValueError,
                 r"Expected MnistData \(from load_mnist\) or a tensor of images; got list", id="train-data-wrong-type"),
    pytest.param(lambda s: to_model_range(s.images.float()), ValueError,
                 r"to_model_range expects digits as a tensor of uint8 pixels 0..255; got a torch.float32 tensor",
                 id="pixels-not-uint8"),
    pytest.param(lambda s: to_model_range(torch.zeros(4, 32, 32, dtype=torch.uint8)), ValueError,
                 r"expects grey 28x28 digits.*got \(4, 32, 32\)", id="pixels-not-28x28"),
    pytest.param(lambda s: to_model_range(torch.zeros(4, 3, 28, 28, dtype=torch.uint8)), ValueError,
                 r"expects grey 28x28 digits, \(N, 28, 28\) or \(N, 1, 28, 28\) with N >= 1; got \(4, 3, 28, 28\)",
                 id="pixels-in-colour"),
    pytest.param(lambda s: subset(s, -5), ValueError, "a whole number >= 1, got -5", id="subset-negative"),
    pytest.param(lambda s: build_gan("huge"), ValueError, "Unknown architecture 'huge'. Choose one of: classic",
                 id="build-unknown-arch"),
    pytest.param(lambda s: TrainConfig(lr=0), ConfigError, r"lr must be a number > 0 \(try 2e-4\), got 0",
                 id="lr-zero"),
    pytest.param(lambda s: TrainConfig(lr=-0.1), ConfigError, r"lr must be a number > 0 \(try 2e-4\)",
                 id="lr-negative"),
    pytest.param(lambda s: TrainConfig(lr=math.inf), ConfigError, "lr must be a number > 0", id="lr-infinite"),
    pytest.param(lambda s: TrainConfig(lr="0.001"), ConfigError, "lr must be a number > 0.*'0.001'", id="lr-text"),
    pytest.param(lambda s: TrainConfig(batch_size=0), ConfigError,
                 "batch_size must be a whole number >= 1 and <= 1,000,000, got 0",
                 id="batch-size-zero"),
    pytest.param(lambda s: TrainConfig(batch_size=2.5), ConfigError, "batch_size must be a whole number >= 1.*got 2.5",
                 id="batch-size-fraction"),
    pytest.param(lambda s: TrainConfig(epochs=-1), ConfigError,
                 "epochs must be a whole number >= 0 and <= 1,000,000, got -1",
                 id="epochs-negative"),
    pytest.param(lambda s: TrainConfig(arch="huge"), ConfigError, r"arch must be one of \['classic'.*got 'huge'",
                 id="config-unknown-arch"),
    pytest.param(lambda s: TrainConfig(betas=0.5), ConfigError,
                 r"betas must be two numbers in \[0, 1\), such as \(0.5, 0.999\), got 0.5", id="betas-one-number"),
    pytest.param(lambda s: TrainConfig(betas=(0.5, 1.5)), ConfigError, r"betas must be two numbers in \[0, 1\)",
                 id="betas-out-of-range"),
    pytest.param(lambda s: TrainConfig(z_dim=0), ConfigError, "z_dim must be a whole number >= 1 and <= 10,000, got 0",
                 id="z-dim-zero"),
    pytest.param(lambda s: TrainConfig(seed=-1), ConfigError,
                 "A seed is a whole number from 0 to 4,294,967,295; got -1",
                 id="config-seed-negative"),
    pytest.param(lambda s: TrainConfig(max_batches=0), ConfigError,
                 "max_batches must be None or a whole number from 1 to 1,000,000,000, got 0",
                 id="max-batches-zero"),
    pytest.param(lambda s: TrainConfig(ema=1.0), ConfigError, r"ema must be a number in \[0, 1\): 0 turns it off",
                 id="ema-one"),
    pytest.param(lambda s: TrainConfig(r1=-1.0), ConfigError, "r1 must be a number >= 0: 0 turns the penalty off",
                 id="r1-negative"),
    pytest.param(lambda s: discriminator_logit(nn.Linear(784, 1), torch.zeros(2, 1, 28, 28)), ValueError,
                 r"The gradient penalty needs a discriminator whose `net` is an nn.Sequential ending in nn.Sigmoid",
                 id="penalty-without-sigmoid"),
    pytest.param(lambda s: Trainer(subset(s, 9), TrainConfig(batch_size=8), "cpu"), ConfigError,
                 r"With 9 digits and batch_size 8, one batch would hold just 1 digit.*Try batch_size 7",
                 id="last-batch-of-one"),
    pytest.param(lambda s: Trainer(subset(s, 64), TrainConfig(batch_size=1), "cpu"), ConfigError,
                 "BatchNorm needs 2 or more to learn. Try batch_size 2", id="batch-size-one"),
    pytest.param(lambda s: resolve_device("tpu"), ConfigError, "Unknown device 'tpu': use 'cpu', 'cuda', 'mps'",
                 id="device-unknown"),
    pytest.param(lambda s: resolve_device(_missing_device()), ConfigError,
                 r"This computer has no (cuda|mps) device that PyTorch can use. Use 'cpu' or 'auto'",
                 id="device-missing"),
    pytest.param(lambda s: image_grid(np.zeros((4, 28, 28))), ValueError,
                 r"image_grid expects digits as a tensor of float32 numbers in \[-1, 1\] or uint8 pixels 0..255; "
                 "got ndarray",
                 id="grid-not-a-tensor"),
    pytest.param(lambda s: image_grid(torch.zeros(4, 28, 28, dtype=torch.int64)), ValueError,
                 "or uint8 pixels 0..255; got a torch.int64 tensor", id="grid-whole-numbers"),
    pytest.param(lambda s: image_grid(torch.zeros(4, 3, 28, 28)), ValueError,
                 r"expects grey HxW digits, \(N, H, W\) or \(N, 1, H, W\) with N >= 1; got \(4, 3, 28, 28\)",
                 id="grid-in-colour"),
    pytest.param(lambda s: image_grid(torch.zeros(0, 1, 28, 28)), ValueError, r"with N >= 1; got \(0, 1, 28, 28\)",
                 id="grid-empty"),
    pytest.param(lambda s: image_grid(torch.zeros(4, 1, 28, 28), nrow=0), ValueError,
                 "nrow must be a whole number >= 1, got 0", id="grid-nrow-zero"),
    pytest.param(lambda s: image_grid(torch.zeros(4, 1, 28, 28), pad=-1), ValueError,
                 "pad must be a whole number >= 0, got -1", id="grid-pad-negative"),
    pytest.param(lambda s: loss_figure([1.0, 2.0], [1.0]), ValueError,
                 r"two lists of losses of the same length; got \(2,\) and \(1,\)", id="losses-different-lengths"),
    pytest.param(lambda s: loss_figure(["high"], ["low"]), ValueError,
                 "Expected two lists of numbers: the D losses and the G losses", id="losses-not-numbers"),
    pytest.param(lambda s: seed_everything(-1), ValueError, "A seed is a whole number from 0 to 4,294,967,295; got -1",
                 id="seed-negative"),
    pytest.param(lambda s: seed_everything(2**32), ValueError, "A seed is a whole number from 0 to 4,294,967,295",
                 id="seed-too-big"),
    pytest.param(lambda s: seed_everything("42"), ValueError, "A seed is a whole number.*got '42'", id="seed-text"),
    pytest.param(lambda s: load_mnist("no/such/folder", quiet=True), DataError,
                 "There is no folder no/such/folder. Check its name, or leave it out to use the built-in sample",
                 id="data-folder-missing"),
    pytest.param(lambda s: load_generator("nosuch"), CheckpointError, "No pretrained generator called 'nosuch'. "
                 "Shipped ones:", id="pretrained-unknown"),
    pytest.param(lambda s: TrainConfig(seed=2**32), ConfigError,
                 "A seed is a whole number from 0 to 4,294,967,295; got 4294967296", id="config-seed-beyond-numpy"),
    pytest.param(lambda s: TrainConfig(epochs=10**400), ConfigError,
                 r"epochs must be a whole number >= 0 and <= 1,000,000, got 1000.*\(401 characters\)",
                 id="config-epochs-huge"),
    pytest.param(lambda s: TrainConfig(lr=10**400), ConfigError, r"lr must be a number > 0 \(try 2e-4\)",
                 id="config-lr-huge"),
    pytest.param(lambda s: Trainer(s, {"lr": 1e-3}, "cpu"), ConfigError,
                 r"config must be a TrainConfig, such as TrainConfig\(lr=1e-3\) "
                 r"\(from a dict d: TrainConfig\(\*\*d\)\); got dict", id="config-a-dict"),
    pytest.param(lambda s: Trainer(torch.zeros(8, 1, 28, 28, dtype=torch.float64), TrainConfig(), "cpu"),
                 ValueError, r"float32 numbers in \[-1, 1\]; got a torch.float64 tensor \(use .float\(\)",
                 id="train-images-float64"),
    pytest.param(lambda s: judge_digits(torch.zeros(8, 1, 28, 28, dtype=torch.float16)), ValueError,
                 r"The judge expects digits as a tensor of float32 numbers.*got a torch.float16 tensor",
                 id="judge-images-float16"),
    pytest.param(lambda s: image_grid(torch.zeros(4, 1, 28, 28, dtype=torch.float64)), ValueError,
                 "got a torch.float64 tensor", id="grid-float64"),
    pytest.param(lambda s: make_noise(10**9), ValueError,
                 r"make_noise: 1,000,000,000 x 100 numbers would fill 372.5 GB of memory; ask for at most",
                 id="noise-beyond-memory"),
    pytest.param(lambda s: make_noise(True), ValueError, "make_noise: n must be a whole number >= 0, got True",
                 id="noise-count-true"),
    pytest.param(lambda s: judge_generator(ClassicGenerator(), n=0), ValueError,
                 r"n, how many digits to judge \(1,000 is best\), must be a whole number >= 1", id="judge-n-zero"),
]  # fmt: skip


@pytest.mark.parametrize("call, error, message", ARGUMENTS)
def test_function_argument_is_explained(call, error, message, sample):
    with pytest.raises(error, match=message) as excinfo:
        call(sample)
    assert raised_by_us(excinfo), f"raised deep inside {excinfo.traceback[-1].path}"


@pytest.fixture
def trainer(small):
    return Trainer(small, TrainConfig(epochs=1, batch_size=64, max_batches=2), "cpu")


@pytest.mark.parametrize("epochs", [pytest.param(-1, id="fit-negative"), pytest.param(2.5, id="fit-fraction")])
def test_fit_epochs_are_checked(trainer, epochs):
    with pytest.raises(ConfigError, match="epochs must be a whole number >= 0") as excinfo:
        trainer.fit(epochs, progress=False)
    assert raised_by_us(excinfo) and trainer.epoch == 0 and trainer.batch == 0


# --- Command-line flags and environment variables -----------------------------------------------------------------

HUGE = "1" + "0" * 400  # 10**400
FLAGS = [  # (id, arguments, what stderr says)
    ("cli-lr-negative", ["train", "--lr", "-1"], "--lr: expected a learning rate > 0, such as 2e-4, got '-1'"),
    ("cli-lr-zero", ["train", "--lr", "0"], "--lr: expected a learning rate > 0"),
    ("cli-lr-nan", ["train", "--lr", "nan"], "--lr: expected a learning rate > 0.*'nan'"),
    ("cli-lr-text", ["train", "--lr", "fast"], "--lr: expected a learning rate > 0.*'fast'"),
    ("cli-batch-size-zero", ["train", "--batch-size", "0"],
     "--batch-size: expected a whole number from 1 to 1,000,000, got '0'"),
    ("cli-batch-size-fraction", ["train", "--batch-size", "2.5"], "--batch-size: expected a whole number from 1 to"),
    ("cli-epochs-negative", ["train", "--epochs", "-3"],
     "--epochs: expected a whole number from 0 to 1,000,000, got '-3'"),
    ("cli-max-batches-zero", ["train", "--max-batches", "0"], "--max-batches: expected a whole number from 1 to"),
    ("cli-ema-one", ["train", "--ema", "1"], r"--ema: expected a number in \[0, 1\), such as 0.999"),
    ("cli-r1-negative", ["train", "--r1", "-1"], "--r1: expected a number >= 0, such as 1, got '-1'"),
    ("cli-seed-negative", ["train", "--seed", "-1"], "--seed: expected a whole number from 0 to"),
    ("cli-arch-unknown", ["train", "--arch", "huge"], "--arch: invalid choice: 'huge'"),
    ("cli-device-unknown", ["train", "--device", "tpu"], "--device: invalid choice: 'tpu'"),
    ("cli-device-missing", ["train", "--out", "run", "--device", "<missing>"], "This computer has no (cuda|mps)"),
    ("cli-last-batch-of-one", ["train", "--out", "run", "--batch-size", "7"],
     "With 6,000 digits and batch_size 7, one batch would hold just 1 digit.*Try batch_size 6"),
    ("cli-sample-n-zero", ["sample", "--n", "0", "--pretrained", "classic", "--out", "s.pt"],
     "--n: expected a whole number from 1 to"),
    ("cli-sample-no-generator", ["sample", "--out", "s.pt"], "one of the arguments --checkpoint --pretrained is"),
    ("cli-unknown-command", ["dance"], "invalid choice: 'dance'"),
    ("cli-epochs-huge", ["train", "--epochs", HUGE],
     r"--epochs: expected a whole number from 0 to 1,000,000, got '100000000000...000000 \(401 characters\)'"),
    ("cli-epochs-zero", ["train", "--out", "run", "--epochs", "0"],
     "--epochs 0 trains nothing: there is nothing to do"),
    ("cli-batch-size-huge", ["train", "--batch-size", HUGE],
     "--batch-size: expected a whole number from 1 to 1,000,000"),
    ("cli-max-batches-huge", ["train", "--max-batches", HUGE], "--max-batches: expected a whole number from 1 to"),
    ("cli-seed-beyond-torch", ["train", "--seed", str(2**64)],
     "--seed: expected a whole number from 0 to 4,294,967,295"),
    ("cli-lr-huge", ["train", "--lr", "1e400"], "--lr: expected a learning rate > 0, such as 2e-4, got '1e400'"),
    ("cli-out-empty", ["train", "--out", ""], "--out needs a folder name, such as runs/classic; got an empty one"),
    ("cli-data-empty", ["train", "--out", "run", "--data", ""], "--data needs a folder name; got an empty one"),
    ("cli-resume-and-restart", ["train", "--resume", "--restart"], "--restart: not allowed with argument --resume"),
    ("cli-sample-n-huge", ["sample", "--pretrained", "classic", "--out", "s.pt", "--n", HUGE],
     "--n: expected a whole number from 1 to 100,000"),
    ("cli-sample-n-beyond-memory", ["sample", "--pretrained", "classic", "--out", "s.pt", "--n", "100001"],
     "--n: expected a whole number from 1 to 100,000, got '100001'"),
    ("cli-sample-seed-huge", ["sample", "--pretrained", "classic", "--out", "s.pt", "--seed", HUGE],
     "--seed: expected a whole number from 0 to 4,294,967,295"),
    ("cli-sample-out-empty", ["sample", "--pretrained", "classic", "--out", ""],
     "--out needs a file name, such as digits.pt; got ''"),
    ("cli-pretrained-empty", ["sample", "--pretrained", "", "--out", "s.pt"],
     "--pretrained needs a name; shipped ones: classic, "),
    ("cli-png-suffix", ["sample", "--pretrained", "classic", "--out", "s.pt", "--png", "grid.jpg"],
     r"--png grid.jpg must end in .png \(a PNG picture\); got .jpg. Try grid.png"),
    ("cli-png-empty", ["sample", "--pretrained", "classic", "--out", "s.pt", "--png", ""], "--png needs a file name"),
    ("cli-judge-samples-empty", ["judge", "--samples", ""], "--samples needs a file name, such as digits.pt"),
]  # fmt: skip


@pytest.mark.parametrize("args, message", [pytest.param(a, m, id=i) for i, a, m in FLAGS])
def test_cli_flag_is_a_usage_error(args, message, capsys):
    if "<missing>" in args:
        args = [_missing_device() if a == "<missing>" else a for a in args]
    code, err = run_main(args, capsys)
    assert code == 2
    assert re.search(message, err), err
    assert "usage: gan-lessons" in err  # the usage line shows the right way to type it
    assert not Path("run/checkpoint.pt").exists() and not Path("s.pt").exists()


@pytest.mark.parametrize("value", [pytest.param("no/such/folder", id="env-data-missing")])
def test_env_data_folder_is_checked(value, monkeypatch, capsys):
    monkeypatch.setenv("GAN_LESSONS_DATA", value)
    with pytest.raises(DataError, match=f"There is no folder {value}"):
        load_mnist(quiet=True)
    code, err = run_main(["train", "--out", "run", *QUICK], capsys)
    assert code == 1 and f"There is no folder {value}" in err


def test_env_data_folder_without_mnist_is_checked(monkeypatch, capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("GAN_LESSONS_DATA", str(tmp_path / "empty"))
    code, err = run_main(["train", "--out", "run", *QUICK], capsys)
    assert code == 1 and "has no train-images-idx3-ubyte (or train-images-idx3-ubyte.gz)" in err
    assert "Put the four MNIST files there" in err


# --- Data folders -------------------------------------------------------------------------------------------------


def _idx(dims: tuple[int, ...], payload: int | None = None) -> bytes:
    """An IDX file of zeros: a header with DIMS, then PAYLOAD bytes (as many as the header says by default)."""
    magic = 0x803 if len(dims) == 3 else 0x801  # images have 3 dimensions, labels 1
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
    return header + bytes(math.prod(dims) if payload is None else payload)


IMAGES, LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
DAMAGE = {
    "data-file-missing": ({IMAGES: _idx((3, 28, 28))}, "has no train-labels-idx1-ubyte"),
    "data-file-truncated": ({IMAGES: _idx((3, 28, 28), payload=2 * 784), LABELS: _idx((3,))},
                            "is truncated or damaged: 1,584 bytes, expected 2,368. Delete the file and download"),
    "data-file-corrupt": ({IMAGES: _idx((3, 28, 28)), LABELS: _idx((3,))},
                          r"is not the official MNIST file \(its checksum differs\). Delete the file"),
    "data-file-not-idx": ({IMAGES: b"<html>Not found</html>", LABELS: _idx((3,))},
                          r"is not an MNIST IDX file \(wrong header\). Delete the file"),
    "data-gzip-broken": ({IMAGES + ".gz": b"not gzip at all", LABELS: _idx((3,))},
                         r"Cannot read .*train-images-idx3-ubyte.gz.*The file is damaged. Delete the file"),
    "data-not-28x28": ({IMAGES: _idx((3, 32, 32)), LABELS: _idx((3,))},
                       "holds 32x32 images; MNIST images are 28x28. Delete the file"),
    "data-folder-is-a-file": (None, "There is no folder .*m. Check its name"),
}  # fmt: skip


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_data_folder_is_explained(damage, tmp_path, capsys):
    files, message = DAMAGE[damage]
    folder = tmp_path / "m"
    if files is None:
        folder.write_text("a file, not a folder")
    else:
        folder.mkdir()
        for name, raw in files.items():
            (folder / name).write_bytes(raw)
    with pytest.raises(DataError, match=message) as excinfo:
        read_mnist_folder(folder)
    assert raised_by_us(excinfo)
    code, err = run_main(["train", "--data", folder, "--out", "run", *QUICK], capsys)
    assert code == 1 and re.search(message, err), err
    assert not Path("run/checkpoint.pt").exists()


def test_gzip_that_is_cut_short_is_explained(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / f"{IMAGES}.gz").write_bytes(gzip.compress(_idx((3, 28, 28)))[:-10])
    (folder / LABELS).write_bytes(_idx((3,)))
    with pytest.raises(DataError, match="The file is damaged. Delete the file and download MNIST again") as excinfo:
        read_mnist_folder(folder)
    assert raised_by_us(excinfo)


# --- Checkpoint files ---------------------------------------------------------------------------------------------


class _Opens:
    """Pickles into 'call open(PATH, "w")': harmless, but it is code that runs when the file is loaded."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return open, (str(self.path), "w")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Real files to spoil: a checkpoint and a generator file of the classic GAN on 512 digits."""
    from gan_lessons.data import load_sample

    folder = tmp_path_factory.mktemp("made")
    trainer = Trainer(subset(load_sample(), 512), TrainConfig(batch_size=64, max_batches=2, seed=0), "cpu")
    trainer.save(folder / "checkpoint.pt")
    save_generator(trainer.generator, "classic", folder / "generator.pt")
    return folder


def _write(kind: str, path: Path, made: Path) -> None:
    """Write a bad file of KIND at PATH."""
    good = (made / "checkpoint.pt").read_bytes()
    if kind == "ckpt-empty":
        path.write_bytes(b"")
    elif kind == "ckpt-text":
        path.write_text("These are my notes, not weights.")
    elif kind == "ckpt-truncated":
        path.write_bytes(good[: len(good) // 2])  # a download or copy that stopped half-way
    elif kind == "ckpt-plain-pickle":
        path.write_bytes(pickle.dumps({"epoch": 3, "losses": [0.5, 0.7]}))
    elif kind == "ckpt-code-pickle":
        path.write_bytes(pickle.dumps(_Opens(path.parent / "ran-code")))
    elif kind == "ckpt-code-torch":
        torch.save({"format": FORMAT, "kind": "checkpoint", "x": _Opens(path.parent / "ran-code")}, path)
    elif kind == "ckpt-whole-model":
        torch.save(ClassicGenerator(), path)  # torch.save(model): needs our classes' code to open
    elif kind == "ckpt-state-dict":
        torch.save(ClassicGenerator().state_dict(), path)
    elif kind == "ckpt-damaged-keys":
        torch.save({"format": FORMAT, "kind": "checkpoint", "epoch": 1}, path)
    elif kind == "ckpt-weights-dont-fit":
        obj = torch.load(made / "generator.pt", weights_only=True)
        obj["state"] = ClassicGenerator(z_dim=64).state_dict()  # says z_dim 100, holds weights for 64
        torch.save(obj, path)
    else:
        raise AssertionError(kind)


REFUSED = "Refused to load .*: it names Python code to run when it is opened, so it could harm this computer"
NOT_CKPT = "is not a checkpoint file, or it is damaged or incomplete .*Train again, or download it again"
BAD_FILES = {
    "ckpt-empty": NOT_CKPT,
    "ckpt-text": NOT_CKPT,
    "ckpt-truncated": NOT_CKPT,
    "ckpt-plain-pickle": NOT_CKPT,
    "ckpt-code-pickle": REFUSED,
    "ckpt-code-torch": REFUSED,
    "ckpt-whole-model": REFUSED,
    "ckpt-state-dict": r"holds bare weights \(a state_dict\), not a gan-lessons generator or checkpoint file",
    "ckpt-damaged-keys": "is damaged: it lacks 'arch'",
    "ckpt-weights-dont-fit": "the weights do not fit a 'classic' generator",
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_checkpoint_file_is_explained(kind, made, tmp_path, capsys):
    path = tmp_path / "downloaded.pt"
    _write(kind, path, made)
    code, err = run_main(["sample", "--checkpoint", path, "--out", "digits.pt"], capsys)
    assert code == 1 and re.search(BAD_FILES[kind], err), err
    assert ("Refused" in err) == (BAD_FILES[kind] == REFUSED), "'Refused' is only for files that would run code"
    assert not (tmp_path / "ran-code").exists(), "loading the file ran its code"
    assert not Path("digits.pt").exists()


@pytest.mark.parametrize("kind", ["ckpt-missing", "ckpt-folder"])
def test_checkpoint_path_is_checked(kind, made, capsys):
    path, message = {
        "ckpt-missing": ("nothing.pt", "No file at nothing.pt. Check the path, or train first"),
        "ckpt-folder": (made, "is a folder. Pass the file inside it, such as .*checkpoint.pt"),
    }[kind]
    with pytest.raises(CheckpointError, match=message) as excinfo:
        load_safe(path, "checkpoint")
    assert raised_by_us(excinfo)
    code, err = run_main(["sample", "--checkpoint", path, "--out", "digits.pt"], capsys)
    assert code == 1 and re.search(message, err), err


def _resume_from(path: Path, *extra, capsys) -> tuple[int, str]:
    out = Path("run")
    out.mkdir(exist_ok=True)
    (out / "checkpoint.pt").write_bytes(path.read_bytes())
    return run_main(["train", "--out", out, "--resume", *QUICK, *extra], capsys)


def test_resume_from_a_generator_file_is_explained(made, capsys):
    code, err = _resume_from(made / "generator.pt", capsys=capsys)
    assert code == 1 and "is not a gan-lessons checkpoint file. Pass a file that gan-lessons wrote" in err


def test_resume_from_a_damaged_checkpoint_is_explained(made, tmp_path, capsys):
    _write("ckpt-damaged-keys", tmp_path / "bad.pt", made)
    code, err = _resume_from(tmp_path / "bad.pt", capsys=capsys)
    assert code == 1 and "is damaged or from another version of gan-lessons ('config')" in err


def test_resume_with_other_data_is_explained(made, capsys):
    code, err = _resume_from(made / "checkpoint.pt", capsys=capsys)  # made on 512 digits; the CLI has 6,000
    assert code == 1
    assert "was trained on 512 digits, but the data given has 6,000. Resume with the same data" in err


def test_checkpoint_of_another_architecture_is_explained(small, tmp_path, capsys):
    other = next((a for a in ARCHITECTURES if a != "classic"), None)
    path = tmp_path / "other.pt"
    if other is not None:  # a real checkpoint of the other architecture
        Trainer(small, TrainConfig(arch=other, batch_size=64, max_batches=2), "cpu").save(path)
    else:  # only the classic GAN exists yet: a classic checkpoint that says it is another one
        Trainer(small, TrainConfig(batch_size=64, max_batches=2), "cpu").save(path)
        state = torch.load(path, weights_only=True)
        state["arch"] = other = "dcgan"
        torch.save(state, path)
    message = f"holds a '{other}' GAN, not 'classic'. Use --arch {other} or another checkpoint"
    with pytest.raises(CheckpointError, match=message) as excinfo:
        Trainer.load(path, small, "cpu", arch="classic")
    assert raised_by_us(excinfo)
    code, err = _resume_from(path, "--arch", "classic", capsys=capsys)
    assert code == 1 and message in err


# --- Output folders and full disks ------------------------------------------------------------------------------


def test_output_folder_that_cannot_be_made_is_found_before_training(tmp_path, capsys):
    Path("taken").write_text("a file where the output folder should go")
    code, err = run_main(["train", "--out", "taken/run", *QUICK], capsys)
    assert code == 2 and re.search(r"Cannot write to taken/run \(.+\). Choose another folder with --out", err)
    code, err = run_main(["sample", "--pretrained", "x", "--out", "taken/digits.pt"], capsys)
    assert code == 2 and "Choose another folder with --out" in err  # before looking for the generator


def test_nearly_full_disk_is_found_before_training(monkeypatch, capsys):
    free = cli.shutil.disk_usage(".")._replace(free=5 * 2**20)
    monkeypatch.setattr(cli.shutil, "disk_usage", lambda path: free)
    code, err = run_main(["train", "--out", "run", *QUICK], capsys)
    assert code == 2 and "Only 5 MB free in run; this needs about 200 MB. Free some space" in err
    assert not Path("run/checkpoint.pt").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full, a disk that is always full")
def test_disk_that_fills_during_training_keeps_the_last_checkpoint(monkeypatch, capsys):
    from gan_lessons import checkpoints

    real_save, saves = torch.save, []

    def save_onto_a_full_disk(obj, f):  # the second checkpoint meets a full disk, as a real one would
        saves.append(1)
        if len(saves) == 1:
            return real_save(obj, f)
        with open("/dev/full", "wb") as full:
            real_save(obj, full)

    with monkeypatch.context() as patch:
        patch.setattr(checkpoints.torch, "save", save_onto_a_full_disk)
        code, err = run_main(["train", "--out", "run", *QUICK[2:], "--epochs", "2"], capsys)
    assert code == 1
    assert re.search(r"Could not write run/checkpoint.pt \(No space left on device\). Free some disk space", err)
    assert "the previous checkpoint.pt, if there was one, is unchanged" in err
    assert Trainer.load("run/checkpoint.pt", load_mnist(quiet=True), "cpu").epoch == 1
    assert not list(Path("run").glob(".*.tmp")), "the half-written file is removed"


# --- Output paths: only a regular file of ours is replaced --------------------------------------------------------


def _device(path: Path) -> Path:
    """A character device like /dev/null, made here (we never aim a test at a real device)."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device file needs root")
    return path


OUTPUTS = {  # id: (what to make, the command, what stderr says)
    "out-device": ("dev", ["sample", "--pretrained", "classic", "--out", "dev"],
                   "--out dev is a device, not a regular file; gan-lessons replaces only regular files"),
    "out-is-the-checkpoint": ("ckpt", ["sample", "--checkpoint", "made.pt", "--out", "made.pt"],
                              "--out made.pt is the generator it reads: writing it would destroy it"),
    "png-is-out": (None, ["sample", "--pretrained", "classic", "--out", "s.png", "--png", "s.png"],
                   "--png s.png is --out: writing it would destroy it"),
    "png-device": ("dev.png", ["sample", "--pretrained", "classic", "--out", "s.pt", "--png", "dev.png"],
                   "--png dev.png is a device, not a regular file"),
    "out-folder": ("folder", ["sample", "--pretrained", "classic", "--out", "folder"],
                   "--out folder is a folder; give a file inside it, such as folder/digits.pt"),
    "out-link": ("link", ["sample", "--pretrained", "classic", "--out", "link"],
                 r"--out link is a link \(to elsewhere.pt\), not a regular file"),
    "train-out-file": ("afile", ["train", "--out", "afile", *QUICK], "--out afile is a file, not a folder"),
    "train-history-device": ("run/history.csv", ["train", "--out", "run", "--restart", *QUICK],
                             "run/history.csv is a device, where gan-lessons train keeps its table of losses; it was "
                             r"left alone. Move it away \(mv run/history.csv run/history.csv.old\)"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(OUTPUTS))
def test_output_path_is_refused_before_any_work(case, made, capsys):
    thing, args, message = OUTPUTS[case]
    if thing == "ckpt":
        Path("made.pt").write_bytes((made / "checkpoint.pt").read_bytes())
    elif thing == "folder":
        Path("folder").mkdir()
    elif thing == "link":
        Path("elsewhere.pt").write_text("keep me")
        Path("link").symlink_to("elsewhere.pt")
    elif thing == "afile":
        Path("afile").write_text("keep me")
    elif thing is not None:
        Path(thing).parent.mkdir(exist_ok=True)
        _device(Path(thing))
    before = {p: (p.lstat().st_mode, p.read_bytes() if p.is_file() else None) for p in Path(".").rglob("*")}
    code, err = run_main(args, capsys)
    assert code == 2 and re.search(message, err), err
    after = {p: (p.lstat().st_mode, p.read_bytes() if p.is_file() else None) for p in Path(".").rglob("*")}
    assert after == before, "nothing was written, replaced or removed"


def test_a_second_train_into_a_run_needs_resume_or_restart(capsys):
    assert run_main(["train", "--out", "run", *QUICK], capsys)[0] == 0
    first = {p.name: p.read_bytes() for p in Path("run").iterdir() if p.is_file() and not p.name.startswith(".")}
    code, err = run_main(["train", "--out", "run", *QUICK], capsys)
    assert code == 2
    assert (
        "run already holds a training run (checkpoint.pt, history.csv, generated_images_epoch_1.png). Add "
        "--resume to continue it, or --restart to start over (its files then move to run/previous-N)" in err
    )
    assert {p.name: p.read_bytes() for p in Path("run").iterdir() if p.name in first} == first
    code, _ = run_main(["train", "--out", "run", "--restart", *QUICK, "--seed", "7"], capsys)
    assert code == 0
    kept = {p.name: p.read_bytes() for p in Path("run/previous-1").iterdir()}
    assert kept == first, "the old run is kept whole in run/previous-1"
    assert Path("run/checkpoint.pt").read_bytes() != first["checkpoint.pt"]
    assert run_main(["train", "--out", "run", "--restart", *QUICK], capsys)[0] == 0
    assert sorted(p.name for p in Path("run").glob("previous-*")) == ["previous-1", "previous-2"]


@pytest.mark.parametrize("n", [pytest.param(2, id="fd-2-digits"), pytest.param(4, id="fd-4-digits")])
def test_too_few_digits_for_a_frechet_distance_are_said_so(n, sample, capsys):
    report = judge_digits(sample.images[:n])
    assert report.fd is None and report.fd_ratio is None and report.n == n
    said = f"Fréchet distance: not measured. It needs at least 128 digits and got {n}"
    assert said in str(report) and "as good as real" in str(report)
    torch.save(sample.images[:n].unsqueeze(1), "few.pt")
    code = main(["judge", "--samples", "few.pt"])
    out = capsys.readouterr().out
    assert code == 0 and said in out and "ratio" not in out


# --- Hostile and damaged files: bounded work, one message per kind -------------------------------------------------


def _gzip_of_zeros(path: Path, header: bytes, zeros: int) -> Path:
    """A gzip file of HEADER and then ZEROS zero bytes, written a piece at a time (a 'gzip bomb')."""
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(header)
        for _ in range(zeros // 2**22):
            f.write(bytes(2**22))
    return path


HOSTILE_DATA = {  # id: (how to make the images file, what the learner sees)
    "data-gzip-bomb": (lambda p: _gzip_of_zeros(p, _idx((3, 28, 28), payload=0), 2**28),
                       "holds more than the 2,368 bytes its header promises: it is damaged, or not MNIST. It was not "
                       "read further"),
    "data-header-bomb": (lambda p: p.write_bytes(gzip.compress(_idx((2**31, 28, 28), payload=0))),
                         "says it holds 2,147,483,648 digits; MNIST's largest file holds 60,000. It was not read"),
    "data-file-too-long": (lambda p: p.with_suffix("").write_bytes(_idx((3, 28, 28)) + bytes(10)),
                           "holds more than the 2,368 bytes its header promises"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(HOSTILE_DATA))
def test_hostile_data_file_is_refused_after_its_header(case, tmp_path, capsys):
    make, message = HOSTILE_DATA[case]
    folder = tmp_path / "m"
    folder.mkdir()
    make(folder / f"{IMAGES}.gz")
    (folder / LABELS).write_bytes(_idx((3,)))
    with pytest.raises(DataError, match=message) as excinfo:
        read_mnist_folder(folder)
    assert raised_by_us(excinfo)
    code, err = run_main(["train", "--data", folder, "--out", "run", *QUICK], capsys)
    assert code == 1 and message.split(":")[0] in err


def test_every_corrupt_gzip_gets_the_same_message(tmp_path, capsys):
    pixels = torch.randint(0, 256, (3, 28, 28), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    raw = gzip.compress(_idx((3, 28, 28), payload=0) + pixels.numpy().tobytes(), mtime=0)
    path = tmp_path / "x-images-idx3-ubyte.gz"
    damaged = 0
    for i in range(len(raw)):  # each byte of the file flipped in turn
        path.write_bytes(raw[:i] + bytes([raw[i] ^ 0xFF]) + raw[i + 1 :])
        try:
            images = read_idx(path, 3)
        except DataError as err:
            damaged += 1
            assert str(err).startswith(f"Cannot read {path}: it is not a whole, undamaged file ("), str(err)
            assert "The file is damaged. Delete the file and download MNIST again" in str(err)
        else:
            assert torch.equal(images, pixels), f"byte {i} changed the digits without an error"
    assert damaged >= len(raw) - 10  # only the header's date, flags and system bytes may change harmlessly


def _zip_with_pickle(path: Path, size: int, deflated: bool) -> Path:
    """A torch-like zip whose data.pkl holds SIZE bytes, packed (a 'zip bomb') or not."""
    how = zipfile.ZIP_DEFLATED if deflated else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=how, compresslevel=1) as z:
        with z.open("archive/data.pkl", "w", force_zip64=True) as f:
            f.write(b"\x80\x02(")  # a pickle: PROTO 2, MARK, then SIZE bytes of empty dicts
            for _ in range(size // 2**22):
                f.write(b"}" * 2**22)
        z.writestr("archive/version", "3\n")
    return path


def _sparse(path: Path, size: int) -> None:
    """A file of SIZE bytes that takes no room on the disk."""
    path.write_bytes(b"PK")
    os.truncate(path, size)


HOSTILE_CKPT = {  # id: (how to make the file, what the learner sees)
    "ckpt-zip-bomb": (lambda p: _zip_with_pickle(p, 2**29, deflated=True),
                      r"would unpack to 512 MB \(torch stores its files unpacked\); gan-lessons files are at most "
                      "256 MB, so this one is not ours or it is damaged. It was not opened"),
    "ckpt-pickle-of-many-steps": (lambda p: _zip_with_pickle(p, 2**24, deflated=False),
                                  r"holds a pickle too large to be ours \(more than 32 MB or 2,000,000 steps\)"),
    "ckpt-huge-file": (lambda p: _sparse(p, 2**28 + 1),
                       "holds 256 MB; gan-lessons files are at most 256 MB"),
    "ckpt-old-torch-format": (lambda p: torch.save({"format": FORMAT}, p, _use_new_zipfile_serialization=False),
                              NOT_CKPT),
}  # fmt: skip


@pytest.mark.parametrize("case", list(HOSTILE_CKPT))
def test_hostile_checkpoint_is_refused_after_its_header(case, tmp_path, capsys):
    make, message = HOSTILE_CKPT[case]
    path = tmp_path / "hostile.pt"
    make(path)
    with pytest.raises(CheckpointError, match=message) as excinfo:
        load_safe(path, "checkpoint")
    assert raised_by_us(excinfo)
    code, err = run_main(["sample", "--checkpoint", path, "--out", "digits.pt"], capsys)
    assert code == 1 and re.search(message, err) and not Path("digits.pt").exists()


_PEAK = """
import resource, sys
from gan_lessons import checkpoints, data
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    data.read_idx(sys.argv[1], 3) if sys.argv[1].endswith(".gz") else checkpoints.load_safe(sys.argv[1], "checkpoint")
except ValueError:
    pass
print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
"""


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
def test_bombs_are_refused_within_the_memory_mnist_needs(tmp_path):
    bombs = [_gzip_of_zeros(tmp_path / "bomb-idx3-ubyte.gz", _idx((60_000, 28, 28), payload=0), 2**29),
             _zip_with_pickle(tmp_path / "bomb.pt", 2**29, deflated=True)]  # fmt: skip
    for bomb in bombs:  # each unpacks to 512 MB or more
        child = subprocess.run([sys.executable, "-c", _PEAK, str(bomb)], capture_output=True, text=True, check=True)
        before, peak = map(int, child.stdout.split())
        assert (peak - before) * 1024 < 47_040_016 + 2**25, f"{bomb.name}: {(peak - before) // 1024} MB more"


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """A checkpoint of the classic GAN for the 6,000 digits the command line finds, one batch into epoch 1."""
    from gan_lessons.data import load_sample

    trainer = Trainer(load_sample(), TrainConfig(batch_size=64, max_batches=2, seed=0, epochs=1), "cpu")
    real_step = training.train_step

    def step(*args):
        trainer.request_stop()  # after this batch: a checkpoint in the middle of epoch 1
        return real_step(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training, "train_step", step)
        trainer.fit(1, progress=False)
    path = tmp_path_factory.mktemp("whole") / "checkpoint.pt"
    trainer.save(path)
    return path


def _spoil(state: dict, case: str) -> None:
    """Damage STATE as CASE says, in a way that still unpickles."""
    if case == "ckpt-nan-weights":
        next(iter(state["generator"].values())).fill_(math.nan)
    elif case == "ckpt-nan-optimizer":
        state["opt_d"]["state"][0]["exp_avg"].fill_(math.inf)
    elif case == "ckpt-negative-epoch":
        state["epoch"] = -3
    elif case == "ckpt-epoch-text":
        state["epoch"] = "three"
    elif case == "ckpt-batch-out-of-range":
        state["batch"] = 99
    elif case == "ckpt-order-out-of-range":
        state["order"] = state["order"] + 10**6
    elif case == "ckpt-history-wrong-type":
        state["history"]["epoch_d"] = "0.5, 0.7"
    elif case == "ckpt-noise-wrong-shape":
        state["fixed_noise"] = torch.zeros(16, 7)
    elif case == "ckpt-config-wrong-type":
        state["config"]["lr"] = "fast"
    elif case == "ckpt-data-size-text":
        state["data_size"] = "6000"
    elif case == "ckpt-rng-not-bytes":  # it was taken, and training went on with other shuffles and noise
        state["rng"] = torch.zeros(3)
    elif case == "ckpt-part-missing":
        del state["history"]
    else:
        raise AssertionError(case)


DAMAGED = {
    "ckpt-nan-weights": "its generator holds numbers that are NaN or infinite",
    "ckpt-nan-optimizer": "its opt_d holds numbers that are NaN or infinite",
    "ckpt-negative-epoch": "its epoch count is -3, not a whole number from 0 to 1,000,000",
    "ckpt-epoch-text": "its epoch count is 'three'",
    "ckpt-batch-out-of-range": "its batch count is 99, not a whole number from 0 to 1",
    "ckpt-order-out-of-range": r"its order of digits names digits outside 0..5999",
    "ckpt-history-wrong-type": "its history of losses is not four lists of numbers",
    "ckpt-noise-wrong-shape": r"its fixed noise is not a float32 tensor \(16, 100\) of finite numbers",
    "ckpt-config-wrong-type": r"is damaged or from another version of gan-lessons \(lr must be a number > 0",
    "ckpt-data-size-text": "is damaged: the number of digits it was trained on is '6000'",
    "ckpt-rng-not-bytes": r"its random generator's state is not a list of at most 65,536 bytes \(a uint8 tensor\)",
    "ckpt-part-missing": "it holds no history, which a checkpoint of this version of gan-lessons has",
}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_damaged_checkpoint_contents_are_refused_before_anything_is_saved(case, whole, capsys):
    state = torch.load(whole, weights_only=True)
    _spoil(state, case)
    Path("run").mkdir()
    torch.save(state, "run/checkpoint.pt")
    spoilt = Path("run/checkpoint.pt").read_bytes()
    with pytest.raises(CheckpointError, match=DAMAGED[case]) as excinfo:
        Trainer.load("run/checkpoint.pt", load_mnist(quiet=True), "cpu")
    assert raised_by_us(excinfo) and "learning rate" not in str(excinfo.value)
    code, err = run_main(["train", "--out", "run", "--resume", *QUICK], capsys)
    assert code == 1 and re.search(DAMAGED[case], err) and "run/checkpoint.pt" in err
    assert Path("run/checkpoint.pt").read_bytes() == spoilt, "nothing was saved over it"
    if case == "ckpt-nan-weights":
        code, err = run_main(["sample", "--checkpoint", "run/checkpoint.pt", "--out", "digits.pt"], capsys)
        assert code == 1 and "its weights hold numbers that are NaN or infinite" in err


# --- Round three (issue #20): files reached through links, tiny files that ask for much, the package's own rule ----


def _tree() -> dict:
    """Every path under the current folder: its kind and, for a file, its bytes (links are not followed)."""
    return {p: (stat.S_IFMT(p.lstat().st_mode), p.read_bytes() if p.is_file() and not p.is_symlink() else None)
            for p in Path(".").rglob("*")}  # fmt: skip


def _same_input(case: str, made: Path) -> list[str]:
    """Make the files of CASE: `sample` asked to write the very file it reads, named another way."""
    Path("victim").mkdir()
    Path("victim/checkpoint.pt").write_bytes((made / "checkpoint.pt").read_bytes())
    here = Path.cwd()
    if case == "pretrained-path-is-out":
        return ["--pretrained", "victim/checkpoint.pt", "--out", "victim/checkpoint.pt"]
    if case == "absolute-and-relative":
        return ["--checkpoint", str(here / "victim/checkpoint.pt"), "--out", "victim/checkpoint.pt"]
    if case == "through-dot-dot":
        return ["--pretrained", "victim/../victim/checkpoint.pt", "--out", "victim/checkpoint.pt"]
    if case == "through-a-link":
        Path("shortcut.pt").symlink_to("victim/checkpoint.pt")
        return ["--checkpoint", "shortcut.pt", "--out", "victim/checkpoint.pt"]
    if case == "a-hard-link":
        os.link("victim/checkpoint.pt", "twin.pt")
        return ["--pretrained", "twin.pt", "--out", "victim/checkpoint.pt"]
    if case == "png-is-the-input":  # a checkpoint named .png, read by --pretrained and written by --png
        os.replace("victim/checkpoint.pt", "victim/checkpoint.png")
        return ["--pretrained", "victim/checkpoint.png", "--out", "s.pt", "--png", "victim/../victim/checkpoint.png"]
    raise AssertionError(case)


SAME_INPUT = ["pretrained-path-is-out", "absolute-and-relative", "through-dot-dot", "through-a-link", "a-hard-link",
              "png-is-the-input"]  # fmt: skip


@pytest.mark.parametrize("case", SAME_INPUT)
def test_an_input_is_never_its_own_output(case, made, capsys):
    args = _same_input(case, made)
    before = _tree()
    code, err = run_main(["sample", "--n", "4", *args], capsys)
    assert code == 2 and "is the generator it reads: writing it would destroy it" in err, err
    assert _tree() == before, "nothing was written, replaced or removed"


def test_an_mnist_file_is_never_a_run_s_output(shared_mnist, capsys):
    Path("run").mkdir()
    os.link(next(shared_mnist.glob("train-labels*")), "run/history.csv")  # a hard link: one file, two names
    code, err = run_main(["train", "--out", "run", "--data", shared_mnist, "--resume", *QUICK], capsys)
    assert code == 2 and "run/history.csv is the same file as" in err and "which --data reads" in err, err


RUN_FOLDER = {  # id: (the path in run/, what is there, what stderr says)
    "lock-link-to-a-user-file": (".gan-lessons.lock", "link", r"is a link \(to .*notes.txt\), where gan-lessons "
                                 "train keeps its lock file; it was left alone"),
    "lock-hard-link": (".gan-lessons.lock", "hardlink", "is a file that is not a lock of ours"),
    "lock-user-text": (".gan-lessons.lock", "text", "is a file that is not a lock of ours"),
    "lock-fifo": (".gan-lessons.lock", "fifo", "is a pipe or socket, where gan-lessons train keeps its lock file"),
    "lock-device": (".gan-lessons.lock", "device", "is a device, where gan-lessons train keeps its lock file"),
    "lock-folder": (".gan-lessons.lock", "folder", "is a folder, where gan-lessons train keeps its lock file"),
    "checkpoint-folder": ("checkpoint.pt", "folder", "is a folder, where gan-lessons train keeps its checkpoint"),
    "history-folder": ("history.csv", "folder", "is a folder, where gan-lessons train keeps its table of losses"),
    "picture-link": ("generated_images_epoch_1.png", "link", "is a link .* where gan-lessons train keeps its pictures"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(RUN_FOLDER))
def test_a_file_in_a_run_folder_that_is_not_ours_is_left_alone(case, capsys):
    name, kind, message = RUN_FOLDER[case]
    Path("run").mkdir()
    Path("notes.txt").write_text("my notes, keep them")
    path = Path("run") / name
    if kind == "link":
        path.symlink_to(Path.cwd() / "notes.txt")
    elif kind == "hardlink":
        os.link("notes.txt", path)
    elif kind == "text":
        path.write_text("my own lock notes")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        _device(path)
    else:
        path.mkdir()
    before = _tree()
    code, err = run_main(["train", "--out", "run", "--resume", *QUICK], capsys)
    assert code == 2 and re.search(message, err), err
    moved = f"mv run/{name} run/{name}.old"
    assert f"Move it away ({moved}) or choose another folder with --out" in err
    assert _tree() == before and Path("notes.txt").read_text() == "my notes, keep them"
    subprocess.run(moved.split(), check=True)  # the advice works: then the run goes ahead
    assert run_main(["train", "--out", "run", *QUICK], capsys)[0] == 0


@pytest.mark.parametrize("case", ["grid-link", "grid-device", "grid-folder"])
def test_a_picture_is_never_written_through_a_link_or_into_a_device(case, capsys):
    from gan_lessons.plots import save_grid

    Path("notes.txt").write_text("keep me")
    if case == "grid-link":
        Path("grid.png").symlink_to("notes.txt")
    elif case == "grid-device":
        _device(Path("grid.png"))
    else:
        Path("grid.png").mkdir()
    before = _tree()
    with pytest.raises(CheckpointError, match="grid.png is (a link|a device|a folder)") as excinfo:
        save_grid(torch.zeros(4, 1, 28, 28), "grid.png")
    assert raised_by_us(excinfo) and _tree() == before


def _dead_pid() -> int:
    """A process number no process has now."""
    pid = 999_999
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


@pytest.mark.parametrize("case", ["stale-with-checkpoint", "stale-without-checkpoint"])
def test_only_our_own_half_written_files_are_removed(case, whole, capsys):
    from gan_lessons.checkpoints import TEMP_MARK

    Path("run").mkdir()
    if case == "stale-with-checkpoint":
        Path("run/checkpoint.pt").write_bytes(whole.read_bytes())
    ours = Path(f"run/.checkpoint.pt{TEMP_MARK}{_dead_pid()}-x1y2.tmp")
    ours.write_bytes(b"PK half a checkpoint")
    users = [Path("run/.checkpoint.pt.mine.tmp"), Path(f"run/.checkpoint.pt{TEMP_MARK}{os.getpid()}-live.tmp")]
    for path in users:  # a user's file, and a file of a process still running: both kept
        path.write_text("keep me")
    code, err = run_main(["train", "--out", "run", "--resume", *QUICK, "--epochs", "2"], capsys)
    assert code == 0, err
    assert not ours.exists() and all(p.read_text() == "keep me" for p in users)


def test_what_is_said_about_a_removed_half_written_file_is_true(made, capsys):
    from gan_lessons.checkpoints import TEMP_MARK

    Path("run").mkdir()
    ours = Path(f"run/.checkpoint.pt{TEMP_MARK}{_dead_pid()}-x1y2.tmp")
    ours.write_bytes(b"PK half a checkpoint")
    try:
        code = main(["train", "--out", "run", "--resume", *QUICK])
    except SystemExit as done:
        code = done.code
    said = capsys.readouterr().out
    assert code == 0 and "a half-written checkpoint; no whole checkpoint.pt was saved before it" in said
    assert "itself is whole" not in said


@pytest.mark.parametrize("case", ["mode-new-file", "mode-kept"])
def test_a_file_written_keeps_the_umask_or_the_mode_it_replaces(case, capsys):
    from gan_lessons.checkpoints import save_atomic

    old = os.umask(0o022)
    try:
        if case == "mode-kept":
            Path("digits.pt").write_bytes(b"old")
            os.chmod("digits.pt", 0o640)
        assert run_main(["sample", "--pretrained", "classic", "--n", "4", "--out", "digits.pt"], capsys)[0] == 0
        assert stat.S_IMODE(os.stat("digits.pt").st_mode) == (0o640 if case == "mode-kept" else 0o644)
        save_atomic([1], "other.pt")
        assert stat.S_IMODE(os.stat("other.pt").st_mode) == 0o644
    finally:
        os.umask(old)


def _spoil_generator(state: dict, case: str) -> None:
    """Damage the generator fields of a checkpoint STATE as CASE says."""
    if case == "z-dim-text":
        state["config"]["z_dim"] = "100"
    elif case == "z-dim-negative":
        state["config"]["z_dim"] = -5
    elif case == "z-dim-huge":
        state["config"]["z_dim"] = 10**12
    elif case == "arch-a-list":
        state["arch"] = ["classic"]
    elif case == "average-a-tensor":
        state["average"] = torch.zeros(3)
    elif case == "running-var-negative":
        name = next(k for k in state["generator"] if k.endswith("running_var"))
        state["generator"][name] = -state["generator"][name].abs() - 1
    elif case == "running-mean-infinite":
        name = next(k for k in state["generator"] if k.endswith("running_mean"))
        state["generator"][name][0] = math.inf
    else:
        raise AssertionError(case)


SPOILT_GENERATOR = {
    "z-dim-text": "its noise size z_dim is '100', not a whole number from 1 to 10,000",
    "z-dim-negative": "its noise size z_dim is -5, not a whole number",
    "z-dim-huge": "its noise size z_dim is 1000000000000, not a whole number",
    "arch-a-list": r"holds an unknown architecture \['classic'\]",
    "average-a-tensor": "its weights are not a dict of tensors",
    "running-var-negative": r"its net\.\d\.running_var holds numbers below 0, and a variance never is",
    "running-mean-infinite": "its weights hold numbers that are NaN or infinite",
}


@pytest.mark.parametrize("case", list(SPOILT_GENERATOR))
def test_damaged_generator_fields_are_refused_by_sample(case, made, capsys):
    state = torch.load(made / "checkpoint.pt", weights_only=True)
    _spoil_generator(state, case)
    torch.save(state, "spoilt.pt")
    with pytest.raises(CheckpointError, match=SPOILT_GENERATOR[case]) as excinfo:
        load_generator("spoilt.pt")
    assert raised_by_us(excinfo)
    code, err = run_main(["sample", "--checkpoint", "spoilt.pt", "--out", "digits.pt"], capsys)
    assert code == 1 and re.search(SPOILT_GENERATOR[case], err), err
    assert not Path("digits.pt").exists()


def _stride_zero(n: int) -> torch.Tensor:
    """N digits that are one pixel repeated: stored in a few bytes, (N, 1, 28, 28) when used."""
    return torch.zeros(1, 1, 1, 1, dtype=torch.uint8).expand(n, 1, 28, 28)


HUGE_ASKS = {  # id: (what the file holds, what stderr says)
    "judge-stride-0-10-12-digits": (lambda: _stride_zero(10**12), "holds tensors of more than 268,435,456 numbers"),
    "judge-320000-digits": (lambda: _stride_zero(320_000), "The judge takes at most 100,000 digits at once; got "
                            "320,000"),
    "judge-sparse": (lambda: torch.zeros(4, 1, 28, 28).to_sparse(), "holds a torch.sparse_coo tensor; gan-lessons "
                     "files hold only plain tensors"),
    "judge-meta": (lambda: torch.empty(4, 1, 28, 28, device="meta"), "holds a meta tensor"),
}  # fmt: skip


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", list(HUGE_ASKS))
def test_a_tiny_file_that_asks_for_huge_memory_is_refused(case, capsys):
    make, message = HUGE_ASKS[case]
    torch.save(make(), "digits.pt")
    assert Path("digits.pt").stat().st_size < 10_000
    code, err = run_main(["judge", "--samples", "digits.pt"], capsys)
    assert code == 1 and re.search(message, err), err


@pytest.mark.parametrize("case", ["judge-samples-folder", "judge-samples-fifo"])
def test_judge_names_a_folder_or_a_pipe_for_what_it_is(case, capsys):
    if case == "judge-samples-folder":
        Path("digits.pt").mkdir()
        message = r"digits.pt is a folder. Pass the file inside it"
    else:
        os.mkfifo("digits.pt")
        message = r"digits.pt is not a regular file \(a pipe, a socket or a device\)"
    code, err = run_main(["judge", "--samples", "digits.pt"], capsys)
    assert code == 1 and re.search(message, err) and "No file at" not in err, err


@pytest.mark.parametrize("error", [
    pytest.param(RuntimeError("[enforce fail at alloc_cpu.cpp:117] . DefaultCPUAllocator: can't allocate memory: you "
                              "tried to allocate 3136000000000 bytes."), id="oom-cpu"),
    pytest.param(torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB"), id="oom-cuda"),
])  # fmt: skip
def test_running_out_of_memory_is_said_plainly(error, monkeypatch, capsys):
    def out_of_memory(*args, **kwargs):
        raise error

    monkeypatch.setattr("gan_lessons.models.generate", out_of_memory)
    code, err = run_main(["sample", "--pretrained", "classic", "--out", "s.pt"], capsys)
    assert code == 1 and "this computer ran out of memory. Ask for less (a smaller --n or --batch-size)" in err, err


def _stdout_full() -> Path:
    """A device like /dev/full (every write: No space left on device), made here."""
    try:
        os.mknod("full", stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except PermissionError:
        pytest.skip("making a device file needs root")
    return Path("full")


@pytest.mark.parametrize("case", ["stdout-closed", "stdout-full"])
def test_standard_output_that_cannot_be_written_is_not_blamed_on_a_file(case):
    command = [sys.executable, "-m", "gan_lessons", "sample", "--pretrained", "classic", "--n", "4", "--out", "s.pt"]
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    if case == "stdout-closed":
        child = subprocess.run(command, stdout=None, stderr=subprocess.PIPE, text=True, env=env,
                               preexec_fn=lambda: os.close(1))  # fmt: skip  # as `>&-` does
    else:
        with open(_stdout_full(), "w") as full:
            child = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, text=True, env=env)
    assert child.returncode == 0 and "Traceback" not in child.stderr, child.stderr
    assert "could not read or write" not in child.stderr
    assert torch.load("s.pt", weights_only=True).shape == (4, 1, 28, 28), "the file was written, and whole"
    if case == "stdout-full":
        assert "could not print to standard output (No space left on device); the files themselves" in child.stderr


@pytest.mark.parametrize("case", ["r1-huge", "lr-huge"])
def test_a_blow_up_names_its_likely_cause(case, capsys):
    flag, value, cause = {
        "r1-huge": ("--r1", "1e300", r"the gradient penalty r1 = 1e\+300 is far larger"),
        "lr-huge": ("--lr", "1e30", r"the learning rate lr = 1e\+30 is far larger"),
    }[case]
    code, err = run_main(["train", "--out", "run", *QUICK, "--epochs", "2", flag, value], capsys)
    assert code == 1 and "Training blew up" in err and re.search("Likely cause: " + cause, err), err
    if case == "r1-huge":
        assert "use r1 = 1 (--r1 1)" in err and "--lr 0.0002" not in err


def test_a_double_ctrl_c_before_any_save_says_how_to_start_again(monkeypatch, capsys):
    real_step = training.train_step

    def pressed_twice(*args):  # Ctrl-C twice during the first batch: the second stops once the batch is whole
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.1)  # the signals arrive
        return real_step(*args)

    monkeypatch.setattr(training, "train_step", pressed_twice)
    code, err = run_main(["train", "--out", "run", *QUICK], capsys)
    assert code == 130
    assert "stopped at once. Nothing was saved yet (the first checkpoint is written at the end of epoch 1" in err
    assert "To start again: gan-lessons train --arch classic --epochs 1 --out run --device cpu --quiet --resume" in err


@pytest.mark.parametrize("case", ["download-fails-fresh", "download-fails-data-kept"])
def test_a_failed_download_removes_only_the_folders_it_made(case, monkeypatch):
    import torchvision.datasets

    from gan_lessons import data

    class Offline:
        def __init__(self, root, train, download):
            (Path(root) / "MNIST" / "raw").mkdir(parents=True, exist_ok=True)
            raise OSError("no internet")

    monkeypatch.setattr(torchvision.datasets, "MNIST", Offline)
    if case == "download-fails-data-kept":
        Path("data").mkdir()
        Path("data/mine.txt").write_text("keep me")
    assert data._download(Path("data"), True) is None
    if case == "download-fails-fresh":
        assert not Path("data").exists()
    else:
        assert sorted(p.name for p in Path("data").iterdir()) == ["mine.txt"]


def _entries_wrong(s):
    from gan_lessons.widgets import NoiseExplorer

    return NoiseExplorer(ClassicGenerator(), entries=(1.5,))


def _new_round_conditional(s):
    from gan_lessons.game import new_round

    return new_round(to_model_range(s.images[:8]), build_gan("conditional")[0], build_gan("conditional")[1])


def _morph(s):
    from gan_lessons.choose import DigitMorph

    return DigitMorph(build_gan("conditional")[0], steps=-1)


def _sweep(s):
    from gan_lessons.widgets import sweep

    return sweep(torch.zeros(100), 2.5, torch.zeros(3))


def _judge_x(s):
    return judge_digits(s.images[:8], judge="x")


def _trainer(s):
    return Trainer(s, TrainConfig(batch_size=64, max_batches=1, epochs=1, seed=0), "cpu")


def _train_for_text(s):
    from gan_lessons.live import train_for

    return train_for(_trainer(s), "5")


def _time_half_batches(s):
    from gan_lessons.live import seconds_per_batch

    return seconds_per_batch(_trainer(s), batches=2.5)


def _live_without_trainer(s):
    from gan_lessons.live import LiveTraining

    return LiveTraining(None)


def _show_no_gif(s):
    from gan_lessons.animation import show_gif

    return show_gif(None)


def _spread_of_a_row(s):
    from gan_lessons.doctor import mean_distance

    return mean_distance(torch.zeros(3))


def _gradient_float64(s):
    from gan_lessons.doctor import forger_gradient

    generator, discriminator = build_gan("classic")
    return forger_gradient(generator, discriminator, torch.zeros(4, 100, dtype=torch.float64))


def _state_of_text(s):
    from gan_lessons.doctor import name_state

    return name_state("healthy")


def _rng_of_floats(s):
    from gan_lessons.resume import set_rng_state

    return set_rng_state(torch.Generator(), torch.zeros(3))


def _step_of_two_nets(s):
    from gan_lessons.engine import pick_step

    return pick_step(TrainConfig(), build_gan("classic"))


def _graph_on_text(s):
    from gan_lessons.graphed import why_not_graphed

    return why_not_graphed(TrainConfig(), "cuda")


LIBRARY = [  # calls that failed inside pathlib or torch, or with IndexError, AttributeError or KeyError
    pytest.param(lambda s: load_generator(None), TypeError, "Expected a generator's name, such as classic",
                 id="lib-load-generator-none"),
    pytest.param(lambda s: load_generator("classic", device="tpu"), ValueError,
                 "device must be a device this computer has: 'cpu'", id="lib-load-generator-tpu"),
    pytest.param(lambda s: make_noise(2, device="tpu"), ValueError, "make_noise: device must be a device this",
                 id="lib-make-noise-tpu"),
    pytest.param(lambda s: generate(ClassicGenerator(), torch.zeros(2, 100, dtype=torch.float64)), ValueError,
                 "The generator expects float32 numbers; got a torch.float64 tensor", id="lib-generate-float64"),
    pytest.param(lambda s: ClassicDiscriminator()(s.images[:2].unsqueeze(1)), ValueError,
                 r"The discriminator expects float32 numbers; got a torch.uint8 tensor.*to_model_range",
                 id="lib-discriminator-uint8"),
    pytest.param(lambda s: build_gan("classic", -3), ValueError, "build_gan: z_dim must be a whole number >= 1",
                 id="lib-build-gan-negative-z"),
    pytest.param(_entries_wrong, ValueError, "entry must be from 0 to 99, got 1.5", id="lib-noise-explorer-entry"),
    pytest.param(_sweep, ValueError, "entry must be from 0 to 99, got 2.5", id="lib-sweep-entry"),
    pytest.param(_morph, ValueError, "steps must be a whole number from 2 to 50", id="lib-digit-morph-steps"),
    pytest.param(_judge_x, TypeError, "judge must be None \\(the shipped judge\\)", id="lib-judge-not-a-judge"),
    pytest.param(lambda s: read_idx("x", 2), ValueError, "read_idx: ndim must be 3 .* or 1", id="lib-read-idx-ndim"),
    pytest.param(lambda s: __import__("gan_lessons.data").data.to_pixels([1, 2]), TypeError,
                 "to_pixels expects a tensor of float numbers", id="lib-to-pixels-list"),
    pytest.param(_new_round_conditional, ValueError, "new_round needs a discriminator that is not conditional",
                 id="lib-new-round-conditional"),
    pytest.param(lambda s: save_generator(ClassicGenerator(), "nosuch", "g.pt"), ValueError,
                 "save_generator: arch must be one of", id="lib-save-generator-unknown-arch"),
    pytest.param(lambda s: save_generator(ClassicGenerator(), "dcgan", "g.pt"), ValueError,
                 "arch 'dcgan' is for a DCGANGenerator, but the generator is a ClassicGenerator",
                 id="lib-save-generator-wrong-arch"),
    pytest.param(lambda s: __import__("gan_lessons.widgets").widgets.digits_png(torch.zeros(1, 1, 28, 28),
                                                                               scale=10**6), ValueError,
                 "scale must be a whole number >= 1 and <= 20", id="lib-digits-png-scale"),
    pytest.param(_train_for_text, ValueError, "seconds must be a number > 0, got '5'", id="lib-train-for-text"),
    pytest.param(_time_half_batches, ValueError, "Need whole numbers batches >= 1 and warmup >= 0, at most 10,000",
                 id="lib-seconds-per-batch-fraction"),
    pytest.param(_live_without_trainer, TypeError, "trainer must be a Trainer from gan_lessons.training",
                 id="lib-live-training-none"),
    pytest.param(_show_no_gif, TypeError, "path must be a GIF's file name", id="lib-show-gif-none"),
    pytest.param(_spread_of_a_row, ValueError, "mean_distance expects grey 28x28 digits", id="lib-spread-one-row"),
    pytest.param(_gradient_float64, ValueError, r"z must be a tensor of shape \(N, z_dim\) \(float32\)",
                 id="lib-forger-gradient-float64"),
    pytest.param(_state_of_text, TypeError, "history must be a list of the doctor's check-ups",
                 id="lib-name-state-text"),
    pytest.param(_rng_of_floats, TypeError, "saved must be a random generator's state, a uint8 tensor",
                 id="lib-set-rng-state-floats"),
    pytest.param(_step_of_two_nets, TypeError,
                 r"nets must be \(generator, discriminator, opt_g, opt_d\).*; got \(ClassicGenerator, "
                 r"ClassicDiscriminator\)\.",
                 id="lib-pick-step-two-nets"),
    pytest.param(_graph_on_text, TypeError, "device must be a torch.device", id="lib-why-not-graphed-text"),
]  # fmt: skip


@pytest.mark.parametrize("call, error, message", LIBRARY)
def test_a_library_call_with_a_bad_argument_is_refused_by_the_package(call, error, message, sample):
    with pytest.raises(error, match=message) as excinfo:
        call(sample)
    assert raised_by_us(excinfo), f"raised deep inside {excinfo.traceback[-1].path}"
    assert not Path("g.pt").exists(), "no file that cannot be loaded is written"


@pytest.mark.parametrize("case", ["numpy-digit", "numpy-rows", "numpy-toy-seed", "numpy-toy-lr"])
def test_numpy_numbers_are_taken_where_python_numbers_are(case):
    from gan_lessons.choose import DigitChooser, DigitTable
    from gan_lessons.toy2d import ToyConfig

    conditional = build_gan("conditional")[0]
    if case == "numpy-digit":
        assert DigitChooser(conditional, digit=np.int64(3)).digit == 3
    elif case == "numpy-rows":
        assert DigitTable(conditional, rows=np.int64(2)).rows == 2
    elif case == "numpy-toy-seed":
        assert ToyConfig(seed=np.int64(3)).seed == 3
    else:
        assert ToyConfig(lr_d=np.float64(1e-3)).lr_d == 1e-3
