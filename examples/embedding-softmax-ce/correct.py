"""dL/dz = (p - t)/N per position; each position's row is added into its token's row of the table."""
import numpy as np


def grad_E(E, tokens, T):
    idx = tokens.astype(int)
    z = E[idx]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dE = np.zeros_like(E)
    np.add.at(dE, idx, (p - T) / len(idx))  # a repeated token accumulates
    return dE
