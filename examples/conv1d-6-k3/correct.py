"""A correct submission for conv1d-6-k3: `grader grade conv1d-6-k3 <this file>`.

The signal, kernel and output arrive as 1xN arrays: X (1, 6), K (1, 3), dY (1, 4).
y[i] = x[i] k[0] + x[i+1] k[1] + x[i+2] k[2] (0-based).
"""
import numpy as np


def grad_X(X, K, dY):
    x, k, dy = X[0], K[0], dY[0]
    dx = np.zeros_like(x)
    for i in range(dy.size):
        dx[i:i + k.size] += dy[i] * k
    return dx.reshape(X.shape)


def grad_K(X, K, dY):
    x, k, dy = X[0], K[0], dY[0]
    dk = np.array([np.dot(dy, x[p:p + dy.size]) for p in range(k.size)])
    return dk.reshape(K.shape)
