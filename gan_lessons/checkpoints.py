"""Saving and loading training state safely: atomic writes, no code in files (lesson 05)."""

from __future__ import annotations

import io
import os
import pickle
import pickletools
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch

FORMAT = "gan-lessons"  # every file we write says this, so we can tell ours from others


class CheckpointError(ValueError):
    """A checkpoint file is missing, damaged, unsafe, of the wrong kind or cannot be written (lesson 05)."""


def save_atomic(obj: Any, path: str | Path) -> Path:
    """Lesson 05: write OBJ with torch.save so that PATH is never half-written."""
    path, tmp = Path(path), None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic: readers see the old file or the new one, never a mix
    except BaseException as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):  # a full disk, a read-only folder, a file where a folder should be
            raise CheckpointError(
                f"Could not write {path} ({err.strerror or err}). Free some disk space or choose another "
                f"folder; the previous {path.name}, if there was one, is unchanged."
            ) from err
        raise
    return path


def load_safe(path: str | Path, *kinds: str) -> dict[str, Any]:
    """Lesson 05: read a file we wrote, refusing anything that could run code."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder. Pass the file inside it, such as {path / 'checkpoint.pt'}.")
    if not path.is_file():
        raise CheckpointError(f"No file at {path}. Check the path, or train first to create it.")
    try:
        with warnings.catch_warnings():  # torch warns about odd pickles; the message below says more
            warnings.simplefilter("ignore", UserWarning)
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many kinds: UnpicklingError, RuntimeError, EOFError, KeyError ...
        if isinstance(err, pickle.UnpicklingError) and ("GLOBAL" in str(err) or _names_code(path)):
            raise CheckpointError(
                f"Refused to load {path}: it names Python code to run when it is opened, so it could harm this "
                "computer. Only load files made by gan-lessons, or by people you trust."
            ) from err
        raise CheckpointError(
            f"{path} is not a checkpoint file, or it is damaged or incomplete (a save or download that did not "
            f"finish?). Train again, or download it again. ({type(err).__name__})"
        ) from err
    wanted = " or ".join(kinds)
    if isinstance(obj, dict) and obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(f"{path} holds bare weights (a state_dict), not a gan-lessons {wanted} file. "
                              "Save generators with gan_lessons.pretrained.save_generator.")  # fmt: skip
    if not isinstance(obj, dict) or obj.get("format") != FORMAT or obj.get("kind") not in kinds:
        raise CheckpointError(f"{path} is not a gan-lessons {wanted} file. Pass a file that gan-lessons wrote.")
    return obj


_CODE_OPCODES = {"GLOBAL", "STACK_GLOBAL", "INST", "EXT1", "EXT2", "EXT4"}  # the ways a pickle names a function


def _names_code(path: Path) -> bool:
    """True when the pickles in PATH name a function or class to call (read, never run)."""
    if zipfile.is_zipfile(path):  # torch's format: the pickle is the archive's data.pkl
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith("data.pkl")]
            raw = archive.read(names[0]) if names else b""
    else:
        with path.open("rb") as f:
            raw = f.read(2**26)  # code to run sits near the start: a pickle runs in order
    stream = io.BytesIO(raw)
    try:
        while stream.tell() < len(raw):  # old torch files hold several pickles, one after another
            for i, (opcode, _, _) in enumerate(pickletools.genops(stream)):
                if opcode.name in _CODE_OPCODES and (i > 0 or opcode.name == "GLOBAL"):  # others need a stack
                    return True
    except Exception:  # not a pickle (any more): what came before could not have run code
        return False
    return False
