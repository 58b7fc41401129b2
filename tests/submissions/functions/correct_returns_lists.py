def grad_X(X, K, dY):
    out = [[0.0] * 3 for _ in range(3)]
    for i in range(2):
        for j in range(3):
            out[i][j] += dY[i][j] * K[0][0]
            out[i + 1][j] += dY[i][j] * K[1][0]
    return out


def grad_K(X, K, dY):
    return [[sum(dY[i][j] * X[i + p][j] for i in range(2) for j in range(3))] for p in range(2)]
