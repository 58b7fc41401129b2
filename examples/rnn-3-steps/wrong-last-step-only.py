"""Wrong: the shared weights are differentiated at the last step only, as if h_2 and x_1, x_2 were constants."""
import numpy as np


def _states(X, W, U):
    h, states = np.zeros(W.shape[0]), []
    for x in X:
        h = np.tanh(W @ h + U @ x)
        states.append(h)
    return states


def grad_W(X, W, U, dY):
    states = _states(X, W, U)
    return np.outer(dY * (1 - states[-1] ** 2), states[-2])


def grad_U(X, W, U, dY):
    states = _states(X, W, U)
    return np.outer(dY * (1 - states[-1] ** 2), X[-1])
