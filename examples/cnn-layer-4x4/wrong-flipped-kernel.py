"""Wrong: the deep-learning "conv" implemented as a true convolution (the kernel flipped), forward and backward."""
import numpy as np


def _forward(X, K, b):
    kh, kw = K.shape
    Z = np.array([[np.sum(X[i:i + kh, j:j + kw] * K[::-1, ::-1]) for j in range(X.shape[1] - kw + 1)]
                  for i in range(X.shape[0] - kh + 1)]) + b
    return Z, np.maximum(Z, 0.0)


def _dZ(X, K, b, dP):
    Z, A = _forward(X, K, b)
    dA = np.zeros_like(A)
    for a in range(dP.shape[0]):
        for c in range(dP.shape[1]):
            window = A[a:a + 2, c:c + 2]
            i, j = np.unravel_index(np.argmax(window), window.shape)
            dA[a + i, c + j] += dP[a, c]  # += : overlapping windows may share a winner
    return dA * (Z > 0)  # relu'(0) = 0


def grad_K(X, K, b, dP):
    dZ = _dZ(X, K, b, dP)
    kh, kw = K.shape
    return np.array([[np.sum(dZ * X[p:p + dZ.shape[0], q:q + dZ.shape[1]]) for q in range(kw)] for p in range(kh)])[::-1, ::-1]


def grad_b(X, K, b, dP):
    return np.array(_dZ(X, K, b, dP).sum())


def grad_X(X, K, b, dP):
    dZ = _dZ(X, K, b, dP)
    dX = np.zeros_like(X)
    for i in range(dZ.shape[0]):
        for j in range(dZ.shape[1]):
            dX[i:i + K.shape[0], j:j + K.shape[1]] += dZ[i, j] * K[::-1, ::-1]
    return dX
