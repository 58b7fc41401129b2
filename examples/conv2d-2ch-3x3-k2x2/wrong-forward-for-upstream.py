"""Wrong: the forward output Y is recomputed and used where dC/dY belongs."""
import numpy as np


def _forward(X, K):
    Y = np.zeros((K.shape[0], X.shape[1] - 1, X.shape[2] - 1))
    for o in range(Y.shape[0]):
        for i in range(Y.shape[1]):
            for j in range(Y.shape[2]):
                Y[o, i, j] = np.sum(X[:, i:i + 2, j:j + 2] * K[o])
    return Y


def grad_X(X, K, dY):
    Y = _forward(X, K)
    dX = np.zeros_like(X)
    for o in range(Y.shape[0]):
        for i in range(Y.shape[1]):
            for j in range(Y.shape[2]):
                dX[:, i:i + 2, j:j + 2] += Y[o, i, j] * K[o]
    return dX


def grad_K(X, K, dY):
    Y = _forward(X, K)
    dK = np.zeros_like(K)
    for o in range(Y.shape[0]):
        for i in range(Y.shape[1]):
            for j in range(Y.shape[2]):
                dK[o] += Y[o, i, j] * X[:, i:i + 2, j:j + 2]
    return dK
