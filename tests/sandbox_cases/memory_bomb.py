def grad_K(X, K, dY):
    return X.T @ dY


def grad_X(X, K, dY):
    hog = []
    while True:
        hog.append(bytearray(50 * 1024 * 1024))
