"""`grader serve`: a local web page to try answers, see how they were read, and review a class.

The optional `web` extra (Starlette and uvicorn) provides the server; everything it shows comes
from the library: exercises from `spec.load`, grading from the batch workers (`batch/worker.py`,
the same pipeline `grader grade` runs), reports from the HTML and JSON renderers. Pages are built
as `xml.etree` trees like the HTML report, so student text only ever becomes escaped text.
"""
from __future__ import annotations

from ..errors import GraderError

EXTRA_HINT = "grader serve needs the web extra: pip install 'backprop-grader[web]'"


def require_web() -> None:
    """Raises GraderError (exit 2) saying which extra to install when Starlette or uvicorn is missing."""
    try:
        import latex2mathml  # noqa: F401  (the statements' LaTeX as MathML)
        import python_multipart  # noqa: F401  (Starlette's form parser)
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise GraderError(EXTRA_HINT) from None
