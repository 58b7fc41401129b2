"""A correct submission for tanh-4: `grader grade tanh-4 <this file>`.

tanh'(x) = 1 - tanh(x)^2, times the upstream gradient.
"""
import numpy as np


def grad_x(x, dy):
    return dy * (1.0 - np.tanh(x) ** 2)
