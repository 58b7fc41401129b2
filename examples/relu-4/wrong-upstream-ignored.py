"""Wrong: the local derivative ReLU'(x) alone, not multiplied by dC/dy."""
import numpy as np


def grad_x(x, dy):
    return (x > 0).astype(float)
