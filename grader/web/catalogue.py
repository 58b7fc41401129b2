"""The exercises a server offers: bundled ids, spec files, or folders of specs, loaded once."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..batch.grade_class import job_spec
from ..errors import GraderError
from ..spec.load import Exercise, bundled_ids, load_exercise

SPEC_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Served:
    exercise: Exercise
    spec: dict  # what a batch worker needs to load it: {"ref", "text", "sha256", "filename"}

    @property
    def ops(self) -> tuple[str, ...]:
        """The ops of the forward graph, in order, each once."""
        return tuple(dict.fromkeys(built.node.op for built in self.exercise.graph.nodes))


def load_catalogue(refs: list[str] | tuple[str, ...]) -> tuple[dict[str, Served], list[str]]:
    """(exercise id -> Served, warnings). No refs: every bundled exercise. A folder serves the
    specs in it; a file in a folder that is not a valid spec is skipped with a warning, while
    an exercise named on its own must load (GraderError otherwise). Two specs of one id are an
    error: a URL must name one exercise."""
    served: dict[str, Served] = {}
    warnings: list[str] = []
    for ref in refs or bundled_ids():
        path = Path(ref)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in SPEC_SUFFIXES and p.is_file())
            if not files:
                warnings.append(f"{ref}: no exercise specs (*.yaml) in this folder")
            for file in files:
                try:
                    _add(served, str(file))
                except GraderError as err:
                    warnings.append(f"{file}: skipped: {err}")
        else:
            _add(served, ref)
    return served, warnings


def _add(served: dict[str, Served], ref: str) -> None:
    exercise = load_exercise(ref)
    spec = job_spec(ref)  # the job's spec exactly as `grader batch` sends it
    if exercise.id in served and served[exercise.id].spec["ref"] != spec["ref"]:
        raise GraderError(f"two specs declare the exercise id {exercise.id!r}: {served[exercise.id].spec['ref']} "
                          f"and {ref}")
    served[exercise.id] = Served(exercise, spec)
