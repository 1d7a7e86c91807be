"""Lesson 09's dial (InfoGAN's code): read from the noise, guessed by the detective, learned by both players."""

import copy
import math

import pytest
import torch

from gan_lessons.checkpoints import CheckpointError, save_atomic
from gan_lessons.cli import main
from gan_lessons.data import to_model_range
from gan_lessons.models import (
    DCGANDiscriminator,
    DCGANGenerator,
    build_gan,
    count_parameters,
    generate,
    make_noise,
    read_dial,
)
from gan_lessons.pretrained import load_discriminator, load_generator, save_generator
from gan_lessons.training import (
    ConfigError,
    TrainConfig,
    Trainer,
    dial_loss,
    make_optimizers,
    measure_batchnorm,
    recipe,
    train_step,
)


def test_the_dial_is_where_the_first_numbers_peak_counting_from_zero():
    z = torch.zeros(3, 100)
    z[0, 0], z[1, 7], z[2, 12] = 1.0, 1.0, 5.0  # row 2 peaks outside the first ten: only they count
    z[2, 4] = 0.5
    assert read_dial(z, 10).tolist() == [0, 7, 4]
    assert read_dial(z, 3).tolist() == [0, 0, 0]  # nothing above 0 among the first three: position 0 (the first)


def test_a_dial_adds_one_input_per_position_to_the_forger_and_one_answer_per_position_to_the_detective():
    g, d = build_gan("dcgan", dial=10)
    assert (g.dial, d.dial) == (10, 10)
    assert count_parameters(g) == count_parameters(DCGANGenerator()) + 10 * 1024  # the plan's first layer, no bias
    assert count_parameters(d) == count_parameters(DCGANDiscriminator()) + 256 * 10 + 10  # Linear(256 -> 10)
    plain_g, plain_d = build_gan("dcgan")
    assert (plain_g.dial, plain_d.dial, hasattr(plain_d, "guess")) == (0, 0, False)


def test_the_forger_gets_the_dial_as_a_one_hot_row_after_its_noise():
    torch.manual_seed(0)
    g = DCGANGenerator(dial=10).eval()
    z = make_noise(6, seed=1)  # (6, 100)
    row = torch.nn.functional.one_hot(z[:, :10].argmax(dim=1), 10).float()  # (6, 10)
    by_hand = g.grow(g.project(torch.cat([z, row], dim=1)).view(-1, 64, 7, 7))
    assert torch.equal(g(z), by_hand)
    with torch.no_grad():
        g.project[0].weight[:, :100] = 0  # the noise itself now counts for nothing: only the dial is left
    turned = z.clone()
    turned[:, 3] = turned[:, :10].max(dim=1).values + 1  # every row's dial at position 3
    same = g(turned)
    assert torch.allclose(same, same[:1].expand_as(same)), "the same dial, the same digit"
    assert not torch.allclose(g(z)[0], same[0]), "another position, another digit"


def test_the_detective_answers_and_guesses_in_one_look():
    torch.manual_seed(0)
    d = DCGANDiscriminator(dial=10).eval()
    x = torch.rand(5, 1, 28, 28) * 2 - 1  # (5, 1, 28, 28)
    answer, guess = d.answer_and_guess(x)
    assert torch.equal(answer, d(x)) and guess.shape == (5, 10)
    with pytest.raises(ValueError, match="no dial to guess"):
        DCGANDiscriminator().answer_and_guess(x)
    with pytest.raises(ValueError, match=r"\(B, 1, 28, 28\)"):
        d.answer_and_guess(torch.zeros(5, 784))


def test_the_dial_loss_is_the_cross_entropy_of_the_guess_against_the_dial():
    z = make_noise(4, seed=3)
    blind = torch.zeros(4, 10)  # the same score for every position
    assert dial_loss(blind, z).item() == pytest.approx(math.log(10))
    sure = torch.full((4, 10), -20.0)
    sure[torch.arange(4), read_dial(z, 10)] = 20.0  # very sure of the right position
    assert dial_loss(sure, z).item() < 1e-6
    wrong = torch.full((4, 10), -20.0)
    wrong[torch.arange(4), (read_dial(z, 10) + 1) % 10] = 20.0  # very sure of a wrong one
    assert dial_loss(wrong, z).item() > 30


def test_a_few_steps_teach_the_detective_to_read_the_dial(small):
    torch.manual_seed(0)
    g, d = build_gan("dcgan", dial=10)
    opt_g, opt_d = make_optimizers(g, d, TrainConfig(arch="dcgan", lr=3e-3, dial=10))
    real = to_model_range(small.images[:32])  # (32, 1, 28, 28)

    def how_wrong() -> float:
        z = make_noise(256, seed=99)
        with torch.no_grad():
            d.eval(), g.eval()
            loss = dial_loss(d.answer_and_guess(g(z))[1], z).item()
            d.train(), g.train()
        return loss

    before = how_wrong()
    for step in range(60):
        train_step(g, d, opt_g, opt_d, real, make_noise(32, seed=step))
    assert before > 2.0 and how_wrong() < 0.5 * before, (before, how_wrong())


def test_the_detectives_guess_learns_and_the_reported_loss_leaves_the_dial_out(small):
    real = to_model_range(small.images[:16])  # (16, 1, 28, 28)
    z = make_noise(16, seed=4)
    torch.manual_seed(0)
    g, d = build_gan("dcgan", dial=10)
    opt_g, opt_d = make_optimizers(g, d, TrainConfig(arch="dcgan", dial=10))
    ones, zeros = torch.ones(16, 1), torch.zeros(16, 1)
    bce = torch.nn.functional.binary_cross_entropy
    with torch.no_grad():  # the game's loss alone, from the same networks the step starts with
        game = bce(copy.deepcopy(d)(real), ones) + bce(copy.deepcopy(d)(copy.deepcopy(g)(z)), zeros)
    guess_before = d.guess.weight.detach().clone()
    d_loss, _ = train_step(g, d, opt_g, opt_d, real, z)
    assert torch.allclose(d_loss, game), "the loss reported is the game's, without the dial's"
    assert not torch.equal(d.guess.weight, guess_before), "the detective's guess learned from the dial's loss"


def test_a_dial_is_for_the_dcgan_only_and_a_whole_number_of_positions():
    with pytest.raises(ConfigError, match="Only the 'dcgan' architecture has a dial"):
        TrainConfig(arch="classic", dial=10)
    with pytest.raises(ConfigError, match="dial must be a whole number"):
        TrainConfig(arch="dcgan", dial=101)
    with pytest.raises(ConfigError, match="dial must be a whole number"):
        TrainConfig(arch="dcgan", z_dim=5, dial=10)  # a dial reads the first numbers of the noise: at most z_dim
    with pytest.raises(ValueError, match="Only the 'dcgan' architecture has a dial"):
        build_gan("conditional", dial=10)
    with pytest.raises(TypeError, match="dial must be a whole number from 0 to 100, such as 10"):
        build_gan("dcgan", dial=2.5)
    assert recipe("dcgan")["dial"] == 10 and recipe("classic")["dial"] == recipe("conditional")["dial"] == 0


@pytest.fixture(scope="module")
def dial_run(small, tmp_path_factory):
    """A DCGAN with a dial, trained 2 batches of epoch 1 and saved mid-epoch, with the trainer."""
    trainer = Trainer(small, TrainConfig(arch="dcgan", epochs=2, batch_size=32, max_batches=4, dial=10, ema=0.9))
    trainer.fit(seconds=1e-9, progress=False)  # one batch, then the time is up: mid-epoch
    return trainer, trainer.save(tmp_path_factory.mktemp("dial") / "checkpoint.pt")


def test_a_checkpoint_with_a_dial_resumes_exactly(small, dial_run):
    trainer, path = dial_run
    again = Trainer.load(path, small, "cpu")
    assert again.config.dial == 10 and again.generator.dial == again.discriminator.dial == 10
    straight = Trainer(small, TrainConfig(arch="dcgan", epochs=2, batch_size=32, max_batches=4, dial=10, ema=0.9))
    assert again.fit(progress=False) == straight.fit(progress=False)
    for a, b in zip(again.generator.parameters(), straight.generator.parameters(), strict=True):
        assert torch.equal(a, b)


def test_generator_and_detective_files_keep_the_dial(dial_run, tmp_path):
    trainer, path = dial_run
    z = make_noise(8, seed=0)
    from_checkpoint = load_generator(path)
    assert from_checkpoint.dial == 10 and torch.equal(generate(from_checkpoint, z), generate(trainer.drawer, z))
    shipped_like = save_generator(trainer.drawer, "dcgan", tmp_path / "g.pt", half=False)
    assert torch.load(shipped_like, weights_only=True)["dial"] == 10
    assert torch.equal(generate(load_generator(shipped_like), z), generate(trainer.drawer, z))
    detective = load_discriminator(path)
    assert detective.dial == 10 and torch.equal(detective.guess.weight, trainer.discriminator.guess.weight)


@pytest.mark.parametrize("dial", [-1, 2.5, "10", 101])
def test_a_generator_file_with_a_bad_dial_is_refused(dial_run, tmp_path, dial):
    trainer, _ = dial_run
    obj = torch.load(save_generator(trainer.drawer, "dcgan", tmp_path / "g.pt"), weights_only=True)
    save_atomic({**obj, "dial": dial}, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match="its dial is"):
        load_generator(tmp_path / "bad.pt")


def test_the_command_line_trains_the_dcgan_with_its_recipes_dial_or_the_one_given(tmp_path, capsys):
    for given, dial in [([], 10), (["--dial", "0"], 0)]:
        out = tmp_path / f"run{dial}"
        args = ["train", "--arch", "dcgan", "--epochs", "1", "--max-batches", "2", "--out", str(out), "--quiet"]
        assert main([*args, *given]) == 0
        assert torch.load(out / "checkpoint.pt", weights_only=True)["config"]["dial"] == dial
        assert load_generator(out / "checkpoint.pt").dial == dial
    with pytest.raises(SystemExit) as stopped:
        main(["train", "--arch", "classic", "--dial", "10", "--out", str(tmp_path / "c"), "--quiet"])
    assert stopped.value.code == 2
    assert "Only the 'dcgan' architecture has a dial; use dial=0 with 'classic'." in capsys.readouterr().err


def test_the_forger_learns_to_make_the_dial_easy_to_guess(small):
    torch.manual_seed(0)
    g, d = build_gan("dcgan", dial=10)
    with torch.no_grad():
        d.net[-2].weight.zero_()  # the detective always answers 0.5: the game alone teaches the forger nothing
    opt_g, opt_d = make_optimizers(g, d, TrainConfig(arch="dcgan", lr=3e-3, dial=10))
    for group in opt_d.param_groups:
        group["lr"] = 0.0  # and the detective never changes: only the dial's loss can move the forger
    real = to_model_range(small.images[:32])  # (32, 1, 28, 28)
    z_test = make_noise(256, seed=99)

    def how_wrong() -> float:
        with torch.no_grad():
            g.eval()
            loss = dial_loss(d.eval().answer_and_guess(g(z_test))[1], z_test).item()
            g.train(), d.train()
        return loss

    before = how_wrong()
    for step in range(40):
        train_step(g, d, opt_g, opt_d, real, make_noise(32, seed=step))
    assert how_wrong() < 0.5 * before, (before, how_wrong())


def test_measure_batchnorm_gives_the_average_the_statistics_of_its_own_weights(dial_run):
    trainer, _ = dial_run
    average = copy.deepcopy(trainer.average).eval()
    first = average.project[1]  # the BatchNorm after the plan's first layer, Linear(110 -> 1024)
    copied = first.running_mean.clone()  # the forger's, copied by update_average
    assert measure_batchnorm(average, batches=3, batch_size=64, seed=5) is average
    assert not average.training and first.momentum == 0.1, "its mode and momentum come back"
    z = make_noise(3 * 64, seed=5)  # the same noise, in one go
    before_norm = average.project[0](torch.cat([z, torch.nn.functional.one_hot(read_dial(z, 10), 10).float()], 1))
    assert torch.allclose(first.running_mean, before_norm.mean(dim=0), atol=1e-5), "the plain mean of all batches"
    assert not torch.allclose(first.running_mean, copied, atol=1e-3)
    again = measure_batchnorm(copy.deepcopy(trainer.average), batches=3, batch_size=64, seed=5)
    assert torch.equal(again.project[1].running_var, first.running_var), "the same seed, the same statistics"
    with pytest.raises(ValueError, match="batch_size"):
        measure_batchnorm(average, batch_size=1)  # BatchNorm learns nothing from one picture
