"""Wrong: the skip connection is forgotten; x gets its gradient through the ReLU layer only."""
import numpy as np

EPS = 1e-5


def _dr(x, W, dy):
    r = x + np.maximum(W @ x, 0.0)
    s = np.sqrt(r.var() + EPS)
    xh = (r - r.mean()) / s
    return (dy - dy.mean() - xh * (dy * xh).mean()) / s


def grad_W(x, W, dy):
    return np.outer(_dr(x, W, dy) * (W @ x > 0), x)  # relu'(0) = 0


def grad_x(x, W, dy):
    dr = _dr(x, W, dy)
    return W.T @ (dr * (W @ x > 0))
