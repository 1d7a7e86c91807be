"""Saving and loading training state safely: atomic writes, no code in files (lesson 04)."""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import torch

FORMAT = "gan-lessons"  # every file we write says this, so we can tell ours from others


class CheckpointError(ValueError):
    """A checkpoint file is missing, damaged, unsafe or of the wrong kind (lesson 04)."""


def save_atomic(obj: Any, path: str | Path) -> Path:
    """Lesson 04: write OBJ with torch.save so that PATH is never half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic: readers see the old file or the new one, never a mix
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_safe(path: str | Path, *kinds: str) -> dict[str, Any]:
    """Lesson 04: read a file we wrote, refusing anything that could run code."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"No file at {path}. Check the path, or train first to create it.")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(
            f"Refused to load {path}: it is not a plain checkpoint and could run code when opened. "
            "Only load files made by gan-lessons or from people you trust."
        ) from err
    except Exception as err:
        raise CheckpointError(f"{path} is not a checkpoint file or is damaged ({type(err).__name__}).") from err
    if not isinstance(obj, dict) or obj.get("format") != FORMAT or obj.get("kind") not in kinds:
        wanted = " or ".join(kinds)
        raise CheckpointError(f"{path} is not a gan-lessons {wanted} file. Pass a file that gan-lessons wrote.")
    return obj
