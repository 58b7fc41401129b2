# Imports every extension module of the standard library (lib-dynload) and numpy's lazily loaded
# parts: each needs its shared objects in the sandbox's root, found by the allowlist's ldd.
import importlib
import os
import sys

FAILED = []
DYNLOAD = [p for p in sys.path if p.endswith("lib-dynload")]
NAMES = sorted({f.split(".")[0] for d in DYNLOAD for f in os.listdir(d) if f.endswith(".so")})
for name in [*NAMES, "numpy.linalg", "numpy.fft", "numpy.random", "numpy.polynomial", "zlib", "hashlib",
             "decimal", "sqlite3", "ssl"]:
    try:
        importlib.import_module(name)
    except BaseException as exc:
        FAILED.append(f"{name}: {type(exc).__name__}: {exc}")
print("\n".join(FAILED))


def counts(*args):
    return [float(len(NAMES)), float(len(FAILED))]
