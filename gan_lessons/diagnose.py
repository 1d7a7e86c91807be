"""Why training blew up: the likely cause, read from the settings of the run (lesson 05).

When the losses become NaN or infinite, the learning rate is the usual suspect, but not the only
one: a huge gradient penalty (r1) or a checkpoint whose optimizer state was damaged does it too.
`likely_cause` names the one the settings point at, with the fix, so the message blames the right thing.
"""

from __future__ import annotations

from . import validate as check
from .i18n import tr

USUAL_LR = 2e-4  # the reference program's learning rate
HIGH_LR = 1e-2  # fifty times the usual: Adam's steps are then too big for a GAN
HIGH_R1 = 1e3  # the gradient penalty's weight is usually 1 to 10


def likely_cause(config: object, resumed: bool = False) -> str:
    """Lesson 05: the likely cause of a blow-up under CONFIG (a TrainConfig), and how to fix it, in one sentence.

    RESUMED: the run went on from a checkpoint, whose saved optimizer state may be damaged.
    """
    lr, r1 = getattr(config, "lr", None), getattr(config, "r1", None)
    if not (check.is_number(lr) and check.is_number(r1)):
        raise TypeError(tr("likely_cause needs a TrainConfig (with numbers lr and r1); got {kind}.",
                           kind=type(config).__name__))  # fmt: skip
    check.kind(resumed, "resumed", bool, tr("True or False"), error=TypeError)
    causes = []
    if r1 > HIGH_R1:
        causes.append(tr("the gradient penalty r1 = {r1:g} is far larger than the usual 1 to 10; use r1 = 1 "
                         "(--r1 1)", r1=r1))  # fmt: skip
    if lr > HIGH_LR:
        causes.append(tr("the learning rate lr = {lr:g} is far larger than the usual {usual:g}; use lr = {usual:g} "
                         "(--lr {usual:g})", lr=lr, usual=USUAL_LR))  # fmt: skip
    if causes:
        return tr("Likely cause: {causes}.", causes=tr("; and ").join(causes))
    if resumed:
        return tr("Likely cause: the checkpoint this run continued from holds a damaged optimizer state (its settings "
                  "lr = {lr:g} and r1 = {r1:g} are usual). Start a new run (--restart), or resume from an earlier "
                  "copy of the checkpoint.", lr=lr, r1=r1)  # fmt: skip
    return tr(
        "Likely cause: the learning rate lr = {lr:g} is too high for this run, or it was bad luck. Try a smaller "
        "one, such as lr = {smaller:g} (--lr {smaller:g}), or another seed.",
        lr=lr,
        smaller=lr / 10,
    )
