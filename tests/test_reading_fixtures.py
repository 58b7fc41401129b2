"""Answer files written the way course material writes them: each fixture says, in a comment
the reader never reads, which entries it must credit and which it must not.

`expect-credit:` entries must be read and equal to the reference; `expect-no-credit:` entries
must not be (wrong, unreadable or refused). A fixture names its exercise with `exercise:`
(default: the seed): a bundled id, or a spec path relative to tests/fixtures.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.answers.equivalence import equivalent_to_entry
from grader.spec.load import load_exercise
from grader.answers.readers import read_expression_submission

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reading"
_EXPECT = re.compile(r"expect-(no-credit|credit):\s*([^\n>]*?)\s*(?:-->|\"|$)", re.M)
_EXERCISE = re.compile(r"exercise:\s*([\w./-]+)")
_ENTRY = re.compile(r"([A-Za-z]+)\[([0-9,]+)\]")


def expectations(path: Path) -> tuple[str, set[str], set[str]]:
    text = path.read_text(encoding="utf-8")
    credit, no_credit = set(), set()
    for kind, entries in _EXPECT.findall(text):
        (credit if kind == "credit" else no_credit).update(entries.split())
    exercise = _EXERCISE.search(text)
    if exercise and exercise.group(1).endswith(".yaml"):
        return str(FIXTURES.parent / exercise.group(1)), credit, no_credit
    return (exercise.group(1) if exercise else "conv2d-3x3-k2x1"), credit, no_credit


def credited(path: Path) -> dict[str, bool]:
    """Entry label (X[1,1]) -> whether the file's answer for it equals the reference."""
    name, _, _ = expectations(path)
    exercise = load_exercise(name)
    targets = tuple(t.name for t in exercise.targets)
    submission = read_expression_submission(path, exercise.notation, targets)
    out = {}
    for a in submission.answers:
        array = exercise.notation[a.target]
        label = f"{a.target}[{','.join(str(i) for i in array.notation_index(a.index))}]"
        reference = exercise.solution[a.target][a.index]
        out[label] = a.expr is not None and equivalent_to_entry(a.expr, reference).equivalent
    return out


FILES = sorted(p for p in FIXTURES.iterdir() if p.is_file())


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fixture_credits_what_it_must_and_nothing_else(path):
    _, credit, no_credit = expectations(path)
    assert credit or no_credit, "a fixture states what it must (not) credit"
    got = credited(path)
    assert {e for e in credit if not got.get(e)} == set(), "not credited"
    assert {e for e in no_credit if got.get(e)} == set(), "false credit"


def test_entry_labels_are_well_formed():
    for path in FILES:
        _, credit, no_credit = expectations(path)
        assert all(_ENTRY.fullmatch(e) for e in credit | no_credit), path.name
