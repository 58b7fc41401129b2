"""Hostile answers: each must end in a ParseError, quickly, and do nothing else.

"Nothing else" is checked, not assumed: the code-execution rows try to create a marker file,
and the test asserts that the file still does not exist afterwards.
"""
from __future__ import annotations

import lark
import pytest
import sympy

from grader.answers.parsing import ParseError, parse_expression, parse_matrix
from grader.answers.readers import read_expression_submission
from conftest import SEED_NOTATION as SEED

MARKER = "MARKER"  # replaced by a per-test path under tmp_path

HOSTILE = [
    ("python import", f"__import__('os').system('touch {MARKER}')"),
    ("dunder chain", "().__class__.__bases__[0].__subclasses__()"),
    ("attribute access", "x[1,1].__class__"),
    ("lambda", "lambda: 0"),
    ("exec call", f"exec(\"open('{MARKER}','w')\")"),
    ("eval call", "eval('1+1')"),
    ("sympify-style", "Symbol('x')"),
    ("open", f"open('{MARKER}', 'w').write('x')"),
    ("string literal", "'k[1]'"),
    ("semicolon statements", "k[1]; import os"),
    ("latex input", r"\input{/etc/passwd}"),
    ("latex include", r"\include{secrets}"),
    ("latex def", r"\def\x{k_1} \x"),
    ("latex newcommand", r"\newcommand{\x}{k_1} \x"),
    ("latex write18", rf"\immediate\write18{{touch {MARKER}}}"),
    ("latex catcode", r"\catcode`\^=12 k_1"),
    ("latex openout", r"\openout1=pwn.txt"),
    ("huge exponent", "x[1,1]^999999999"),
    ("latex huge exponent", r"x_{1,1}^{999999999}"),
    ("power tower", "2^2^2^2^2^2"),
    ("nested powers", "((((2^64)^64)^64)^64)"),
    ("long power chain", "k[1]" + "^k[1]" * 50),
    ("100k-digit number", "1" * 100_000),
    ("60-digit number", "1" * 60 + "*k[1]"),
    ("20k-deep parentheses", "(" * 20_000 + "k[1]" + ")" * 20_000),
    ("20k-deep braces", "{" * 20_000 + "k_1" + "}" * 20_000),
    ("20k unclosed parentheses", "(" * 20_000),
    ("1 MB expression", "k[1] + " * 150_000 + "k[2]"),
    ("empty", ""),
    ("whitespace only", " \t\n  "),
    ("rtl marks only", "\u200f\u200e\u202b"),
    ("rtl override with unknown", "\u202ek[1] + z"),
    ("null byte", "k[1]\x00+k[2]"),
    ("escape character", "k[1]\x1b[2J"),
    ("unknown symbol", "w[1,1]"),
    ("unknown latex letter", "w_{1,1}"),
    ("out of range", "x[4,1]"),
    ("index zero", "k[0]"),
    ("latex out of range", "x_{4,1}"),
    ("negative index", "x[-1,1]"),
    ("unbalanced braces", r"\frac{k_1}{k_2"),
    ("unbalanced close", "k[1]}"),
    ("mismatched brackets", "(k[1]]"),
    ("sum of 10^9 terms", "sum(x[1,1], (n, 1, 1000000000))"),
    ("latex sum of 10^9 terms", r"\sum_{n=1}^{1000000000} x_{1,1}"),
    ("nested sums 10^6 distinct terms", "sum(sum(exp(n*m*x[1,1]), (n, 1, 1000)), (m, 1, 1000))"),
    ("sum index out of range", "sum(x[n,1], (n, 1, 4))"),
    ("sum bound unbound variable", "sum(x[n,1], (n, 1, m))"),
    ("division by zero", "k[1]/(k[2]-k[2])"),
    ("zero to negative power", "0^-1"),
    ("unicode digits", "k[\u0661]"),
    ("fullwidth letters", "\uff58[1,1]"),
    ("matrix soup", r"\begin{pmatrix} \begin{pmatrix} k_1 \end{pmatrix} \end{pmatrix}"),
    ("percent comment", r"k_1 % \input{x}"),
    ("dollar inside", "k[1] $ k[2]"),
    ("backslash newline", "k_1 \\\n k_2 \\"),
]


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "pwn"
    assert not path.exists()
    yield path
    assert not path.exists(), "a hostile answer created a file"


@pytest.fixture
def parser_calls(monkeypatch):
    """How many times a grammar parses a text: the work a hostile input makes us do (never time)."""
    calls = []
    parse = lark.Lark.parse

    def counted(self, text, *args, **kwargs):
        calls.append(len(text))
        return parse(self, text, *args, **kwargs)

    monkeypatch.setattr(lark.Lark, "parse", counted)
    return calls


@pytest.mark.parametrize("text", [r[1] for r in HOSTILE], ids=[r[0] for r in HOSTILE])
@pytest.mark.parametrize("style", ["auto", "plain", "latex"])
def test_hostile_answer_is_a_parse_error(text, style, marker, parser_calls):
    text = text.replace(MARKER, str(marker))
    with pytest.raises(ParseError) as info:
        parse_expression(text, SEED, style)
    assert len(parser_calls) <= 2  # at most once per notation, whatever the text
    assert info.value.column >= 1 and info.value.line >= 1
    str(info.value)  # the caret context renders for any input


@pytest.mark.parametrize("text", [r[1] for r in HOSTILE], ids=[r[0] for r in HOSTILE])
def test_hostile_matrix_is_a_parse_error(text, marker, parser_calls):
    text = text.replace(MARKER, str(marker))
    with pytest.raises(ParseError):
        parse_matrix(text, SEED)
    assert len(parser_calls) <= 2


def test_hostile_corpus_is_big_enough():
    assert len(HOSTILE) >= 30


def _yaml_quote(text: str) -> str:
    return "'" + text.replace("'", "''").replace("\n", " ") + "'"


def test_yaml_mixing_hostile_and_good_entries(tmp_path, marker, parser_calls):
    good = {"X[1,1]": "dy[1,1]*k[1]", "X[3,3]": r"\frac{\partial C}{\partial y_{2,3}} k_2", "K[1]": "k[1] + 0.5"}
    hostile = [t.replace(MARKER, str(marker)) for _, t in HOSTILE
               if "\x00" not in t and "\x1b" not in t and len(t) < 50_000]
    lines = [f"{key}: {_yaml_quote(value)}" for key, value in good.items()]
    slots = [f"X[{i},{j}]" for i in (1, 2, 3) for j in (1, 2, 3) if f"X[{i},{j}]" not in good]
    lines += [f"{slots[n % len(slots)]}: {_yaml_quote(text)}" for n, text in enumerate(hostile)]
    path = tmp_path / "answers.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sub = read_expression_submission(path, SEED, ("X", "K"))
    answers = {(a.target, a.index): a for a in sub.answers}
    assert str(answers[("X", (0, 0))].expr) == "dy[1,1]*k[1]"
    assert str(answers[("X", (2, 2))].expr) == "dy[2,3]*k[2]"
    assert answers[("K", (0, 0))].expr == SEED["K"].symbol((0, 0)) + sympy.Rational(1, 2)
    for slot in slots:
        a = answers[("X", SEED["X"].full_index(tuple(int(i) for i in slot[2:-1].split(","))))]
        # Each slot's key is repeated: a duplicate key is an error for that entry, and never parsed.
        assert a.expr is None and "appears more than once" in a.error
    assert len(parser_calls) <= 2 * len(good)


def test_yaml_with_a_python_tag_is_not_constructed(tmp_path, marker):
    path = tmp_path / "answers.yaml"
    path.write_text(f"X[1,1]: !!python/object/apply:os.system ['touch {marker}']\nX[1,2]: dy[1,2]*k[1]\n")
    sub = read_expression_submission(path, SEED, ("X",))
    answers = {a.index: a for a in sub.answers}
    assert answers[(0, 0)].expr is None
    assert str(answers[(0, 1)].expr) == "dy[1,2]*k[1]"


def test_hostile_document(tmp_path, marker, parser_calls):
    body = (f"$$\\frac{{\\partial C}}{{\\partial x_{{1,1}}}} = \\immediate\\write18{{touch {marker}}}$$\n"
            "$$\\frac{\\partial C}{\\partial x_{1,2}} = " + "(" * 5000 + "$$\n"
            + "\\begin{equation}" * 5000 + "$" * 3001 + "\n"
            "$$\\frac{\\partial C}{\\partial x_{1,3}} = \\frac{\\partial C}{\\partial y_{1,3}} k_1$$\n")
    path = tmp_path / "doc.md"
    path.write_text(body, encoding="utf-8")
    sub = read_expression_submission(path, SEED, ("X",))
    assert len(parser_calls) <= 3 * 2  # each left side once, each last side at most twice
    answers = {a.index: a for a in sub.answers}
    assert answers[(0, 0)].expr is None and "write18" in answers[(0, 0)].error
    assert answers[(0, 1)].expr is None and "nested" in answers[(0, 1)].error


def test_yaml_alias_flood_is_not_parsed_again_and_again(tmp_path, parser_calls):
    rows = '["' + '", "'.join(["sum(exp(n*x[1,1]), (n, 1, 2000))"] * 3) + '"]'
    text = f"X: &rows [{rows}, {rows}, {rows}]\n" + "".join("dX: *rows\n" for _ in range(20_000))
    path = tmp_path / "a.yaml"
    path.write_text(text)
    sub = read_expression_submission(path, SEED, ("X",))
    assert len(parser_calls) <= 9 * 2  # only the last answer of each entry is parsed
    # dX is one key written 20,000 times: an error for its entries, naming a few of the lines.
    assert len(sub.answers) == 9 and all("appears more than once" in a.error for a in sub.answers)
    assert len(sub.answers[0].error) < 300


def test_document_repeating_a_costly_equation(tmp_path, parser_calls):
    eq = "$$\\frac{\\partial C}{\\partial x_{1,1}} = \\sum_{n=1}^{5000} e^{n x_{1,1}}$$\n"
    path = tmp_path / "d.md"
    # A tenth of the size limit: the bound below is on work per equation, so the count is enough.
    path.write_text(eq * (90_000 // len(eq)), encoding="utf-8")
    sub = read_expression_submission(path, SEED, ("X",))
    equations = 90_000 // len(eq)
    # Every left side is read (cheap, bounded by the line); the costly sum only once.
    assert sum(1 for n in parser_calls if n > 40) <= 2 and len(parser_calls) <= equations + 2
    assert len(sub.answers) == 1 and len(sub.problems) == equations - 1
