import numpy as np
from reference.graph import Graph


def grad_X(X, K, dY):
    return np.zeros_like(X)
