"""The `grader` command: a thin layer over the library.

Each command parses its options, calls one library function, renders, and exits with the
result's exit code. User errors (GraderError) become a message on stderr and exit 2; the
library never calls sys.exit and never imports click.
"""
from __future__ import annotations

import gc
import os
import sys
import time

import click

from .citemplates import TEMPLATES
from .errors import GraderError
from .i18n import LANGUAGES
from .kinds import describe as describe_kinds
from .render.registry import formats, report_formats, run_settings, solve_formats

# Options shared by several commands, defined once.
EXERCISE = click.argument("exercise", metavar="EXERCISE")
LANG = click.option("--lang", type=click.Choice(LANGUAGES), default=None,
                    help="Language of the text (default: the exercise's).")
VARIANT = click.option("--variant", metavar="ID", default=None,
                       help="Student id: the variant of an exercise that declares ranges (docs/authoring.md).")
SUBMISSION_PATTERNS = click.option(
    "--submission", "patterns", multiple=True, metavar="GLOB",
    help="The student's file in a folder: a name or glob (repeat, in order of preference; default: the spec's "
         "`submission:`, else the one candidate; README*, LICENSE*, dot-folders and platform files never count).")
KEY = click.option("--key", "key", type=click.Path(dir_okay=False), default=None,
                   help="The instructor's key file: show the solution before the spec's `release:`.")
ROSTER = click.option("--roster", type=click.Path(dir_okay=False, exists=True), default=None,
                      help="CSV of id,name,email,key: students' stable ids (docs/batch.md).")


class _GraderGroup(click.Group):
    """Turns the library's errors into a message and an exit code inside click, so that
    `click.testing.CliRunner` sees exactly what a user of the command sees."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GraderError as err:
            click.echo(f"error: {err}", err=True)
            ctx.exit(err.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except BrokenPipeError:
            ctx.exit(0)
        except Exception as err:  # a bug of ours: still a message and an exit code, not a traceback
            if os.environ.get("GRADER_DEBUG"):
                raise
            click.echo(f"internal error (a bug in backprop-grader; set GRADER_DEBUG=1 for details): "
                       f"{type(err).__name__}: {err}", err=True)
            ctx.exit(2)


@click.group(cls=_GraderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="backprop-grader")
def cli() -> None:
    """Auto-grade backpropagation exercises.

    EXERCISE is a bundled exercise id (see `grader list`) or a path to a YAML spec.
    Exit codes: 0 success / full marks, 1 graded below full marks, 2 usage error, unknown
    exercise, invalid spec or missing file.
    """


@cli.command("list")
def list_cmd() -> None:
    """One line per bundled exercise: id and title."""
    from .spec.load import bundled_ids, load_exercise

    for ex_id in bundled_ids():
        click.echo(f"{ex_id}  {load_exercise(ex_id).title}")


@cli.command()
@EXERCISE
@LANG
@VARIANT
def show(exercise: str, lang: str | None, variant: str | None) -> None:
    """Print an exercise's statement."""
    from .render.statement import render_statement
    from .spec.load import load_exercise

    click.echo(render_statement(load_exercise(exercise, variant), lang))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--self-test", is_flag=True, help="Also grade each spec's sample answers and compare with what it expects.")
def validate(paths: tuple[str, ...], self_test: bool) -> None:
    """Check exercise specs; print file:line: message for each problem (exit 2 if any)."""
    from .spec.load import load_exercise, validate_paths

    problems = validate_paths(list(paths))
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        sys.exit(2)
    click.echo(f"{len(paths)} spec(s) valid")
    if self_test:
        from .spec.selftest import run_self_tests

        failed = 0
        for path in paths:
            for result in run_self_tests(load_exercise(path)):
                failed += not result.ok
                line = f"{path}: self-test {result.name!r} (seed {result.seed}): {'ok' if result.ok else 'FAILED'}: {result.message}"
                click.echo(line, err=not result.ok)
        if failed:
            click.echo(f"{failed} self-test(s) failed", err=True)
            sys.exit(2)


@cli.command()
@EXERCISE
@click.option("--format", "fmt", type=click.Choice(list(solve_formats())), default="text", show_default=True)
@VARIANT
@KEY
def solve(exercise: str, fmt: str, variant: str | None, key: str | None) -> None:
    """Print the reference gradient of every requested entry."""
    from .spec.load import load_exercise
    from .spec.release import check_released

    loaded = load_exercise(exercise, variant)
    check_released(loaded, key)
    click.echo(solve_formats()[fmt].render(loaded), nl=False)


@cli.command()
@EXERCISE
@VARIANT
@LANG
@click.option("--format", "fmt", type=click.Choice(list(formats("explain"))), default="text", show_default=True)
@click.option("--entry", "entries", multiple=True, metavar="X[2,1]",
              help="Explain only this entry (repeatable; 1-based, as written).")
@KEY
def explain(exercise: str, variant: str | None, lang: str | None, fmt: str, entries: tuple[str, ...],
            key: str | None) -> None:
    """Print a worked solution: forward equations, the chain rule entry by entry, the compact form."""
    from .explain.build import explain as explain_exercise, parse_entry
    from .render.explanation import render_explanation
    from .spec.load import load_exercise
    from .spec.release import check_released

    loaded = load_exercise(exercise, variant)
    check_released(loaded, key)
    chosen = [parse_entry(loaded, e) for e in entries] or None
    click.echo(render_explanation(explain_exercise(loaded, chosen), fmt, lang or loaded.language), nl=False)


@cli.command(help=f"Grade a submission, one of: {describe_kinds()}.")
@EXERCISE
@click.argument("submission", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(list(report_formats())), default="text", show_default=True,
              help="Report format: " + "; ".join(f"{f.name}: {f.summary}" for f in report_formats().values()) + ".")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the report here; stdout then carries a one-line summary.")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Trial seed (default: the exercise's).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=600), default=None,
              help="Wall-clock limit in seconds for the submission's code (default: the exercise's).")
@LANG
@VARIANT
@click.option("--variant-from", "variant_from", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Gradescope's submission_metadata.json: the submitter's SID (else email) is the variant.")
@SUBMISSION_PATTERNS
def grade(exercise, submission, fmt, output, seed, timeout, lang, variant, variant_from, patterns) -> None:
    """SUBMISSION is the file, or a folder (a repository, an upload) in which the file is
    chosen as docs/batch.md says."""
    from .choose import submission_file
    from .options import GradeOptions
    from .pipeline import grade as grade_submission
    from .render.registry import renderer
    from .render.report import summary_line
    from .spec.load import load_exercise

    spec = load_exercise(exercise)
    if variant_from and variant is None:
        from .batch.roster import gradescope_variant

        variant = gradescope_variant(variant_from)
    submission = str(submission_file(submission, patterns or spec.submission, [f.name for f in spec.functions]))
    if spec.variant is not None and variant is None:
        click.echo("warning: this exercise has one variant per student and no --variant was given: "
                   "graded on the default variant", err=True)
    started = time.perf_counter()
    report = grade_submission(spec, submission, GradeOptions(seed, timeout, lang, variant=variant))
    if report.isolation:
        from .sandbox.runner import isolation_warning

        warning = isolation_warning(report.isolation)
        if warning:
            click.echo(warning, err=True)
    settings = dict(exercise=spec, source=submission, **run_settings(time.perf_counter() - started))
    if fmt == "text":
        settings["colour"] = not output and sys.stdout.isatty()
    chosen = renderer(fmt, **settings)
    text = chosen.render(report)
    for path, extra in chosen.side_files(report, dict(os.environ)):
        _write(path, extra, mode="a")
    if output:
        _write(output, text)
        click.echo(summary_line(report))
    else:
        click.echo(text, nl=False)
    sys.exit(report.return_code)


@cli.command()
@click.argument("name")
@click.option("--from", "from_exercise", metavar="EXERCISE", default=None,
              help="Start from a copy of this exercise (bundled id or path).")
@click.option("--op", default=None, metavar="OP",
              help="The op of the skeleton's one-node graph (default: correlate2d; see docs/exercise-format.md).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Where to write the spec (default: NAME.yaml; - for stdout).")
def new(name: str, from_exercise: str | None, op: str | None, output: str | None) -> None:
    """Write a commented spec skeleton that validates as written."""
    from .spec.authoring import new_spec
    from .spec.load import load_exercise

    text = new_spec(name, load_exercise(from_exercise) if from_exercise else None, op)
    if output == "-":
        click.echo(text, nl=False)
        return
    target = output or f"{name}.yaml"
    if os.path.exists(target):
        raise GraderError(f"{target} exists already; choose another name or --output")
    _write(target, text)
    click.echo(f"wrote {target}; next: grader validate --self-test {target}")


@cli.command("ci-template")
@click.argument("system", type=click.Choice(list(TEMPLATES)))
@click.option("--zip", "zip_path", type=click.Path(dir_okay=False), default=None,
              help="gradescope: write the autograder upload (set-up, run_autograder, specs, this grader's wheel).")
@click.option("--exercise", "exercises", multiple=True, metavar="EXERCISE",
              help="With --zip: the exercise(s) to put in the zip (bundled id or spec path; repeatable).")
@SUBMISSION_PATTERNS
def ci_template(system: str, zip_path: str | None, exercises: tuple[str, ...], patterns: tuple[str, ...]) -> None:
    """Print a ready CI set-up that grades a student repository (see docs/ci.md)."""
    from .citemplates import build_gradescope_zip, render_template

    if zip_path is None:
        click.echo(render_template(system), nl=False)
        return
    if system != "gradescope":
        raise GraderError("--zip builds Gradescope's autograder upload; for github/gitlab save the printed file")
    if not exercises:
        raise GraderError("--zip needs --exercise EXERCISE (the spec graded on Gradescope)")
    for line in build_gradescope_zip(zip_path, exercises, patterns):
        click.echo(line)


@cli.command()
@EXERCISE
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=None,
              help="Local worker processes (default: CPU count; 0: grade in this process).")
@click.option("--db", default="gradebook.sqlite", show_default=True, type=click.Path(dir_okay=False),
              help="The SQLite gradebook (created if missing).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Write one line per student here.")
@click.option("--reports", type=click.Path(file_okay=False), help="Write one report per student in this folder.")
@click.option("--format", "fmt", type=click.Choice(list(report_formats())), default="json", show_default=True,
              help="Format of the per-student reports (the formats of `grader grade`).")
@click.option("--seed", type=click.IntRange(min=0), default=None, envvar="GRADER_SEED", show_envvar=True,
              help="Trial seed (default: the exercise's).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=600), default=None,
              help="Wall-clock limit in seconds for each submission's code (default: the exercise's).")
@click.option("--scheduler", metavar="ADDRESS", help="A Dask scheduler (tcp://HOST:PORT) to grade on instead.")
@click.option("--no-reveal", is_flag=True, help="Hide expected values and missing terms, whatever the spec says.")
@SUBMISSION_PATTERNS
@ROSTER
def batch(exercise, directory, jobs, db, csv_path, reports, fmt, seed, timeout, scheduler, no_reveal, patterns,
          roster) -> None:
    """Grade a class folder into a gradebook: one file or one folder per student (a Classroom or
    Gradescope export as it is).

    EXERCISE may also be an assignment file (YAML listing `exercises:` with points): each
    exercise is graded for each student (docs/course.md)."""
    from .batch.assignment import grade_assignment, is_assignment
    from .batch.grade_class import BatchOptions, grade_class
    from .batch.progress import ProgressPrinter

    options = BatchOptions(db=db, jobs=jobs, seed=seed, timeout=timeout, reveal=not no_reveal, scheduler=scheduler,
                           reports=reports, report_format=fmt, csv=csv_path, submission=tuple(patterns),
                           roster=roster)
    printer = ProgressPrinter(sys.stdout)
    grade = grade_assignment if is_assignment(exercise) else grade_class
    result = grade(exercise, directory, options, on_progress=printer)
    printer.close()
    click.echo(printer.outcome(result))
    sys.exit(result.return_code)


@cli.command()
@EXERCISE
@ROSTER
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--format", "fmt", type=click.Choice(["text", "csv"]), default="text", show_default=True)
def variants(exercise: str, roster: str | None, ids: tuple[str, ...], fmt: str) -> None:
    """List each student's variant: the roster's ids (--roster FILE), or the ids given."""
    from .batch.roster import read_roster
    from .spec.variants_list import list_variants, render_variants

    people = read_roster(roster).people if roster else ()
    if not people and not ids:
        raise GraderError("give --roster FILE or student ids")
    click.echo(render_variants(list_variants(exercise, people, ids), fmt), nl=False)


@cli.command()
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False))
def key(path: str) -> None:
    """Make the instructor's key file (kept if it exists) and print the spec line that names it."""
    from .spec.release import new_key

    digest = new_key(path)
    click.echo(f"instructor_key: sha256:{digest}")
    click.echo(f"# add this line to the spec; `grader solve|explain SPEC --key {path}` then works before `release:`",
               err=True)


@cli.command()
@EXERCISE
@click.argument("report_path", metavar="REPORT.json", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(list(report_formats())), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report here.")
@click.option("--source", type=click.Path(), default=None,
              help="The graded file, or the folder it was chosen in, so annotations name its path (github).")
@SUBMISSION_PATTERNS
def render(exercise: str, report_path: str, fmt: str, output: str | None, source: str | None,
           patterns: tuple[str, ...]) -> None:
    """Render a JSON report (`grade --format json`) in another format, without grading again.
    Exits like `grade`: 0 full marks, 1 below."""
    import json

    from .choose import submission_file
    from .report import Report
    from .render.registry import renderer, run_settings
    from .spec.load import load_exercise

    try:
        with open(report_path, encoding="utf-8") as handle:
            report = Report.from_dict(json.load(handle))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise GraderError(f"{report_path}: not a JSON report of `grader grade --format json` ({err})") from None
    spec = load_exercise(exercise, report.variant)
    shown = report.submission
    if source is not None:  # the same rule as `grade` finds the same file, without grading it
        shown = str(submission_file(source, patterns or spec.submission, [f.name for f in spec.functions]))
    chosen = renderer(fmt, exercise=spec, source=shown, **run_settings(0.0))
    text = chosen.render(report)
    for path, extra in chosen.side_files(report, dict(os.environ)):
        _write(path, extra, mode="a")
    if output:
        _write(output, text)
    else:
        click.echo(text, nl=False)
    sys.exit(report.return_code)


@cli.command()
@click.argument("db", type=click.Path(exists=True, dir_okay=False))
@click.option("--exercise", default=None, help="Which exercise (needed when the gradebook holds several).")
@click.option("--format", "fmt", type=click.Choice(list(formats("summary"))), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the summary here.")
def summary(db, exercise, fmt, output) -> None:
    """What a class got right and wrong: scores, entries, misconceptions, slow or crashing code."""
    from .render.summary import render_summary
    from .batch.summary import summarise

    text = render_summary(summarise(db, exercise), fmt)
    if output:
        _write(output, text)
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("exercises", nargs=-1, metavar="[EXERCISE|SPEC|DIR]...")
@click.option("--db", type=click.Path(exists=True, dir_okay=False),
              help="A gradebook (grader batch): adds the class summary, each student's reports and the review.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback lets other machines submit (a warning says who).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free port.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Gradings at once, each in its own worker (default: CPU count, at most 4); others wait.")
def serve(exercises, db, host, port, jobs) -> None:
    """A local web page: try answers, see how the grader read them, review a class (the `web` extra).

    Serves the bundled exercises unless given exercise ids, spec files or folders of specs.
    """
    from .web import require_web

    require_web()
    from .web.app import ServeConfig
    from .web.catalogue import load_catalogue
    from .web.server import serve as run_server

    served, warnings = load_catalogue(list(exercises))
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if not served:
        raise GraderError("no exercise to serve")
    jobs = jobs or max(1, min(4, os.cpu_count() or 1))
    run_server(ServeConfig(served, db=db, jobs=jobs), host, port, announce=lambda line: click.echo(line))


GRADEBOOK = click.argument("db", metavar="DB", type=click.Path(exists=True, dir_okay=False))
ON_EXERCISE = click.option("--exercise", default=None, help="Which exercise (needed when the gradebook holds several).")


@cli.command("export")
@GRADEBOOK
@click.option("--format", "fmt", required=True, metavar="FORMAT",
              type=click.Choice(list(formats("export"))),
              help="The platform's import layout, one of: " + ", ".join(formats("export")) + " (see docs/gradebook.md).")
@click.option("--assignment", default=None, help="Which assignment (needed when the gradebook holds several).")
@ON_EXERCISE
@click.option("--roster", type=click.Path(exists=True, dir_okay=False),
              help="CSV of id, name, email, sid, login, section: who each student is on the platform.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the CSV here.")
def export_cmd(db, fmt, assignment, exercise, roster, output) -> None:
    """Export each student's grade (overrides applied) as a platform's gradebook CSV."""
    from .batch.export import export

    text = export(db, fmt, assignment, roster, exercise)
    if output:
        _write(output, text, newline="")
    else:
        click.echo(text, nl=False)


@cli.command()
@GRADEBOOK
@ON_EXERCISE
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def review(db, exercise, fmt) -> None:
    """List what waits for an instructor: entries flagged for review, stale overrides."""
    import json
    from dataclasses import asdict

    from .batch.review import waiting

    found = waiting(db, exercise)
    if fmt == "json":
        click.echo(json.dumps([asdict(w) for w in found], indent=2, ensure_ascii=False))
        return
    for w in found:
        click.echo(f"{w.student}  {w.exercise}  {w.entry}  {w.kind}  {w.points:g}/{w.max_points:g}  {w.why}")
    click.echo(f"{len(found)} waiting" + ("; decide each with: grader override DB STUDENT ENTRY POINTS --reason TEXT"
                                         if found else ""))


@cli.command()
@GRADEBOOK
@click.argument("student")
@click.argument("entry")
@click.argument("points", type=float)
@click.option("--reason", required=True, help="Why (kept in the gradebook with who and when).")
@click.option("--by", default=None, help="Who decides (default: the OS user).")
@ON_EXERCISE
def override(db, student, entry, points, reason, by, exercise) -> None:
    """Give STUDENT's ENTRY (X[2,1], grad_X, or total) POINTS, for the file graded now."""
    from .batch.review import override as make_override

    made = make_override(db, student, entry, points, reason, by, exercise)
    click.echo(f"{made.student} {made.exercise} {made.entry}: {made.points:g} points ({made.by}, {made.at})")


@cli.command()
@GRADEBOOK
@click.argument("student")
@click.option("--entry", default=None, help="Follow one entry (X[2,1], grad_X); default: the exercise's score.")
@ON_EXERCISE
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def history(db, student, entry, exercise, fmt) -> None:
    """A student's regrade trail: each grading of their files and each override, oldest first."""
    import json
    from dataclasses import asdict

    from .batch.review import history as trail

    events = trail(db, student, entry, exercise)
    if fmt == "json":
        click.echo(json.dumps([asdict(e) for e in events], indent=2, ensure_ascii=False))
        return
    for e in events:
        points = "-" if e.points is None else f"{e.points:g}" + (f"/{e.max_points:g}" if e.max_points is not None else "")
        extra = f"  by {e.by}: {e.reason}" if e.kind == "override" else ""
        click.echo(f"{e.at}  {e.kind:8}  {e.entry}  {points}  {e.status}  {e.submission} ({e.content_hash[:12]}){extra}")


def _write(path: str, text: str, mode: str = "w", newline: str | None = None) -> None:
    try:
        with open(path, mode, encoding="utf-8", errors="backslashreplace", newline=newline) as handle:
            handle.write(text)
    except OSError as err:
        raise GraderError(f"cannot write {path}: {err.strerror}") from None


def main() -> None:
    # One command is one short process, and what it builds (an exercise's reference paths, the
    # answers' polynomials) lives until it exits: collecting every 700 allocations and re-scanning
    # all of it in full collections only costs time (a tenth of grading a 28x28 answer). Cycles
    # are still collected, every 100 000 allocations.
    gc.set_threshold(100_000, 20, 10)
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(2)
    except click.ClickException as err:
        err.show()
        sys.exit(2 if err.exit_code not in (0, 1) else err.exit_code)
    except BrokenPipeError:
        sys.exit(0)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
