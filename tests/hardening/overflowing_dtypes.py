"""Returns values beyond float64 (float128) and huge integers: comparing them must print no
numpy warning on the grader's stderr."""
import numpy as np


def grad_X(X, K, dY):
    return np.full(X.shape, 1e300, dtype=np.longdouble) ** 3


def grad_K(X, K, dY):
    return np.full(K.shape, 2 ** 64 - 1, dtype=np.uint64)
