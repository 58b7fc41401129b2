"""`grader batch` on a small class of mixed submissions, against the real pool, sandbox and SQLite.

One uninterrupted run (module fixture) is the reference the other runs are compared with:
a run killed with SIGKILL and resumed, a rerun, a run after one file changed; the class
summary reads the same gradebook.
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import grader
from batch_class import EXERCISE, EXPECTED, ROOT, SECRET, TIMEOUT, make_class, make_spec
from conftest import processes_with
from grader.batch.grade_class import BatchOptions, grade_class
from grader.cli import cli
from grader.batch.gradebook import CSV_COLUMNS, Gradebook
from grader.render.registry import formats
from grader.render.summary import render_summary
from grader.batch.summary import summarise

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
GRADER_DIR = str(Path(grader.__file__).resolve().parent)  # in the command line of every sandbox child


SPEC = EXERCISE  # the seed with a CPU limit (batch_class.make_spec), set before any test runs


@pytest.fixture(scope="module", autouse=True)
def _cpu_limited_spec(tmp_path_factory):
    global SPEC
    SPEC = str(make_spec(tmp_path_factory.mktemp("spec")))


def leftovers() -> list[int]:
    """Our pool workers and sandbox children still alive (this checkout's, this test process's)."""
    return processes_with(GRADER_DIR) + processes_with(f"grader.batch.worker\0{os.getpid()}")


def options(tmp: Path, jobs: int = 2, **more) -> BatchOptions:
    return BatchOptions(db=tmp / "gradebook.sqlite", jobs=jobs, timeout=TIMEOUT, **more)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded once, uninterrupted: (class folder, work folder, BatchResult)."""
    tmp = tmp_path_factory.mktemp("batch")
    klass = make_class(tmp)
    result = grade_class(SPEC, klass, options(tmp, csv=tmp / "grades.csv", reports=tmp / "reports"))
    return klass, tmp, result


def test_every_student_gets_one_row(graded):
    klass, tmp, result = graded
    assert (result.students, result.graded, result.unchanged, result.errors) == (len(EXPECTED), len(EXPECTED), 0, 2)
    assert result.return_code == 1  # two students could not be graded
    with Gradebook(tmp / "gradebook.sqlite") as book:
        rows = {row["student"]: row for row in book.latest_rows(EXERCISE)}
        assert book.query("PRAGMA journal_mode")[0][0] == "wal"
    assert sorted(rows) == sorted(EXPECTED)
    for student, (status, score) in EXPECTED.items():
        assert rows[student]["status"] == status, student
        if score is not None:
            assert rows[student]["score"] == score, student
    assert "not followed" in rows["evil"]["problem"]
    assert "2 candidate files" in rows["twins"]["problem"]
    assert rows["dup"]["content_hash"] == rows["carol"]["content_hash"]
    assert rows["erin"]["submission"] == "erin/answers.yaml"
    assert not leftovers(), "a worker or a sandboxed process outlived the batch"


def test_symlink_out_of_the_class_is_never_read(graded):
    _, tmp, _ = graded
    raw = (tmp / "gradebook.sqlite").read_bytes() + (tmp / "gradebook.sqlite-wal").read_bytes() \
        if (tmp / "gradebook.sqlite-wal").exists() else (tmp / "gradebook.sqlite").read_bytes()
    assert SECRET.encode() not in raw
    assert all(SECRET not in p.read_text() for p in (tmp / "reports").iterdir())


def test_misconceptions_and_notes_are_queryable(graded):
    _, tmp, _ = graded
    with Gradebook(tmp / "gradebook.sqlite") as book:
        found = set(book.query("SELECT s.student, n.kind, n.value FROM notes n JOIN submissions s "
                               "ON s.id = n.submission_id"))
    assert ("frank", "misconception", "flipped-kernel") in found
    assert ("dave", "note", "X-row2-merged-path") in found
    assert ("looper", "note", "sandbox-timeout") in found


def test_csv_agrees_with_grader_grade_score_for_score(graded):
    klass, tmp, _ = graded
    lines = (tmp / "grades.csv").read_text().splitlines()
    assert tuple(lines[0].split(",")) == CSV_COLUMNS
    rows = [line.split(",") for line in lines[1:]]
    assert [r[0] for r in rows] == sorted(EXPECTED)  # one line per student, stable order
    runner = CliRunner()
    compared = set()
    for student, submission, score, max_score, status, _, content_hash, *_ in rows:
        if status == "error" or student in ("looper", "forker") or content_hash in compared:
            continue  # nothing to compare / a timeout's cost / the same bytes as another student
        compared.add(content_hash)
        out = runner.invoke(cli, ["grade", SPEC, str(klass / submission), "--format", "json",
                                  "--timeout", str(TIMEOUT)])
        report = json.loads(out.output)
        assert (float(score), float(max_score)) == (report["score"], report["max_score"]), student


def test_one_report_per_student(graded):
    _, tmp, _ = graded
    reports = {p.stem: json.loads(p.read_text()) for p in (tmp / "reports").iterdir()}
    assert sorted(reports) == sorted(EXPECTED)
    assert reports["alice"]["score"] == 10
    assert "not followed" in reports["evil"]["messages"][0]


def test_rerun_grades_nothing_and_a_changed_file_only_that_one(graded, tmp_path):
    klass, tmp, _ = graded
    shutil.copy(tmp / "gradebook.sqlite", tmp_path / "gradebook.sqlite")
    out = CliRunner().invoke(cli, ["batch", SPEC, str(klass), "--db", str(tmp_path / "gradebook.sqlite"),
                                   "--timeout", str(TIMEOUT), "--jobs", "2"])
    assert "nothing to grade" in out.output, out.output
    work = tmp_path / "class"
    shutil.copytree(klass, work, symlinks=True)
    (work / "carol.yaml").write_text((work / "dave.yaml").read_text())
    changed = grade_class(SPEC, work, options(tmp_path, jobs=0))
    assert (changed.graded, changed.unchanged) == (1, len(EXPECTED) - 1)
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        history = book.query("SELECT status FROM submissions WHERE student='carol' ORDER BY id")
        latest = {r["student"]: r["status"] for r in book.latest_rows()}
    assert [h[0] for h in history] == ["full", "partial"] and latest["carol"] == "partial"
    shutil.copy(klass / "carol.yaml", work / "carol.yaml")  # back as it was: graded before, so not again
    reverted = grade_class(SPEC, work, options(tmp_path, jobs=0))
    assert reverted.graded == 0
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        assert {r["student"]: r["status"] for r in book.latest_rows()}["carol"] == "full"


def test_kill_9_mid_run_then_resume_equals_an_uninterrupted_run(graded, tmp_path):
    klass, tmp, _ = graded
    db = tmp_path / "gradebook.sqlite"
    proc = subprocess.Popen([sys.executable, "-m", "grader", "batch", SPEC, str(klass), "--db", str(db),
                             "--timeout", str(TIMEOUT), "--jobs", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    committed = 0
    for _ in range(600):  # until a few results beyond the two error rows are in: code goes first
        time.sleep(0.05)
        if db.exists():
            try:
                with sqlite3.connect(db) as peek:
                    committed = peek.execute("SELECT count(*) FROM submissions").fetchone()[0]
            except sqlite3.OperationalError:
                continue
        if committed >= 6 or proc.poll() is not None:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 6 <= committed < len(EXPECTED), "the run was not caught mid-way"
    for _ in range(100):  # the workers die with their parent, and their sandboxes with them
        if not processes_with(f"grader.batch.worker\0{proc.pid}") and not processes_with(GRADER_DIR):
            break
        time.sleep(0.1)
    assert not processes_with(f"grader.batch.worker\0{proc.pid}")
    resumed = grade_class(SPEC, klass, options(tmp_path, jobs=0))  # in-process: this one is warm
    assert resumed.unchanged >= committed - 1 and resumed.graded + resumed.unchanged == len(EXPECTED)
    with Gradebook(db) as interrupted, Gradebook(tmp / "gradebook.sqlite") as whole:
        assert comparable(interrupted.canonical()) == comparable(whole.canonical())


def comparable(rows: list[tuple]) -> list[tuple]:
    """Canonical rows, except how a fork bomb's report words its end: RLIMIT_NPROC counts the
    sandbox uid's processes machine-wide, so which fork fails first depends on what else runs
    (the sandbox's business; its row, status and score must still agree)."""
    return [row[:13] if row[1] == "forker" else row for row in rows]


def test_ctrl_c_stops_cleanly_keeping_what_was_committed(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    for name in ("a", "b", "c"):
        (klass / f"{name}.py").write_text("while True:\n    pass\n")
    (klass / "answers.yaml").write_text("X[1,1]: dy[1,1]*k[1]\n")
    proc = subprocess.Popen([sys.executable, "-m", "grader", "batch", SPEC, str(klass), "--db",
                             str(tmp_path / "gb.sqlite"), "--timeout", "60", "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait for this batch's own two workers (not any sandbox on the machine: other tests may be
    # running), so that the interrupt reaches a batch that is grading, not one still importing.
    for _ in range(600):
        time.sleep(0.05)
        if len(processes_with(f"grader.batch.worker\0{proc.pid}")) >= 2:
            break
    time.sleep(0.5)  # let the workers pick up their endless loops; nothing below depends on how long
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=45)
    assert proc.returncode == 130, (out, err)
    assert "interrupted" in out and "Traceback" not in err
    assert not processes_with(f"grader.batch.worker\0{proc.pid}") and not processes_with(GRADER_DIR)
    with Gradebook(tmp_path / "gb.sqlite") as book:
        assert book.query("SELECT count(*) FROM submissions")[0][0] < 4


def test_seed_from_the_environment_and_no_reveal(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "dave.yaml").write_text("X[2,1]: dy[2,1]*(k[1] + k[2])\n")
    db = tmp_path / "gb.sqlite"
    out = CliRunner().invoke(cli, ["batch", SPEC, str(klass), "--db", str(db), "--no-reveal", "-j", "0",
                                   "--reports", str(tmp_path / "r"), "--format", "json"], env={"GRADER_SEED": "77"})
    assert out.exit_code == 0, out.output
    with Gradebook(db) as book:
        row = book.latest_rows()[0]
    assert (row["seed"], row["reveal"]) == (77, 0)
    text = (tmp_path / "r" / "dave.json").read_text()
    assert "expected:" not in text and "dy[1,1]*k[2] is missing" not in text
    out = CliRunner().invoke(cli, ["batch", SPEC, str(klass), "--db", str(db), "-j", "0"])
    assert "graded 1" in out.output  # other options: another set-up, so graded again


def test_usage_errors_exit_2(tmp_path):
    runner = CliRunner()
    result = subprocess.run([sys.executable, "-m", "grader", "batch", SPEC, str(tmp_path / "missing"),
                             "--db", str(tmp_path / "gb.sqlite")], capture_output=True, text=True)
    assert result.returncode == 2 and "no such class folder" in result.stderr
    assert runner.invoke(cli, ["batch", SPEC, str(tmp_path), "--format", "nope"]).exit_code == 2


# --- Dask ----------------------------------------------------------------------------------------

# Enough of the class to cover code, answers and a problem row, at a cluster's start-up cost.
ON_DASK = ("alice.py", "dave.yaml", "twins")


def test_dask_cluster_gives_the_same_gradebook_as_the_local_pool(graded, tmp_path):
    distributed = pytest.importorskip("distributed", reason="the cluster extra (Dask distributed) is not installed")
    klass, tmp, _ = graded
    subset = tmp_path / "class"
    subset.mkdir()
    for name in ON_DASK:
        (shutil.copytree if (klass / name).is_dir() else shutil.copy)(klass / name, subset / name)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=True) as cluster:
        remote = grade_class(SPEC, subset, BatchOptions(db=tmp_path / "dask.sqlite", timeout=TIMEOUT,
                                                            scheduler=cluster.scheduler_address))
    assert remote.graded == len(ON_DASK) and not remote.lost
    students = {Path(name).stem for name in ON_DASK}
    with Gradebook(tmp_path / "dask.sqlite") as dask, Gradebook(tmp / "gradebook.sqlite") as local:
        assert dask.canonical() == [row for row in local.canonical() if row[1] in students]
        workers = {row["worker"] for row in dask.latest_rows() if row["status"] != "error"}
    assert workers and not any(w.endswith(f":{os.getpid()}") for w in workers), "graded on the cluster's workers"


# --- the class summary, from the same gradebook ---------------------------------------------

def test_summary_counts_the_class(graded):
    s = summarise(graded[1] / "gradebook.sqlite")
    assert (s.exercise, s.students, s.graded) == (EXERCISE, len(EXPECTED), len(EXPECTED) - 2)
    assert sum(b.count for b in s.histogram) == s.graded
    assert s.histogram[-1].count == sum(1 for status, _ in EXPECTED.values() if status == "full")
    misconceptions = {o.value: o.students for o in s.misconceptions}
    assert misconceptions["flipped-kernel"] == ("frank",)
    notes = {o.value: o.students for o in s.notes}
    assert notes["X-row2-merged-path"] == ("dave",)
    assert {x.student for x in s.crashing} >= {"looper", "evil", "twins"}
    rates = {c.name: c for c in s.checks}
    assert rates["dC/dx[2,1]"].passed < rates["dC/dx[2,1]"].attempts  # dave's row 2
    assert rates["dC/dx[1,1]"].attempts == 6  # every answer file, whatever notation the entry was written in
    assert len(s.slowest) <= 10 and s.slowest[0].student == "looper"


def test_every_format_renders(graded):
    s = summarise(graded[1] / "gradebook.sqlite")
    assert json.loads(render_summary(s, "json"))["students"] == len(EXPECTED)
    assert "| flipped-kernel | 1 | frank |" in render_summary(s, "markdown")
    assert "flipped-kernel  1  frank" in render_summary(s, "text")
    out = CliRunner().invoke(cli, ["summary", str(graded[1] / "gradebook.sqlite"), "--exercise", EXERCISE, "--format", "markdown"])
    assert out.exit_code == 0 and out.output.startswith("# Class summary")
    assert set(formats("summary")) == {"text", "markdown", "html", "json"}


def test_html_is_self_contained_and_well_formed(graded):
    html = render_summary(summarise(graded[1] / "gradebook.sqlite"), "html")
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html
    assert "<script" not in html and "src=" not in html
    assert html.count('class="bar"') == 10


def test_html_summary_in_a_headless_browser(graded):
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine: the HTML summary is not checked in a browser")
    page = Path(tempfile.mkdtemp()) / "summary.html"
    page.write_text(render_summary(summarise(graded[1] / "gradebook.sqlite"), "html"), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                               page.as_uri()], capture_output=True, text=True, timeout=60)
    dom = done.stdout
    assert "<svg" in dom and dom.count('class="bar"') == 10, done.stderr[-2000:]
    assert "flipped-kernel" in dom and "Class summary: conv2d-3x3-k2x1" in dom
    body = ET.fromstring(dom[dom.index("<svg"):dom.index("</svg>") + 6])  # the plot is an SVG document
    assert body.tag.endswith("svg")


def test_summary_of_an_unknown_exercise_is_a_usage_error(graded):
    result = subprocess.run([sys.executable, "-m", "grader", "summary", str(graded[1] / "gradebook.sqlite"), "--exercise", "nope"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "holds no grades for 'nope'" in result.stderr


# --- small parts, in-process ---------------------------------------------------------------------

def test_progress_is_a_bar_on_a_terminal_and_log_lines_otherwise():
    import io

    from grader.batch.grade_class import Progress
    from grader.batch.progress import ProgressPrinter

    terminal, log = io.StringIO(), io.StringIO()
    bar, plain = ProgressPrinter(terminal, tty=True), ProgressPrinter(log, tty=False)
    for p in (Progress(0, 4, 0, 0.0, line="4 students: 4 to grade"), Progress(1, 4, 1, 2.0, "bob", "bob: zero 0/10"),
              Progress(2, 4, 1, 4.0, "carol", "carol: full 10/10")):
        bar(p)
        plain(p)
    assert terminal.getvalue().endswith("\r[############------------] 2/4 0.5/s ETA 0:04 failures 1\033[K")
    assert log.getvalue().splitlines() == ["4 students: 4 to grade", "[1/4] bob: zero 0/10", "[2/4] carol: full 10/10"]


def test_a_gradebook_of_another_schema_version_is_refused(tmp_path):
    from grader.errors import GraderError

    with Gradebook(tmp_path / "gb.sqlite") as book:
        book.db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(GraderError, match="schema version 99"):
        Gradebook(tmp_path / "gb.sqlite")
    (tmp_path / "other.sqlite").touch()
    with pytest.raises(GraderError, match="not a gradebook"):
        summarise(tmp_path / "other.sqlite")  # a reader turns nothing into a gradebook
    assert (tmp_path / "other.sqlite").stat().st_size == 0
    (tmp_path / "not.sqlite").write_text("hello, not a database" * 100)
    with pytest.raises(GraderError, match="not a usable gradebook"):
        Gradebook(tmp_path / "not.sqlite")


def test_discovery_rules(tmp_path):
    from grader.batch.classfolder import discover

    (tmp_path / "alice.py").write_text("")
    (tmp_path / "alice.yaml").write_text("")
    (tmp_path / ".hidden.py").write_text("")
    (tmp_path / "notes.pdf").write_text("")
    (tmp_path / "gradebook.sqlite").write_text("")
    (tmp_path / "nothing").mkdir()
    (tmp_path / "nothing" / "readme.pdf").write_text("")
    (tmp_path / "copycat.md").symlink_to(tmp_path / "alice.yaml")  # another student's work
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "a.yaml").write_text("")
    (tmp_path / "mallory").mkdir()
    (tmp_path / "mallory" / "mine.yaml").symlink_to(tmp_path / "bob" / "a.yaml")
    (tmp_path / "dave").mkdir()
    (tmp_path / "dave" / "work").mkdir()
    (tmp_path / "dave" / "work" / "answers.txt").write_text("")
    (tmp_path / "dave" / "answers.yaml").symlink_to(tmp_path / "dave" / "work" / "answers.txt")
    found = {s.student: s for s in discover(tmp_path, skip=[tmp_path / "gradebook.sqlite"])}
    assert sorted(found) == ["alice", "bob", "copycat", "dave", "mallory", "nothing"]
    assert "more than one submission" in found["alice"].problem
    assert "no gradable file" in found["nothing"].problem
    # A link is followed only inside the student's own folder: never to a classmate's file.
    assert found["copycat"].path is None and "not followed" in found["copycat"].problem
    assert found["mallory"].path is None and "not followed" in found["mallory"].problem
    assert found["dave"].path is not None and not found["dave"].problem


def test_reports_in_every_registered_format_even_for_error_rows(tmp_path):
    from grader.batch.reportfiles import report_extensions

    klass = tmp_path / "class"
    (klass / "twins").mkdir(parents=True)
    for name in ("a.yaml", "b.yaml"):
        (klass / "twins" / name).write_text("X[1,1]: dy[1,1]*k[1]\n")
    for fmt, extension in report_extensions().items():
        grade_class(SPEC, klass, BatchOptions(db=tmp_path / "gb.sqlite", jobs=0, reports=tmp_path / fmt,
                                                  report_format=fmt))
        assert [p.name for p in (tmp_path / fmt).iterdir()] == [f"twins{extension}"], fmt


def test_each_student_is_graded_on_their_own_variant(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    for student in ("ada", "grace"):
        shutil.copy(ROOT / "examples" / "conv2d-3x3-k2x1" / "correct.py", klass / f"{student}.py")
    grade_class("conv2d-per-student", klass, BatchOptions(db=tmp_path / "gb.sqlite", jobs=0))
    with Gradebook(tmp_path / "gb.sqlite") as book:
        reports = {row["student"]: json.loads(row["report"]) for row in book.latest_rows()}
    assert {s: (r["variant"], r["score"]) for s, r in reports.items()} == {"ada": ("ada", 10), "grace": ("grace", 10)}


def test_a_job_of_another_protocol_version_is_a_problem_row_not_a_guess():
    import json

    from grader.batch.worker import PROTOCOL, Job, JobSpec, grade_job

    job = Job("k1", "alice", "alice.yaml", b"X[1,1]: 0\n", JobSpec("nowhere.yaml", "", "0" * 64, "x.yaml"), {})
    assert Job.from_line(job.to_line()) == job
    older = json.loads(job.to_line())
    older["version"] = PROTOCOL + 1
    result = json.loads(grade_job(json.dumps(older)))
    assert result["key"] == "k1" and result["report"] is None and "protocol version" in result["problem"]
    assert json.loads(grade_job("not json"))["problem"].startswith("not graded")
