"""gan_lessons.models: the classic GAN, layer for layer the reference's."""

import pytest
import torch

from gan_lessons.models import ClassicDiscriminator, ClassicGenerator, build_gan, count_parameters, generate


def test_parameter_counts_match_the_reference():
    assert count_parameters(ClassicGenerator()) == 1_489_936
    assert count_parameters(ClassicDiscriminator()) == 138_817


def test_batchnorm_momentum_is_the_reference_s():
    g, d = build_gan("classic")
    norms = [m for m in [*g.modules(), *d.modules()] if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert len(norms) == 4 and all(m.momentum == 0.8 for m in norms)


@pytest.mark.parametrize("arch", ["classic", "dcgan"])
def test_shapes_and_ranges(arch):
    g, d = build_gan(arch)
    fake = g(torch.randn(5, 100))
    assert fake.shape == (5, 1, 28, 28) and fake.min() >= -1 and fake.max() <= 1
    p = d(fake)
    assert p.shape == (5, 1) and p.min() >= 0 and p.max() <= 1


@pytest.mark.parametrize("bad", [(5, 99), (5, 100, 1), (100,)])
def test_generator_names_expected_and_given_shape(bad):
    with pytest.raises(ValueError, match=r"\(B, 100\).*" + str(bad).replace("(", r"\(").replace(")", r"\)")):
        ClassicGenerator()(torch.randn(bad))


@pytest.mark.parametrize("bad", [(2, 28, 28), (2, 3, 28, 28), (2, 1, 32, 32)])
def test_discriminator_names_expected_and_given_shape(bad):
    with pytest.raises(ValueError, match=r"\(B, 1, 28, 28\)"):
        ClassicDiscriminator()(torch.randn(bad))


def test_unknown_architecture():
    with pytest.raises(ValueError, match="Unknown architecture 'big'.*classic"):
        build_gan("big")


def test_generate_leaves_the_generator_unchanged():
    g = ClassicGenerator().train()
    before = {k: v.clone() for k, v in g.state_dict().items()}
    one = generate(g, torch.randn(1, 100))  # a single digit works in eval mode
    assert one.shape == (1, 1, 28, 28) and g.training
    assert all(torch.equal(before[k], v) for k, v in g.state_dict().items())
