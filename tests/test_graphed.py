"""The GPU path on the CPU: graphed or eager, the fallback, the warm-up's undo, checkpoints between devices.

The graph itself needs CUDA: tests/test_cuda.py checks it against the eager step on a GPU.
"""

import pytest
import torch

from gan_lessons.graphed import _restore, _snapshot, engine, make_graphed, why_not_graphed
from gan_lessons.training import ConfigError, TrainConfig, Trainer, make_optimizers, train_step

FAST = dict(epochs=2, batch_size=64, max_batches=3, seed=7)


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_cuda_graph_must_be_true_or_false(bad):
    with pytest.raises(ConfigError, match="cuda_graph must be True or False"):
        TrainConfig(cuda_graph=bad)


def test_why_not_graphed_names_the_reason():
    cuda = torch.device("cuda")  # a device name: no GPU is needed to make it
    assert "need an NVIDIA GPU (CUDA), and this run is on cpu" in why_not_graphed(TrainConfig(), torch.device("cpu"))
    assert "no gradient penalty, and r1 is 1.0" in why_not_graphed(TrainConfig(r1=1.0), cuda)
    assert "no labels, and the conditional GAN needs them" in why_not_graphed(TrainConfig(arch="conditional"), cuda)
    assert why_not_graphed(TrainConfig(arch="dcgan", ema=0.999), cuda) is None


def test_asked_for_on_the_cpu_it_trains_eagerly_and_says_why_once(small, capsys):
    eager = Trainer(small, TrainConfig(**FAST), "cpu")
    asked = Trainer(small, TrainConfig(**FAST, cuda_graph=True), "cpu")
    assert engine(eager) == "eager" and engine(asked) == "not decided yet"
    history = asked.fit(progress=False)
    assert engine(asked) == "eager" and asked.step_kind == "eager"
    assert history == eager.fit(progress=False), "the fallback is the eager step, number for number"
    said = capsys.readouterr().out
    assert said.count("cuda_graph: training with the ordinary (eager) step, because CUDA graphs need") == 1
    nets = (asked.generator, asked.discriminator, asked.opt_g, asked.opt_d)
    assert make_graphed(nets, asked.images[:64], asked.config) is None  # and it says why again
    assert "because CUDA graphs need" in capsys.readouterr().out


def test_a_checkpoint_asking_for_the_graph_resumes_on_the_cpu(small, tmp_path):
    straight = Trainer(small, TrainConfig(**FAST), "cpu").fit(progress=False)
    first = Trainer(small, TrainConfig(**FAST, cuda_graph=True), "cpu")
    first.fit(1, progress=False, checkpoint=tmp_path / "c.pt")
    resumed = Trainer.load(tmp_path / "c.pt", small, "cpu")
    assert resumed.config.cuda_graph and engine(resumed) == "not decided yet"
    assert resumed.fit(progress=False) == straight


def test_cli_flag_reaches_the_trainer_and_falls_back_on_the_cpu(tmp_path, capsys):
    from gan_lessons.cli import build_parser, main

    assert build_parser().parse_args(["train", "--cuda-graph"]).cuda_graph is True
    assert build_parser().parse_args(["train"]).cuda_graph is False
    code = main(["train", "--cuda-graph", "--device", "cpu", "--epochs", "1", "--max-batches", "2",
                 "--batch-size", "32", "--out", str(tmp_path / "run"), "--quiet"])  # fmt: skip
    assert code == 0
    assert "training with the ordinary (eager) step, because CUDA graphs need an NVIDIA GPU" in capsys.readouterr().out
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    assert state["config"]["cuda_graph"] is True and state["epoch"] == 1


def _state(trainer: Trainer) -> list[torch.Tensor]:
    nets = [trainer.generator, trainer.discriminator]
    tensors = [t for n in nets for t in [*n.parameters(), *n.buffers()]]
    return [t.clone() for t in tensors] + [t.clone() for o in (trainer.opt_g, trainer.opt_d)
                                           for s in o.state.values() for t in s.values()]  # fmt: skip


@pytest.mark.parametrize("trained_first", [True, False], ids=["adam-with-state", "fresh-adam"])
def test_the_warmup_is_undone_exactly(small, trained_first):
    """What GraphedStep does around its warm-up: snapshot, train a few steps, restore; then train as if untouched."""
    twin = Trainer(small, TrainConfig(**FAST), "cpu")
    trainer = Trainer(small, TrainConfig(**FAST), "cpu")
    if trained_first:
        twin.fit(1, progress=False)
        trainer.fit(1, progress=False)
    nets = (trainer.generator, trainer.discriminator, trainer.opt_g, trainer.opt_d)
    saved = _snapshot(nets)
    real, z = trainer.images[:64], torch.randn(64, 100)
    for _ in range(3):
        train_step(*nets, real, z)  # the warm-up: it trains (and makes Adam's state when there was none)
    _restore(saved, (trainer.opt_g, trainer.opt_d))
    if trained_first:
        assert all(torch.equal(a, b) for a, b in zip(_state(trainer), _state(twin), strict=True))
    else:  # Adam's state now exists, all zeros: the same as a fresh Adam's first step makes
        assert all(not t.any() for o in (trainer.opt_g, trainer.opt_d) for s in o.state.values() for t in s.values())
    twin_nets = (twin.generator, twin.discriminator, twin.opt_g, twin.opt_d)
    for step in range(2):
        z = torch.randn(64, 100, generator=torch.Generator().manual_seed(step))
        ours, theirs = train_step(*nets, real, z), train_step(*twin_nets, real, z)
        assert [x.item() for x in ours] == [x.item() for x in theirs]
    assert all(torch.equal(a, b) for a, b in zip(_state(trainer), _state(twin), strict=True))


def test_a_random_state_from_another_device_seeds_repeatably(small, tmp_path, capsys):
    t = Trainer(small, TrainConfig(**FAST), "cpu")
    t.fit(1, progress=False)
    state = t.state_dict()
    state["rng"] = torch.arange(16, dtype=torch.uint8)  # the size of a CUDA generator's state
    torch.save(state, tmp_path / "c.pt")
    a, b = Trainer.load(tmp_path / "c.pt", small, "cpu"), Trainer.load(tmp_path / "c.pt", small, "cpu")
    assert "saved on another kind of device" in capsys.readouterr().out
    assert a.fit(progress=False) == b.fit(progress=False)
    assert a.epoch == 2 and len(a.history.batch_d) == 6


def test_make_optimizers_is_unchanged_by_the_graph_option():
    from gan_lessons.models import build_gan

    g, d = build_gan("classic")
    for opt in make_optimizers(g, d, TrainConfig(cuda_graph=True)):
        assert isinstance(opt, torch.optim.Adam) and opt.param_groups[0]["capturable"] is False


def test_a_gpu_stopped_by_nan_is_reported_as_divergence(small, tmp_path):
    """On a GPU, BCE meeting NaN stops the GPU ("device-side assert"); fit says what happened and what to do.

    The GPU's own message is imitated here; tests/test_cuda.py makes a GPU diverge for real.
    """
    from gan_lessons.training import TrainingDiverged

    t = Trainer(small, TrainConfig(**FAST), "cpu")
    t.fit(1, progress=False, checkpoint=tmp_path / "c.pt")
    before = (tmp_path / "c.pt").read_bytes()

    def gpu_failure(real, z):
        raise RuntimeError("CUDA error: device-side assert triggered")  # torch.AcceleratorError in new torch

    t._step = gpu_failure
    with pytest.raises(TrainingDiverged, match=r"around epoch 2, batch 1\..*Likely cause.*restart the kernel"):
        t.fit(progress=False, checkpoint=tmp_path / "c.pt")
    assert (tmp_path / "c.pt").read_bytes() == before

    def other_failure(real, z):
        raise RuntimeError("CUDA out of memory")

    t._step = other_failure
    with pytest.raises(RuntimeError, match="out of memory"):
        t.fit(progress=False)
