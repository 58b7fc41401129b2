import numpy as np


def helper(v):
    return v / 0 if False else 1 // 0


def grad_X(X, K, dY):
    return helper(X)


def grad_K(X, K, dY):
    return X.T @ dY
