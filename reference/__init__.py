"""The op library and the reference solver.

Importing the package registers every op (`reference/ops.py` is the interface and registry;
the op modules below register themselves into it), so `reference.ops.OPS` is complete
whichever module of the package is imported first. A new module of ops is one line here.
"""
from . import elementwise, indexed, nonlinear  # noqa: F401  (they register their ops)
