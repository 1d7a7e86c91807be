"""The package's checks of arguments and tensors, each rule written once (used by every lesson).

Every other module calls these instead of writing its own test, so a whole number, a seed or a
tensor of digits means the same thing everywhere, and a bad value gets the same kind of message:
what was expected, what was given, and how to fix it. Each check raises ERROR (a ValueError by
default; `training` passes its ConfigError) from inside the package.
"""

from __future__ import annotations

import math
import os
import stat
from numbers import Integral, Real
from pathlib import Path

import torch

from .i18n import N_, tr

MAX_SEED = 2**32 - 1  # NumPy's limit; torch and Python accept these seeds too
MAX_INT = 2**63 - 1  # the largest whole number a torch tensor (int64) holds
MAX_NUMBERS = 2**28  # the most numbers one tensor we are asked for may hold: 1 GB of float32


def _name(value: object) -> str:
    """A short description of VALUE for a message: its repr, cut when it is huge."""
    text = repr(value)
    return (
        text
        if len(text) <= 40
        else tr("{start}...{end} ({count} characters)", start=text[:20], end=text[-8:], count=len(text))
    )


def describe(value: object) -> str:
    """Lesson 00: VALUE in a few words for an error message (its repr, cut when it is huge)."""
    return _name(value)


def _own(name: object, error: object, message: object = None, texts: dict | None = None, flags: dict | None = None,
         **bounds: object) -> None:  # fmt: skip
    """A TypeError when a check itself is called wrongly: NAME, TEXTS text, ERROR an exception class, BOUNDS numbers."""
    for key, value in {"name": name, **(texts or {})}.items():
        if not isinstance(value, str):
            raise TypeError(tr('{key} must be text, such as "seed"; got {value}.', key=key, value=_name(value)))
    if not (isinstance(error, type) and issubclass(error, Exception)):
        raise TypeError(tr("error must be an exception class, such as ValueError; got {value}.", value=_name(error)))
    if message is not None and not isinstance(message, str):
        raise TypeError(tr("message must be text marked with N_, or None; got {value}.", value=_name(message)))
    for key, value in (flags or {}).items():
        if not isinstance(value, bool):
            raise TypeError(tr("{key} must be True or False; got {value}.", key=key, value=_name(value)))
    for key, value in bounds.items():
        if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
            raise TypeError(tr("{key} must be a number; got {value}.", key=key, value=_name(value)))


def is_whole(value: object) -> bool:
    """Lesson 00: True for a whole number (Python's int or a NumPy integer), never for True/False."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    """Lesson 00: True for a finite real number (int, float or NumPy's), never for True/False."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too big for a float
        return False


def whole(value: object, name: str, low: int = 0, high: int = MAX_INT, error: type = ValueError,
          message: str | None = None) -> int:  # fmt: skip
    """Lesson 00: VALUE as an int in [LOW, HIGH], or ERROR saying which whole numbers NAME takes.

    MESSAGE (marked with N_) says it in the caller's own words; its placeholders: {name}, {low}, {high}, {value}.
    """
    _own(name, error, message, low=low, high=high)
    if not is_whole(value) or not low <= value <= high:
        if message is not None:
            raise error(tr(message, name=name, low=low, high=high, value=_name(value)))
        if high == MAX_INT:
            raise error(
                tr("{name} must be a whole number >= {low}, got {value}.", name=name, low=low, value=_name(value))
            )
        raise error(
            tr(
                "{name} must be a whole number >= {low} and <= {high:,}, got {value}.",
                name=name,
                low=low,
                high=high,
                value=_name(value),
            )
        )
    return int(value)


def number(value: object, name: str, low: float = -math.inf, high: float = math.inf, *, above: bool = False,
           below: bool = False, hint: str = "", error: type = ValueError,
           message: str | None = None) -> float:  # fmt: skip
    """Lesson 00: VALUE as a float between LOW and HIGH (ABOVE/BELOW: strictly), or ERROR naming the range.

    MESSAGE (marked with N_) says it in the caller's own words; its placeholders: {name}, {low}, {high}, {value}.
    """
    _own(name, error, message, texts={"hint": hint}, flags={"above": above, "below": below}, low=low, high=high)
    ok = is_number(value) and (value > low if above else value >= low) and (value < high if below else value <= high)
    if not ok:
        if message is not None:
            raise error(tr(message, name=name, low=low, high=high, value=_name(value)))
        raise error(
            tr(
                "{name} must be a number {where}{hint}, got {value}.",
                name=name,
                where=_range(low, high, above, below),
                hint=hint,
                value=_name(value),
            )
        )
    return float(value)


def _range(low: float, high: float, above: bool, below: bool) -> str:
    """The numbers from LOW to HIGH in words, such as "in [0, 1)" or "> 0" (ABOVE/BELOW: strictly)."""
    if high == math.inf:
        return tr("> {low:g}", low=low) if above else tr(">= {low:g}", low=low)
    left, right = ("(" if above else "[") + f"{low:g}", f"{high:g}" + (")" if below else "]")
    return tr("in {left}, {right}", left=left, right=right)


def seed(value: object, name: str = "seed", error: type = ValueError) -> int:
    """Lesson 00: the one rule for seeds everywhere: a whole number from 0 to 4,294,967,295."""
    _own(name, error)
    if not is_whole(value) or not 0 <= value <= MAX_SEED:
        if name == "seed":
            raise error(
                tr(
                    "A seed is a whole number from 0 to {most:,}; got {value}. Try 0, 1, 2 ...",
                    most=MAX_SEED,
                    value=_name(value),
                )
            )
        raise error(
            tr(
                "A seed is a whole number from 0 to {most:,}; got {value} ({name}). Try 0, 1, 2 ...",
                most=MAX_SEED,
                value=_name(value),
                name=name,
            )
        )
    return int(value)


def one_of(value: object, name: str, choices, error: type = ValueError):
    """Lesson 00: VALUE when it is one of CHOICES, or ERROR listing them."""
    _own(name, error)
    if not isinstance(choices, (list, tuple, set, frozenset, dict)) or not all(isinstance(c, str) for c in choices):
        raise TypeError(tr("choices must be a list of texts, such as [\"classic\", \"dcgan\"]; got {value}.",
                           value=_name(choices)))  # fmt: skip
    if not isinstance(value, str) or value not in choices:
        raise error(
            tr("{name} must be one of {choices}, got {value}.", name=name, choices=sorted(choices), value=_name(value))
        )
    return value


def kind(value: object, name: str, expected: type | tuple, example: str, error: type = ValueError):
    """Lesson 00: VALUE when it is an EXPECTED object, or ERROR naming what to pass instead (EXAMPLE)."""
    _own(name, error, texts={"example": example})
    kinds = expected if isinstance(expected, tuple) else (expected,)
    if not kinds or not all(isinstance(k, type) for k in kinds):
        raise TypeError(tr("expected must be a class or a tuple of classes, such as torch.Tensor; got {value}.",
                           value=_name(expected)))  # fmt: skip
    if not isinstance(value, expected):
        raise error(tr("{name} must be {example}; got {kind}.", name=name, example=example, kind=type(value).__name__))
    return value


def device(value: object, name: str = "device", error: type = ValueError) -> torch.device:
    """Lesson 05: VALUE as a torch.device this computer has ("cpu", "cuda", "mps"), or ERROR naming those it has."""
    _own(name, error)
    have = ["cpu"] + ["cuda"] * torch.cuda.is_available() + ["mps"] * torch.backends.mps.is_available()
    try:
        found = torch.device(value) if isinstance(value, (str, torch.device)) else None
    except (RuntimeError, ValueError):  # "tpu", "gpu", "" ...
        found = None
    if found is None or found.type not in have:
        raise error(tr("{name} must be a device this computer has: {have}; got {value}.", name=name,
                       have=", ".join(repr(h) for h in have), value=_name(value)))  # fmt: skip
    return found


def tensor(value: object, name: str, shape: str, dtype: torch.dtype | None = torch.float32, length: int | None = None,
           error: type = ValueError) -> torch.Tensor:  # fmt: skip
    """Lesson 05: VALUE when it is a DTYPE tensor with as many dimensions as SHAPE names (such as "(B, z_dim)").

    LENGTH, when given, is the size its first dimension must have (a batch's B); DTYPE None takes any
    kind of number. Anything else is refused with ERROR naming the shape and kind wanted. Cheap: it
    looks only at the shape and the kind, never at the numbers (no wait for a GPU).
    """
    _own(name, error, texts={"shape": shape})
    if dtype is not None and not isinstance(dtype, torch.dtype):
        raise TypeError(tr("dtype must be a torch.dtype, such as torch.float32, or None; got {value}.",
                           value=_name(dtype)))  # fmt: skip
    if length is not None and not is_whole(length):
        raise TypeError(tr("length must be a whole number or None; got {value}.", value=_name(length)))
    dims = len([part for part in shape.strip("()").split(",") if part.strip()])  # "(B,)": 1, "(B, z_dim)": 2
    ok = (isinstance(value, torch.Tensor) and value.dim() == dims and (dtype is None or value.dtype == dtype)
          and (length is None or (dims > 0 and len(value) == length)))  # fmt: skip
    if not ok:
        got = (tr("a tensor of shape {shape} ({dtype})", dtype=str(value.dtype).removeprefix("torch."),
                  shape=tuple(value.shape)) if isinstance(value, torch.Tensor) else type(value).__name__)  # fmt: skip
        kind = tr("any numbers") if dtype is None else str(dtype).removeprefix("torch.")
        if length is None:
            raise error(tr("{name} must be a tensor of shape {shape} ({kind}); got {got}.", name=name, kind=kind,
                           shape=shape, got=got))  # fmt: skip
        raise error(tr("{name} must be a tensor of shape {shape} ({kind}) with {length} rows, one per picture of the "
                       "batch; got {got}.", name=name, kind=kind, shape=shape, length=length, got=got))  # fmt: skip
    return value


def trainer(value: object, needs: tuple = ("config",), error: type = TypeError) -> object:
    """Lesson 05: VALUE when it is a Trainer (it has each attribute of NEEDS), or ERROR saying what to pass.

    Read by its attributes, so that the layers below the engine (which may not import it) check it too.
    """
    _own("trainer", error)
    if not (isinstance(needs, tuple) and all(isinstance(n, str) for n in needs)):
        raise TypeError(tr('needs must be a tuple of attribute names, such as ("config",); got {value}.',
                           value=_name(needs)))  # fmt: skip
    if isinstance(value, type) or not all(hasattr(value, n) for n in needs):
        raise error(tr("trainer must be a Trainer from gan_lessons.training, such as Trainer(sample, "
                       "TrainConfig()); got {kind}.", kind=type(value).__name__))  # fmt: skip
    return value


def _tensor_name(x: object) -> str:
    return tr("a {dtype} tensor", dtype=x.dtype) if isinstance(x, torch.Tensor) else type(x).__name__


_KINDS = {  # (floats, pixels): the digits `digits` takes, in words
    (True, True): N_("float32 numbers in [-1, 1] or uint8 pixels 0..255"),
    (True, False): N_("float32 numbers in [-1, 1]"),
    (False, True): N_("uint8 pixels 0..255"),
}


def digits(images: object, what: str = N_("Expected"), pixels: bool = True, floats: bool = True, finite: bool = True,
           one: bool = False, size: tuple[int, int] | None = (28, 28)) -> torch.Tensor:  # fmt: skip
    """Lesson 01: grey 28x28 digits as (N, 1, 28, 28): uint8 pixels 0..255 (PIXELS) or float32 in [-1, 1] (FLOATS).

    (N, 28, 28) gets its channel added; FINITE=False lets NaN and inf through (a blown-up generator
    draws them, and a picture should show it); ONE asks for a single digit, (28, 28) or (1, 28, 28);
    SIZE=None takes pictures of any height and width. Anything else, float64 and float16 included,
    is refused with a ValueError that says what to pass.
    """
    _own("digits", ValueError, texts={"what": what}, flags={"pixels": pixels, "floats": floats, "finite": finite,
                                                            "one": one})  # fmt: skip
    if size is not None and not (isinstance(size, tuple) and len(size) == 2 and all(is_whole(n) for n in size)):
        raise TypeError(tr("size must be (height, width), such as (28, 28), or None; got {value}.", value=_name(size)))
    what = tr(what)  # a caller's own words come translated already, and stay as they are
    ok_types = (torch.float32,) * floats + (torch.uint8,) * pixels
    if not isinstance(images, torch.Tensor) or images.dtype not in ok_types:
        fix = tr(" (use .float() for other floats)") if floats else tr(" (use gan_lessons.data.to_pixels for floats)")
        raise ValueError(
            tr(
                "{what} digits as a tensor of {kinds}; got {got}{fix}.",
                what=what,
                kinds=tr(_KINDS.get((floats, pixels), "")),
                got=_tensor_name(images),
                fix=fix,
            )
        )
    if images.layout != torch.strided or images.is_meta:  # sparse or "meta" (shape only): no pixels to read
        raise ValueError(tr("{what} digits as a plain tensor of numbers; got a {layout} tensor. Use x.to_dense(), "
                            "or make the digits on the CPU.", what=what,
                            layout="meta" if images.is_meta else str(images.layout)))  # fmt: skip
    shape, h, w = tuple(images.shape), *(size or ("H", "W"))
    fits = size is None or (images.dim() >= 2 and shape[-2:] == size)
    if one:
        if fits and images.dim() in (2, 3) and (images.dim() == 2 or shape[0] == 1):
            return images.reshape(1, 1, *shape[-2:])  # (1, 1, 28, 28)
        raise ValueError(
            tr(
                "{what} one grey digit of shape ({h}, {w}) or (1, {h}, {w}); got {shape}.",
                what=what,
                h=h,
                w=w,
                shape=shape,
            )
        )
    if images.dim() == 3:
        images = images.unsqueeze(1)  # (N, 28, 28) -> (N, 1, 28, 28)
    if not fits or images.dim() != 4 or images.shape[1] != 1 or len(images) == 0:
        raise ValueError(
            tr(
                "{what} grey {h}x{w} digits, (N, {h}, {w}) or (N, 1, {h}, {w}) with N >= 1; got {shape}.",
                what=what,
                h=h,
                w=w,
                shape=shape,
            )
        )
    if finite and images.is_floating_point():
        if not bool(torch.isfinite(images).all()) or float(images.abs().max()) > 1 + 1e-4:
            raise ValueError(
                tr(
                    "{what} float digits in [-1, 1], as a generator draws them; these go beyond it or "
                    "hold NaN. For pixels 0..255 use gan_lessons.data.to_model_range(pixels).",
                    what=what,
                )
            )
    return images


def _what_is(path: Path) -> str | None:
    """None when PATH is missing or a regular file; else what it is, in words ("a device", "a folder" ...)."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # nothing there yet (a file in the way is found later)
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return tr("a link (to {target})", target=os.readlink(path))
    if stat.S_ISDIR(mode):
        return tr("a folder")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return tr("a device")
    return tr("a pipe or socket") if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) else tr("not a regular file")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet: compare where they would be
        return os.path.realpath(a) == os.path.realpath(b)


def output_file(path: object, flag: str, suffix: str | None = None, not_same_as=(), error: type = ValueError) -> Path:
    """Lesson 05: PATH as a Path we may write a file to, or ERROR saying why not, before any work is done.

    We replace only a regular file: never a folder, a device, a link or a pipe, and never a file
    the same command reads (each of NOT_SAME_AS, pairs of (path, what it is)).
    """
    _own(flag, error)
    if suffix is not None and not (isinstance(suffix, str) and suffix.startswith(".")):
        raise TypeError(tr('suffix must be a file ending such as ".png", or None; got {value}.', value=_name(suffix)))
    pairs = isinstance(not_same_as, (list, tuple)) and all(
        isinstance(p, (list, tuple)) and len(p) == 2 and (p[0] is None or isinstance(p[0], (str, os.PathLike)))
        and isinstance(p[1], str) for p in not_same_as)  # fmt: skip
    if not pairs:
        raise TypeError(tr("not_same_as must be a list of (path, what it is) pairs; got {value}.",
                           value=_name(not_same_as)))  # fmt: skip
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise error(tr("{flag} needs a file name, such as {example}; got {value}.", flag=flag,
                       example="digits" + (suffix or ".pt"), value=_name(path)))  # fmt: skip
    text, path = str(path), Path(path)
    if suffix is not None and path.suffix.lower() != suffix:
        raise error(tr("{flag} {path} must end in {suffix} (a {kind} picture); got {got}. Try {better}.", flag=flag,
                       path=text, suffix=suffix, kind=suffix[1:].upper(), got=path.suffix or tr("no suffix"),
                       better=path.with_suffix(suffix).name))  # fmt: skip
    what = _what_is(path)
    if what == tr("a folder") or text.endswith(("/", os.sep)):
        inside = path / ("digits" + (suffix or ".pt"))
        raise error(tr("{flag} {path} is a folder; give a file inside it, such as {inside}.", flag=flag, path=text,
                       inside=inside))  # fmt: skip
    if what is not None:
        raise error(tr("{flag} {path} is {what}, not a regular file; gan-lessons replaces only regular files. "
                       "Give another file name.", flag=flag, path=text, what=what))  # fmt: skip
    for other, name in not_same_as:
        if other is not None and _same_file(path, Path(other)):
            raise error(tr("{flag} {path} is {name}: writing it would destroy it. Give another file name.", flag=flag,
                           path=text, name=name))  # fmt: skip
    return path
