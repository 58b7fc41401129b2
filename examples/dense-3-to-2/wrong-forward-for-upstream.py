"""Wrong: the layer's output y = W x + b is used where the upstream gradient dC/dy belongs."""
import numpy as np


def grad_W(x, W, b, dy):
    y = W @ x + b
    return np.outer(y, x)


def grad_b(x, W, b, dy):
    return W @ x + b


def grad_x(x, W, b, dy):
    return W.T @ (W @ x + b)
