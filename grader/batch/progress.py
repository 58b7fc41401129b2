"""How `grader batch` shows its progress: a bar on a terminal, one log line per result otherwise."""
from __future__ import annotations

from typing import TextIO

from ..safetext import clean

BAR_WIDTH = 24


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


class ProgressPrinter:
    """A callable for grade_class's on_progress. On a TTY it redraws one line in place."""

    def __init__(self, stream: TextIO, tty: bool | None = None):
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.drawn = False

    def __call__(self, progress) -> None:
        if not self.tty:
            if progress.line:
                prefix = f"[{progress.done}/{progress.total}] " if progress.done else ""
                self.stream.write(prefix + progress.line + "\n")
                self.stream.flush()
            return
        if progress.done == 0 and progress.line:
            self.stream.write(progress.line + "\n")
        self.stream.write("\r" + self.bar(progress) + "\033[K")
        self.stream.flush()
        self.drawn = True

    @staticmethod
    def bar(progress) -> str:
        total = max(progress.total, 1)
        filled = BAR_WIDTH * progress.done // total
        rate = progress.done / progress.elapsed if progress.elapsed > 0 else 0.0
        eta = _clock((progress.total - progress.done) / rate) if rate > 0 else "?"
        return (f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {progress.done}/{progress.total} "
                f"{rate:.1f}/s ETA {eta} failures {progress.failures}")

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False

    @staticmethod
    def outcome(result) -> str:
        """The last line of a run: what was done, or that nothing needed doing."""
        if result.interrupted:
            return (f"interrupted: {result.graded} result(s) committed and kept; "
                    f"run the same command again to grade the rest")
        lost = f"; {len(result.lost)} not graded (retried next run): {clean(', '.join(result.lost))}" if result.lost else ""
        if result.unwritten:
            lost += (f"; {len(result.unwritten)} report(s) could not be written (written next run): "
                     f"{clean(', '.join(result.unwritten))}")
        errors = f"; {result.errors} student(s) could not be graded (error rows)" if result.errors else ""
        if result.graded == 0 and not result.lost:
            return f"nothing to grade: all {result.students} student(s) unchanged since the last run{errors}"
        rate = result.graded / result.seconds if result.seconds else 0.0
        return (f"graded {result.graded}, unchanged {result.unchanged}, of {result.students} student(s) "
                f"in {result.seconds:.1f} s ({rate:.1f}/s){errors}{lost}")
