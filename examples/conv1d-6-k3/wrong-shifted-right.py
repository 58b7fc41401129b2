"""Wrong: an off-by-one in dC/dX, each output's gradient lands one position to the right of
the window it read (the last position falls off the end)."""
import numpy as np


def grad_X(X, K, dY):
    x, k, dy = X[0], K[0], dY[0]
    dx = np.zeros(x.size + 1)
    for i in range(dy.size):
        dx[i + 1:i + 1 + k.size] += dy[i] * k
    return dx[:x.size].reshape(X.shape)


def grad_K(X, K, dY):
    x, k, dy = X[0], K[0], dY[0]
    dk = np.array([np.dot(dy, x[p:p + dy.size]) for p in range(k.size)])
    return dk.reshape(K.shape)
