"""dL/dz = (p - t)/N per position; each position's row is added into its token's row of the table."""
import numpy as np


def grad_W(W, tokens, T):
    idx = tokens.astype(int)
    z = W[idx]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dW = np.zeros_like(W)
    np.add.at(dW, idx, (p - T) / len(idx))  # a repeated token accumulates
    return dW
