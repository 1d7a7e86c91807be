"""Generators ready to use: the shipped pretrained weights, or one taken from a checkpoint (lesson 06)."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .checkpoints import FORMAT, CheckpointError, load_safe, save_atomic
from .i18n import tr
from .models import ARCHITECTURES, build_gan

WEIGHTS_DIR = Path(__file__).parent / "weights"


def available() -> list[str]:
    """Lesson 06: the names of the pretrained generators that ship with the package."""
    return sorted(p.stem for p in WEIGHTS_DIR.glob("*.pt"))


def save_generator(generator: nn.Module, arch: str, path: str | Path, half: bool = True) -> Path:
    """Lesson 06: save just the generator's weights (float16 by default: half the size)."""
    state = {k: (v.half() if half and v.is_floating_point() else v).cpu() for k, v in generator.state_dict().items()}
    obj = {"format": FORMAT, "kind": "generator", "arch": arch, "z_dim": generator.z_dim, "state": state}
    return save_atomic(obj, path)


def generator_for_lesson(mine: str | Path | None, shipped: str = "dcgan") -> tuple[nn.Module, str]:
    """Lesson 06: your generator from checkpoint MINE when that file is there, else the SHIPPED one; and which."""
    if mine is not None and Path(mine).is_file():
        try:
            return load_generator(mine), tr("Using your own generator, from {path}.", path=mine)
        except CheckpointError as err:
            reason = tr("{path} could not be read ({error})", path=mine, error=err)
    else:
        reason = tr("there is no {path}", path=mine) if mine is not None else tr("no checkpoint was given")
    return load_generator(shipped), tr("Using the shipped {name!r} generator: {reason}.", name=shipped, reason=reason)


def load_generator(source: str | Path, device: str | torch.device = "cpu") -> nn.Module:
    """Lesson 06: a generator in eval mode from a pretrained NAME, a generator file or a checkpoint."""
    path = WEIGHTS_DIR / f"{source}.pt" if str(source) in available() else Path(source)
    if not path.suffix and not path.exists():
        names = ", ".join(available()) or tr("none yet")
        raise CheckpointError(tr("No pretrained generator called {name!r}. Shipped ones: {names}.", name=source,
                                 names=names))  # fmt: skip
    obj = load_safe(path, "generator", "checkpoint")  # a training checkpoint holds a generator too
    try:
        if obj["kind"] == "generator":
            arch, z_dim, state = obj["arch"], obj["z_dim"], obj["state"]
        else:
            arch, z_dim = obj["arch"], obj["config"]["z_dim"]
            state = obj.get("average") or obj["generator"]  # the running average draws better, when kept
    except (KeyError, TypeError) as err:
        raise CheckpointError(tr("{path} is damaged: it lacks {missing}.", path=path, missing=err)) from err
    if arch not in ARCHITECTURES:
        raise CheckpointError(tr("{path} holds an unknown architecture {arch!r}.", path=path, arch=arch))
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(tr("{path} is damaged: its weights are not a dict of tensors.", path=path))
    if not all(bool(torch.isfinite(v).all()) for v in state.values() if v.is_floating_point()):
        raise CheckpointError(tr("{path} is damaged: its weights hold numbers that are NaN or infinite.", path=path))
    generator = build_gan(arch, z_dim)[0]
    try:
        generator.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    except RuntimeError as err:
        raise CheckpointError(tr("{path}: the weights do not fit a {arch!r} generator ({error}).", path=path, arch=arch,
                                 error=err)) from err  # fmt: skip
    return generator.to(device).eval()


def load_discriminator(path: str | Path, device: str | torch.device = "cpu") -> nn.Module:
    """Lesson 08: the discriminator saved in a training checkpoint, in eval mode (for the game)."""
    obj = load_safe(path, "checkpoint")
    try:
        arch, state = obj["arch"], obj["discriminator"]
    except (KeyError, TypeError) as err:
        raise CheckpointError(tr("{path} is damaged: it lacks {missing}.", path=path, missing=err)) from err
    if arch not in ARCHITECTURES:
        raise CheckpointError(tr("{path} holds an unknown architecture {arch!r}.", path=path, arch=arch))
    discriminator = build_gan(arch)[1]
    try:
        discriminator.load_state_dict(state)
    except RuntimeError as err:
        raise CheckpointError(tr("{path}: the weights do not fit a {arch!r} discriminator ({error}).", path=path,
                                 arch=arch, error=err)) from err  # fmt: skip
    return discriminator.to(device).eval()
