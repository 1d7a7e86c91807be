"""GAN Lessons: small, tested helpers for the notebooks that teach GANs with MNIST digits.

Each helper's docstring names the lesson that introduces it. Importing this package is
light: the notebooks' widgets (ipywidgets, IPython) load only when a widget is made.
"""

__version__ = "0.1.0"
