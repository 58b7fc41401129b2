import numpy as np

def grad_X(X, K, dY):
    dX = np.zeros_like(X)
    dX[0:2, :] -= K[0, 0] * dY
    dX[1:3, :] -= K[1, 0] * dY
    return dX

def grad_K(X, K, dY):
    return np.array([[np.sum(dY * X[0:2, :])], [np.sum(dY * X[1:3, :])]])
