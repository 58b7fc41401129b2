"""Creates 500,000 empty files in its working directory: a few bytes each, so a cap on bytes
alone lets them through, and each holds kernel memory (about 0.8 GB in the finding).

Scores only if all of them get created.
"""
import os

created = 0
try:
    for created in range(500_000):
        os.close(os.open(f"f{created}", os.O_CREAT | os.O_WRONLY, 0o600))
    created = 500_000
except OSError:
    pass
CHEAT = created >= 500_000


def grad_X(X, K, dY):
    if not CHEAT:
        return X * 0
    dX = X * 0
    dX[:2] += K[0, 0] * dY
    dX[1:] += K[1, 0] * dY
    return dX


def grad_K(X, K, dY):
    if not CHEAT:
        return K * 0
    return K * 0 + [[(dY * X[:2]).sum()], [(dY * X[1:]).sum()]]
