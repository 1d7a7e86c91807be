"""The command line: train for a few batches, sample, and clear usage errors."""

import subprocess
import sys

import pytest
import torch

from gan_lessons.cli import main


def run_cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "gan_lessons", *args], capture_output=True, text=True, **kw)


def test_train_then_sample_writes_files_of_the_right_shapes(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--epochs", "2", "--max-batches", "2", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "built-in sample" in printed and "Epoch [2/2]" in printed
    assert (out / "checkpoint.pt").exists() and (out / "generated_images_epoch_2.png").exists()
    assert (out / "history.csv").read_text().splitlines()[0] == "epoch,d_loss,g_loss"
    assert len((out / "history.csv").read_text().splitlines()) == 3
    pt, png = tmp_path / "s.pt", tmp_path / "s.png"
    assert main(["sample", "--checkpoint", str(out / "checkpoint.pt"), "--n", "10", "--out", str(pt),
                 "--png", str(png)]) == 0  # fmt: skip
    digits = torch.load(pt, weights_only=True)
    assert digits.shape == (10, 1, 28, 28) and digits.dtype == torch.uint8
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resume_continues_to_the_asked_epochs(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert main(["train", "--epochs", "1", "--max-batches", "2", "--out", out, "--quiet"]) == 0
    assert main(["train", "--epochs", "2", "--max-batches", "2", "--out", out, "--quiet", "--resume"]) == 0
    assert "Resuming" in capsys.readouterr().out
    assert len((tmp_path / "run" / "history.csv").read_text().splitlines()) == 3


def test_train_keeps_a_running_average_when_asked(tmp_path):
    import torch

    out = tmp_path / "run"
    assert main(["train", "--arch", "dcgan", "--epochs", "1", "--max-batches", "2", "--batch-size", "32",
                 "--ema", "0.99", "--out", str(out), "--quiet"]) == 0  # fmt: skip
    state = torch.load(out / "checkpoint.pt", weights_only=True)
    assert state["config"]["ema"] == 0.99 and state["average"] is not None


def test_train_adds_the_gradient_penalty_when_asked(tmp_path):
    import torch

    out = tmp_path / "run"
    assert main(["train", "--arch", "dcgan", "--epochs", "1", "--max-batches", "2", "--batch-size", "32",
                 "--r1", "0.5", "--out", str(out), "--quiet"]) == 0  # fmt: skip
    assert torch.load(out / "checkpoint.pt", weights_only=True)["config"]["r1"] == 0.5


@pytest.mark.parametrize(
    "args, message",
    [(["train", "--lr", "-1"], "--lr: expected a learning rate > 0"),
     (["train", "--batch-size", "0"], "--batch-size: expected a whole number from 1 to 1,000,000"),
     (["train", "--epochs", "-3"], "--epochs: expected a whole number from 0 to"),
     (["train", "--arch", "huge"], "invalid choice: 'huge'"),
     (["train", "--ema", "1"], "--ema: expected a number in [0, 1)"),
     (["train", "--r1", "-1"], "--r1: expected a number >= 0"),
     (["sample", "--n", "4", "--out", "x.pt"], "one of the arguments --checkpoint --pretrained is required"),
     (["dance"], "invalid choice: 'dance'")],
)  # fmt: skip
def test_bad_arguments_are_usage_errors(args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_bad_checkpoint_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.pt"
    bad.write_text("hello")
    result = run_cli("sample", "--checkpoint", str(bad), "--out", str(tmp_path / "s.pt"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is not a checkpoint file" in result.stderr


# --- One source of defaults and ranges (issue #23); the command line in Chinese (issue #22) ------------------------


def test_the_command_line_takes_every_default_and_range_from_the_config():
    import dataclasses

    from gan_lessons import cli
    from gan_lessons.training import MAX_BATCHES, ConfigError, TrainConfig

    parsed = vars(cli.build_parser().parse_args(["train"]))
    for f in dataclasses.fields(TrainConfig):
        if f.name in parsed and f.name not in cli.RECIPE_FLAGS:
            assert parsed[f.name] == f.default, f"--{f.name}'s default differs from TrainConfig's"
        elif f.name in parsed:
            assert parsed[f.name] is None, f"--{f.name} left out must come from the recipe"
    with pytest.raises(ConfigError, match="max_batches must be None or a whole number from 1 to 1,000,000,000"):
        TrainConfig(max_batches=MAX_BATCHES + 1)
    for flag, value in [("--max-batches", MAX_BATCHES + 1), ("--lr", 0), ("--ema", 1), ("--r1", -1)]:
        with pytest.raises(SystemExit):
            cli.build_parser().parse_args(["train", flag, str(value)])
    assert cli.build_parser().parse_args(["train", "--max-batches", str(MAX_BATCHES)]).max_batches == MAX_BATCHES


@pytest.mark.parametrize("arch", ["classic", "dcgan", "conditional"])
def test_settings_left_out_come_from_the_arch_recipe_and_given_ones_win(arch, capsys):
    import dataclasses

    from gan_lessons import cli
    from gan_lessons.training import RECIPES, ConfigError, TrainConfig, recipe

    args = cli.build_parser().parse_args(["train", "--arch", arch])
    cli.fill_recipe(args)
    wanted = {f.name: f.default for f in dataclasses.fields(TrainConfig)} | RECIPES[arch]
    assert {name: getattr(args, name) for name in cli.RECIPE_FLAGS} == {name: wanted[name] for name in cli.RECIPE_FLAGS}
    assert recipe(arch)["seed"] == 42 and "arch" not in recipe(arch)
    with pytest.raises(ConfigError, match="arch"):
        recipe("dcgann")
    args = cli.build_parser().parse_args(["train", "--arch", arch, "--lr", "5e-4", "--epochs", "2"])
    cli.fill_recipe(args)
    assert (args.lr, args.epochs, args.batch_size) == (5e-4, 2, wanted["batch_size"])
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["train", "--help"])
    shown = capsys.readouterr().out
    assert f"  {arch:<12} --epochs {wanted['epochs']} --batch-size {wanted['batch_size']}" in shown


def _run(args, env_lang, tmp_path):
    import os

    env = {**os.environ, "GAN_LESSONS_LANG": env_lang, "GAN_LESSONS_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "gan_lessons", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path)  # fmt: skip


def test_the_command_line_speaks_the_chosen_language(tmp_path):
    said = _run(["sample", "--pretrained", "classic", "--n", "2", "--out", "s.pt", "--digit", "3"], "zh-CN", tmp_path)
    assert said.returncode == 2 and "--digit 需要一个条件生成器" in said.stderr, said.stderr
    said = _run(["sample", "--pretrained", "classic", "--n", "2", "--out", "s.pt"], "zh-CN", tmp_path)
    assert said.returncode == 0 and "已把 2 个数字写入 s.pt" in said.stdout
    said = _run(["train", "--lr", "-1"], "zh-CN", tmp_path)
    assert said.returncode == 2 and "应该是一个大于 0 的学习率" in said.stderr


def test_an_unknown_language_falls_back_to_english_with_one_line(tmp_path):
    said = _run(["sample", "--pretrained", "classic", "--n", "2", "--out", "s.pt"], "xx", tmp_path)
    assert said.returncode == 0 and "Traceback" not in said.stderr
    assert "Wrote 2 digits to s.pt" in said.stdout
    lines = [line for line in said.stderr.splitlines() if "GAN_LESSONS_LANG" in line]
    assert len(lines) == 1 and "'xx' is not a language gan-lessons speaks; using English" in lines[0]
