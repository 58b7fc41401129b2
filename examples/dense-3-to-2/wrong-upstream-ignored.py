"""Wrong: dC/dW and dC/dx are the local derivatives alone, never multiplied by dC/dy
(as if every dC/dy_i were 1). dC/db is right."""
import numpy as np


def grad_W(x, W, b, dy):
    return np.tile(x, (W.shape[0], 1))


def grad_b(x, W, b, dy):
    return dy.copy()


def grad_x(x, W, b, dy):
    return W.sum(axis=0)
