"""GELU'(z) = Phi(z) + z phi(z), Phi the normal distribution function, phi its density."""
import math

import numpy as np


def grad_z(z, dy):
    cdf = 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
    pdf = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return dy * (cdf + z * pdf)
