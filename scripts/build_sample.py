"""Build the embedded MNIST sample shipped in gan_lessons/assets/.

Takes the first 600 digits of each class from MNIST's training set and writes them,
in a seeded shuffled order, as two gzipped IDX files (the format MNIST itself uses).

    python scripts/build_sample.py ../shared/data/mnist
"""

import argparse
import gzip
from pathlib import Path

import torch

from gan_lessons.data import SAMPLE_DIR, SAMPLE_PREFIX, read_mnist_folder

PER_CLASS = 600


def idx_bytes(t: torch.Tensor) -> bytes:
    """Encode a uint8 tensor as an IDX file (header, then the raw bytes)."""
    magic = 0x00000800 + t.dim()
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in t.shape)
    return header + t.contiguous().numpy().tobytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="folder with the full MNIST files")
    args = parser.parse_args()
    data = read_mnist_folder(args.folder, train=True)
    picks = torch.cat([torch.nonzero(data.labels == d).flatten()[:PER_CLASS] for d in range(10)])
    picks = picks[torch.randperm(len(picks), generator=torch.Generator().manual_seed(0))]
    for kind, t in (("images-idx3", data.images[picks]), ("labels-idx1", data.labels[picks].byte())):
        path = Path(SAMPLE_DIR) / f"{SAMPLE_PREFIX}-{kind}-ubyte.gz"
        path.write_bytes(gzip.compress(idx_bytes(t), compresslevel=9, mtime=0))
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
