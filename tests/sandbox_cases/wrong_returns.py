import numpy as np


def returns_str(X):
    return "the gradient is dY * K"


def returns_none(X):
    pass


def returns_complex(X):
    return X + 1j


def returns_objects(X):
    return [1.0, "two"]


def returns_ragged(X):
    return [[1.0], [1.0, 2.0]]


def returns_ints(X):
    return np.array([[1, 2], [3, 4]])


def returns_bools(X):
    return X > 0


def returns_flat(X):
    return X.ravel()


def returns_float32(X):
    return X.astype(np.float32)


def returns_nested_lists(X):
    return X.tolist()


def mutates_input(X):
    X[...] = -1.0
    return X
