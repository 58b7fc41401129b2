"""Exercise specs: find them, load the YAML with line numbers, validate, build an `Exercise`.

Validation has two layers: the JSON Schema (`schema/exercise.schema.json`) for the form, then
semantic checks (shapes agree, names unique, ops known) for the meaning. Both report
`file:line` from the YAML node that holds the problem, and every problem is reported, not just
the first.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Collection, Mapping, Sequence

import numpy as np
import yaml

if TYPE_CHECKING:
    import jsonschema
    import jsonschema.protocols

from reference.graph import Graph, GraphError, Node

from ..errors import SpecError, SpecProblem, UnknownExercise
from .aliases import aliases as written_aliases
from .notation import ArrayNotation, Notation
from .data import Intermediate, check_inputs, exact_value, fixed_values, intermediates
from .feedback import Feedback, Sample, build_feedback, check_rule_answers, samples
from .release import release_of
from .variants import MAX_DRAWS, Variant, candidates, declared, range_problems

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
# A wheel carries the exercises inside the package; a source checkout has them beside it.
_BUNDLED_DIRS = (_PACKAGE_DIR / "_bundled" / "exercises", _PACKAGE_DIR.parent / "exercises")

# Float tolerances for floating-point student code, in the spirit of torch.autograd.gradcheck
# for float64 but tighter: both sides are analytic gradients here, not finite differences.
DEFAULT_RTOL = 1e-6
DEFAULT_ATOL = 1e-9
DEFAULT_FORBIDDEN = ("torch", "jax", "tensorflow", "autograd", "sympy", "grader", "reference")


@dataclass(frozen=True)
class Target:
    name: str
    points: float
    per_entry: bool
    entries: tuple[tuple[int, ...], ...]  # 0-based full indices, in C order


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    args: tuple[str, ...]
    returns: str


@dataclass(frozen=True)
class Trials:
    count: int = 5
    seed: int = 0
    structured: bool = True
    kinks: bool = False  # allow trials whose piecewise units sit at a kink (relu at 0, max-pool ties)


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0
    cpu_seconds: int = 10
    memory_mb: int = 1024
    # Written answers: polynomial term operations one entry's decision may spend, and all the
    # entries of one file together (docs/answer-format.md#budgets); past them, review.
    decision_steps: int = 200_000
    decision_steps_per_file: int = 800_000


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    language: str
    statement: Mapping[str, str]
    path: str
    graph: Graph
    notation: Notation
    upstream: str | None  # name of the upstream-gradient array, None for a scalar loss
    targets: tuple[Target, ...]
    functions: tuple[FunctionSpec, ...]
    trials: Trials
    rtol: float
    atol: float
    limits: Limits
    forbidden_imports: tuple[str, ...]
    feedback: Feedback = Feedback()
    self_test: tuple[Sample, ...] = ()
    variant: Variant | None = None  # None when the spec declares no variants
    fixed: Mapping[str, Any] = field(default_factory=dict)  # input name -> the values the spec fixes
    data_inputs: tuple[str, ...] = ()  # inputs declared `data: true` (never differentiated)
    intermediates: tuple[Intermediate, ...] = ()
    source: str = field(default="", repr=False, compare=False)  # the spec text, to derive other variants
    submission: tuple[str, ...] = ()  # names or globs of the student's file, in order of preference
    release: str | None = None  # "never", or the ISO date/time before which solve/explain need the key
    instructor_key: str | None = None  # sha256 (hex) of the instructor's key file

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.targets)

    @cached_property
    def solution(self) -> dict[str, Any]:
        """The reference: per target, an object array of EntryGradient (exact, per upstream path)."""
        from reference.symbolic import solve

        return solve(self.graph, tuple(t.name for t in self.targets), self.symbol_for, self.upstream, self.fixed)

    def __post_init__(self) -> None:
        self.notation._folds[:] = [lambda: self.folds]

    @cached_property
    def folds(self) -> dict[Any, Any]:
        """Definition -> symbol of the named intermediates and usable outputs, for feedback that
        speaks the author's terms (numbers and single symbols are left as they are)."""
        out: dict[Any, Any] = {}
        names = {m.name for m in self.intermediates} | set(self.notation.defined_outputs)
        for symbol, value in self.definitions.items():
            entry = self.notation.entry(symbol)
            if entry is not None and entry.array in names and not (value.is_Number or value.is_Symbol):
                out.setdefault(value, symbol)
        # An intermediate defined through another (attention's a = softmax(s)) is found in an
        # expression whose s is already folded: its definition in those terms is a key too.
        for value, symbol in list(out.items()):
            folded = value.xreplace({k: v for k, v in out.items() if v != symbol})
            if folded != value:
                out.setdefault(folded, symbol)
        return out

    def symbol_for(self, name: str, index: tuple[int, ...]) -> Any:
        """The reference's value of one entry: its symbol, or the number the spec gives it (data or
        fixed `values`: the reference, and answers through `definitions`, use the given numbers)."""
        if name in self.fixed:
            return exact_value(self.fixed[name][index])
        return self.notation[name].symbol(index)

    @cached_property
    def definitions(self) -> dict[Any, Any]:
        """Symbol -> what it stands for: intermediates by their definition, fixed data entries by
        their value. Answers are compared after this substitution."""
        from reference.symbolic import forward, internal

        out: dict[Any, Any] = {}
        for name in self.fixed:
            for index in np.ndindex(*self.graph.inputs[name]):
                out[self.notation[name].symbol(index)] = self.symbol_for(name, index)
        for name in self.notation.defined_outputs:
            values = forward(self.graph, self.symbol_for, name, self.fixed)
            for index in np.ndindex(*self.graph.shape(name)):
                out[self.notation[name].symbol(index)] = values[index]
        for mid in self.intermediates:
            values = (forward(self.graph, self.symbol_for, mid.of, self.fixed) if mid.part is None
                      else internal(self.graph, self.symbol_for, mid.of, mid.part, self.fixed))
            for index in np.ndindex(*mid.shape):
                out[self.notation[mid.name].symbol(index)] = values[index]
        return out

    def expand(self, expr: Any) -> Any:
        """An answer with intermediate symbols and fixed data replaced (see `definitions`)."""
        return expr.xreplace(self.definitions) if self.definitions else expr

    def target(self, name: str) -> Target:
        for t in self.targets:
            if t.name == name:
                return t
        raise KeyError(name)

    def text(self, lang: str | None = None) -> str:
        return self.statement.get(lang or self.language) or next(iter(self.statement.values()))


def bundled_directory() -> Path | None:
    """The folder of the bundled exercise specs (inside the package, or beside it in a checkout)."""
    return next((d for d in _BUNDLED_DIRS if d.is_dir()), None)


def _defined_outputs(graph: Graph | None, upstream: Mapping[str, Any] | None) -> frozenset[str]:
    """The output when an answer may write it as a symbol: the output of an element-wise op or a
    softmax with a given upstream gradient (y_i(1 - y_i) for the sigmoid, 1 - y_i^2 for tanh)."""
    from reference import functions

    if graph is None or not upstream:
        return frozenset()
    last = next((b for b in graph.nodes if b.node.output == graph.output), None)
    if last is not None and (last.node.op in {f.name for f in functions.element_wise_ops()} or last.node.op == "softmax"):
        return frozenset([graph.output])
    return frozenset()


def _meanings(graph: Graph | None, upstream: Mapping[str, Any] | None,
              middle: list[Intermediate]) -> tuple[tuple[str, str], ...]:
    """What the output (when answers may use it) and the named intermediates are."""
    if graph is None:
        return ()
    ops = {b.node.output: b.node.op for b in graph.nodes}
    found = [(name, f"the output of {ops[name]}") for name in sorted(_defined_outputs(graph, upstream))]
    for mid in middle:
        found.append((mid.name, f"{mid.part} of {ops.get(mid.of, mid.of)}" if mid.part else f"the output of {ops[mid.of]}"))
    return tuple(found)


_BATCH_OPS = {"softmax_cross_entropy": "ND", "cross_entropy": "ND", "mse": "ND", "batch_norm": "ND",
              "layer_norm": "ND"}


def _constants(graph: Graph | None, arrays: list[ArrayNotation]) -> tuple[tuple[str, int], ...]:
    """N and D, the rows and columns of a batch op's N x D input, as letters answers may use."""
    if graph is None:
        return ()
    taken = {a.letter for a in arrays} | {a.latex for a in arrays}
    found: dict[str, int] = {}
    for built in graph.nodes:
        letters = _BATCH_OPS.get(built.node.op)
        shape = graph.shape(built.node.inputs[0]) if letters else ()
        if letters and len(shape) == 2:
            for letter, size in zip(letters, shape):
                if letter not in taken:
                    found.setdefault(letter, int(size))
    return tuple(sorted(found.items()))


def bundled_ids() -> list[str]:
    return sorted(_bundled_paths())


def _bundled_paths() -> dict[str, Path]:
    for directory in _BUNDLED_DIRS:
        if directory.is_dir():
            return {p.stem: p for p in sorted(directory.glob("*.yaml"))}
    return {}


def find_exercise(ref: str) -> Path:
    """The spec file for a bundled id or a path.

    Raises UnknownExercise (listing the closest ids) when it is neither.
    """
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if path.is_file():
            return path
    bundled = _bundled_paths()
    if ref in bundled:
        return bundled[ref]
    raise UnknownExercise(ref, sorted(bundled), difflib.get_close_matches(ref, list(bundled), n=3, cutoff=0.5))


def load_exercise(ref: str, variant: str | None = None) -> Exercise:
    """Find, parse and validate an exercise; `variant` is a student id (see grader/spec/variants.py).

    Raises UnknownExercise or SpecError (every problem with its file:line).
    """
    path = find_exercise(ref)
    return _load_path(str(path.resolve()), path.stat().st_mtime_ns, str(path), variant)


@lru_cache(maxsize=16)
def _load_path(resolved: str, _mtime: int, shown: str, variant: str | None = None) -> Exercise:
    try:
        text = Path(resolved).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SpecError([SpecProblem(shown, None, f"cannot read the file: {err}")]) from None
    return parse_exercise(text, shown, variant)


def parse_exercise(text: str, filename: str = "<spec>", variant: str | None = None, *,
                   check_answers: bool = False) -> Exercise:
    """Validate spec text and build an Exercise (the variant of student id `variant`, when the
    spec declares variants; an id is ignored by a spec without them). Raises SpecError.

    `check_answers` also parses the feedback rules' answers (as `grader validate` does); loading
    for grading leaves that out, since parsing maths imports sympy, which grading code avoids.
    """
    data, lines = _load_yaml(text, filename)
    if declared(data):
        exercise = replace(_build_variant(data, lines, filename, variant), source=text)
    else:
        problems = _schema_problems(data, lines, filename)
        if problems:
            raise SpecError(problems)
        exercise = replace(_build(data, lines, filename), source=text)
    if check_answers:
        problems = check_rule_answers(exercise, lambda path: _line(lines, path))
        if problems:
            raise SpecError(problems)
    return exercise


def exercise_variant(exercise: Exercise, variant: str | None) -> Exercise:
    """The variant for student id `variant` of a loaded exercise: the exercise itself when no id
    is given, its spec declares no variants, or it already is that variant. Raises SpecError."""
    if variant is None or exercise.variant is None or exercise.variant.id == variant or not exercise.source:
        return exercise
    return parse_exercise(exercise.source, exercise.path, variant)


def _build_variant(data: dict[str, Any], lines: dict[tuple[Any, ...], int], filename: str, variant: str | None) -> Exercise:
    problems = range_problems(data, lines, filename)
    if problems:
        raise SpecError(problems)
    first_error: SpecError | None = None
    for concrete, chosen in candidates(data, variant):
        problems = _schema_problems(concrete, lines, filename)
        try:
            if problems:
                raise SpecError(problems)
            return replace(_build(concrete, lines, filename), variant=chosen)
        except SpecError as err:
            first_error = first_error or err
    assert first_error is not None  # candidates() yields at least one draw
    if variant is None:
        raise first_error
    raise SpecError([SpecProblem(filename, _line(lines, ("variants",)),
                                 f"no variant for {variant!r} builds in {MAX_DRAWS} draws: narrow the ranges; "
                                 "the first draw failed with:"), *first_error.problems])


def _load_yaml(text: str, filename: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(err, "problem", None) or str(err)
        raise SpecError([SpecProblem(filename, line, f"YAML syntax error: {problem}")]) from None
    if node is None:
        raise SpecError([SpecProblem(filename, 1, "the file is empty; expected a mapping with id, title, ...")])
    lines: dict[tuple[Any, ...], int] = {}
    constructor = yaml.SafeLoader("")

    def convert(n: yaml.Node, path: tuple[Any, ...]) -> Any:
        lines[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in n.value:
                key = constructor.construct_object(key_node, deep=True)
                if key in out:
                    raise SpecError([SpecProblem(filename, key_node.start_mark.line + 1, f"duplicate key {key!r}")])
                out[key] = convert(value_node, path + (key,))
                lines[path + (key,)] = key_node.start_mark.line + 1
            return out
        if isinstance(n, yaml.SequenceNode):
            return [convert(v, path + (i,)) for i, v in enumerate(n.value)]
        return constructor.construct_object(n, deep=True)

    return convert(node, ()), lines


def _line(lines: Mapping[tuple[Any, ...], int], path: tuple[Any, ...]) -> int | None:
    path = tuple(path)
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema

    schema = json.loads((_PACKAGE_DIR / "schema" / "exercise.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def _schema_problems(data: Any, lines: Mapping[tuple[Any, ...], int], filename: str) -> list[SpecProblem]:
    problems = []
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = ".".join(map(str, error.absolute_path)) or "top level"
        problems.append(SpecProblem(filename, _line(lines, tuple(error.absolute_path)), f"{where}: {_explain(error)}"))
    return problems


def _explain(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    return error.message


class _Problems:
    """Collects every semantic problem of one spec, each at the line of the YAML node it is about."""

    def __init__(self, lines: Mapping[tuple[Any, ...], int], filename: str) -> None:
        self.lines, self.filename = lines, filename
        self.found: list[SpecProblem] = []

    def __call__(self, path: tuple[Any, ...], message: str) -> None:
        self.found.append(SpecProblem(self.filename, _line(self.lines, path), message))


def _build(data: dict[str, Any], lines: dict[tuple[Any, ...], int], filename: str) -> Exercise:
    problem = _Problems(lines, filename)
    inputs, output, upstream = data["inputs"], data["output"], data.get("upstream")
    nodes = [Node(raw["op"], tuple(raw["inputs"]), raw["output"], dict(raw.get("params", {})))
             for raw in data["graph"]]
    graph = None
    try:
        graph = Graph.build({n: v["shape"] for n, v in inputs.items()}, nodes, output["name"])
    except GraphError as err:
        problem(("graph", err.node) if err.node is not None else ("output",), str(err))
    fixed = fixed_values(inputs, problem)
    loss = data.get("loss", {}).get("symbol", "C")
    arrays = _input_arrays(inputs, problem)
    middle: list[Intermediate] = []
    if graph is not None:
        check_inputs(data, graph, fixed, problem)
        arrays += _output_arrays(output, upstream, graph.shape(output["name"]), loss, problem)
        taken = {*inputs, *(n.output for n in nodes), *([upstream["name"]] if upstream else [])}
        middle, middle_arrays = intermediates(data, graph, taken, problem)
        arrays += middle_arrays
    _check_names(arrays, inputs, nodes, upstream, problem, {m.name for m in middle})
    # Node outputs named in `intermediates` have a symbol, so they may be targets too.
    targets = _targets(data["targets"], arrays, [*inputs, *(m.name for m in middle if m.part is None)], problem)
    functions = _functions(data.get("functions", {}), inputs, upstream, data["targets"], problem)
    statement, language = _statement(data, problem)
    feedback = build_feedback(data.get("feedback", {}), {t.name: t for t in targets}, arrays, problem)
    release = release_of(data, problem)
    if problem.found:
        raise SpecError(problem.found)
    assert graph is not None  # a graph that did not build is a problem found
    aliases = tuple(dict.fromkeys([loss, *data.get("loss", {}).get("aliases", ["C", "L", "E", "J"])]))
    tol = data.get("tolerance", {})
    return Exercise(
        id=data["id"], title=data["title"], language=language, statement=statement, path=filename,
        graph=graph, notation=Notation(tuple(arrays), loss=loss, loss_aliases=aliases,
                                       defined_outputs=_defined_outputs(graph, upstream),
                                       constants=_constants(graph, arrays),
                                       meanings=_meanings(graph, upstream, middle),
                                       aliases=written_aliases(data, graph, arrays, middle)),
        upstream=upstream["name"] if upstream else None, targets=tuple(targets), functions=tuple(functions),
        trials=Trials(**data.get("trials", {})), rtol=float(tol.get("rtol", DEFAULT_RTOL)),
        atol=float(tol.get("atol", DEFAULT_ATOL)), limits=Limits(**data.get("limits", {})),
        forbidden_imports=tuple(dict.fromkeys([*DEFAULT_FORBIDDEN, *data.get("forbidden_imports", [])])),
        feedback=feedback, self_test=samples(data.get("self_test", [])),
        fixed=fixed, data_inputs=tuple(n for n, v in inputs.items() if v.get("data")), intermediates=tuple(middle),
        submission=(data["submission"],) if isinstance(data.get("submission"), str) else tuple(data.get("submission", ())),
        release=release,
        instructor_key=data["instructor_key"].removeprefix("sha256:") if data.get("instructor_key") else None,
    )


def _written_axes(shape: tuple[int, ...], spec: Mapping[str, Any], where: tuple[Any, ...], problem: _Problems) -> tuple[int, ...]:
    axes = tuple(spec.get("written_axes", range(len(shape))))
    if any(a >= len(shape) for a in axes) or len(set(axes)) != len(axes):
        problem(where, f"written_axes must be distinct axes of the shape {list(shape)}")
        return tuple(range(len(shape)))
    if any(shape[a] != 1 for a in set(range(len(shape))) - set(axes)):
        problem(where, "only axes of length 1 may be left out of the written index")
    return axes


def _input_arrays(inputs: Mapping[str, Any], problem: _Problems) -> list[ArrayNotation]:
    arrays = []
    for name, spec in inputs.items():
        shape = tuple(spec["shape"])
        axes = _written_axes(shape, spec, ("inputs", name, "written_axes"), problem)
        arrays.append(ArrayNotation(name, spec["symbol"], shape, axes, spec.get("latex", spec["symbol"])))
    return arrays


def _output_arrays(output: Mapping[str, Any], upstream: Mapping[str, Any] | None, shape: tuple[int, ...],
                   loss: str, problem: _Problems) -> list[ArrayNotation]:
    """The output's notation, and the upstream gradient's when the output is not the loss itself."""
    latex = output.get("latex", output["symbol"])
    # The output's written axes hold for the upstream gradient too: a 1xN output is y_j, dC/dy_j.
    axes = _written_axes(shape, output, ("output", "written_axes"), problem)
    arrays = [ArrayNotation(output["name"], output["symbol"], shape, axes, latex)]
    if upstream is None and shape != ():
        problem(("output",), f"the output has shape {list(shape)}: declare `upstream` (d{loss}/d{output['symbol']} "
                             "given), or end the graph in a scalar loss")
    if upstream is not None and shape == ():
        # With an upstream the gradients would be taken as dC/dY times a given dC/dY, which no
        # answer can match: every correct submission would score 0.
        problem(("upstream",), f"the output {output['name']} is a scalar: it is the loss, so no upstream gradient "
                               "is given; remove `upstream`")
    elif upstream is not None:
        arrays.append(ArrayNotation(upstream["name"], upstream["symbol"], shape, axes, latex,
                                    upstream_of=output["name"]))
    return arrays


def _check_names(arrays: list[ArrayNotation], inputs: Mapping[str, Any], nodes: list[Node],
                 upstream: Mapping[str, Any] | None, problem: _Problems, intermediate_names: Collection[str] = ()) -> None:
    letters: dict[str, str] = {}
    for a in arrays:
        where = ("inputs", a.name, "symbol") if a.name in inputs else ("output",) if a.upstream_of is None else ("upstream",)
        if a.name in intermediate_names:
            where = ("intermediates", a.name, "symbol")
        if a.letter in letters:
            problem(where, f"the symbol {a.letter!r} is used twice (also by {letters[a.letter]})")
        letters[a.letter] = a.name
    names = [n for n in inputs] + [n.output for n in nodes] + ([upstream["name"]] if upstream else [])
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        problem(("upstream",) if upstream and upstream["name"] in dup else ("graph",), f"names must be unique: {', '.join(dup)}")


def _targets(raw_targets: Mapping[str, Any], arrays: list[ArrayNotation], inputs: Sequence[str], problem: _Problems) -> list[Target]:
    """`inputs`: the names a target may have (inputs, and node outputs with a symbol)."""
    import numpy as np

    by_name = {a.name: a for a in arrays}
    targets = []
    for name, spec in raw_targets.items():
        if name not in inputs:
            problem(("targets", name), f"target {name!r} is not an input or a node output named in "
                                       f"`intermediates`; inputs: {', '.join(inputs)}")
            continue
        notation = by_name[name]
        entries = []
        for k, idx in enumerate(spec.get("entries", [])):
            if not notation.in_range(tuple(idx)):
                problem(("targets", name, "entries", k),
                        f"entry {idx} is outside {name} (written indices run over {list(notation.notation_shape)})")
            else:
                entries.append(notation.full_index(tuple(idx)))
        if not spec.get("entries"):
            entries = list(np.ndindex(*notation.shape))
        targets.append(Target(name, float(spec["points"]), bool(spec.get("per_entry", False)), tuple(sorted(entries))))
    return targets


def _functions(raw: Mapping[str, Any], inputs: Mapping[str, Any], upstream: Mapping[str, Any] | None,
               raw_targets: Mapping[str, Any], problem: _Problems) -> list[FunctionSpec]:
    known = set(inputs) | ({upstream["name"]} if upstream else set())
    functions = []
    for fname, spec in raw.items():
        for k, arg in enumerate(spec["args"]):
            if arg not in known:
                problem(("functions", fname, "args", k), f"argument {arg!r} is not an input or the upstream gradient")
        if spec["returns"] not in raw_targets:
            problem(("functions", fname, "returns"), f"returns {spec['returns']!r}, which is not a target")
        functions.append(FunctionSpec(fname, tuple(spec["args"]), spec["returns"]))
    return functions


def _statement(data: Mapping[str, Any], problem: _Problems) -> tuple[dict[str, str], str]:
    """The statement by language, and the exercise's language."""
    statement = data["statement"]
    if isinstance(statement, str):
        statement = {data.get("language", "en"): statement}
    language = data.get("language", next(iter(statement)))
    if language not in statement:
        problem(("language",), f"no statement in {language!r}; statement languages: {', '.join(statement)}")
    return statement, language


def validate_paths(paths: list[str]) -> list[SpecProblem]:
    """Every problem in these spec files (empty when all are valid)."""
    problems: list[SpecProblem] = []
    for p in paths:
        path = Path(p)
        if not path.is_file():
            problems.append(SpecProblem(p, None, "no such file"))
            continue
        try:
            parse_exercise(path.read_text(encoding="utf-8"), p, check_answers=True)
        except SpecError as err:
            problems.extend(err.problems)
        except UnicodeDecodeError:
            problems.append(SpecProblem(p, None, "the file is not UTF-8 text"))
    return problems
