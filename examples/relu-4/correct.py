"""A correct submission for relu-4: `grader grade relu-4 <this file>`.

ReLU passes the upstream gradient where x > 0 and blocks it where x <= 0 (ReLU'(0) = 0, as
PyTorch defines it; an integer trial may draw x = 0).
"""
import numpy as np


def grad_x(x, dy):
    return dy * (x > 0)
