"""Complete answer files for the 28x28 exercise, written the way a student would."""
from __future__ import annotations

from pathlib import Path

import yaml


def conv_answers(h=28, w=28, kh=5, kw=5, wrong_rows=(), latex=False, flipped=False):
    """Per-entry answers for valid cross-correlation, plain or LaTeX; rows in `wrong_rows`
    (1-based) of dC/dX get the seed's mistake: every path given the same upstream gradient;
    with `flipped`, every entry uses the kernel rotated by 180 degrees (the convolution mistake)."""
    ho, wo = h - kh + 1, w - kw + 1
    answers = {}
    for i in range(1, h + 1):
        for j in range(1, w + 1):
            terms = []
            for p in range(1, kh + 1):
                for q in range(1, kw + 1):
                    a, b = i - p + 1, j - q + 1
                    if 1 <= a <= ho and 1 <= b <= wo:
                        up = (min(i, ho), min(j, wo)) if i in wrong_rows else (a, b)
                        p, q = (kh + 1 - p, kw + 1 - q) if flipped else (p, q)
                        terms.append(f"\\frac{{\\partial C}}{{\\partial y_{{{up[0]},{up[1]}}}}} k_{{{p},{q}}}"
                                     if latex else f"dy[{up[0]},{up[1]}]*k[{p},{q}]")
            answers[f"X[{i},{j}]"] = " + ".join(terms) or "0"
    for p in range(1, kh + 1):
        for q in range(1, kw + 1):
            fp, fq = (kh + 1 - p, kw + 1 - q) if flipped else (p, q)
            answers[f"K[{p},{q}]"] = f"sum(dy[a,b]*x[a+{fp - 1},b+{fq - 1}], (a, 1, {ho}), (b, 1, {wo}))"
    return answers


def write_answers(path: Path, **kwargs) -> Path:
    path.write_text(yaml.safe_dump(conv_answers(**kwargs), width=10**6), encoding="utf-8")
    return path
