"""The GPU path (issue #15): every test here needs CUDA and is skipped cleanly without it.

Run them on a machine with an NVIDIA GPU with `pytest -m cuda tests`, or all of
the GPU checks at once with `python benchmarks/gpu_check.py --out gpu-report`.

Tolerances, and why: the GPU's float32 kernels add numbers in another order than the CPU's, so
CPU and GPU agree to about 1e-6 per operation and, after a few Adam steps, to LOOSE (1e-3) on the
losses. Two runs on the GPU, and the graphed and the eager step, run the same kernels on the same
numbers (cuDNN in deterministic mode, TF32 off): we expect them equal, and allow TIGHT (1e-5).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch

from gan_lessons.data import to_model_range
from gan_lessons.graphed import engine
from gan_lessons.models import build_gan, generate, make_noise
from gan_lessons.training import TrainConfig, Trainer, make_optimizers, train_step

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs an NVIDIA GPU (CUDA); none is here"),
]

CUDA = torch.device("cuda")
LOOSE, TIGHT = 1e-3, 1e-5
FAST = dict(epochs=2, batch_size=64, max_batches=3, seed=7)


@pytest.fixture
def exact_cuda():
    """cuDNN in deterministic mode and TF32 off, for the length of one test."""
    cudnn, matmul = torch.backends.cudnn, torch.backends.cuda.matmul
    saved = cudnn.deterministic, cudnn.benchmark, cudnn.allow_tf32, matmul.allow_tf32
    cudnn.deterministic, cudnn.benchmark, cudnn.allow_tf32, matmul.allow_tf32 = True, False, False, False
    yield
    cudnn.deterministic, cudnn.benchmark, cudnn.allow_tf32, matmul.allow_tf32 = saved


def _same_weights(a: torch.nn.Module, b: torch.nn.Module, tol: float) -> float:
    """The largest difference between two networks' weights and statistics; asserts it is within TOL."""
    gap = max((x.double().cpu() - y.double().cpu()).abs().max().item()
              for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))  # fmt: skip
    assert gap <= tol, f"weights differ by {gap:.3g} (allowed {tol:g})"
    return gap


def test_engine_on_cuda_gives_the_cpu_losses(small, exact_cuda):
    config = TrainConfig(epochs=1, batch_size=64, max_batches=6, seed=3)
    gpu = Trainer(small, config, CUDA)
    gpu.fit(progress=False)
    # The CPU replays the same batches and noise, drawn from a CUDA generator in the engine's order.
    rng = torch.Generator(CUDA).manual_seed(config.seed)
    order = torch.randperm(len(small), generator=rng, device=CUDA)[: 6 * 64].cpu()
    torch.manual_seed(config.seed)
    g, d = build_gan("classic")
    opt_g, opt_d = make_optimizers(g, d, config)
    images = to_model_range(small.images)  # (512, 1, 28, 28)
    cpu_d, cpu_g = [], []
    for i in range(6):
        z = torch.randn(64, 100, generator=rng, device=CUDA).cpu()  # (64, 100)
        d_loss, g_loss = train_step(g, d, opt_g, opt_d, images[order[i * 64 : (i + 1) * 64]], z)
        cpu_d.append(d_loss.item())
        cpu_g.append(g_loss.item())
    assert gpu.history.batch_d == pytest.approx(cpu_d, abs=LOOSE)
    assert gpu.history.batch_g == pytest.approx(cpu_g, abs=LOOSE)


@pytest.mark.parametrize("first, then", [("cuda", "cpu"), ("cpu", "cuda")])
def test_checkpoints_move_between_cpu_and_cuda(small, tmp_path, capsys, first, then):
    from gan_lessons.pretrained import load_generator

    trained = Trainer(small, TrainConfig(**FAST), first)
    trained.fit(1, progress=False, checkpoint=tmp_path / "c.pt")
    moved = Trainer.load(tmp_path / "c.pt", small, then)
    assert moved.device.type == then and moved.epoch == 1
    assert all(p.device.type == then for p in [*moved.generator.parameters(), *moved.discriminator.parameters()])
    assert all(t.device.type == then for s in moved.opt_d.state.values() for t in s.values())
    _same_weights(moved.generator, trained.generator, 0.0)
    _same_weights(moved.discriminator, trained.discriminator, 0.0)
    assert torch.allclose(moved.samples(), trained.samples(), atol=LOOSE)
    moved.fit(progress=False)  # goes on, on the other device
    assert moved.epoch == 2 and len(moved.history.batch_d) == 6
    assert all(torch.isfinite(torch.tensor(moved.history.batch_d + moved.history.batch_g)))
    assert "saved on another kind of device" in capsys.readouterr().out
    drawn = load_generator(tmp_path / "c.pt", device=then)
    assert next(drawn.parameters()).device.type == then


def test_widgets_judge_and_sample_work_with_a_cuda_generator(tmp_path):
    from gan_lessons.cli import main
    from gan_lessons.judge import judge_generator
    from gan_lessons.pretrained import load_generator
    from gan_lessons.widgets import EntrySweep, Morph, NoiseExplorer

    gpu, cpu = load_generator("dcgan", device=CUDA), load_generator("dcgan")
    assert next(gpu.parameters()).is_cuda
    z = make_noise(8, seed=1)  # (8, 100) on the CPU: generate moves it
    drawn = generate(gpu, z)
    assert drawn.device.type == "cpu" and torch.allclose(drawn, generate(cpu, z), atol=LOOSE)
    for player in (NoiseExplorer(gpu), Morph(gpu), EntrySweep(gpu)):
        assert player.png().startswith(b"\x89PNG")
    on_gpu, on_cpu = judge_generator(gpu, n=500), judge_generator(cpu, n=500)
    assert abs(on_gpu.recognizability - on_cpu.recognizability) <= 0.02 and on_gpu.recognizability > 0.5
    trainer = Trainer(torch.zeros(64, 1, 28, 28), TrainConfig(epochs=1, batch_size=32, seed=1), CUDA)
    trainer.fit(progress=False, checkpoint=tmp_path / "c.pt")
    assert main(["sample", "--checkpoint", str(tmp_path / "c.pt"), "--n", "16", "--out", str(tmp_path / "d.pt")]) == 0
    digits = torch.load(tmp_path / "d.pt", weights_only=True)
    assert digits.dtype == torch.uint8 and digits.shape == (16, 1, 28, 28)


def test_the_widgets_controls_build_with_a_cuda_generator():
    pytest.importorskip("ipywidgets", reason="ipywidgets is not installed here")
    from gan_lessons.pretrained import load_generator
    from gan_lessons.widgets import EntrySweep, Morph, NoiseExplorer

    gpu = load_generator("classic", device=CUDA)
    for player in (NoiseExplorer(gpu), Morph(gpu), EntrySweep(gpu)):
        assert player.widget() is not None


def _stop_during(trainer: Trainer, batch: int) -> None:
    """Make TRAINER ask to stop while it trains its BATCH-th batch (counted from 1), like a Stop button."""
    step, calls = trainer._step, []

    def step_then_stop(real, z):
        calls.append(1)
        if len(calls) == batch:
            trainer.request_stop()
        return step(real, z)

    trainer._step = step_then_stop


@pytest.mark.parametrize("graphed", [False, True], ids=["eager", "graphed"])
def test_resume_after_an_interruption_on_cuda_equals_uninterrupted(small, tmp_path, exact_cuda, graphed):
    config = dict(FAST, epochs=3, cuda_graph=graphed)
    straight = Trainer(small, TrainConfig(**config), CUDA)
    straight.fit(progress=False)
    first = Trainer(small, TrainConfig(**config), CUDA)
    _stop_during(first, 4)
    first.fit(progress=False, checkpoint=tmp_path / "c.pt")
    assert first.stopped_early and (first.epoch, first.batch) == (1, 1)
    resumed = Trainer.load(tmp_path / "c.pt", small, CUDA)
    resumed.fit(progress=False)
    assert engine(resumed) == engine(straight) == ("graphed" if graphed else "eager")
    assert resumed.history.batch_d == pytest.approx(straight.history.batch_d, abs=TIGHT)
    assert resumed.history.batch_g == pytest.approx(straight.history.batch_g, abs=TIGHT)
    _same_weights(resumed.generator, straight.generator, TIGHT)


@pytest.mark.parametrize("arch", ["classic", "dcgan"])
def test_graphed_step_equals_eager_step_for_hundreds_of_steps(sample, exact_cuda, arch):
    # 6,000 digits in batches of 128: 46 full batches (replayed) and one of 112 (eager) per epoch.
    config = dict(arch=arch, epochs=7 if arch == "classic" else 2, batch_size=128, seed=11, ema=0.99)
    eager = Trainer(sample, TrainConfig(**config), CUDA)
    eager.fit(progress=False)
    graphed = Trainer(sample, TrainConfig(**config, cuda_graph=True), CUDA)
    graphed.fit(progress=False)
    assert engine(graphed) == "graphed" and engine(eager) == "eager"
    assert len(graphed.history.batch_d) == config["epochs"] * 47
    d_gap = max(abs(a - b) for a, b in zip(graphed.history.batch_d, eager.history.batch_d, strict=True))
    g_gap = max(abs(a - b) for a, b in zip(graphed.history.batch_g, eager.history.batch_g, strict=True))
    print(f"{arch}: {len(eager.history.batch_d)} steps, largest loss gap D {d_gap:.3g}, G {g_gap:.3g}")
    assert d_gap <= TIGHT and g_gap <= TIGHT
    for a, b in ((graphed.generator, eager.generator), (graphed.discriminator, eager.discriminator),
                 (graphed.average, eager.average)):  # fmt: skip
        _same_weights(a, b, TIGHT)
    assert not graphed.opt_g.param_groups[0]["capturable"], "checkpoints keep the optimizers' own setting"


@pytest.mark.parametrize("arch, r1, why", [("dcgan", 1.0, "has no gradient penalty"),
                                           ("conditional", 0.0, "has no labels")])  # fmt: skip
def test_graphed_step_falls_back_to_eager_where_it_cannot_run(small, capsys, arch, r1, why):
    trainer = Trainer(small, TrainConfig(**FAST, arch=arch, r1=r1, cuda_graph=True), CUDA)
    trainer.fit(progress=False)
    assert engine(trainer) == "eager" and len(trainer.history.batch_d) == 6
    assert f"because the graphed step {why}" in capsys.readouterr().out


def test_graphed_warmup_does_not_train(small, exact_cuda):
    """Recording the graph runs a few warm-up steps; afterwards every weight and Adam state is as before."""
    from gan_lessons.graphed import GraphedStep

    trainer = Trainer(small, TrainConfig(**FAST), CUDA)
    trainer.fit(1, progress=False)  # Adam has state now
    before = {k: v.clone() for k, v in trainer.state_dict()["generator"].items()}
    moments = [s["exp_avg"].clone() for s in trainer.opt_d.state.values()]
    GraphedStep(trainer.generator, trainer.discriminator, trainer.opt_g, trainer.opt_d, trainer.images[:64], 100)
    for k, v in trainer.generator.state_dict().items():
        assert torch.equal(v, before[k]), k
    for m, s in zip(moments, trainer.opt_d.state.values(), strict=True):
        assert torch.equal(m, s["exp_avg"])


def test_diverging_on_cuda_says_so_and_keeps_the_checkpoint(tmp_path):
    """NaN losses on the GPU: the advice, not a crash, and the last checkpoint intact (a fresh process:
    a failed GPU kernel can leave the GPU unusable for the rest of the process)."""
    script = textwrap.dedent(f"""
        import torch
        from gan_lessons.data import load_sample, subset
        from gan_lessons.training import TrainConfig, Trainer, TrainingDiverged
        t = Trainer(subset(load_sample(), 256), TrainConfig(epochs=1, batch_size=64, seed=1), "cuda")
        t.fit(progress=False, checkpoint={str(tmp_path / "c.pt")!r})
        t.config.lr = 1e30
        for group in [*t.opt_g.param_groups, *t.opt_d.param_groups]:
            group["lr"] = 1e30
        try:
            t.fit(3, progress=False, checkpoint={str(tmp_path / "c.pt")!r})
        except TrainingDiverged as err:
            print("DIVERGED:", err)
    """)  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert "DIVERGED:" in done.stdout and "learning rate is too high" in done.stdout, done.stderr[-2000:]
    state = torch.load(tmp_path / "c.pt", weights_only=True)
    assert state["epoch"] == 1, "the checkpoint of the last good epoch is unchanged"
