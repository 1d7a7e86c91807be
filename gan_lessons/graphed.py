"""The training step recorded once as a CUDA graph and replayed for every batch (lesson 05, on a GPU).

On a GPU a batch of the classic GAN is dozens of small kernels; launching them one by one from
Python costs more time than running them. A CUDA graph records the whole step once: both
networks' forward and backward passes, BatchNorm's running statistics and both Adam updates
(made `capturable`, so their step counts live on the GPU). Each batch then costs one replay,
plus the copies of its inputs.

The graph always reads its inputs from the same two tensors, so each batch is copied into them
before a replay. The noise is drawn just before each replay by the trainer's own random
generator, exactly as the eager step draws it: the graphed and the eager engine see the same
numbers, and a checkpoint's random state resumes either one. (A graph can also draw inside itself
from a generator given to `CUDAGraph.register_generator_state`; drawing just outside costs one
small launch and keeps the numbers the eager step's by construction.) A batch of another size (the last
one of an epoch) runs the eager step on the same weights. Where no graph can be made (no CUDA,
R1 > 0, a capture that fails) training goes on with the eager step and says why, once.

Opt-in (`TrainConfig(cuda_graph=True)`, `gan-lessons train --cuda-graph`) until a GPU run of
`benchmarks/gpu_check.py` has checked it against the eager step.
"""

from __future__ import annotations

import torch
from torch import nn

from . import training
from . import validate as check
from .i18n import tr

WARMUP_STEPS = 3  # eager steps on the capture stream before recording (cuBLAS and cuDNN set themselves up)


def why_not_graphed(config: training.TrainConfig, device: torch.device) -> str | None:
    """Lesson 05: why the graphed step cannot run with CONFIG on DEVICE, or None when it can."""
    check.kind(config, "config", training.TrainConfig, tr("a TrainConfig, such as TrainConfig(lr=1e-3)"),
               error=TypeError)  # fmt: skip
    check.kind(device, "device", torch.device, tr('a torch.device, such as torch.device("cuda")'), error=TypeError)
    if device.type != "cuda":
        return tr("CUDA graphs need an NVIDIA GPU (CUDA), and this run is on {device}", device=device.type)
    if config.r1:
        return tr("the graphed step has no gradient penalty, and r1 is {r1}", r1=config.r1)
    if config.arch == "conditional":
        return tr("the graphed step has no labels, and the conditional GAN needs them")
    return None


def engine(trainer) -> str:
    """Lesson 05: which step TRAINER runs for a full batch: "graphed", "eager", or "not decided yet"."""
    check.trainer(trainer, ("step_kind",))
    return trainer.step_kind


def make_graphed(nets: tuple, example: torch.Tensor, config: training.TrainConfig) -> GraphedStep | None:
    """Lesson 05: NETS' step recorded as a graph for batches like EXAMPLE, or None (after saying why) when it cannot be.

    NETS is (generator, discriminator, opt_g, opt_d); EXAMPLE a full batch (B, 1, 28, 28) on their device.
    """
    nets = training.check_nets(nets)
    check.tensor(example, "example", "(B, 1, 28, 28)")
    check.kind(config, "config", training.TrainConfig, tr("a TrainConfig, such as TrainConfig(lr=1e-3)"),
               error=TypeError)  # fmt: skip
    reason = why_not_graphed(config, example.device)
    if reason is None:
        try:
            return GraphedStep(*nets, example, config.z_dim)
        except RuntimeError as err:
            first_line = (str(err).strip().splitlines() or ["?"])[0]
            reason = tr("recording the CUDA graph failed: {error}", error=first_line)
    print(tr("cuda_graph: training with the ordinary (eager) step, because {reason}.", reason=reason))
    return None


class GraphedStep:
    """Lesson 05: train_step recorded as a CUDA graph; calling it trains on one more batch."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, opt_g, opt_d,
                 example: torch.Tensor, z_dim: int, warmup: int = WARMUP_STEPS):  # fmt: skip
        train_step = training.train_step
        nets = (generator, discriminator, opt_g, opt_d)
        for opt in (opt_g, opt_d):
            if not isinstance(opt, torch.optim.Adam):
                raise ValueError(
                    tr("The graphed step needs torch.optim.Adam optimizers, got {kind}.", kind=type(opt).__name__)
                )
        device = example.device
        self.batch_size = len(example)
        self.real = example.detach().clone()  # (B, 1, 28, 28): the graph's input, refilled before each replay
        noise = torch.Generator(device).manual_seed(0)  # warm-up noise: leaves every other generator alone
        self.z = torch.randn(self.batch_size, z_dim, generator=noise, device=device)  # (B, z_dim)
        self.graph = torch.cuda.CUDAGraph()
        saved = _snapshot(nets)
        flags = [group["capturable"] for opt in (opt_g, opt_d) for group in opt.param_groups]
        stream = torch.cuda.Stream(device)
        try:
            _set_capturable((opt_g, opt_d), [True] * len(flags))  # Adam may be recorded only when capturable
            stream.wait_stream(torch.cuda.current_stream(device))
            with torch.cuda.stream(stream):  # warm up on the stream that records, as PyTorch advises
                for _ in range(warmup):
                    train_step(*nets, self.real, self.z)
            torch.cuda.current_stream(device).wait_stream(stream)
            _restore(saved, (opt_g, opt_d))  # the warm-up must not count as training
            opt_g.zero_grad(set_to_none=True)
            opt_d.zero_grad(set_to_none=True)
            with torch.cuda.graph(self.graph, stream=stream):  # records; runs nothing
                self.d_loss, self.g_loss = train_step(*nets, self.real, self.z)  # () each, rewritten by replays
        except BaseException:
            torch.cuda.synchronize(device)
            _restore(saved, (opt_g, opt_d))
            raise
        finally:
            # Back to the optimizers' own setting, so checkpoints load anywhere. The fused Adam that
            # make_optimizers picks on CUDA runs the same kernel either way; replays do not look at it.
            _set_capturable((opt_g, opt_d), flags)

    def __call__(self, real: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Lesson 05: train on REAL (B, 1, 28, 28) with noise Z (B, z_dim); the losses are valid until the next call."""
        self.real.copy_(real)
        self.z.copy_(z)
        self.graph.replay()
        return self.d_loss, self.g_loss


def _set_capturable(opts, flags: list[bool]) -> None:
    groups = [group for opt in opts for group in opt.param_groups]
    for group, flag in zip(groups, flags, strict=True):
        group["capturable"] = flag


def _snapshot(nets) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Copies of every weight, BatchNorm statistic and optimizer state tensor that a step changes."""
    generator, discriminator, opt_g, opt_d = nets
    tensors = [*generator.parameters(), *generator.buffers(), *discriminator.parameters(), *discriminator.buffers()]
    tensors += [t for opt in (opt_g, opt_d) for state in opt.state.values() for t in state.values()
                if isinstance(t, torch.Tensor)]  # fmt: skip
    return [(t, t.detach().clone()) for t in tensors]


@torch.no_grad()
def _restore(saved: list[tuple[torch.Tensor, torch.Tensor]], opts) -> None:
    """Put back what _snapshot copied; Adam state made since then goes back to its start, zeros."""
    known = {id(t) for t, _ in saved}
    for t, copy in saved:
        t.copy_(copy)
    for opt in opts:
        for state in opt.state.values():
            for t in state.values():
                if isinstance(t, torch.Tensor) and id(t) not in known:
                    t.zero_()  # Adam starts with step 0 and both running averages 0
