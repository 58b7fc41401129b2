"""Ready CI set-ups that grade a student repository: GitHub Actions, GitLab CI, Gradescope.

The templates are files under grader/ci_templates/ (so they are tested as the files users
copy); `grader ci-template SYSTEM` prints them, and docs/ci.md explains each.
"""
from __future__ import annotations

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
    return [(name, folder.joinpath(source).read_text(encoding="utf-8")) for name, source in TEMPLATES[system]]


def render_template(system: str) -> str:
    """The template as one text; a set-up of several files names each before its text."""
    parts = template_files(system)
    if len(parts) == 1:
        return parts[0][1]
    return "\n".join(f"# ===== {name} =====\n{text}" for name, text in parts)
