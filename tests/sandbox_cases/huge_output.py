import sys


def grad_X(X, K, dY):
    chunk = "x" * (1 << 20)
    for _ in range(100):  # 100 MB on stdout
        sys.stdout.write(chunk)
    sys.stderr.write("e" * (1 << 20))
    return dY @ K.T
