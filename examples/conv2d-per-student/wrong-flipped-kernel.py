"""Wrong: dC/dX uses the kernel upside down (kernel row p where row KH-1-p belongs), as a true
convolution would; dC/dK is right."""
import numpy as np


def grad_X(X, K, dY):
    dX = np.zeros_like(X)
    kh = K.shape[0]
    for p in range(kh):
        dX[p:p + dY.shape[0], :] += K[kh - 1 - p, 0] * dY
    return dX


def grad_K(X, K, dY):
    return np.array([[np.sum(dY * X[p:p + dY.shape[0], :])] for p in range(K.shape[0])])
