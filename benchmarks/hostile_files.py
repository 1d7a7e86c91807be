"""Peak memory while gan-lessons refuses hostile files (issues #13 and #20).

    python benchmarks/hostile_files.py [--gigabytes 4]

Two bombs unpack to GIGABYTES of data: a gzip bomb and a torch-zip bomb. Tiny files ask for huge memory
(issue #20): a tensor of 10^12 digits that repeats one pixel (stride 0, 1.4 KB on disk) and one of 320,000
digits, both given to `judge`; checkpoints whose generator says z_dim = 10^12, whose fixed noise has 10,000
rows, or whose random generator's state is 2^27 bytes (stride 0), next to a healthy checkpoint: resuming builds
a Trainer before it reads the file's contents, and that costs the same for every file (torch imports its
compiler's modules when the first optimizer is made: about 180 MB). Each file is opened in a fresh child
process, which prints its peak resident memory (getrusage, Linux) after importing gan-lessons and after the
refusal, and the time it took. For comparison it also loads the real MNIST training images the same way,
when ../shared/data/mnist has them.
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

CHILD = """
import resource, sys, time
from gan_lessons import checkpoints, data, judge, pretrained
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
kind, path = sys.argv[1], sys.argv[2]
try:
    if kind == "idx":
        data.read_idx(path, 3)
    elif kind == "judge":
        judge.judge_digits(checkpoints.load_tensor(path))
    elif kind == "generator":
        pretrained.load_generator(path)
    elif kind == "resume":
        from gan_lessons.training import Trainer
        Trainer.load(path, data.load_sample(), "cpu").samples()
    else:
        checkpoints.load_safe(path, "checkpoint")
    said = "loaded"
except ValueError as err:
    said = str(err)[:110]
print(before // 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, time.perf_counter() - start, said)
"""
MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist" / "train-images-idx3-ubyte.gz"


def gzip_bomb(path: Path, size: int) -> Path:
    """A gzip of an honest-looking 60,000-digit IDX header, then SIZE zero bytes."""
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write((0x803).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in (60_000, 28, 28)))
        for _ in range(size // 2**24):
            f.write(bytes(2**24))
    return path


def zip_bomb(path: Path, size: int) -> Path:
    """A torch-like zip whose data.pkl unpacks to SIZE bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open("archive/data.pkl", "w", force_zip64=True) as f:
            f.write(b"\x80\x02(")
            for _ in range(size // 2**24):
                f.write(b"}" * 2**24)
    return path


MAKE = """
import contextlib, io, sys
import torch
from gan_lessons.data import load_sample
from gan_lessons.training import TrainConfig, Trainer
case, path = sys.argv[1], sys.argv[2]
if case.startswith("stride0-"):  # digits that repeat one pixel: a few bytes on disk, N x 784 numbers when used
    torch.save(torch.zeros(1, 1, 1, 1, dtype=torch.uint8).expand(int(case[8:]), 1, 28, 28), path)
    sys.exit()
with contextlib.redirect_stdout(io.StringIO()):  # a real checkpoint: one batch of the classic GAN
    trainer = Trainer(load_sample(), TrainConfig(batch_size=64, max_batches=1, epochs=1, seed=0), "cpu")
    trainer.fit(1, progress=False)
state = trainer.state_dict()
if case == "z_dim":
    state["config"]["z_dim"] = 10**12
elif case == "rng":  # a random generator's state of 2^27 bytes that repeat one byte: 1 byte on disk
    state["rng"] = torch.zeros(1, dtype=torch.uint8).expand(2**27)
elif case == "noise":
    state["fixed_noise"] = torch.randn(10_000, 100)  # (10000, 100): 4 MB on disk
torch.save(state, path)
"""


def made(path: Path, case: str) -> Path:
    """The file of CASE at PATH, made in a child process (this one stays small: a child starts at its size)."""
    subprocess.run([sys.executable, "-c", MAKE, case, str(path)], check=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=4.0, help="how much each bomb unpacks to")
    size = int(parser.parse_args().gigabytes * 2**30)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = [
            ("gzip bomb", "idx", gzip_bomb(folder / "bomb-idx3-ubyte.gz", size)),
            ("torch-zip bomb", "checkpoint", zip_bomb(folder / "bomb.pt", size)),
            ("judge: 10^12 digits, stride 0", "judge", made(folder / "s0.pt", f"stride0-{10**12}")),
            ("judge: 320,000 digits, stride 0", "judge", made(folder / "many.pt", "stride0-320000")),
            ("sample: a checkpoint with z_dim 10^12", "generator", made(folder / "z.pt", "z_dim")),
            ("train --resume: fixed_noise of 10,000 rows", "resume", made(folder / "noise.pt", "noise")),
            ("train --resume: a random state of 2^27 bytes, stride 0", "resume", made(folder / "rng.pt", "rng")),
            ("train --resume: a healthy checkpoint, for comparison", "resume", made(folder / "ok.pt", "healthy")),
        ]
        if MNIST.exists():
            files.append(("real MNIST training images", "idx", MNIST))
        print(f"Each bomb unpacks to {size / 2**30:.1f} GB. Peak resident memory of a child process, in MB:")
        for name, kind, path in files:
            child = subprocess.run([sys.executable, "-c", CHILD, kind, str(path)], capture_output=True, text=True,
                                   check=True)  # fmt: skip
            before, peak, seconds, said = child.stdout.split(maxsplit=3)
            print(
                f"- {name} ({path.stat().st_size / 2**20:.3f} MB on disk): {before} MB after the imports, "
                f"{peak} MB at the peak (+{int(peak) - int(before)} MB), {float(seconds):.2f} s; {said.strip()}"
            )


if __name__ == "__main__":
    main()
