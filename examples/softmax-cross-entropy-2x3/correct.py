"""Correct: dL/dZ = (softmax(Z) - T) / batch size."""
import numpy as np


def grad_Z(Z, T):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))  # shifted for stability; softmax is unchanged
    p = e / e.sum(axis=1, keepdims=True)
    return (p - T) / Z.shape[0]
