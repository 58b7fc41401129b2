"""Wrong: 2 (t - y) / 3, the sign reversed everywhere."""
import numpy as np


def grad_y(x, W, b, t):
    return 2 * (t - W @ x - b) / t.size


def grad_W(x, W, b, t):
    return np.outer(grad_y(x, W, b, t), x)


def grad_b(x, W, b, t):
    return grad_y(x, W, b, t)
