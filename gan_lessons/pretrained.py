"""Generators ready to use: the shipped pretrained weights, or one taken from a checkpoint (lesson 06)."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from . import validate as check
from .checkpoints import FORMAT, CheckpointError, load_safe, save_atomic
from .i18n import tr
from .models import ARCHITECTURES, MAX_Z_DIM, build_gan, check_dial

WEIGHTS_DIR = Path(__file__).parent / "weights"


def available() -> list[str]:
    """Lesson 06: the names of the pretrained generators that ship with the package."""
    return sorted(p.stem for p in WEIGHTS_DIR.glob("*.pt"))


def save_generator(generator: nn.Module, arch: str, path: str | Path, half: bool = True) -> Path:
    """Lesson 06: save just the generator's weights (float16 by default: half the size)."""
    check.kind(generator, "save_generator: generator", nn.Module, tr("a generator, such as build_gan('dcgan')[0]"),
               error=TypeError)  # fmt: skip
    check.one_of(arch, "save_generator: arch", ARCHITECTURES)
    expected = ARCHITECTURES[arch][0]
    if type(generator) is not expected or not check.is_whole(getattr(generator, "z_dim", None)):
        raise ValueError(tr("save_generator: arch {arch!r} is for a {expected}, but the generator is a {kind}: the "
                            "file could not be loaded. Give the generator's own architecture.", arch=arch,
                            expected=expected.__name__, kind=type(generator).__name__))  # fmt: skip
    check.kind(half, "save_generator: half", bool, tr("True or False"), error=TypeError)
    state = {k: (v.half() if half and v.is_floating_point() else v).cpu() for k, v in generator.state_dict().items()}
    obj = {"format": FORMAT, "kind": "generator", "arch": arch, "z_dim": generator.z_dim, "state": state}
    if getattr(generator, "dial", 0):  # lesson 09's dial; files without the key have none
        obj["dial"] = generator.dial
    return save_atomic(obj, path)


def generator_for_lesson(mine: str | Path | None, shipped: str = "dcgan") -> tuple[nn.Module, str]:
    """Lesson 06: your generator from checkpoint MINE when that file is there, else the SHIPPED one; and which."""
    if mine is not None and not isinstance(mine, (str, os.PathLike)):
        raise TypeError(tr("mine must be the name of your checkpoint file, such as runs/dcgan/checkpoint.pt, or None; "
                           "got {kind}.", kind=type(mine).__name__))  # fmt: skip
    source_path(shipped)  # a name or a file: checked before anything is read
    if mine is not None and Path(mine).is_file():
        try:
            return load_generator(mine), tr("Using your own generator, from {path}.", path=mine)
        except CheckpointError as err:
            reason = tr("{path} could not be read ({error})", path=mine, error=err)
    else:
        reason = tr("there is no {path}", path=mine) if mine is not None else tr("no checkpoint was given")
    return load_generator(shipped), tr("Using the shipped {name!r} generator: {reason}.", name=shipped, reason=reason)


def source_path(source: str | Path) -> Path:
    """Lesson 06: the file load_generator reads for SOURCE: a shipped generator's file, or SOURCE itself."""
    if not isinstance(source, (str, os.PathLike)) or not str(source).strip():
        raise TypeError(tr("Expected a generator's name, such as {names}, or a file name; got {value!r}.",
                           names=", ".join(available()), value=source))  # fmt: skip
    return WEIGHTS_DIR / f"{source}.pt" if str(source) in available() else Path(source)


def load_generator(source: str | Path, device: str | torch.device = "cpu") -> nn.Module:
    """Lesson 06: a generator in eval mode from a pretrained NAME, a generator file or a checkpoint."""
    path, device = source_path(source), check.device(device)
    if not path.suffix and not path.exists():
        names = ", ".join(available()) or tr("none yet")
        raise CheckpointError(tr("No pretrained generator called {name!r}. Shipped ones: {names}.", name=source,
                                 names=names))  # fmt: skip
    obj = load_safe(path, "generator", "checkpoint")  # a training checkpoint holds a generator too
    arch, z_dim, dial, state = _generator_parts(obj, path)
    generator = build_gan(arch, z_dim, dial)[0]
    try:
        generator.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    except RuntimeError as err:
        raise CheckpointError(tr("{path}: the weights do not fit a {arch!r} generator ({error}).", path=path, arch=arch,
                                 error=err)) from err  # fmt: skip
    return generator.to(device).eval()


def _generator_parts(obj: dict, path: Path) -> tuple[str, int, int, dict]:
    """The architecture, z_dim, dial and weights of the generator in OBJ (read from PATH), each checked."""
    try:
        if obj["kind"] == "generator":
            arch, z_dim, dial, state = obj["arch"], obj["z_dim"], obj.get("dial", 0), obj["state"]
        else:
            arch, z_dim, dial = obj["arch"], obj["config"]["z_dim"], obj["config"].get("dial", 0)
            average = obj.get("average")
            state = obj["generator"] if average is None else average  # the running average draws better, when kept
    except (KeyError, TypeError) as err:
        raise CheckpointError(tr("{path} is damaged: it lacks {missing}.", path=path, missing=err)) from err
    if not isinstance(arch, str) or arch not in ARCHITECTURES:
        raise CheckpointError(tr("{path} holds an unknown architecture {arch!r}.", path=path, arch=arch))
    if not check.is_whole(z_dim) or not 1 <= z_dim <= MAX_Z_DIM:
        raise CheckpointError(tr("{path} is damaged: its noise size z_dim is {value!r}, not a whole number from 1 to "
                                 "{most:,}.", path=path, value=z_dim, most=MAX_Z_DIM))  # fmt: skip
    try:
        dial = check_dial(arch, dial, z_dim)  # the models' own rule
    except (TypeError, ValueError) as bad:
        raise CheckpointError(tr("{path} is damaged: its dial is {value!r} ({why}).", path=path, value=dial,
                                 why=str(bad).rstrip("."))) from None  # fmt: skip
    _check_weights(state, path)
    return arch, int(z_dim), dial, state


def _check_weights(state: object, path: Path) -> None:
    """Refuse weights that are not a dict of finite tensors, or BatchNorm variances below 0 (black digits)."""
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(tr("{path} is damaged: its weights are not a dict of tensors.", path=path))
    if not all(bool(torch.isfinite(v).all()) for v in state.values() if v.is_floating_point()):
        raise CheckpointError(tr("{path} is damaged: its weights hold numbers that are NaN or infinite.", path=path))
    for name, value in state.items():
        if str(name).endswith("running_var") and value.numel() and float(value.min()) < 0:
            raise CheckpointError(tr("{path} is damaged: its {name} holds numbers below 0, and a variance never is "
                                     "(the digits would come out black).", path=path, name=name))  # fmt: skip


def load_discriminator(path: str | Path, device: str | torch.device = "cpu") -> nn.Module:
    """Lesson 08: the discriminator saved in a training checkpoint, in eval mode (for the game)."""
    device = check.device(device)
    obj = load_safe(path, "checkpoint")
    try:
        arch, state, dial = obj["arch"], obj["discriminator"], obj["config"].get("dial", 0)
    except (KeyError, TypeError, AttributeError) as err:
        raise CheckpointError(tr("{path} is damaged: it lacks {missing}.", path=path, missing=err)) from err
    _check_weights(state, Path(path))
    if not isinstance(arch, str) or arch not in ARCHITECTURES:
        raise CheckpointError(tr("{path} holds an unknown architecture {arch!r}.", path=path, arch=arch))
    try:
        discriminator = build_gan(arch, dial=dial)[1]
        discriminator.load_state_dict(state)
    except (RuntimeError, ValueError, TypeError) as err:
        raise CheckpointError(tr("{path}: the weights do not fit a {arch!r} discriminator ({error}).", path=path,
                                 arch=arch, error=err)) from err  # fmt: skip
    return discriminator.to(device).eval()
