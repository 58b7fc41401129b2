"""House rules of the code base that a test can check: no private names across modules, one
registry per vocabulary, and the one private lark hook the parser relies on."""
import ast
from pathlib import Path


from conftest import ROOT
from grader.i18n import LANGUAGES
from grader.kinds import kind_for, kinds

PACKAGES = ("grader", "reference")


def _imports_of_private_names():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.ImportFrom):
                    continue
                base = path.parent
                for _ in range(max(node.level - 1, 0)):
                    base = base.parent
                source = base.joinpath(*(node.module or "").split(".")) if node.level else ROOT.joinpath(
                    *(node.module or "").split("."))
                for alias in node.names:
                    is_module = (source / f"{alias.name}.py").is_file() or (source / alias.name).is_dir()
                    if alias.name.startswith("_") and not alias.name.startswith("__") and not is_module:
                        yield f"{path.relative_to(ROOT)}:{node.lineno}: imports {alias.name} from {node.module}"


def test_no_private_names_are_imported_across_modules():
    assert list(_imports_of_private_names()) == []


def test_the_cli_offers_exactly_the_registered_languages():
    from grader.cli import explain, grade, show

    for command in (explain, grade, show):
        option = next(p for p in command.params if p.name == "lang")
        assert tuple(option.type.choices) == LANGUAGES


def test_every_submission_suffix_belongs_to_one_kind():
    suffixes = [s for k in kinds() for s in k.suffixes]
    assert len(suffixes) == len(set(suffixes))
    assert {kind_for(Path(f"a{s}")).graded_as for s in suffixes} == {"functions", "expressions"}
    assert kind_for(Path("A.PY")).name == "gradient functions"  # suffixes compare in lower case


def test_the_lark_hook_the_parser_overrides_is_still_lark_s_and_used(monkeypatch):
    # lark is pinned below 2 in pyproject.toml because of this private hook; a lark release that
    # renames it fails here rather than silently slowing every parse down.
    from lark.visitors import Transformer_NonRecursive

    from conftest import SEED_NOTATION
    from grader.answers.parsing import _transform, parse_expression

    assert callable(getattr(Transformer_NonRecursive, "_call_userfunc", None))
    calls = []
    hook = _transform.Builder._call_userfunc
    monkeypatch.setattr(_transform.Builder, "_call_userfunc",
                        lambda self, tree, new_children=None: calls.append(tree.data) or hook(self, tree, new_children))
    assert str(parse_expression("dy[1,1]*k[1] + 2", SEED_NOTATION, "plain")) == "dy[1,1]*k[1] + 2"
    assert calls, "lark no longer calls Transformer._call_userfunc"


def test_readme_test_command_is_what_ci_runs():
    """A newcomer's test command installs the same extras and runs the same checks as `.ci/run`."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if "pytest" in line and "pip install" in line)
    extras = re.compile(r"pip install[^'\n]*-e '\.\[([a-z,]+)\]'")
    assert extras.search(command).group(1) == extras.search(ci).group(1)
    for step in ("mypy", "ruff check .", "python -m pytest"):
        assert step in command and step in ci
