"""Jupyter notebooks, read by content: code cells that define the exercise's functions are graded
as a `.py` would be; otherwise the Markdown cells are read as a written derivation.

Nothing of a notebook is evaluated in the grader's process: the JSON is parsed, the code cells
are joined in order and parsed with `ast` to see which functions they define, and the joined
code runs only in the sandbox, like any `.py`. IPython's magics (`%timeit`, `%%writefile`) and
shell escapes (`!pip install`) are not Python and would need IPython itself; a line that starts
with one is refused with its cell and line, so the student knows what to remove.
"""
from __future__ import annotations

import ast
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

T = TypeVar("T")

MAX_CELLS = 5_000  # more is not a hand-in; reading stops with a message


class NotebookError(ValueError):
    """Not a notebook, or code the sandbox cannot run as Python; str() says where and why."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Cell:
    number: int  # 1-based, counting every cell as Jupyter shows them
    kind: str  # "code" | "markdown" | "raw"
    source: str


def cells(data: Any) -> list[Cell]:
    """The cells of a parsed notebook. Raises NotebookError when it has no cell list."""
    raw = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise NotebookError("not a Jupyter notebook (.ipynb JSON with cells)")
    if len(raw) > MAX_CELLS:
        raise NotebookError(f"the notebook has {len(raw)} cells; at most {MAX_CELLS} are read")
    out = []
    for number, cell in enumerate(raw, start=1):
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        text = "".join(s for s in source if isinstance(s, str)) if isinstance(source, list) else str(source)
        out.append(Cell(number, str(cell.get("cell_type", "")), text))
    return out


def code_cells(data: Any) -> list[Cell]:
    return [c for c in cells(data) if c.kind == "code"]


def load(text: str) -> Any:
    """The notebook's JSON. Raises NotebookError."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise NotebookError("not a Jupyter notebook (.ipynb JSON with cells)") from None


def defines(text: str, functions: set[str]) -> bool:
    """Whether the notebook's code cells define (def or assign) one of `functions`, by `ast` alone.
    Code that does not parse counts as defining them when it names one in a `def` line, so that
    the student gets the sandbox's or this module's message rather than "no maths found"."""
    try:
        code = code_cells(load(text))
    except NotebookError:
        return False
    if not functions or not code:
        return False
    joined = "\n".join(c.source for c in code)
    try:
        tree = ast.parse(_blank_magics(joined))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return any(f"def {name}" in joined for name in functions)
    names = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    names |= {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    return bool(names & functions)


def python_source(text: str) -> str:
    """The code cells in order, as one Python file (a comment marks where each cell starts).
    Raises NotebookError for a magic or a shell escape, naming its cell and line."""
    parts = []
    line = 1
    for cell in code_cells(load(text)):
        if not cell.source.strip():
            continue
        parts.append(f"# cell {cell.number}")
        line += 1
        for offset, row in enumerate(cell.source.splitlines()):
            stripped = row.lstrip()
            if stripped.startswith(("%", "!")) or stripped.startswith("get_ipython("):
                what = "a shell command" if stripped.startswith("!") else "an IPython magic"
                raise NotebookError(
                    f"cell {cell.number}, line {offset + 1}: {stripped[:40]!r} is {what}, not Python; "
                    f"the grader runs code cells as plain Python: remove it (or put it in a Markdown cell)",
                    line + offset)
        parts.append(cell.source)
        line += len(cell.source.splitlines())
    return "\n".join(parts) + "\n"


def _blank_magics(code: str) -> str:
    return "\n".join("" if r.lstrip().startswith(("%", "!")) else r for r in code.splitlines())


def with_python_file(text: str, run: Callable[[Path], T]) -> T:
    """Call run(path) with the notebook's code as a private temporary `.py` file, removed after."""
    source = python_source(text)
    with tempfile.TemporaryDirectory(prefix="backprop-notebook-") as folder:
        path = Path(folder) / "notebook.py"
        path.write_text(source, encoding="utf-8")
        return run(path)
