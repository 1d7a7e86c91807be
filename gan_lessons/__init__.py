"""GAN Lessons: small, tested helpers for the notebooks that teach GANs with MNIST digits.

Each helper's docstring names the lesson that introduces it. Importing this package is
light: the notebooks' widgets (ipywidgets, IPython) load only when a widget is made.

The modules stand in layers. A module imports only from its own layer or the layers below it,
never from a layer above, and no imports go round in a circle (tests/test_layering.py reads every
import, at the top of a file or inside a function, and checks both):

    1. words and checks: i18n, validate
    2. the pieces: data, models, checkpoints, fonts, diagnose
    3. the maths of training: training, resume, graphed, pretrained
    4. the engine: engine
    5. what the lessons show: plots, diagrams, lesson, widgets, toy2d, toy2d_widgets, choose, game,
       live, animation, judge, answer_key, checks, slips, lesson_training, descent, nearest, noise_math,
       doctor
    6. the command line: cli, __main__

The pieces stand alone: data and models use only layer 1. training.py is the maths a learner opens;
engine.py runs it (Trainer, History, stopping) and resume.py checks a checkpoint before it is used.
One name lookup goes up a layer on purpose: `from gan_lessons.training import Trainer` (what the
lessons write) is answered by training's `__getattr__`, which fetches the engine's Trainer when asked.
"""

__version__ = "0.1.0"
