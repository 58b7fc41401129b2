"""Ready CI set-ups that grade a student repository: GitHub Actions, GitLab CI, Gradescope.

The templates are files under grader/ci_templates/ (so they are tested as the files users
copy); `grader ci-template SYSTEM` prints them, and docs/ci.md explains each.
`grader ci-template gradescope --zip FILE` builds Gradescope's whole upload instead.
"""
from __future__ import annotations

import shlex
import tempfile
import zipfile
from pathlib import Path
from typing import Iterator, Sequence

# system -> (file name a user saves it as, template file in grader/ci_templates/)
TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    "github": ((".github/workflows/grade.yml", "github.yml"),),
    "gitlab": ((".gitlab-ci.yml", "gitlab-ci.yml"),),
    "gradescope": (("setup.sh", "gradescope-setup.sh"), ("run_autograder", "gradescope-run_autograder")),
}


def template_files(system: str) -> list[tuple[str, str]]:
    """(file name to save as, text) for each file of `system`. Raises KeyError if unknown."""
    from importlib.resources import files  # here, not at the top: every `grader` start imports this module

    folder = files(__package__).joinpath("ci_templates")
    version = _version()
    return [(name, folder.joinpath(source).read_text(encoding="utf-8").replace("{{GRADER_VERSION}}", version))
            for name, source in TEMPLATES[system]]


def _version() -> str:
    """This grader's version: the templates pin the grader that printed them."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("backprop-grader")
    except PackageNotFoundError:
        return "0+unknown"


def render_template(system: str) -> str:
    """The template as one text; a set-up of several files names each before its text."""
    parts = template_files(system)
    if len(parts) == 1:
        return parts[0][1]
    return "\n".join(f"# ===== {name} =====\n{text}" for name, text in parts)


def build_gradescope_zip(target: str | Path, exercises: Sequence[str], patterns: Sequence[str] = (),
                         timeout: float | None = None) -> Iterator[str]:
    """Write Gradescope's autograder upload: setup.sh and run_autograder at the top, the specs in
    specs/, a wheel of this grader, and grader.conf (which spec, which file). Yields one line per
    file written. Raises GraderError for an unknown exercise or an unwritable target."""
    from .errors import GraderError
    from .selfwheel import add_file, build_wheel
    from .spec.load import find_exercise, load_exercise

    specs = []
    for ref in exercises:
        load_exercise(ref)  # an invalid spec fails here, not on Gradescope
        specs.append(find_exercise(ref))
    if len({p.name for p in specs}) != len(specs):
        raise GraderError("two specs of the same file name; rename one")
    conf = ["# Written by `grader ci-template gradescope --zip`: read by run_autograder.",
            f"EXERCISE={shlex.quote('specs/' + specs[0].name)}",
            "SUBMISSION_PATTERNS=(" + " ".join(shlex.quote(p) for p in patterns) + ")"]
    if timeout is not None:
        conf.append(f"TIMEOUT={shlex.quote(str(timeout))}")
    try:
        with tempfile.TemporaryDirectory(prefix="backprop-zip-") as folder:
            wheel = build_wheel(folder)
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as upload:
                for name, text in template_files("gradescope"):
                    add_file(upload, name, text.encode(), 0o755)
                    yield name
                for spec in specs:
                    add_file(upload, f"specs/{spec.name}", spec.read_bytes())
                    yield f"specs/{spec.name}"
                add_file(upload, "grader.conf", ("\n".join(conf) + "\n").encode())
                yield "grader.conf"
                add_file(upload, wheel.name, wheel.read_bytes())
                yield wheel.name
    except OSError as err:
        raise GraderError(f"cannot write {target}: {err.strerror}") from None
