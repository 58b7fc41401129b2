import numpy as np


def grad_X(X, K, dY):
    """dC/dX of Y = X @ K."""
    return dY @ K.T


def grad_K(X, K, dY):
    return X.T @ dY
