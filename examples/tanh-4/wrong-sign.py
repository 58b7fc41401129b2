"""Wrong: the derivative taken as tanh(x)^2 - 1, the opposite sign."""
import numpy as np


def grad_x(x, dy):
    return dy * (np.tanh(x) ** 2 - 1.0)
