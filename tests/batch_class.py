"""A small class of mixed submissions for the batch tests: what each student handed in."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "conv2d-3x3-k2x1"
EXERCISE = "conv2d-3x3-k2x1"
# The endless loop and the fork bomb are stopped by a CPU limit of one second (SPEC below), which
# no amount of load on the machine changes; the wall limit is one that correct code never
# reaches on a busy machine, so no result depends on how busy the machine is.
TIMEOUT = 120.0

FLIPPED = """import numpy as np
def grad_X(X, K, dY):
    dX = np.zeros_like(X)
    dX[0:2] += K[1, 0] * dY
    dX[1:3] += K[0, 0] * dY
    return dX
def grad_K(X, K, dY):
    return np.array([[np.sum(dY * X[0:2])], [np.sum(dY * X[1:3])]])
"""
ROW2_ANSWERS = """X[1,1]: dy[1,1]*k[1]
X[1,2]: dy[1,2]*k[1]
X[1,3]: dy[1,3]*k[1]
X[2,1]: dy[2,1]*(k[2] + k[1])
X[2,2]: dy[2,2]*(k[2] + k[1])
X[2,3]: dy[2,3]*(k[2] + k[1])
X[3,1]: dy[2,1]*k[2]
X[3,2]: dy[2,2]*k[2]
X[3,3]: dy[2,3]*k[2]
K[1]: sum(dy[n,m]*x[n,m], (n, 1, 2), (m, 1, 3))
K[2]: sum(dy[n,m]*x[n+1,m], (n, 1, 2), (m, 1, 3))
"""
SECRET = "TOP-SECRET-OUTSIDE-THE-CLASS"

# student -> (expected row status, expected score or None when it depends on the sandbox's wording)
EXPECTED = {
    "alice": ("full", 10.0),  # correct code
    "carol": ("full", 10.0),  # correct answers
    "dave": ("partial", None),  # the row-2 mistake in answers (partial credit by the spec's rule)
    "dup": ("full", 10.0),  # carol's file, copied
    "empty": ("zero", 0.0),  # an empty answer file
    "erin": ("full", 10.0),  # a folder holding one file (answers: only code costs a sandbox)
    "evil": ("error", 0.0),  # a symbolic link out of the class folder
    "exiter": ("zero", 0.0),  # exits at import
    "forker": ("zero", 0.0),  # a fork bomb
    "frank": ("partial", None),  # a flipped kernel in code
    "looper": ("zero", 0.0),  # an endless loop
    "mangled": ("zero", 0.0),  # unparseable answers
    "twins": ("error", 0.0),  # a folder with two candidates
}


def make_class(folder: Path) -> Path:
    """Write the class into folder/class (and a secret beside it); returns the class folder."""
    klass = folder / "class"
    klass.mkdir(parents=True)
    shutil.copy(EXAMPLES / "correct.py", klass / "alice.py")
    shutil.copy(EXAMPLES / "correct.yaml", klass / "carol.yaml")
    (klass / "dave.yaml").write_text(ROW2_ANSWERS)
    shutil.copy(EXAMPLES / "correct.yaml", klass / "dup.yaml")
    (klass / "empty.yaml").write_text("")
    (klass / "erin").mkdir()
    shutil.copy(EXAMPLES / "correct.yaml", klass / "erin" / "answers.yaml")
    (folder / "outside.py").write_text(f"# {SECRET}\n" + (EXAMPLES / "correct.py").read_text())
    os.symlink(folder / "outside.py", klass / "evil.py")
    (klass / "exiter.py").write_text("import sys\nsys.exit(3)\n")
    (klass / "forker.py").write_text("import os\nwhile True:\n    os.fork()\n")
    (klass / "frank.py").write_text(FLIPPED)
    (klass / "looper.py").write_text("while True:\n    pass\n")
    (klass / "mangled.md").write_text("$$\\frac{\\partial C}{\\partial x_{1,1}} = (((\\frac{$$\n")
    (klass / "twins").mkdir()
    shutil.copy(EXAMPLES / "correct.py", klass / "twins" / "a.py")
    shutil.copy(EXAMPLES / "correct.yaml", klass / "twins" / "b.yaml")
    (klass / "README").write_text("not a submission: ignored\n")
    return klass


def make_spec(folder: Path) -> Path:
    """The seed exercise with a one-second CPU limit for student code, written into folder."""
    text = (ROOT / "exercises" / f"{EXERCISE}.yaml").read_text(encoding="utf-8")
    limited = re.sub(r"(?m)^limits: \{.*\}$", "limits: {timeout: 10, cpu_seconds: 1, memory_mb: 1024}", text)
    assert limited != text, "the seed spec's limits line moved"
    spec = folder / f"{EXERCISE}.yaml"
    spec.write_text(limited, encoding="utf-8")
    return spec
