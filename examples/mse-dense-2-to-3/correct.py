"""Correct: dL/dy = 2 (y - t) / 3, then the dense layer's rules."""
import numpy as np


def grad_y(x, W, b, t):
    return 2 * (W @ x + b - t) / t.size


def grad_W(x, W, b, t):
    return np.outer(grad_y(x, W, b, t), x)


def grad_b(x, W, b, t):
    return grad_y(x, W, b, t)
