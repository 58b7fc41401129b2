"""The document and YAML examples of docs/answer-format.md, graded: each fenced example says
which entries it must credit and which it must not (the expression tables are run by
test_parsing.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_reading_fixtures import expectations

from grader.pipeline import GradeOptions, grade
from grader.spec.load import load_exercise

DOC = Path(__file__).resolve().parent.parent / "docs" / "answer-format.md"
_EXAMPLE = re.compile(r"^```(markdown|tex|yaml|text) example credit:([^\n]*?)no-credit:([^\n]*)\n(.*?)^```$", re.M | re.S)
SUFFIX = {"markdown": ".md", "tex": ".tex", "yaml": ".yaml", "text": ".txt"}
EXAMPLES = _EXAMPLE.findall(DOC.read_text(encoding="utf-8"))


def credited(path: Path) -> dict[str, bool]:
    """Entry label (X[1,1]) -> whether the pipeline credits it (the exercise named in the example
    with `exercise: ID`, else the seed), intermediates and given values substituted as in grading."""
    name, _, _ = expectations(path)
    report = grade(load_exercise(name), path, GradeOptions(seed=0, timeout=None, lang="en", diagnose=False))
    return {f"{c.target}[{','.join(map(str, c.index or ()))}]": c.status == "pass" for c in report.checks}


@pytest.mark.parametrize("kind,credit,no_credit,body", EXAMPLES, ids=[f"{e[0]}-{n}" for n, e in enumerate(EXAMPLES)])
def test_documented_example(kind, credit, no_credit, body, tmp_path):
    path = tmp_path / f"example{SUFFIX[kind]}"
    path.write_text(body, encoding="utf-8")
    got = credited(path)
    assert {e for e in credit.split() if not got.get(e)} == set(), "not credited"
    assert {e for e in no_credit.split() if got.get(e)} == set(), "false credit"


def test_the_doc_has_examples_of_each_kind():
    assert {e[0] for e in EXAMPLES} == set(SUFFIX)
