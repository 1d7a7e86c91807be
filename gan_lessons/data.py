"""MNIST digits as tensors, from wherever they can be found (lesson 01).

Where the digits come from, in this order:

1. a folder you pass in,
2. the folder named by the environment variable ``GAN_LESSONS_DATA``,
3. ``./data`` (the folder torchvision downloads into),
4. torchvision's download, where there is internet,
5. a sample of 6,000 real MNIST digits that ships inside this package.

MNIST is by Yann LeCun, Corinna Cortes and Christopher J. C. Burges (CC BY-SA 3.0).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from . import validate as check
from .i18n import N_, tr

ENV_DATA = "GAN_LESSONS_DATA"
ENV_OFFLINE = "GAN_LESSONS_OFFLINE"
SAMPLE_DIR = Path(__file__).parent / "assets"
SAMPLE_PREFIX = "sample"

# md5 of the *uncompressed* bytes of each official file, and its size in bytes.
MNIST_FILES = {
    "train-images-idx3-ubyte": ("6bbc9ace898e44ae57da46a324031adb", 47040016),
    "train-labels-idx1-ubyte": ("a25bea736e30d166cdddb491f175f624", 60008),
    "t10k-images-idx3-ubyte": ("2646ac647ad5339dbf082846283269ea", 7840016),
    "t10k-labels-idx1-ubyte": ("27ae3e4e09519cfbb04c329615203637", 10008),
}
_IDX_MAGIC = {3: 0x00000803, 1: 0x00000801}  # images have 3 dims, labels 1
MAX_ITEMS = 60_000  # MNIST's training set, its largest file: we never read more digits than that
_HOW_TO_FIX = N_(
    "Delete the file and download MNIST again (torchvision.datasets.MNIST(..., download=True)), "
    "or point GAN_LESSONS_DATA at a folder with the four good files."
)


def _how_to_fix() -> str:
    """What to do about a damaged or wrong MNIST file, in the chosen language."""
    return tr(_HOW_TO_FIX)


def env_flag(name: str) -> bool:
    """Lesson 00: True when environment variable NAME is set to something other than "", 0, false, no or off."""
    check.kind(name, "env_flag: name", str, tr("the name of an environment variable, such as GAN_LESSONS_FAST"),
               error=TypeError)  # fmt: skip
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


class DataError(ValueError):
    """A data folder or file is missing, truncated or corrupt (lesson 01)."""


@dataclass
class MnistData:
    """Digits as uint8 pixels with their labels, and where they came from (lesson 01)."""

    images: torch.Tensor  # (N, 28, 28) uint8, 0 = black, 255 = white
    labels: torch.Tensor  # (N,) int64, the digit 0..9
    source: str

    def __len__(self) -> int:
        return len(self.images)

    def describe(self) -> str:
        """Lesson 01: one line saying which data this is and how many images it holds."""
        return tr("MNIST: {count:,} images from {source}", count=len(self), source=self.source)


def read_idx(path: str | Path, ndim: int, check_md5: bool = True) -> torch.Tensor:
    """Lesson 01: read one IDX file (gzipped or not) into a uint8 tensor, with checks.

    Only what the header promises is read (at most MNIST's 60,000 digits), so a damaged or hostile
    file, such as a gzip that unpacks to gigabytes of zeros, is refused without filling the memory.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(tr("read_idx: path must be a file name, such as data/train-images-idx3-ubyte.gz; got {kind}.",
                           kind=type(path).__name__))  # fmt: skip
    if not check.is_whole(ndim) or ndim not in _IDX_MAGIC:
        raise ValueError(tr("read_idx: ndim must be 3 (a file of images) or 1 (a file of labels); got {value!r}.",
                            value=ndim))  # fmt: skip
    path = Path(path)
    header_size = 4 + 4 * ndim
    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb") as f:
            try:
                header = f.read(header_size)
                count = _check_idx_header(path, header, ndim)
                expected = count * (784 if ndim == 3 else 1)  # bytes after the header
                if path.suffix != ".gz":
                    _check_length(path, os.fstat(f.fileno()).st_size - header_size, expected, header_size)
                body = bytearray(expected + 1)  # one byte more, to find a file longer than its header says
                got = _read_into(f, body)
                _check_length(path, got, expected, header_size)
            except DataError:
                _drain(f)  # a damaged gzip may say so further on: that says more than a wrong header
                raise
    except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
        why = f"{type(err).__name__}: {err}".rstrip(": ")
        raise DataError(tr("Cannot read {path}: it is not a whole, undamaged file ({why}). The file is damaged. {fix}",
                           path=path, why=why, fix=_how_to_fix())) from err  # fmt: skip
    name = path.name.removesuffix(".gz")
    if check_md5 and name in MNIST_FILES:
        digest = hashlib.md5(header)
        digest.update(memoryview(body)[:expected])
        if digest.hexdigest() != MNIST_FILES[name][0]:
            raise DataError(tr("{path} is not the official MNIST file (its checksum differs). {fix}", path=path,
                               fix=_how_to_fix()))  # fmt: skip
    shape = (count, 28, 28) if ndim == 3 else (count,)
    return torch.frombuffer(body, dtype=torch.uint8, count=expected).reshape(shape)  # no copy


def _read_into(f, body: bytearray) -> int:
    """Fill BODY from F a megabyte at a time (one big read would hold the bytes twice); return how many came."""
    view, got = memoryview(body), 0
    while got < len(body):
        n = f.readinto(view[got : got + 2**20])
        if not n:
            break
        got += n
    return got


def _drain(f) -> None:
    """Read on through F, a piece at a time and at most as far as MNIST's largest file, so gzip checks it."""
    for _ in range(MAX_ITEMS * 784 // 2**20 + 1):
        if not f.read(2**20):
            return


def _check_length(path: Path, got: int, expected: int, header_size: int) -> None:
    """Raise a DataError unless the GOT bytes after the header are the EXPECTED ones."""
    if got < expected:
        raise DataError(tr("{path} is truncated or damaged: {size:,} bytes, expected {expected:,}. {fix}", path=path,
                           size=header_size + got, expected=header_size + expected, fix=_how_to_fix()))  # fmt: skip
    if got > expected:
        raise DataError(tr("{path} holds more than the {expected:,} bytes its header promises: it is damaged, or not "
                           "MNIST. It was not read further. {fix}", path=path, expected=header_size + expected,
                           fix=_how_to_fix()))  # fmt: skip


def _check_idx_header(path: Path, header: bytes, ndim: int) -> int:
    """Check an IDX header; return the number of items it promises (at most MAX_ITEMS)."""
    if len(header) < 4 + 4 * ndim or int.from_bytes(header[:4], "big") != _IDX_MAGIC[ndim]:
        raise DataError(tr("{path} is not an MNIST IDX file (wrong header). {fix}", path=path, fix=_how_to_fix()))
    dims = [int.from_bytes(header[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    if ndim == 3 and dims[1:] != [28, 28]:
        raise DataError(tr("{path} holds {height}x{width} images; MNIST images are 28x28. {fix}", path=path,
                           height=dims[1], width=dims[2], fix=_how_to_fix()))  # fmt: skip
    if dims[0] > MAX_ITEMS:
        raise DataError(tr("{path} says it holds {count:,} digits; MNIST's largest file holds {most:,}. It was not "
                           "read. {fix}", path=path, count=dims[0], most=MAX_ITEMS, fix=_how_to_fix()))  # fmt: skip
    return dims[0]


def _folder(folder: object, train: object = True) -> Path:
    """FOLDER as a Path and TRAIN as True or False, or a TypeError saying what to pass."""
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(tr("Expected a folder name, such as data; got {kind}.", kind=type(folder).__name__))
    check.kind(train, "train", bool, tr("True or False"), error=TypeError)
    return Path(folder)


def _find_file(folder: Path, name: str) -> Path | None:
    """Look for NAME or NAME.gz in FOLDER or in torchvision's FOLDER/MNIST/raw."""
    for place in (folder, folder / "MNIST" / "raw"):
        for candidate in (place / name, place / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def has_mnist(folder: str | Path, train: bool = True) -> bool:
    """Lesson 01: True when FOLDER holds the images and labels of this split."""
    folder = _folder(folder, train)
    return all(_find_file(folder, n) for n in _split_names(train))


def _split_names(train: bool) -> tuple[str, str]:
    prefix = "train" if train else "t10k"
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def read_mnist_folder(folder: str | Path, train: bool = True) -> MnistData:
    """Lesson 01: read MNIST's images and labels from a folder, checking every file."""
    folder = _folder(folder, train)
    if not folder.is_dir():
        raise DataError(tr("There is no folder {folder}. Check its name, or leave it out to use the built-in sample.",
                           folder=folder))  # fmt: skip
    split = tr("training") if train else tr("test")
    found = []
    for name in _split_names(train):
        path = _find_file(folder, name)
        if path is None:
            raise DataError(tr("{folder} has no {name} (or {name}.gz), needed for MNIST's {split} set. Put the four "
                               "MNIST files there, or leave the folder out to use the built-in sample.", folder=folder,
                               name=name, split=split))  # fmt: skip
        found.append(path)
    images, labels = read_idx(found[0], 3), read_idx(found[1], 1)
    if len(images) != len(labels):
        raise DataError(
            tr(
                "{images_file} has {images} images but {labels_file} has {labels} labels.",
                images_file=found[0],
                images=len(images),
                labels_file=found[1],
                labels=len(labels),
            )
        )
    return MnistData(images, labels.long(), tr("{folder} ({split} set)", folder=folder, split=split))


def load_sample() -> MnistData:
    """Lesson 01: the 6,000 real MNIST digits (600 of each) that ship with the package."""
    images = read_idx(SAMPLE_DIR / f"{SAMPLE_PREFIX}-images-idx3-ubyte.gz", 3)
    labels = read_idx(SAMPLE_DIR / f"{SAMPLE_PREFIX}-labels-idx1-ubyte.gz", 1)
    return MnistData(images, labels.long(), tr("the built-in sample (no full MNIST found)"))


def _download(root: Path, train: bool) -> MnistData | None:
    """Try torchvision's download into ROOT; None when there is no internet."""
    from torchvision.datasets import MNIST  # only needed here

    made = [p for p in (root, root / "MNIST", root / "MNIST" / "raw") if not os.path.lexists(p)]  # ours to remove
    try:
        MNIST(str(root), train=train, download=True)
    except Exception:  # no internet, a proxy, a server down: fall back quietly
        for folder in reversed(made):  # the folders this download made, innermost first, when still empty
            try:
                folder.rmdir()
            except OSError:  # not empty (a part of a file came), or gone: leave it
                break
        return None
    return read_mnist_folder(root / "MNIST" / "raw", train)


def load_mnist(
    folder: str | Path | None = None, train: bool = True, download: bool = True, quiet: bool = False
) -> MnistData:
    """Lesson 01: load MNIST from the first place that has it (see this module's docstring)."""
    if folder is not None:
        _folder(folder, train)
    for flag, name in ((train, "train"), (download, "download"), (quiet, "quiet")):
        check.kind(flag, name, bool, tr("True or False"), error=TypeError)
    if folder is None and os.environ.get(ENV_DATA):
        folder = os.environ[ENV_DATA]
    if folder is not None:
        data = read_mnist_folder(folder, train)
    elif has_mnist("data", train):
        data = read_mnist_folder("data", train)
    else:
        online = download and not env_flag(ENV_OFFLINE)
        data = (_download(Path("data"), train) if online else None) or load_sample()
    if not quiet:
        print(data.describe())
    return data


def to_model_range(images: torch.Tensor) -> torch.Tensor:
    """Lesson 01: uint8 pixels 0..255 to floats in [-1, 1], as ToTensor + Normalize(0.5, 0.5)."""
    if isinstance(images, torch.Tensor) and images.dim() == 2:  # one digit (28, 28)
        images = images.unsqueeze(0)
    images = check.digits(images, tr("to_model_range expects"), floats=False)  # (N, 1, 28, 28) uint8
    x = images.float().div(255)  # ToTensor: [0, 1]
    return (x - 0.5) / 0.5  # Normalize((0.5,), (0.5,)): [-1, 1], (N, 1, 28, 28)


def to_pixels(x: torch.Tensor) -> torch.Tensor:
    """Lesson 01: floats in [-1, 1] back to uint8 pixels 0..255 (NaN becomes 0)."""
    if (
        not isinstance(x, torch.Tensor)
        or not (x.is_floating_point() or x.dtype == torch.uint8)
        or x.layout != torch.strided
        or x.is_meta
    ):
        raise TypeError(tr("to_pixels expects a tensor of float numbers in [-1, 1], as a generator draws them; got "
                           "{got}.", got=check._tensor_name(x)))  # fmt: skip
    if x.dtype == torch.uint8:
        return x.detach().cpu()  # already pixels
    x = torch.nan_to_num(x.detach().float().cpu(), nan=-1.0)
    return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def shuffled_batches(
    images: torch.Tensor, batch_size: int, order: torch.Tensor, start: int = 0
) -> Iterator[torch.Tensor]:
    """Lesson 01: the fast path: slice batches from one tensor in a random ORDER."""
    for i in range(start * batch_size, len(order), batch_size):
        yield images[order[i : i + batch_size]]  # (B, 1, 28, 28)


class PilMnist(torch.utils.data.Dataset):
    """Lesson 01: the reference's dataset: each digit becomes a PIL image, then a tensor."""

    def __init__(self, data: MnistData):
        check.kind(data, "data", MnistData, tr("MnistData, from load_mnist()"), error=TypeError)
        from torchvision import transforms

        self.data = data
        self.transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        from PIL import Image

        img = Image.fromarray(self.data.images[i].numpy())  # a grey 28x28 picture, as in torchvision
        return self.transform(img), int(self.data.labels[i])  # (1, 28, 28), label


def reference_loader(data: MnistData, batch_size: int = 128, seed: int = 0) -> torch.utils.data.DataLoader:
    """Lesson 01: the reference program's DataLoader (shuffled batches of 128)."""
    check.kind(data, "data", MnistData, tr("MnistData, from load_mnist()"), error=TypeError)
    batch_size, seed = check.whole(batch_size, "batch_size", 1, MAX_ITEMS), check.seed(seed)
    g = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(PilMnist(data), batch_size=batch_size, shuffle=True, generator=g)


def subset(data: MnistData, n: int) -> MnistData:
    """Lesson 01: the first N digits (fast mode uses a few hundred)."""
    check.kind(data, "subset: data", MnistData, tr("MnistData, from load_mnist()"), error=TypeError)
    n = check.whole(n, tr("subset: n, how many digits to keep,"), 1)
    return MnistData(
        data.images[:n], data.labels[:n], tr("{source}, first {count}", source=data.source, count=min(n, len(data)))
    )
