"""A correct submission for dense-3-to-2: `grader grade dense-3-to-2 <this file>`.

y = W x + b. dC/dW is the outer product dC/dy x^T, dC/db is dC/dy, dC/dx is W^T dC/dy.
"""
import numpy as np


def grad_W(x, W, b, dy):
    return np.outer(dy, x)


def grad_b(x, W, b, dy):
    return dy.copy()


def grad_x(x, W, b, dy):
    return W.T @ dy
