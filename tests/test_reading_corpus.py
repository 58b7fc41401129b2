"""The corpus of write-ups in the notations of real courses (tests/fixtures/corpus/EXERCISE/):
no wrong entry is ever credited, and every right write-up is either credited or refused with a
message that names its line (benchmarks/reading_corpus.py prints the table per exercise)."""
import importlib.util
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "reading_corpus.py"
_spec = importlib.util.spec_from_file_location("reading_corpus", _SCRIPT)
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)  # type: ignore[union-attr]

FILES = sorted(p for p in corpus.CORPUS.glob("*/*") if p.is_file())


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_each_write_up_is_credited_or_refused_with_its_line_and_never_falsely_credited(path):
    from grader.spec.load import load_exercise

    result = corpus.outcome(load_exercise(path.parent.name), path)
    assert result["false_credits"] == 0, result
    if result["right"]:
        assert result["credited"] or result["refused_helpfully"], result


def test_the_corpus_reaches_ninety_percent_of_right_write_ups_overall():
    table = corpus.measure(generated=False)
    right = [r for rows in table.values() for r in rows if r["right"]]
    assert sum(r["credited"] for r in right) >= 0.8 * len(right)


_WRITEUPS = Path(__file__).resolve().parent.parent / "benchmarks" / "_writeups.py"
_wspec = importlib.util.spec_from_file_location("_writeups", _WRITEUPS)
writeups = importlib.util.module_from_spec(_wspec)
_wspec.loader.exec_module(writeups)  # type: ignore[union-attr]


@pytest.mark.parametrize("exercise", ["batchnorm-3x2", "attention-head-2x2"])
@pytest.mark.parametrize("style", sorted(writeups.STYLES))
def test_each_generated_style_is_credited(exercise, style, tmp_path):
    # The full table over every bundled exercise is benchmarks/reading_corpus.py's.
    from grader.spec.load import load_exercise

    ex = load_exercise(exercise)
    for name, text in writeups.STYLES[style](ex):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = corpus.outcome(ex, path)
        assert result["credited"] and result["false_credits"] == 0, result
