"""One attention head: dV = P^T dO; dP = dO V^T; dS = P * (dP - rowsum(P * dP)); dQ = dS K / sqrt(d), dK = dS^T Q / sqrt(d)."""
import numpy as np


def _p(Q, K):
    s = Q @ K.T / np.sqrt(Q.shape[1])
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _dS(Q, K, V, dO):
    p = _p(Q, K)
    dP = dO @ V.T
    return p * (dP - (p * dP).sum(axis=1, keepdims=True))  # softmax's Jacobian, row by row


def grad_Q(Q, K, V, dO):
    return _dS(Q, K, V, dO) @ K / np.sqrt(Q.shape[1])


def grad_K(Q, K, V, dO):
    return _dS(Q, K, V, dO).T @ Q / np.sqrt(Q.shape[1])


def grad_V(Q, K, V, dO):
    return _p(Q, K).T @ dO
