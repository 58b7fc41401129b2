import numpy as np

def grad_X(X, K, dY):
    ones = np.ones_like(dY)
    dX = np.zeros_like(X)
    dX[0:2, :] += K[0, 0] * ones
    dX[1:3, :] += K[1, 0] * ones
    return dX

def grad_K(X, K, dY):
    return np.array([[np.sum(dY * X[0:2, :])], [np.sum(dY * X[1:3, :])]])
