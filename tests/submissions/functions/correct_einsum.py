import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def grad_K(X, K, dY):
    windows = sliding_window_view(X, K.shape)  # (2, 3, 2, 1)
    return np.einsum("ij,ijpq->pq", dY, windows)


def grad_X(X, K, dY):
    dX = np.zeros_like(X)
    for p in range(K.shape[0]):
        for q in range(K.shape[1]):
            dX[p:p + dY.shape[0], q:q + dY.shape[1]] += K[p, q] * dY
    return dX
