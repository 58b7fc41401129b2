import numpy as np


def grad_X(X, K, dY):
    dX = np.zeros((3, 3))
    for i in range(2):
        for j in range(3):
            for p in range(2):
                dX[i + p, j] += dY[i, j] * K[p, 0]
    return dX


def grad_K(X, K, dY):
    dK = np.zeros((2, 1))
    for i in range(2):
        for j in range(3):
            for p in range(2):
                dK[p, 0] += dY[i, j] * X[i + p, j]
    return dK
