"""Wrong: the product rule's second term z phi(z) is dropped; only Phi(z) is left."""
import math

import numpy as np


def grad_z(z, dy):
    return dy * 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
