"""Open a submission file only if it is a regular file of its own: never through a link.

A submission that is a symbolic link to an example solution would otherwise be graded as the
student's work, and a `.yaml` link to /etc/shadow would have its lines quoted in the report. So
the path is checked with lstat (no link, no FIFO, no device, no directory), then opened with
O_NOFOLLOW, and the opened file must be the one checked (same device and inode), so a link swapped
in between is refused too. Hard links are not refused: making one needs write access to the
same file system as the target, which a student handing in a file does not have.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .safetext import clean

_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


class RefusedFile(Exception):
    """The submission exists but is not a regular file of its own; str() says what it is."""


def check_regular(path: str | os.PathLike) -> None:
    """Raise RefusedFile unless path itself (not what it points to) is a regular file.

    Raises FileNotFoundError (an OSError) when nothing is there.
    """
    _refuse_unless_regular(os.lstat(path).st_mode, path)


def read_regular(path: str | os.PathLike, limit: int) -> bytes:
    """At most limit + 1 bytes of a regular file (so the caller can tell it was too large).

    Raises RefusedFile for a link or a non-regular file, OSError when it cannot be read.
    """
    before = os.lstat(path)
    _refuse_unless_regular(before.st_mode, path)
    # O_NONBLOCK: a FIFO swapped in after the lstat must not block the open.
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise RefusedFile(_message(path, "a symbolic link")) from None
        raise
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
            raise RefusedFile(_message(path, "a file that changed while it was being opened"))
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _refuse_unless_regular(mode: int, path) -> None:
    if stat.S_ISREG(mode):
        return
    what = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    raise RefusedFile(_message(path, what))


def _message(path, what: str) -> str:
    name = clean(os.fsdecode(Path(path).name), limit=200)
    return f"{name} is {what}; hand in the file itself (its contents were not read)"
