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


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package) for every module of grader/ and reference/."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _run_on_import(body: list, lazy: bool = False) -> list:
    """The import statements that run when the module is imported: not those under
    `if TYPE_CHECKING:`, nor (unless `lazy`) those in functions."""
    found = []
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):
            test = node.test
            if (test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)) != "TYPE_CHECKING":
                found += _run_on_import(node.body, lazy)
            found += _run_on_import(node.orelse, lazy)
        elif isinstance(node, ast.Try):
            found += _run_on_import(node.body + node.orelse + node.finalbody, lazy)
            for handler in node.handlers:
                found += _run_on_import(handler.body, lazy)
        elif isinstance(node, ast.With):
            found += _run_on_import(node.body, lazy)
        elif lazy and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found += [n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))]
    return found


def _import_graph(lazy: bool = False) -> dict[str, set[str]]:
    """Module -> the modules whose top level must run (or have run far enough) for it to import.

    `import a.b.c` runs a/__init__ and a/b/__init__ first, except a module's own ancestors, which
    are being initialised already; `from p import name` needs p's body to have defined `name`,
    even when p is an ancestor (that is the `parsing <-> parsing._direct` kind of cycle)."""
    modules = _modules()
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, (path, is_package) in modules.items():
        package = name if is_package else name.rpartition(".")[0]
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)}
        for node in _run_on_import(ast.parse(path.read_text(encoding="utf-8")).body, lazy):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
                source = ".".join(base + ([node.module] if node.module else []))
                for alias in node.names:
                    if f"{source}.{alias.name}" in modules:
                        targets.append(f"{source}.{alias.name}")
                    else:
                        targets.append(source)
                        if source in modules and source != name:
                            edges[name].add(source)
            for target in targets:
                parts = target.split(".")
                edges[name] |= {m for m in (".".join(parts[:i]) for i in range(1, len(parts) + 1))
                                if m in modules and m not in own}
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_level_import_cycle():
    assert _cycles(_import_graph()) == []


def test_no_import_cycle_hidden_in_a_function():
    """An import inside a function is for laziness (sympy, an optional extra, a slow start),
    never to break a cycle: with those imports counted as well, there is still none."""
    assert _cycles(_import_graph(lazy=True)) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = _import_graph()
    assert "grader.spec" in graph["grader.answers.parsing.printer"]  # a parent package's __init__ runs first
    assert "grader.answers.parsing" not in graph["grader.answers.parsing._direct"]  # `from . import _grammars`
    assert "grader.answers.parsing" in _import_graph(lazy=True)["grader.diagnosis.rules"]  # in a function
    assert "grader.answers.parsing" not in graph["grader.diagnosis.rules"]


def test_every_command_offers_exactly_its_registered_formats():
    """One registry of output formats: each command's --format choices are read from it."""
    from grader import cli as commands
    from grader.render.registry import OUTPUT_KINDS, formats

    by_kind = {"report": commands.grade, "solve": commands.solve, "explain": commands.explain,
               "summary": commands.summary, "export": commands.export_cmd}
    assert set(by_kind) == set(OUTPUT_KINDS)
    for kind, command in by_kind.items():
        option = next(p for p in command.params if p.name == "fmt")
        assert list(option.type.choices) == list(formats(kind)), kind
        assert formats(kind), kind
    batch = next(p for p in commands.batch.params if p.name == "fmt")
    assert list(batch.type.choices) == list(formats("report"))


def test_checks_and_diagnosis_never_call_the_translator():
    """They say what they found as data (report.Message, report.Maths); the pipeline and the
    renderers write it out."""
    graph = _import_graph()
    for package in ("grader.checks", "grader.diagnosis"):
        for module in (m for m in graph if m == package or m.startswith(package + ".")):
            path = _modules()[module][0]
            assert "i18n" not in path.read_text(encoding="utf-8"), module


def test_a_plain_answer_shows_as_mathml_in_html(tmp_path):
    from grader import grade, load_exercise
    from grader.render.registry import renderer

    exercise = load_exercise("conv2d-3x3-k2x1")
    answers = tmp_path / "answers.yaml"
    answers.write_text("X[2,1]: dy[1,1]*k[1] + dy[2,1]*k[1]\n", encoding="utf-8")
    report = grade(exercise, answers)
    page = renderer("html", exercise=exercise).render(report)
    wrong = page[page.index('<article id="check-4"'):]
    wrong = wrong[:wrong.index("</article>")]
    # The entry, the student's answer and the terms the diagnosis names are all MathML.
    assert wrong.count("<math") >= 5, wrong
    assert 'alttext="dy[1,1]*k[1] + dy[2,1]*k[1]"' in wrong
    assert "<code" not in wrong
    stored = type(report).from_dict(report.to_dict())
    assert stored == report  # maths and messages survive the JSON round trip


def test_an_entry_is_a_value_looked_up_from_its_symbol():
    """Entry symbols are named `x[2,1]` for printing; their identity is `Entry(array, index)`,
    found by lookup, never by reading the name back."""
    from itertools import product

    import sympy

    from grader import load_exercise
    from grader.spec.notation import Entry

    notation = load_exercise("conv2d-3x3-k2x1").notation
    for array in notation.arrays:
        for full in product(*map(range, array.shape)):
            assert notation.entry(array.symbol(full)) == Entry(array.name, full)
    assert notation.written(Entry("K", (1, 0))) == (notation["K"], (2,))  # k_2: its column is not written
    assert notation.entry(sympy.Symbol("x[9,9]")) is None and notation.entry(sympy.Symbol("n")) is None
    assert notation.tex_of(notation["dY"].symbol((0, 0))) == "\\frac{\\partial C}{\\partial y_{1,1}}"
