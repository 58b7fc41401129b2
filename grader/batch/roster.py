"""Who a submission belongs to: a stable id (with name and email) from a roster or the platform.

The folder names of an export are not identities: Gradescope calls a student
`submission_<number>` and gives a new number on every resubmission; GitHub Classroom calls a
repository `<assignment>-<login>`. The stable id keys the student's variant, their gradebook row
and every export, so a resubmission or a new export lands on the same row.

- `--roster FILE`: a CSV with a header; columns `id`, `name`, `email` and `key` (the platform's
  name for the student: a GitHub login, a Gradescope SID, a folder name). A folder matches a
  roster row by key, id or email, or as `<anything>-<key>` (Classroom's repository names).
- Gradescope: `submission_metadata.yml` at the top of the export maps each `submission_<n>`
  folder to its submitters (`:sid:`, `:name:`, `:email:`); a student's id is their SID (their
  email when the course has no SIDs). A group submission gives a row to each member.
- Classroom without a roster: when every student folder starts with the same `<assignment>-`,
  the rest of the name (the login) is the id.
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..errors import GraderError

ROSTER_COLUMNS = {  # header (lower case, spaces and dashes as _) -> field
    "id": "id", "student_id": "id", "sid": "id", "student_number": "id",
    "name": "name", "full_name": "name", "student_name": "name", "first_name": "first", "last_name": "last",
    "email": "email", "e_mail": "email", "email_address": "email",
    "key": "key", "login": "key", "github": "key", "github_username": "key", "username": "key",
    "platform_key": "key",
}
METADATA_FILES = ("submission_metadata.yml", "submission_metadata.yaml")
MAX_ROSTER_BYTES = 8 << 20


@dataclass(frozen=True)
class Identity:
    id: str
    name: str = ""
    email: str = ""
    key: str = ""  # the platform's name: a login, a submission folder


@dataclass(frozen=True)
class Roster:
    people: tuple[Identity, ...]

    def match(self, folder: str) -> Identity | None:
        """The roster row a folder (or file stem) belongs to: by key, id or email exactly, else
        the longest key that ends the name after a dash (`hw1-octocat` is `octocat`)."""
        for person in self.people:
            if folder in (person.key, person.id) or (person.email and folder.lower() == person.email.lower()):
                return person
        suffixed = [p for p in self.people if p.key and folder.endswith("-" + p.key)]
        return max(suffixed, key=lambda p: len(p.key)) if suffixed else None


def read_roster(path: str | os.PathLike) -> Roster:
    """Read a roster CSV. Raises GraderError when it cannot be read or has no id column, or two
    rows share an id or a key."""
    try:
        data = Path(path).read_bytes()[:MAX_ROSTER_BYTES + 1]
    except OSError as err:
        raise GraderError(f"cannot read the roster {path}: {err.strerror}") from None
    if len(data) > MAX_ROSTER_BYTES:
        raise GraderError(f"the roster {path} is larger than {MAX_ROSTER_BYTES:,} bytes")
    text = data.decode("utf-8-sig", errors="replace")  # spreadsheets write a BOM
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise GraderError(f"the roster {path} is empty; expected a header: id,name,email,key")
    fields = [ROSTER_COLUMNS.get(h.strip().lower().replace(" ", "_").replace("-", "_")) for h in rows[0]]
    if "id" not in fields:
        raise GraderError(f"the roster {path} has no id column (header: {', '.join(rows[0])}); "
                          f"expected id,name,email,key")
    people, ids, keys = [], set(), set()
    for number, row in enumerate(rows[1:], start=2):
        values: dict[str, str] = {}
        for field, value in zip(fields, row):
            if field and field not in values:
                values[field] = value.strip()
        if not any(values.values()):
            continue
        name = values.get("name") or " ".join(v for v in (values.get("first"), values.get("last")) if v)
        person = Identity(values.get("id", ""), name, values.get("email", ""), values.get("key", ""))
        if not person.id:
            raise GraderError(f"{path}:{number}: a student without an id")
        if person.id in ids or (person.key and person.key in keys):
            raise GraderError(f"{path}:{number}: id {person.id!r} or key {person.key!r} appears twice")
        ids.add(person.id)
        keys.add(person.key)
        people.append(person)
    return Roster(tuple(people))


def gradescope_metadata(root: Path) -> dict[str, list[tuple[Identity, str]]] | None:
    """Folder -> [(identity, created_at)] from a Gradescope export's metadata, or None when the
    folder holds none. Raises GraderError when the file is there but unreadable."""
    for name in METADATA_FILES:
        path = root / name
        if path.is_file() and not path.is_symlink():
            break
    else:
        return None
    import yaml

    try:
        data = yaml.safe_load(path.read_bytes()[:MAX_ROSTER_BYTES])
    except (yaml.YAMLError, OSError, RecursionError) as err:
        raise GraderError(f"{path.name}: not readable Gradescope metadata ({err})") from None
    if not isinstance(data, dict):
        raise GraderError(f"{path.name}: expected a mapping of submission folders to their submitters")
    out: dict[str, list[tuple[Identity, str]]] = {}
    for folder, entry in data.items():
        if not isinstance(entry, dict):
            continue
        submitters = _get(entry, "submitters") or []
        created = str(_get(entry, "created_at") or "")
        people = []
        for person in submitters if isinstance(submitters, list) else []:
            if not isinstance(person, dict):
                continue
            sid, email = str(_get(person, "sid") or "").strip(), str(_get(person, "email") or "").strip()
            name = str(_get(person, "name") or "").strip()
            if sid or email:
                people.append((Identity(sid or email, name, email, str(folder)), created))
        out[str(folder)] = people
    return out


def _get(mapping: dict, key: str) -> Any:
    # Gradescope writes Ruby symbols as keys (`:sid:`); other exports plain names.
    return mapping.get(f":{key}", mapping.get(key))


def classroom_prefix(folders: Iterable[str]) -> str:
    """`<assignment>-` when every folder name starts with it and has a login after it, else ""."""
    names = sorted(folders)
    if len(names) < 2:
        return ""
    common = os.path.commonprefix(names)
    prefix = common[:common.rfind("-") + 1] if "-" in common else ""
    return prefix if prefix and all(len(n) > len(prefix) for n in names) else ""


def gradescope_variant(path: str | os.PathLike) -> str | None:
    """The student id in the autograder's `submission_metadata.json`: the first submitter's SID,
    else their email; None when there is none. Raises GraderError when the file is unreadable."""
    import json

    try:
        data = json.loads(Path(path).read_bytes()[:MAX_ROSTER_BYTES])
    except (OSError, ValueError, RecursionError) as err:
        raise GraderError(f"{Path(path).name}: not Gradescope's submission metadata ({err})") from None
    users = data.get("users") if isinstance(data, dict) else None
    for user in users if isinstance(users, list) else []:
        if isinstance(user, dict):
            for field in ("sid", "email"):
                value = str(user.get(field) or "").strip()
                if value:
                    return value
    return None
