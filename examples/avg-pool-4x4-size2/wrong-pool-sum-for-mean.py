"""Wrong: the upstream gradient is copied to every entry of its window without the 1/4 of the mean."""
import numpy as np


def grad_X(X, dY):
    return np.repeat(np.repeat(dY, 2, axis=0), 2, axis=1)
