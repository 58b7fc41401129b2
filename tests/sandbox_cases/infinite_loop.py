def grad_K(X, K, dY):
    return X.T @ dY


def grad_X(X, K, dY):
    while True:
        pass
