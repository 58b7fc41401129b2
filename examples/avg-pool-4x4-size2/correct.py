"""A correct submission for avg-pool-4x4-size2: `grader grade avg-pool-4x4-size2 <this file>`.

Each output is the mean of a 2x2 window, so each of the window's four entries receives a
quarter of that output's upstream gradient.
"""
import numpy as np


def grad_X(X, dY):
    return np.kron(dY, np.ones((2, 2))) / 4.0
