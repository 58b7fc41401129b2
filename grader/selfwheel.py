"""A wheel of the grader that is running, built from its own files, offline.

Gradescope's autograder image must install exactly the grader the instructor tested with, and
the package is on no public index. Building a wheel needs a build back-end (from the network, in
an isolated build) and a source tree; an installed grader has neither for sure. A wheel is only
a zip (PEP 427): the `grader` and `reference` packages, the bundled exercises and examples where
the wheel puts them, and a `.dist-info` whose METADATA is the installed one, so pip installs the
same version with the same dependencies (those come from the package index).
"""
from __future__ import annotations

import base64
import hashlib
import zipfile
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from .errors import GraderError

DIST = "backprop-grader"
_SKIP_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache"}
_SKIP_SUFFIXES = (".pyc", ".pyo", ".so.tmp")
_EPOCH = (1980, 1, 1, 0, 0, 0)  # zip's earliest time: the same wheel bytes for the same files


def _tree(folder: Path, prefix: str) -> list[tuple[str, Path]]:
    out = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part in _SKIP_DIRS or part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and not path.is_symlink() and not path.name.endswith(_SKIP_SUFFIXES):
            out.append((f"{prefix}/{relative.as_posix()}", path))
    return out


def wheel_files() -> list[tuple[str, Path]]:
    """(path in the wheel, file here) for every file of the running grader."""
    import grader
    import reference

    from .spec.load import bundled_directory

    package = Path(grader.__file__).resolve().parent
    files = _tree(package, "grader") + _tree(Path(reference.__file__).resolve().parent, "reference")
    if not (package / "_bundled").is_dir():  # a source checkout: the bundled folders sit beside the package
        exercises = bundled_directory()
        if exercises is not None:
            files += _tree(exercises, "grader/_bundled/exercises")
            examples = exercises.parent / "examples"
            if examples.is_dir():
                files += _tree(examples, "grader/_bundled/examples")
    return files


def build_wheel(folder: str | Path) -> Path:
    """Write the wheel into `folder`; its path. Raises GraderError when the grader is not installed
    (no metadata to put in the wheel)."""
    try:
        dist = distribution(DIST)
    except PackageNotFoundError:
        raise GraderError(f"{DIST} is not installed (pip install it, or -e the checkout) so it has no "
                          f"metadata to build a wheel from") from None
    version = dist.version
    info = f"backprop_grader-{version}.dist-info"
    target = Path(folder) / f"backprop_grader-{version}-py3-none-any.whl"
    metadata = dist.read_text("METADATA") or f"Metadata-Version: 2.1\nName: {DIST}\nVersion: {version}\n"
    entry_points = dist.read_text("entry_points.txt") or "[console_scripts]\ngrader = grader.cli:main\n"
    generated = {
        f"{info}/METADATA": metadata.encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: backprop-grader selfwheel\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
        f"{info}/entry_points.txt": entry_points.encode(),
    }
    record = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in [(n, p.read_bytes()) for n, p in wheel_files()] + list(generated.items()):
            add_file(wheel, name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{name},sha256={digest},{len(data)}")
        record.append(f"{info}/RECORD,,")
        add_file(wheel, f"{info}/RECORD", ("\n".join(record) + "\n").encode())
    return target


def add_file(archive: zipfile.ZipFile, name: str, data: bytes, mode: int = 0o644) -> None:
    entry = zipfile.ZipInfo(name, _EPOCH)
    entry.external_attr = (0o100000 | mode) << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(entry, data)
