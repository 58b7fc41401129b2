"""A course end to end: which file is graded, notebooks of code, roster identities, variants,
and when the answer key may be shown. Real exports as the platforms write them (a GitHub
Classroom clone with a README in every repository, a Gradescope export with its metadata and a
resubmission), graded by the real batch into a real gradebook.
"""
import json
import shutil
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import ROOT, cli
from grader.batch.gradebook import Gradebook
from grader.batch.grade_class import BatchOptions, grade_class
from grader.choose import choose
from grader.errors import GraderError
from grader.pipeline import grade
from grader.options import GradeOptions
from grader.spec.load import load_exercise, parse_exercise

CODE = (ROOT / "examples" / "conv2d-3x3-k2x1" / "correct.py").read_text()  # right for every variant
WRONG = (ROOT / "examples" / "conv2d-3x3-k2x1" / "wrong-X-row2-merged-path.py").read_text()
DERIVATION = (ROOT / "examples" / "conv2d-3x3-k2x1" / "correct.md").read_text()
PER_STUDENT = "conv2d-per-student"
FUNCTIONS = ("grad_X", "grad_K")


def notebook(*cells: tuple[str, str]) -> str:
    """A notebook as Jupyter writes it (nbformat 4: sources as lists of lines, outputs, metadata)."""
    def cell(kind, text):
        out = {"cell_type": kind, "metadata": {}, "source": text.splitlines(keepends=True)}
        if kind == "code":
            out.update(execution_count=None, outputs=[])
        return out

    return json.dumps({"cells": [cell(k, t) for k, t in cells], "metadata": {"kernelspec": {"name": "python3"}},
                       "nbformat": 4, "nbformat_minor": 5}, indent=1)


def code_notebook(code: str = CODE) -> str:
    head, _, body = code.partition("import numpy as np\n")
    return notebook(("markdown", "# Homework 3\nMy gradients:"), ("code", "import numpy as np"), ("code", body))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def repository(folder: Path, files: dict[str, str]) -> Path:
    """A cloned student repository: the template's README, .git and the workflow, and their files."""
    write(folder / "README.md", "# Homework 3\n\nWrite $\\frac{\\partial C}{\\partial X}$ in `solution.py`.\n")
    write(folder / ".git" / "HEAD", "ref: refs/heads/main\n")
    write(folder / ".git" / "hooks" / "pre-commit.py", "def grad_X(X, K, dY):\n    return 0\n")
    write(folder / ".github" / "workflows" / "grade.yml", "name: grade\n")
    for name, text in files.items():
        write(folder / name, text)
    return folder


# --- 1. choosing the file --------------------------------------------------------------------

@pytest.mark.parametrize("files, patterns, chosen, problem", [
    # The Classroom template's README, its .git and .github, and a licence are never candidates.
    ({"README.md": "x", "LICENSE.txt": "x", "solution.py": CODE, ".github/x.yml": "x"}, (), "solution.py", ""),
    ({"readme.txt": "x", "answers.yaml": "X[1,1]: 0"}, (), "answers.yaml", ""),
    # A zip upload unpacks into a sub-folder.
    ({"hw3/solution.py": CODE, "__MACOSX/hw3/._solution.py": "x"}, (), "hw3/solution.py", ""),
    # A helper module beside the answer defines none of the exercise's functions: set aside.
    ({"helpers.py": "def pad(a):\n    return a\n", "solution.py": CODE}, (), "solution.py", ""),
    ({"helpers.py": "def pad(a):\n    return a\n", "answers.yaml": "X[1,1]: 0"}, (), "answers.yaml", ""),
    ({"solution.py": CODE, "answers.yaml": "X[1,1]: 0"}, (), "", "2 candidate files"),
    # Patterns: the first that matches decides, at any depth.
    ({"solution.py": CODE, "answers.yaml": "X[1,1]: 0"}, ("answers.*", "*.py"), "answers.yaml", ""),
    ({"src/solution.py": CODE, "test.py": CODE}, ("solution.py",), "src/solution.py", ""),
    ({"a/solution.py": CODE, "b/solution.py": CODE}, ("solution.py",), "", "2 files match 'solution.py'"),
    ({"README.md": DERIVATION}, ("*.md",), "", "no file matches '*.md'; found: README.md"),
    ({"README.md": DERIVATION}, ("README.md",), "README.md", ""),  # named exactly: the instructor's choice
    # Nothing gradable: say what was found.
    ({"README.md": "x", "report.pdf": "%PDF"}, (), "", "found: README.md, report.pdf"),
    ({}, (), "", "nothing (the folder is empty)"),
    ({"submission_metadata.yml": "x: 1"}, (), "", "no gradable file"),
])
def test_the_file_to_grade(tmp_path, files, patterns, chosen, problem):
    for name, text in files.items():
        write(tmp_path / name, text)
    choice = choose(tmp_path, patterns, FUNCTIONS)
    assert (choice.relative, choice.problem[:len(problem)] if problem else choice.problem) == (chosen, problem) \
        or (not chosen and problem in choice.problem), choice


def test_links_are_never_followed(tmp_path):
    secret = write(tmp_path / "elsewhere" / "key.py", CODE)
    student = tmp_path / "student"
    student.mkdir()
    (student / "solution.py").symlink_to(secret)
    choice = choose(student, (), FUNCTIONS)
    assert choice.path is None and "symbolic link: not followed" in choice.problem


def test_grade_takes_a_folder_and_submission_globs(tmp_path):
    repo = repository(tmp_path / "repo", {"work/solution.py": CODE, "helpers.py": "X = 1\n"})
    out = cli("grade", "conv2d-3x3-k2x1", repo, "--format", "json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["submission"] == "solution.py"
    out = cli("grade", "conv2d-3x3-k2x1", repo, "--submission", "*.ipynb", "--format", "json")
    assert out.exit_code == 2 and "no file matches '*.ipynb'" in out.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    out = cli("grade", "conv2d-3x3-k2x1", empty)
    assert out.exit_code == 2 and "the folder is empty" in out.stderr


def test_spec_field_submission_names_the_file(tmp_path):
    text = (ROOT / "exercises" / "conv2d-3x3-k2x1.yaml").read_text() + "submission: [answers.yaml, '*.py']\n"
    spec = write(tmp_path / "hw.yaml", text)
    assert load_exercise(str(spec)).submission == ("answers.yaml", "*.py")
    repo = repository(tmp_path / "repo", {"solution.py": CODE, "answers.yaml": "X[1,1]: 0\n"})
    out = cli("grade", spec, repo, "--format", "json")
    assert json.loads(out.stdout)["submission"] == "answers.yaml"
    out = cli("grade", spec, repo, "--submission", "*.py", "--format", "json")  # the option wins
    assert json.loads(out.stdout)["submission"] == "solution.py"
    bad = write(tmp_path / "bad.yaml", text.replace("submission: [answers.yaml, '*.py']", "submission: []"))
    assert cli("validate", bad).exit_code == 2


# --- 2. notebooks of code --------------------------------------------------------------------

def test_a_notebook_of_code_is_graded_as_code(tmp_path):
    exercise = load_exercise("conv2d-3x3-k2x1")
    right = grade(exercise, write(tmp_path / "hw.ipynb", code_notebook()))
    assert (right.kind, right.score) == ("functions", 10)
    wrong = grade(exercise, write(tmp_path / "wrong.ipynb", code_notebook(WRONG)))
    assert wrong.kind == "functions" and 0 < wrong.score < 10
    # Markdown and code in one notebook: the code answers an exercise that asks for functions.
    both = notebook(("markdown", DERIVATION), ("code", CODE))
    assert grade(exercise, write(tmp_path / "both.ipynb", both)).kind == "functions"


def test_a_notebook_of_maths_is_read_as_a_derivation(tmp_path):
    exercise = load_exercise("conv2d-3x3-k2x1")
    report = grade(exercise, write(tmp_path / "hw.ipynb", notebook(("markdown", DERIVATION), ("code", "x = 1"))))
    assert (report.kind, report.score) == ("expressions", 10)


@pytest.mark.parametrize("line, what", [
    ("%matplotlib inline", "an IPython magic"),
    ("%%time", "an IPython magic"),
    ("!pip install torch", "a shell command"),
    ("    !ls", "a shell command"),
])
def test_magics_and_shell_escapes_are_refused_by_name(tmp_path, line, what):
    report = grade(load_exercise("conv2d-3x3-k2x1"),
                   write(tmp_path / "hw.ipynb", notebook(("code", "import numpy as np"), ("code", line + "\n" + CODE))))
    assert report.score == 0 and report.kind == "functions"
    assert f"cell 2, line 1: {line.strip()!r} is {what}" in report.messages[0]


def test_a_notebook_runs_only_in_the_sandbox(tmp_path):
    marker = tmp_path / "ran-in-the-grader"
    hostile = notebook(("code", f"open({str(marker)!r}, 'w').write('x')"), ("code", CODE))
    report = grade(load_exercise("conv2d-3x3-k2x1"), write(tmp_path / "hw.ipynb", hostile))
    assert not marker.exists()  # the sandbox cannot see this folder, and the grader never ran it
    assert report.kind == "functions" and report.score == 0
    leftovers = [p for p in Path(tmp_path).iterdir() if p.name not in ("hw.ipynb",)]
    assert leftovers == []


# --- 3. roster identities, exports as the platforms write them ------------------------------

ROSTER = textwrap.dedent("""\
    Student ID,Name,Email,GitHub Username
    s-1001,Ada Lovelace,ada@uni.example,ada-l
    s-1002,Grace Hopper,grace@uni.example,ghopper
    s-1003,Alan Turing,alan@uni.example,aturing
    s-1004,Emmy Noether,emmy@uni.example,emmy
    s-1005,Kurt Goedel,kurt@uni.example,kgoedel
    s-1006,Absent Student,absent@uni.example,absent
    """)


def classroom_export(folder: Path) -> Path:
    """`gh classroom clone student-repos`: one `<assignment>-<login>` repository per student."""
    repository(folder / "hw3-ada-l", {"solution.py": CODE})
    repository(folder / "hw3-ghopper", {"homework.ipynb": code_notebook()})
    repository(folder / "hw3-aturing", {"notebooks/hw3.ipynb": code_notebook(WRONG), "utils.py": "def f():\n  pass\n"})
    repository(folder / "hw3-emmy", {})  # uploaded a PDF instead: only the README is there
    write(folder / "hw3-emmy" / "derivation.pdf", "%PDF-1.4")
    (folder / "hw3-kgoedel").mkdir()  # an empty repository
    return folder


def latest(db: Path) -> dict:
    with Gradebook(db) as book:
        return {row["student"]: dict(row) for row in book.latest_rows()}


def test_a_classroom_export_batch_grades_with_roster_ids(tmp_path):
    klass = classroom_export(tmp_path / "hw3-submissions")
    roster = write(tmp_path / "roster.csv", ROSTER)
    result = grade_class(PER_STUDENT, klass, BatchOptions(db=tmp_path / "gb.sqlite", jobs=0, roster=roster))
    rows = latest(tmp_path / "gb.sqlite")
    assert sorted(rows) == ["s-1001", "s-1002", "s-1003", "s-1004", "s-1005", "s-1006"]
    assert rows["s-1001"]["submission"] == "hw3-ada-l/solution.py" and rows["s-1001"]["score"] == 10
    assert rows["s-1002"]["submission"] == "hw3-ghopper/homework.ipynb" and rows["s-1002"]["score"] == 10
    assert rows["s-1003"]["submission"] == "hw3-aturing/notebooks/hw3.ipynb"
    assert rows["s-1003"]["status"] == "partial"
    # Only a README (the PDF is no submission kind): an error row that says what was there, not a 0.
    assert rows["s-1004"]["status"] == "error"
    assert "found: README.md, derivation.pdf" in rows["s-1004"]["problem"]
    assert rows["s-1005"]["status"] == "error" and "empty" in rows["s-1005"]["problem"]
    assert rows["s-1006"]["status"] == "error" and "no submission found" in rows["s-1006"]["problem"]
    assert result.errors == 3
    # Each graded student on the variant of their stable id, as `grade --variant ID` would.
    for student in ("s-1001", "s-1002", "s-1003"):
        assert json.loads(rows[student]["report"])["variant"] == student
    with Gradebook(tmp_path / "gb.sqlite") as book:
        people = book.identities()
    assert people["s-1001"] == ("Ada Lovelace", "ada@uni.example", "ada-l")
    assert people["s-1006"] == ("Absent Student", "absent@uni.example", "absent")


def test_a_classroom_export_without_roster_is_keyed_on_logins(tmp_path):
    klass = classroom_export(tmp_path / "hw3-submissions")
    grade_class(PER_STUDENT, klass, BatchOptions(db=tmp_path / "gb.sqlite", jobs=0))
    rows = latest(tmp_path / "gb.sqlite")
    assert sorted(rows) == ["ada-l", "aturing", "emmy", "ghopper", "kgoedel"]
    assert json.loads(rows["ghopper"]["report"])["variant"] == "ghopper"


GRADESCOPE_METADATA = textwrap.dedent("""\
    ---
    submission_111:
      :submitters:
      - :name: Ada Lovelace
        :sid: '1001'
        :email: ada@uni.example
      :created_at: 2026-11-30 10:00:00.000000000 -08:00
      :score: 0.0
    submission_222:
      :submitters:
      - :name: Grace Hopper
        :sid: '1002'
        :email: grace@uni.example
      :created_at: 2026-11-30 11:00:00.000000000 -08:00
      :score:
    submission_333:
      :submitters:
      - :name: Ada Lovelace
        :sid: '1001'
        :email: ada@uni.example
      :created_at: 2026-12-01 09:00:00.000000000 -08:00
      :score:
    submission_444:
      :submitters:
      - :name: Alan Turing
        :sid: ''
        :email: alan@uni.example
      :created_at: 2026-12-01 09:30:00.000000000 -08:00
    """)


def gradescope_export(folder: Path, renumber: int = 0) -> Path:
    """Gradescope's "Export Submissions": submission_<n> folders and submission_metadata.yml."""
    def name(n):
        return f"submission_{n + renumber}"

    write(folder / name(111) / "solution.py", WRONG)  # Ada's first try
    write(folder / name(333) / "hw3" / "solution.py", CODE)  # her resubmission, a zip with a folder
    write(folder / name(222) / "homework.ipynb", code_notebook())
    write(folder / name(444) / "answers.py", CODE)
    write(folder / "submission_metadata.yml",
          GRADESCOPE_METADATA.replace("submission_111", name(111)).replace("submission_222", name(222))
          .replace("submission_333", name(333)).replace("submission_444", name(444)))
    return folder


def test_a_gradescope_export_is_keyed_on_sids(tmp_path):
    klass = gradescope_export(tmp_path / "export")
    result = grade_class(PER_STUDENT, klass, BatchOptions(db=tmp_path / "gb.sqlite", jobs=0))
    rows = latest(tmp_path / "gb.sqlite")
    # The metadata file is no student; Ada's resubmission is her one row; no SID: the email.
    assert sorted(rows) == ["1001", "1002", "alan@uni.example"] and result.students == 3
    assert rows["1001"]["submission"] == "submission_333/hw3/solution.py" and rows["1001"]["score"] == 10
    assert rows["1002"]["submission"] == "submission_222/homework.ipynb" and rows["1002"]["score"] == 10
    assert {s: json.loads(r["report"])["variant"] for s, r in rows.items()} == \
        {"1001": "1001", "1002": "1002", "alan@uni.example": "alan@uni.example"}
    with Gradebook(tmp_path / "gb.sqlite") as book:
        assert book.identities()["1002"] == ("Grace Hopper", "grace@uni.example", "submission_222")
    # A new export numbers every submission anew: the same students, nothing to grade again.
    again = grade_class(PER_STUDENT, gradescope_export(tmp_path / "export2", renumber=1000),
                        BatchOptions(db=tmp_path / "gb.sqlite", jobs=0))
    assert (again.students, again.graded, again.unchanged) == (3, 0, 3)


def test_a_roster_with_no_id_column_is_refused(tmp_path):
    bad = write(tmp_path / "roster.csv", "name,email\nAda,ada@x\n")
    with pytest.raises(GraderError, match="no id column"):
        grade_class(PER_STUDENT, tmp_path, BatchOptions(db=tmp_path / "gb.sqlite", jobs=0, roster=bad))


def test_batch_cli_takes_roster_and_submission(tmp_path):
    klass = classroom_export(tmp_path / "hw3-submissions")
    roster = write(tmp_path / "roster.csv", ROSTER)
    out = cli("batch", PER_STUDENT, klass, "--db", tmp_path / "gb.sqlite", "--jobs", "0", "--roster", roster,
              "--submission", "solution.py", "--csv", tmp_path / "grades.csv")
    assert out.exit_code == 1, out.output  # error rows
    rows = latest(tmp_path / "gb.sqlite")
    assert rows["s-1001"]["status"] == "full"
    assert "no file matches 'solution.py'" in rows["s-1002"]["problem"]


def test_variants_lists_each_students_variant(tmp_path):
    roster = write(tmp_path / "roster.csv", ROSTER)
    out = cli("variants", PER_STUDENT, "--roster", roster, "--format", "csv")
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0] == "id,name,H,W,KH" and len(lines) == 7
    for line in lines[1:]:
        sid = line.split(",")[0]
        values = load_exercise(PER_STUDENT, sid).variant.values
        assert line.split(",")[2:] == [str(v) for _, v in values]
    assert cli("variants", "conv2d-3x3-k2x1", "alice").exit_code == 2  # no variants to list


def test_grading_without_variant_says_it_used_the_default(tmp_path):
    solution = write(tmp_path / "solution.py", CODE)
    out = cli("grade", PER_STUDENT, solution, "--format", "json")
    assert "default variant" in out.stderr
    assert any("DEFAULT variant" in m for m in json.loads(out.stdout)["messages"])
    out = cli("grade", PER_STUDENT, solution, "--format", "json", "--variant", "s-1001")
    assert "default variant" not in out.stderr
    assert not any("DEFAULT" in m for m in json.loads(out.stdout)["messages"])


def test_the_html_report_shows_the_variant(tmp_path):
    solution = write(tmp_path / "solution.py", CODE)
    out = cli("grade", PER_STUDENT, solution, "--format", "html", "--variant", "s-1001")
    assert 'id="variant"' in out.stdout and "s-1001" in out.stdout


# --- 6. integrity --------------------------------------------------------------------------

def spec_with(tmp_path, extra: str) -> Path:
    return write(tmp_path / "hw.yaml", (ROOT / "exercises" / "conv2d-3x3-k2x1.yaml").read_text() + extra)


@pytest.mark.parametrize("command", ["solve", "explain"])
def test_solve_and_explain_refuse_before_release_without_the_key(tmp_path, command):
    key = tmp_path / "instructor.key"
    made = cli("key", key)
    assert made.exit_code == 0 and key.stat().st_mode & 0o077 == 0
    line = made.stdout.strip()
    spec = spec_with(tmp_path, f"release: 2999-01-01\n{line}\n")
    out = cli(command, spec)
    assert out.exit_code == 2 and "released on 2999-01-01" in out.stderr and "dy" not in out.stdout
    assert cli(command, spec, "--key", key).exit_code == 0
    other = write(tmp_path / "other.key", "guess\n")
    assert cli(command, spec, "--key", other).exit_code == 2
    past = spec_with(tmp_path, "release: 2000-01-01\n")
    assert cli(command, past).exit_code == 0
    never = spec_with(tmp_path, f"reveal: never\n{line}\n")
    out = cli(command, never)
    assert out.exit_code == 2 and "never shown" in out.stderr
    assert cli(command, never, "--key", key).exit_code == 0


def test_release_is_a_date_and_the_deadline_is_exact(tmp_path):
    from grader.spec.release import Withheld, check_released

    text = (ROOT / "exercises" / "conv2d-3x3-k2x1.yaml").read_text()
    exercise = parse_exercise(text + "release: 2026-12-18T12:00:00+00:00\n")
    with pytest.raises(Withheld):
        check_released(exercise, now=datetime(2026, 12, 18, 11, 59, tzinfo=timezone.utc))
    check_released(exercise, now=datetime(2026, 12, 18, 12, 0, tzinfo=timezone.utc))
    assert cli("validate", spec_with(tmp_path, "release: next week\n")).exit_code == 2
    assert cli("validate", spec_with(tmp_path, "reveal: later\n")).exit_code == 2


def test_the_grader_process_never_imports_the_notebook(tmp_path):
    # A notebook whose code cells do not define the functions is read as Markdown: its code is
    # never run anywhere, so a hostile cell costs nothing.
    hostile = notebook(("code", "import os\nos.system('touch PWNED')"), ("markdown", DERIVATION))
    report = grade(load_exercise("conv2d-3x3-k2x1"), write(tmp_path / "hw.ipynb", hostile))
    assert report.kind == "expressions" and report.score == 10
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()


def test_copy_of_the_class_keeps_identities(tmp_path):
    # The same class graded twice from two copies: the roster ids, not the paths, key the rows.
    klass = classroom_export(tmp_path / "a")
    roster = write(tmp_path / "roster.csv", ROSTER)
    grade_class(PER_STUDENT, klass, BatchOptions(db=tmp_path / "gb.sqlite", jobs=0, roster=roster))
    copy = tmp_path / "b"
    shutil.copytree(klass, copy, symlinks=True)
    again = grade_class(PER_STUDENT, copy, BatchOptions(db=tmp_path / "gb.sqlite", jobs=0, roster=roster))
    assert again.graded == 0 and again.unchanged == 6
    assert GradeOptions().variant is None
