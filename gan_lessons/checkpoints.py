"""Saving and loading training state safely: atomic writes, no code in files (lesson 05)."""

from __future__ import annotations

import glob
import io
import os
import pickle
import pickletools
import stat
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch

from . import validate as check
from .i18n import N_, tr

FORMAT = "gan-lessons"  # every file we write says this, so we can tell ours from others
KIND_NAMES = {"generator": N_("generator"), "checkpoint": N_("checkpoint")}  # the kinds of file we write, in words


class CheckpointError(ValueError):
    """A checkpoint file is missing, damaged, unsafe, of the wrong kind or cannot be written (lesson 05)."""


MAX_FILE = 256 * 2**20  # the most bytes a file we open may hold or unpack to (ours are at most ~60 MB)
MAX_PICKLE = 32 * 2**20  # the most bytes of its pickle (a year-long run's losses take ~10 MB)
MAX_OPS = 2_000_000  # the most steps in that pickle: each builds at most one small Python object
MAX_NUMBERS = 2**28  # the most numbers all the tensors of one file may hold: a tensor that repeats one number
# (stride 0) is stored small and grows to its full size in the first sum, so elements are counted, not bytes


def save_atomic(obj: Any, path: str | Path) -> Path:
    """Lesson 05: write OBJ with torch.save so that PATH is never half-written."""
    return write_atomic(lambda f: torch.save(obj, f), path)


def write_text_atomic(text: str, path: str | Path) -> Path:
    """Lesson 05: write TEXT to PATH so that it is never half-written (a CSV of losses, say)."""
    check.kind(text, "text", str, tr("the text to write"), error=TypeError)
    return write_atomic(lambda f: f.write(text.encode()), path)


TEMP_MARK = ".gan-lessons-part-"  # in the names of our temporary files only: .NAME.gan-lessons-part-PID-XXXX.tmp


def write_atomic(write, path: str | Path) -> Path:
    """Lesson 05: call WRITE on a temporary file beside PATH, then rename it over PATH (old or new, never a mix).

    The new file keeps the mode of the file it replaces (a new one: 0666 less the umask), and a link,
    a folder or a device at PATH is never written through: the rename replaces only a regular file.
    """
    path = check.output_file(path, tr("The file to write,"), error=CheckpointError)  # only a regular file is replaced
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = _mode_for(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{TEMP_MARK}{os.getpid()}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:  # mkstemp makes a new file (O_EXCL): never a link or a file already there
            write(f)
            f.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        check.output_file(path, tr("The file to write,"), error=CheckpointError)  # still no link or folder there
        os.replace(tmp, path)  # atomic: readers see the old file or the new one, never a mix
    except BaseException as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):  # a full disk, a read-only folder, a file where a folder should be
            raise CheckpointError(tr("Could not write {path} ({why}). Free some disk space or choose another folder; "
                                     "the previous {name}, if there was one, is unchanged.", path=path,
                                     why=err.strerror or err, name=path.name)) from err  # fmt: skip
        raise
    return path


def _mode_for(path: Path) -> int:
    """The permissions a file written at PATH gets: those of the file it replaces, else 0666 less the umask."""
    try:
        return os.lstat(path).st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """This process's umask (read without changing it where the system tells it)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, and put it back at once
    os.umask(mask)
    return mask


def stale_parts(path: str | Path) -> list[Path]:
    """Lesson 05: half-written copies of PATH left by a gan-lessons run that was killed while saving it.

    Only files this program makes count: regular files of this user named .NAME.gan-lessons-part-PID-*.tmp
    whose process PID has ended. A user's own file named otherwise is never touched.
    """
    path = Path(
        check.kind(
            path, "stale_parts: path", (str, os.PathLike), tr("a file name, such as run/checkpoint.pt"), error=TypeError
        )
    )
    found = []
    for part in path.parent.glob(f".{glob.escape(path.name)}{TEMP_MARK}*-*.tmp"):
        pid = part.name[len(path.name) + 1 + len(TEMP_MARK) :].split("-", 1)[0]
        try:
            info = os.lstat(part)
        except OSError:
            continue
        mine = stat.S_ISREG(info.st_mode) and (not hasattr(os, "getuid") or info.st_uid == os.getuid())
        if mine and pid.isdigit() and not _alive(int(pid)):
            found.append(part)
    return sorted(found)


def _alive(pid: int) -> bool:
    """True when process PID is running now (ours included)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # another user's process, or a number we cannot ask about: leave its file alone
    return True


def load_safe(path: str | Path, *kinds: str) -> dict[str, Any]:
    """Lesson 05: read a file we wrote, refusing anything that could run code."""
    path = _path(path)
    obj = _load(path, tr("a checkpoint file"))
    wanted = tr(" or ").join(tr(KIND_NAMES.get(k, k)) for k in kinds)  # "generator or checkpoint"
    if isinstance(obj, dict) and obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(tr("{path} holds bare weights (a state_dict), not a gan-lessons {wanted} file. "
                                 "Save generators with gan_lessons.pretrained.save_generator.", path=path,
                                 wanted=wanted))  # fmt: skip
    if not isinstance(obj, dict) or obj.get("format") != FORMAT or obj.get("kind") not in kinds:
        raise CheckpointError(tr("{path} is not a gan-lessons {wanted} file. Pass a file that gan-lessons wrote.",
                                 path=path, wanted=wanted))  # fmt: skip
    return obj


def load_tensor(path: str | Path, what: str = N_("a file of digits from `gan-lessons sample`")) -> torch.Tensor:
    """Lesson 08: read a file that holds one tensor (digits from `gan-lessons sample`), as safely as load_safe."""
    path = _path(path)
    check.kind(what, "what", str, tr("words saying what the file should be"), error=TypeError)
    obj = _load(path, tr(what))  # a caller's own words come translated already, and stay as they are
    if not isinstance(obj, torch.Tensor):
        raise CheckpointError(tr("{path} holds a {kind}, not a tensor of digits (N, 1, 28, 28).", path=path,
                                 kind=type(obj).__name__))  # fmt: skip
    return obj


def _path(path: object) -> Path:
    """PATH as a Path, or a TypeError saying that a file name was expected."""
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise TypeError(tr("Expected a file name, such as runs/classic/checkpoint.pt; got {value!r}.", value=path))
    return Path(path)


def _load(path: Path, what: str) -> Any:
    """torch.load PATH with weights only, after checking that it is small enough to open (WHAT it should be)."""
    if path.is_dir():
        raise CheckpointError(tr("{path} is a folder. Pass the file inside it, such as {inside}.", path=path,
                                 inside=path / "checkpoint.pt"))  # fmt: skip
    if not path.exists():
        raise CheckpointError(tr("No file at {path}. Check the path, or train first to create it.", path=path))
    if not path.is_file():  # a pipe, a socket or a device: reading it could wait forever or never end
        raise CheckpointError(tr("{path} is not a regular file (a pipe, a socket or a device); gan-lessons reads "
                                 "only files. Pass {what}.", path=path, what=what))  # fmt: skip
    damaged = tr("{path} is not {what}, or it is damaged or incomplete (a save or download that did not finish?). "
                 "Train again, or download it again.", path=path, what=what)  # fmt: skip
    try:
        _check_bounds(path, damaged)
        with warnings.catch_warnings():  # torch warns about odd pickles; the message below says more
            warnings.simplefilter("ignore", UserWarning)
            obj = torch.load(path, map_location="cpu", weights_only=True)
        _check_tensors(obj, path)
        return obj
    except CheckpointError:
        raise
    except Exception as err:  # torch raises many kinds: UnpicklingError, RuntimeError, EOFError, KeyError ...
        if isinstance(err, pickle.UnpicklingError) and ("GLOBAL" in str(err) or _names_code(path)):
            raise _refused(path) from err
        raise CheckpointError(f"{damaged} ({type(err).__name__})") from err


def _check_tensors(obj: Any, path: Path) -> None:
    """Refuse OBJ (read from PATH) when its tensors are not plain ones or hold more than MAX_NUMBERS numbers."""
    stack, total = [obj], 0
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, torch.Tensor):
            if item.layout != torch.strided or item.is_meta or item.is_quantized:
                raise CheckpointError(
                    tr(
                        "{path} holds a {layout} tensor; gan-lessons files hold only plain tensors "
                        "of numbers. Save a plain one (x.to_dense(), or make it on the CPU).",
                        path=path,
                        layout="meta" if item.is_meta else str(item.layout),
                    )
                )
            total += item.numel()
            if total > MAX_NUMBERS:
                raise CheckpointError(tr("{path} holds tensors of more than {most:,} numbers in all (one repeats a "
                                         "number, or it is not ours); gan-lessons files hold far fewer. It was not "
                                         "used.", path=path, most=MAX_NUMBERS))  # fmt: skip


def _refused(path: Path) -> CheckpointError:
    return CheckpointError(tr("Refused to load {path}: it names Python code to run when it is opened, so it could "
                              "harm this computer. Only load files made by gan-lessons, or by people you trust.",
                              path=path))  # fmt: skip


def _check_bounds(path: Path, damaged: str) -> None:
    """Refuse PATH, reading only its headers, when opening it could take more memory than MNIST itself."""
    size = path.stat().st_size
    too_big = tr("gan-lessons files are at most {most} MB, so this one is not ours or it is damaged",
                 most=MAX_FILE // 2**20)  # fmt: skip
    if size > MAX_FILE:
        raise CheckpointError(tr("{path} holds {size:,.0f} MB; {too_big}. It was not opened.", path=path,
                                 size=size / 2**20, too_big=too_big))  # fmt: skip
    if not zipfile.is_zipfile(path):  # we always write torch's zip format; older formats trust sizes they hold
        if _names_code(path):
            raise _refused(path)
        raise CheckpointError(damaged)
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        unpacked = sum(e.file_size for e in entries)
        pickles = [e for e in entries if e.filename.endswith("data.pkl")]
        if unpacked > MAX_FILE or any(e.compress_type != zipfile.ZIP_STORED for e in entries):
            raise CheckpointError(tr("{path} would unpack to {size:,.0f} MB (torch stores its files unpacked); "
                                     "{too_big}. It was not opened.", path=path, size=unpacked / 2**20,
                                     too_big=too_big))  # fmt: skip
        if len(pickles) != 1:
            raise CheckpointError(damaged)
        if pickles[0].file_size > MAX_PICKLE or _pickle_ops(archive.read(pickles[0])) > MAX_OPS:
            raise CheckpointError(tr("{path} holds a pickle too large to be ours (more than {most} MB or {steps:,} "
                                     "steps): {too_big}. It was not opened.", path=path, most=MAX_PICKLE // 2**20,
                                     steps=MAX_OPS, too_big=too_big))  # fmt: skip


def _pickle_ops(raw: bytes) -> int:
    """How many steps the pickle RAW takes (read, never run); stops counting just past MAX_OPS."""
    count = 0
    try:
        for count, _ in enumerate(pickletools.genops(io.BytesIO(raw)), start=1):  # noqa: B007
            if count > MAX_OPS:
                break
    except Exception:  # not a pickle: torch.load says so
        pass
    return count


_CODE_OPCODES = {"GLOBAL", "STACK_GLOBAL", "INST", "EXT1", "EXT2", "EXT4"}  # the ways a pickle names a function


def _names_code(path: Path) -> bool:
    """True when the pickles in PATH name a function or class to call (read, never run)."""
    if zipfile.is_zipfile(path):  # torch's format: the pickle is the archive's data.pkl (its size is checked)
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith("data.pkl")]
            raw = archive.read(names[0]) if names else b""
    else:
        with path.open("rb") as f:
            raw = f.read(MAX_PICKLE)  # code to run sits near the start: a pickle runs in order
    stream, ops = io.BytesIO(raw), 0
    try:
        while stream.tell() < len(raw):  # old torch files hold several pickles, one after another
            for i, (opcode, _, _) in enumerate(pickletools.genops(stream)):
                if opcode.name in _CODE_OPCODES and (i > 0 or opcode.name == "GLOBAL"):  # others need a stack
                    return True
                ops += 1
                if ops > MAX_OPS:  # longer than any file of ours: stop reading
                    return False
    except Exception:  # not a pickle (any more): what came before could not have run code
        return False
    return False
