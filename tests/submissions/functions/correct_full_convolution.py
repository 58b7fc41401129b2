import numpy as np


def _correlate(a, k):
    h, w = a.shape[0] - k.shape[0] + 1, a.shape[1] - k.shape[1] + 1
    return np.array([[np.sum(a[i:i + k.shape[0], j:j + k.shape[1]] * k) for j in range(w)] for i in range(h)])


def grad_X(X, K, dY):
    # dC/dX is the full convolution of dY with K: pad dY, correlate with the flipped kernel.
    padded = np.pad(dY, ((K.shape[0] - 1, K.shape[0] - 1), (K.shape[1] - 1, K.shape[1] - 1)))
    return _correlate(padded, K[::-1, ::-1])


def grad_K(X, K, dY):
    return _correlate(X, dY)
