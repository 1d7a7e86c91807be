"""Peak memory while gan-lessons refuses two hostile files: a gzip bomb and a torch-zip bomb (issue #13).

    python benchmarks/hostile_files.py [--gigabytes 4]

Each bomb unpacks to GIGABYTES of data. Each is opened in a fresh child process, which prints its peak
resident memory (getrusage, Linux) after importing gan-lessons and after the refusal, and the time it took.
For comparison it also loads the real MNIST training images the same way, when ../shared/data/mnist has them.
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
from gan_lessons import checkpoints, data
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    data.read_idx(sys.argv[1], 3) if "idx" in sys.argv[1] else checkpoints.load_safe(sys.argv[1], "checkpoint")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=4.0, help="how much each bomb unpacks to")
    size = int(parser.parse_args().gigabytes * 2**30)
    with tempfile.TemporaryDirectory() as tmp:
        files = [("gzip bomb", gzip_bomb(Path(tmp) / "bomb-idx3-ubyte.gz", size)),
                 ("torch-zip bomb", zip_bomb(Path(tmp) / "bomb.pt", size))]  # fmt: skip
        if MNIST.exists():
            files.append(("real MNIST training images", MNIST))
        print(f"Each bomb unpacks to {size / 2**30:.1f} GB. Peak resident memory of a child process, in MB:")
        for name, path in files:
            child = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True)
            before, peak, seconds, said = child.stdout.split(maxsplit=3)
            print(f"- {name} ({path.stat().st_size / 2**20:.1f} MB on disk): {before} MB after the imports, "
                  f"{peak} MB at the peak (+{int(peak) - int(before)} MB), {float(seconds):.2f} s; {said.strip()}")


if __name__ == "__main__":
    main()
