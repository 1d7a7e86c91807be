"""Checking a checkpoint before training resumes from it (lesson 05): a damaged file is refused, never run.

`damage(state, trainer)` reads what `torch.load` gave back and says, in words, the first thing that
does not fit the trainer about to continue it: the counters, the losses, the fixed noise, the weights,
and the optimizers' state (Adam's running averages and settings). Nothing is loaded until it says None.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import torch

from . import validate as check
from .i18n import tr
from .training import MAX_EPOCHS

MAX_RNG_BYTES = 65_536  # a CPU generator's state is 5,056 bytes, a CUDA one's 16
ADAM_STATE = ("step", "exp_avg", "exp_avg_sq")  # what Adam keeps for each parameter (amsgrad is off)
READ = ("epoch", "batch", "order", "losses", "history", "fixed_noise", "rng", "generator", "discriminator", "average",
        "opt_g", "opt_d")  # fmt: skip  # what damage reads of a checkpoint


def damage(state: dict, trainer: Any) -> str | None:
    """Lesson 05: what is wrong with the contents of a checkpoint that unpickled, for TRAINER; None when nothing is."""
    check.trainer(trainer, ("config", "images", "batches_per_epoch", "opt_g", "opt_d"))
    if not isinstance(state, dict):
        raise TypeError(tr("state must be a checkpoint's contents, a dict such as torch.load(path) gives; got {kind}.",
                           kind=type(state).__name__))  # fmt: skip
    missing = [key for key in READ if key not in state]
    if missing:
        return tr("it holds no {keys}, which a checkpoint of this version of gan-lessons has",
                  keys=", ".join(missing))  # fmt: skip
    return (_counters(state, trainer) or _noise(state["fixed_noise"], trainer.config.z_dim) or _rng(state["rng"])
            or _weights(state, trainer))  # fmt: skip


def _counters(state: dict, trainer: Any) -> str | None:
    """The epoch and batch counts, the history of losses, and this epoch's order of digits."""
    n, size = trainer.batches_per_epoch, len(trainer.images)
    epoch, batch, order, losses = state["epoch"], state["batch"], state["order"], state["losses"]
    if not (check.is_whole(epoch) and 0 <= epoch <= MAX_EPOCHS):
        return tr("its epoch count is {epoch!r}, not a whole number from 0 to {most:,}", epoch=epoch, most=MAX_EPOCHS)
    if not (check.is_whole(batch) and 0 <= batch < n and (batch == 0 or order is not None)):
        return tr("its batch count is {batch!r}, not a whole number from 0 to {most}", batch=batch, most=n - 1)
    history = state["history"]
    if not (
        isinstance(history, dict)
        and set(history) == {"batch_d", "batch_g", "epoch_d", "epoch_g"}
        and all(isinstance(v, list) and all(check.is_number(x) for x in v) for v in history.values())
    ):
        return tr("its history of losses is not four lists of numbers")
    if not len(history["epoch_d"]) == len(history["epoch_g"]) == epoch:
        return tr(
            "its history holds {held} epochs, but it says {epoch} were trained",
            held=len(history["epoch_d"]),
            epoch=epoch,
        )
    if order is not None:
        if not (
            isinstance(order, torch.Tensor)
            and order.dtype == torch.int64
            and order.dim() == 1
            and len(order) == min(size, n * trainer.config.batch_size)
        ):
            return tr("its order of digits for this epoch is not a list of digit numbers of the right length")
        if len(order) and (int(order.min()) < 0 or int(order.max()) >= size):
            return tr("its order of digits names digits outside 0..{last}", last=size - 1)
        if not (
            isinstance(losses, torch.Tensor)
            and losses.is_floating_point()
            and tuple(losses.shape) == (batch, 2)
            and bool(torch.isfinite(losses).all())
        ):
            return tr("its losses of this epoch are not numbers")
    return None


def _noise(noise: object, z_dim: int) -> str | None:
    """The 16 fixed noise vectors the trainer draws its progress pictures from: (16, Z_DIM), float32, finite."""
    if not (
        isinstance(noise, torch.Tensor)
        and noise.dtype == torch.float32
        and tuple(noise.shape) == (16, z_dim)
        and bool(torch.isfinite(noise).all())
    ):
        return tr("its fixed noise is not a float32 tensor (16, {z_dim}) of finite numbers", z_dim=z_dim)
    return None


def _rng(saved: object) -> str | None:
    """The random generator's saved state: a short list of bytes (uint8), as torch.Generator.get_state gives it."""
    if not (isinstance(saved, torch.Tensor) and saved.dtype == torch.uint8 and saved.dim() == 1
            and 0 < saved.numel() <= MAX_RNG_BYTES
            and saved.layout == torch.strided and not saved.is_meta):  # fmt: skip
        return tr("its random generator's state is not a list of at most {most:,} bytes (a uint8 tensor)",
                  most=MAX_RNG_BYTES)  # fmt: skip
    return None


def _weights(state: dict, trainer: Any) -> str | None:
    """NaN or infinity anywhere in the networks or optimizers, then each optimizer against its network."""
    for part in ("generator", "discriminator", "average", "opt_g", "opt_d"):
        if not _finite(state[part]):
            return tr("its {part} holds numbers that are NaN or infinite", part=part)
    for part, optimizer in (("opt_g", trainer.opt_g), ("opt_d", trainer.opt_d)):
        problem = optimizer_damage(state[part], optimizer)
        if problem is not None:
            return tr("its {part} {problem}", part=part, problem=problem)
    return None


def optimizer_damage(saved: object, optimizer: torch.optim.Optimizer) -> str | None:
    """Lesson 05: what in SAVED (an Adam's state_dict) does not fit OPTIMIZER's parameters; None when all does."""
    groups = saved.get("param_groups") if isinstance(saved, dict) else None
    if not (
        isinstance(saved.get("state") if groups is not None else None, dict)
        and isinstance(groups, list)
        and all(isinstance(g, dict) for g in groups)
    ):
        return tr("is not an optimizer's state (a dict with 'state' and 'param_groups')")
    wanted = [len(group["params"]) for group in optimizer.param_groups]
    held = [len(g["params"]) if isinstance(g.get("params"), list) else None for g in groups]
    if held != wanted:
        return tr("has groups of {held} parameters, but the network needs {wanted}", held=held, wanted=wanted)
    params = [p for group in optimizer.param_groups for p in group["params"]]
    ids = [i for g in groups for i in g["params"]]
    if ids != list(range(len(params))):  # how torch numbers them: 0, 1, 2 ... across the groups
        return tr("numbers its parameters {ids!r}, not 0 to {last} in order", ids=ids, last=len(params) - 1)
    for group in groups:
        problem = _settings(group)
        if problem is not None:
            return problem
    by_id = dict(zip(ids, params, strict=True))
    for key, entry in saved["state"].items():
        if key not in by_id:
            return tr("keeps state for a parameter {key!r} the network does not have", key=key)
        problem = _adam_state(entry, by_id[key], key)
        if problem is not None:
            return problem
    return None


def _settings(group: dict) -> str | None:
    """One parameter group's learning rate, betas and eps."""
    lr, betas, eps = group.get("lr"), group.get("betas"), group.get("eps")
    if not (_number(lr) and lr > 0):
        return tr("has a learning rate of {lr!r}, not a number > 0", lr=lr)
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2 and all(_number(b) and 0 <= b < 1 for b in betas)):
        return tr("has betas {betas!r}, not two numbers in [0, 1)", betas=betas)
    if not (_number(eps) and eps > 0):
        return tr("has eps {eps!r}, not a number > 0", eps=eps)
    return None


def _adam_state(entry: object, param: torch.Tensor, index: int) -> str | None:
    """Adam's state for one parameter: a step count, and two running averages shaped like the parameter."""
    if not (isinstance(entry, dict) and all(name in entry for name in ADAM_STATE)):
        return tr("has no Adam state (step, exp_avg, exp_avg_sq) for parameter {index}", index=index)
    for name in ("exp_avg", "exp_avg_sq"):
        value = entry[name]
        if not (isinstance(value, torch.Tensor) and value.shape == param.shape and value.dtype == param.dtype):
            tensor = isinstance(value, torch.Tensor)
            return tr("holds an {name} of shape {shape} ({kind}) for parameter {index}, which needs shape {wanted} "
                      "({dtype})", name=name, shape=tuple(value.shape) if tensor else "-", index=index,
                      kind=_dtype(value) if tensor else type(value).__name__, wanted=tuple(param.shape),
                      dtype=_dtype(param))  # fmt: skip
    if bool((entry["exp_avg_sq"] < 0).any()):
        return tr("holds a negative exp_avg_sq (a mean of squares) for parameter {index}", index=index)
    step = entry["step"]
    if isinstance(step, torch.Tensor):
        step = float(step) if step.dim() == 0 and step.numel() == 1 else None
    if not (_number(step) and step >= 0):
        return tr(
            "has a step count of {step!r} for parameter {index}, not one number >= 0", step=entry["step"], index=index
        )
    return None


def _dtype(tensor: torch.Tensor) -> str:
    """TENSOR's kind of number in words torch uses, such as float32."""
    return str(tensor.dtype).removeprefix("torch.")


def _number(x: object) -> bool:
    """True for a finite int or float (not a bool)."""
    return check.is_number(x) and math.isfinite(x)


def _finite(obj: object) -> bool:
    """True when every floating-point tensor inside OBJ (dicts and lists too) holds only finite numbers."""
    if isinstance(obj, torch.Tensor):
        return not obj.is_floating_point() or bool(torch.isfinite(obj).all())
    if isinstance(obj, dict):
        return all(_finite(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return all(_finite(v) for v in obj)
    return not isinstance(obj, float) or math.isfinite(obj)  # other things (None, flags, names) hold no weights


def set_rng_state(rng: torch.Generator, saved: torch.Tensor) -> None:
    """Lesson 05: continue RNG from SAVED; a state from another kind of device (CPU, CUDA) seeds it instead."""
    check.kind(rng, "rng", torch.Generator, tr("a torch.Generator, such as trainer.rng"), error=TypeError)
    if _rng(saved) is not None:
        raise TypeError(tr("saved must be a random generator's state, a uint8 tensor of at most {most:,} bytes such "
                           "as rng.get_state(); got {value}.", most=MAX_RNG_BYTES,
                           value=check.describe(saved)))  # fmt: skip
    try:
        rng.set_state(saved)
    except (RuntimeError, TypeError, ValueError):
        seed = int.from_bytes(hashlib.sha256(saved.numpy().tobytes()).digest()[:8], "little") % 2**63
        rng.manual_seed(seed)  # the same seed from the same file: resuming stays repeatable on this device
        print(
            tr(
                "Note: this checkpoint was saved on another kind of device; training goes on on {device} with other "
                "(but repeatable) shuffles and noise than it would have had there.",
                device=rng.device.type,
            )
        )
