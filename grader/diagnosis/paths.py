"""Chain-rule path diagnosis of a symbolic answer.

The reference gradient of an entry is a sum over upstream paths, dC/dy_p times the local
derivative dy_p/dx. The student's answer, expanded, is split the same way (collected by the
upstream symbol in each monomial) and the two are compared path by path: a path missing, a path
that does not belong, a path with the wrong local factor, terms with no upstream factor at all
(the chain rule forgotten), or the whole answer off by a sign or a constant factor.
"""
from __future__ import annotations

from fractions import Fraction

import sympy

from ..answers.parsing.printer import show
from ..answers.equivalence import ExpansionTooBig, to_poly
from ..spec.notation import Notation, Style
from ..report import Finding, FindingKind, Maths, Message, MessageParam
from ..spec.load import Exercise
from .printing import fraction_text, output_name, poly_to_expr, show_term


def split_by_upstream(poly: dict, notation: Notation, upstream: str) -> tuple[dict, dict]:
    """({upstream symbol name: local polynomial}, polynomial of the terms with no single upstream
    factor); `upstream` is the upstream gradient array's name."""
    paths: dict[str, dict] = {}
    rest: dict = {}
    for mono, coeff in poly.items():
        ups = [(name, power) for name, power in mono if getattr(notation.entry(name), "array", None) == upstream]
        if len(ups) == 1 and ups[0][1] == 1:
            local = tuple((n, p) for n, p in mono if n != ups[0][0])
            paths.setdefault(ups[0][0], {})[local] = coeff
        else:
            rest[mono] = coeff
    return paths, rest


def _ratio(a: dict, b: dict) -> Fraction | None:
    """c such that a == c * b, if there is one."""
    if not a or not b or set(a) != set(b):
        return None
    mono = next(iter(b))
    c = Fraction(a[mono]) / Fraction(b[mono])  # coefficients may be ints: keep the ratio exact
    return c if all(a[m] == c * b[m] for m in b) else None


def _contains(big: dict, small: dict) -> bool:
    return all(big.get(mono) == coeff for mono, coeff in small.items())


def _minus(a: dict, b: dict) -> dict:
    out = dict(a)
    for mono, coeff in b.items():
        value = out.get(mono, 0) - coeff
        if value:
            out[mono] = value
        else:
            out.pop(mono, None)
    return out


def diagnose_paths(exercise: Exercise, reference, student: sympy.Expr, style: Style,
                   reveal: bool) -> tuple[Finding, ...]:
    """What is wrong with `student` as the gradient `reference` (an EntryGradient), path by path.

    Returns no findings when the answer cannot be expanded into a polynomial (diagnosis then
    says nothing rather than something doubtful). What a finding says is a Message.
    """
    notation = exercise.notation
    try:
        spoly = to_poly(student)
        rpoly = to_poly(reference.expr)
    except ExpansionTooBig:
        return ()
    if spoly is None or rpoly is None:
        return ()

    factor = _ratio(spoly, rpoly)
    if factor is not None and factor != 1:
        kind: FindingKind
        kind, said = ("sign", Message.of("dx.sign")) if factor == -1 else \
            ("factor", Message.of("dx.factor", factor=fraction_text(factor)))
        return (Finding(kind, "", {"factor": fraction_text(factor)}, said),)

    upstream = notation.upstream
    if upstream is None:
        return ()
    s_paths, s_rest = split_by_upstream(spoly, notation, upstream.name)
    r_paths, _ = split_by_upstream(rpoly, notation, upstream.name)
    order = [sym.name for sym in reference.upstream_symbols if sym is not None]
    order += sorted(set(s_paths) - set(order))
    findings = [f for name in order
                if (f := _path_finding(notation, name, r_paths.get(name), s_paths.get(name), style, reveal))]
    if s_rest:
        rest = poly_to_expr(s_rest)
        findings.append(Finding("no-upstream", "", {"terms": sympy.sstr(rest)},
                                Message.of("dx.no_upstream", terms=_shown(notation, rest, style),
                                           upstream=notation.derivative(upstream.latex))))
    return tuple(findings)


def _shown(notation: Notation, expr: sympy.Expr, style: Style) -> Maths:
    return Maths(show(expr, notation, style), show(expr, notation, "latex"), style)


def _path_finding(notation: Notation, name: str, r: dict | None, s: dict | None, style: Style,
                  reveal: bool) -> Finding | None:
    """What is wrong on the path through upstream symbol `name`: reference local part `r`,
    the answer's `s` (None where a side has no such path); None when they agree."""
    def term(local: dict) -> Maths:
        up, part = sympy.Symbol(name), poly_to_expr(local)
        return Maths(show_term(up, part, notation, style), show_term(up, part, notation, "latex"), style)

    out = Maths(output_name(notation, name, style), output_name(notation, name, "latex"), style)
    detail = {"upstream": name}
    if r and not s:
        said = Message.of("dx.missing_term", term=term(r)) if reveal else \
            Message.of("dx.missing_path", output=out, upstream=_shown(notation, sympy.Symbol(name), style))
        return Finding("missing-path", "", detail, said)
    if s and not r:
        return Finding("extra-path", "", detail, Message.of("dx.extra_term", term=term(s)))
    if not (r and s) or r == s:
        return None
    if _contains(s, r):
        return Finding("extra-term", "", detail, Message.of("dx.extra_term", term=term(_minus(s, r))))
    if _contains(r, s):
        said = Message.of("dx.missing_term", term=term(_minus(r, s))) if reveal else \
            Message.of("dx.wrong_local_hidden", output=out, got=term(s))
        return Finding("missing-term", "", detail, said)
    said = Message.of("dx.wrong_local", output=out, got=term(s), expected=term(r)) if reveal else \
        Message.of("dx.wrong_local_hidden", output=out, got=term(s))
    return Finding("wrong-coefficient", "", detail, said)


def headline(exercise: Exercise, reference, student: sympy.Expr, style: Style,
             findings: tuple[Finding, ...]) -> Message:
    """One tutor's sentence: where the gradient comes from, what the answer has, what is wrong."""
    notation = exercise.notation
    entry = Maths(notation.entry_derivative(reference.target, reference.index, style),
                  notation.entry_derivative(reference.target, reference.index, "latex"), style)
    outputs = tuple(Maths(output_name(notation, s.name, style), output_name(notation, s.name, "latex"), style)
                    for s in reference.upstream_symbols if s is not None)
    sentence = Message.of("dx.yours_has", answer=_shown(notation, student, style))
    if outputs:
        sentence = Message.of("dx.then", first=Message.of("dx.receives", entry=entry, count=len(outputs),
                                                          outputs=outputs), second=sentence)
    elif notation.upstream is not None and not reference.paths:
        sentence = Message.of("dx.then", first=Message.of("dx.receives_none", entry=entry), second=sentence)
    said = [f.said for f in findings if f.said is not None]
    if said:
        listed: MessageParam = said[-1]
        for earlier in reversed(said[:-1]):
            listed = Message.of("dx.both", first=earlier, second=listed)
        sentence = Message.of("dx.because", sentence=sentence, findings=listed)
    # A sentence that ends in a question ("did you forget the chain rule?") takes no full stop.
    return sentence if said and said[-1].key == "dx.no_upstream" else Message.of("dx.end", sentence=sentence)
