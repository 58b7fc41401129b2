"""The seed's mistake, as code: row 2 of dC/dX uses only dC/dy_{2,j}, times (k_1 + k_2)."""
import numpy as np


def grad_X(X, K, dY):
    k1, k2 = K[0, 0], K[1, 0]
    dX = np.zeros_like(X)
    dX[0, :] = dY[0, :] * k1
    dX[1, :] = dY[1, :] * (k1 + k2)
    dX[2, :] = dY[1, :] * k2
    return dX


def grad_K(X, K, dY):
    return np.array([[np.sum(dY * X[0:2, :])], [np.sum(dY * X[1:3, :])]])
