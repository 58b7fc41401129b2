"""A correct submission for sigmoid-4: `grader grade sigmoid-4 <this file>`.

sigma'(x) = sigma(x) (1 - sigma(x)), times the upstream gradient.
"""
import numpy as np


def grad_x(x, dy):
    s = 1.0 / (1.0 + np.exp(-x))
    return dy * s * (1.0 - s)
