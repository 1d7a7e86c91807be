"""How fast does the classic GAN train? The reference pipeline and our engine, side by side.

In one process, on the same device, with the same models and batch size, it times:

(a) the reference pipeline: every digit decoded through PIL, ToTensor and Normalize by a shuffled
    DataLoader, plain Adam, the reference's step as written, and the losses read with `.item()`
    after every batch;
(b) the project's engine (`gan_lessons.training.Trainer`): all digits resident on the device,
    batches by index, fused Adam, no gradients for D's weights in the generator's step, losses
    read once per epoch;
(c) on CUDA, the same engine with each step replayed as one CUDA graph (`gan_lessons.graphed`).

    python benchmarks/train_speed.py                 # a full epoch of each
    python benchmarks/train_speed.py --batches 50    # 50 batches of each, scaled to an epoch
    python benchmarks/train_speed.py --json speed.json   # also write the figures as JSON
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch

from gan_lessons.data import load_mnist, reference_loader
from gan_lessons.graphed import engine, why_not_graphed
from gan_lessons.models import build_gan
from gan_lessons.training import TrainConfig, Trainer, pick_device


def sync(device: torch.device) -> None:
    """Wait for the device to finish, so the clock measures the work."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    elif device.type == "mps":
        torch.mps.synchronize()


def reference_step(g, d, opt_g, opt_d, real, z) -> tuple[float, float]:
    """The reference program's batch, as it wrote it: losses read with `.item()` every batch."""
    bce = torch.nn.BCELoss()
    valid = torch.ones(len(real), 1, device=real.device)  # (B, 1)
    fake_label = torch.zeros(len(real), 1, device=real.device)  # (B, 1)
    fake = g(z)  # (B, 1, 28, 28)
    opt_d.zero_grad()
    d_loss = bce(d(real), valid) + bce(d(fake.detach()), fake_label)
    d_loss.backward()
    opt_d.step()
    opt_g.zero_grad()
    g_loss = bce(d(fake), valid)  # D's weights get gradients here too, which are never used
    g_loss.backward()
    opt_g.step()
    return d_loss.item(), g_loss.item()  # two host-device syncs per batch


def time_reference(data, device: torch.device, batches: int, warmup: int, seed: int) -> float:
    """Seconds for BATCHES batches of the reference program's loop, after WARMUP batches."""
    torch.manual_seed(seed)
    g, d = (m.to(device) for m in build_gan("classic"))
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_sum = g_sum = 0.0
    done, start = 0, None
    while done < warmup + batches:
        for real, _ in reference_loader(data, batch_size=128, seed=seed):
            if done == warmup:
                sync(device)
                start = time.perf_counter()
            real = real.to(device)  # (B, 1, 28, 28)
            z = torch.randn(len(real), 100, device=device)
            d_loss, g_loss = reference_step(g, d, opt_g, opt_d, real, z)
            d_sum += d_loss
            g_sum += g_loss
            done += 1
            if done == warmup + batches:
                break
    sync(device)
    return time.perf_counter() - start


def time_engine(data, device: torch.device, batches: int, warmup: int, seed: int, graphed: bool = False) -> float:
    """Seconds for BATCHES batches of the engine (GRAPHED: replaying a CUDA graph), after WARMUP batches."""
    trainer = Trainer(data, TrainConfig(seed=seed, max_batches=warmup, cuda_graph=graphed), device)
    trainer.fit(1, progress=False)  # warm-up: a short first epoch (the graph is recorded here)
    if engine(trainer) != ("graphed" if graphed else "eager"):
        raise RuntimeError(f"asked for the {'graphed' if graphed else 'eager'} engine, ran {engine(trainer)}")
    trainer.config.max_batches = batches
    sync(device)
    start = time.perf_counter()
    trainer.fit(2, progress=False)  # one (possibly shortened) epoch; ends with the epoch's one sync
    sync(device)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time the reference pipeline and the engine per epoch.")
    parser.add_argument("--batches", type=int, default=None, help="batches to time (default: a full epoch)")
    parser.add_argument("--warmup", type=int, default=5, help="batches run before timing")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    parser.add_argument("--data", default=None, help="MNIST folder (default: GAN_LESSONS_DATA, ./data, the sample)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if (args.batches is not None and args.batches < 1) or args.warmup < 1:
        parser.error("--batches and --warmup must be >= 1")

    device = pick_device() if args.device == "auto" else torch.device(args.device)
    data = load_mnist(args.data, download=False)
    per_epoch = math.ceil(len(data) / 128)
    batches = min(args.batches or per_epoch, per_epoch)
    print(f"device: {device} ({torch.cuda.get_device_name() if device.type == 'cuda' else 'host'}), "
          f"torch {torch.__version__}, threads {torch.get_num_threads()}")  # fmt: skip
    print(f"data: {len(data):,} images, batch 128, {per_epoch} batches per epoch; timing {batches} batches")
    figures = {"device": str(device), "torch": torch.__version__, "images": len(data), "batch_size": 128,
               "batches_per_epoch": per_epoch, "batches_timed": batches}  # fmt: skip
    if device.type == "cuda":
        figures["gpu"] = torch.cuda.get_device_name(device)
    ref = time_reference(data, device, batches, args.warmup, args.seed) / batches * per_epoch
    print(f"reference pipeline: {ref:8.2f} s/epoch")
    figures["reference_s_per_epoch"] = ref
    write(args.json, figures)
    eng = time_engine(data, device, batches, args.warmup, args.seed) / batches * per_epoch
    print(f"gan_lessons engine: {eng:8.2f} s/epoch")
    print(f"speed-up: {ref / eng:.2f}x")
    figures.update(engine_s_per_epoch=eng, speedup=ref / eng)
    write(args.json, figures)
    reason = why_not_graphed(TrainConfig(), device)
    if reason is None:
        graphed = time_engine(data, device, batches, args.warmup, args.seed, graphed=True) / batches * per_epoch
        print(f"engine, CUDA graph: {graphed:8.2f} s/epoch")
        print(f"speed-up of the graph: {ref / graphed:.2f}x over the reference, {eng / graphed:.2f}x over eager")
        figures.update(graphed_s_per_epoch=graphed, graphed_speedup=ref / graphed)
    else:
        print(f"engine, CUDA graph: not measured: {reason}")
        figures["graphed_not_measured"] = reason
    write(args.json, figures)


def write(path: str | None, figures: dict) -> None:
    """Write FIGURES to PATH as JSON (nothing when PATH is None), so a cut run keeps what it measured."""
    if path:
        Path(path).write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
