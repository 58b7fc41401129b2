import numpy as np
import torch


def grad_X(X, K, dY):
    return np.zeros_like(X)
