"""Correct: backpropagation through dense -> relu -> dense -> MSE, one layer at a time."""
import numpy as np


def _forward(x, W, b, V, c):
    h = W @ x + b
    a = np.maximum(h, 0.0)
    return h, a, V @ a + c


def grad_y(x, W, b, V, c, t):
    _, _, y = _forward(x, W, b, V, c)
    return 2 * (y - t) / t.size


def grad_V(x, W, b, V, c, t):
    _, a, _ = _forward(x, W, b, V, c)
    return np.outer(grad_y(x, W, b, V, c, t), a)


def grad_h(x, W, b, V, c, t):
    h, _, _ = _forward(x, W, b, V, c)
    return (V.T @ grad_y(x, W, b, V, c, t)) * (h > 0)  # relu'(0) = 0


def grad_W(x, W, b, V, c, t):
    return np.outer(grad_h(x, W, b, V, c, t), x)
