import numpy as np

def grad_X(X, K, dY)
    return X
