"""Run one submission inside the sandbox: the half of grader/sandbox.py that the student's code shares.

Executed as ``python -I _sandbox_child.py IN_FD RESULT_FD STATUS_FD`` with a cleared environment.
Standalone on purpose: it imports only the standard library and numpy, never ``grader`` or
``reference``, because once the mount namespace is in place those directories are empty.

Two processes run this file:

* the *supervisor* (the process the grader started) reads the job from IN_FD, enters new
  namespaces, forks the runner and, once the runner is gone, writes how it ended to STATUS_FD.
  On SIGTERM it SIGKILLs the runner; as pid 1 of the new PID namespace the runner takes every
  process the student started with it.
* the *runner* finishes the isolation (mounts, rlimits, privileges), imports numpy, then the
  submission, runs the calls in order and sends each result to RESULT_FD as soon as it has it.

Wire format, both directions: a 4-byte big-endian length, a UTF-8 JSON header of that length,
then ``header["nbytes"]`` raw bytes (none when absent). Arrays travel as raw bytes with dtype
and shape in the header; nothing is ever pickled, so the grader never unpickles student data.
"""
from __future__ import annotations

import _thread
import builtins
import ctypes
import json
import os
import re
import resource
import signal
import struct
import sys
import types

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 0x20, 0x400, 0x800, 0x1000
MS_REC, MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 0x4000, 0x40000, 0x200000, 0x1000000
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
O_PATH = getattr(os, "O_PATH", 0o10000000)

# Per-mount options as /proc/self/mountinfo spells them; a bind remount must restate the ones
# the kernel has locked (inside a user namespace) or it fails with EPERM.
MOUNT_OPTIONS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
                 "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME, "strictatime": MS_STRICTATIME}
# World-writable places on a typical host; each gets a fresh private tmpfs.
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
WORKDIR = "/tmp/work"  # fixed, so a submission that prints its cwd prints the same thing every run
SOURCE_NAME = "submission.py"  # what tracebacks and error messages name, whatever the file was called
MAX_TEXT = 1000  # characters of an exception message kept; a student's str() can be megabytes

_libc = ctypes.CDLL(None, use_errno=True)
# Captured before the submission runs, so monkeypatching os/json/numpy cannot break the protocol.
_write = os.write
_dumps = json.dumps


class SetupError(Exception):
    """The sandbox could not be put in place (the grader's environment, never the student)."""


# --- wire format ------------------------------------------------------------------------------

def read_exact(fd: int, size: int) -> bytes:
    """Exactly size bytes from fd. Raises EOFError if the pipe closes first."""
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("input pipe closed early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int) -> tuple[dict, bytes]:
    """One framed message: (header, payload). Raises EOFError on a short read."""
    (size,) = struct.unpack(">I", read_exact(fd, 4))
    header = json.loads(read_exact(fd, size))
    return header, read_exact(fd, int(header.get("nbytes", 0)))


class Channel:
    """The result pipe. A lock, because a student's thread may trip the import guard mid-send."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.lock = _thread.allocate_lock()

    def send(self, header: dict, payload: bytes = b"") -> None:
        if payload:
            header = dict(header, nbytes=len(payload))
        raw = _dumps(header).encode()
        with self.lock:
            for part in (struct.pack(">I", len(raw)), raw, payload):
                view = memoryview(part)
                while view:
                    view = view[_write(self.fd, view):]


# --- namespaces and mounts --------------------------------------------------------------------

def _errno_call(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _b(text: str | None) -> bytes | None:
    return None if text is None else os.fsencode(text)


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    """mount(2). Raises OSError."""
    _errno_call(_libc.mount(_b(source), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data)),
                f"mount {target}")


def prctl(option: int, value: int) -> bool:
    """prctl(2); False where it does not exist or fails (the caller decides whether that matters)."""
    fn = getattr(_libc, "prctl", None)
    return fn is not None and fn(option, ctypes.c_ulong(value), 0, 0, 0) == 0


def _write_file(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _map_ids(inside: int, outside_uid: int, outside_gid: int) -> None:
    # An unprivileged process may map only its own ids, and only after denying setgroups.
    _write_file("/proc/self/setgroups", "deny")
    _write_file("/proc/self/uid_map", f"{inside} {outside_uid} 1")
    _write_file("/proc/self/gid_map", f"{inside} {outside_gid} 1")


def enter_namespaces(prefer_userns: bool) -> list[str]:
    """Unshare what this kernel and these privileges allow; the names of the namespaces entered.

    As root each namespace is tried on its own, so one refused kind does not cost the others.
    Otherwise a user namespace is what grants the right to create the rest.
    """
    unshare = getattr(_libc, "unshare", None)
    if unshare is None:
        return []
    kinds = ((CLONE_NEWNET, "netns"), (CLONE_NEWNS, "mountns"), (CLONE_NEWPID, "pidns"))
    if os.geteuid() == 0 and not prefer_userns:
        return [name for flag, name in kinds if unshare(flag) == 0]
    uid, gid = os.geteuid(), os.getegid()
    for size in (3, 2, 1):
        flags = CLONE_NEWUSER
        for flag, _ in kinds[:size]:
            flags |= flag
        if unshare(flags) == 0:
            _map_ids(0, uid, gid)
            return ["userns", *(name for _, name in kinds[:size])]
    return []


def _unescape(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _mounts() -> list[tuple[str, int]]:
    """(mount point, per-mount flags) for every mount, parents before children."""
    found = []
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            fields = line.split()
            flags = 0
            for option in fields[5].split(","):
                flags |= MOUNT_OPTIONS.get(option, 0)
            found.append((_unescape(fields[4]), flags))
    return found


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip("/") + "/")


def _topmost(paths) -> list[str]:
    ordered = sorted(set(paths), key=len)
    kept: list[str] = []
    for path in ordered:
        if not any(_under(path, top) for top in kept):
            kept.append(path)
    return kept


def _untraversable_ancestor(path: str) -> str | None:
    """The highest directory above path that 'others' may not enter (what would stop the uid drop)."""
    parts = path.strip("/").split("/")
    for depth in range(1, len(parts)):
        ancestor = "/" + "/".join(parts[:depth])
        if not os.stat(ancestor).st_mode & 0o001:
            return ancestor
    return None


def _mask(directory: str, keep: list[str], options: str) -> None:
    """Cover directory with an empty tmpfs, then bind back the kept paths below it, read-only."""
    handles = [(path, os.open(path, O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)) for path in keep]
    mount("tmpfs", directory, "tmpfs", MS_NOSUID | MS_NODEV, options)
    for path, handle in handles:
        os.makedirs(path, exist_ok=True)
        # The O_PATH handle still names the directory we just covered; /proc/self/fd resolves it.
        mount(f"/proc/self/fd/{handle}", path, None, MS_BIND | MS_REC)
        try:
            mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        except OSError:
            pass  # already read-only after make_read_only(); a locked flag set may refuse a restatement
        os.close(handle)


def make_read_only() -> None:
    """Remount every mount read-only in this namespace (MS_BIND: per-mount, the host is unaffected)."""
    for point, flags in _mounts():
        if _under(point, "/proc"):
            continue  # a fresh procfs replaces it, and /proc/self/uid_map must stay writable
        try:
            mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)
        except OSError:
            pass  # shadowed or locked mounts; the uid drop still denies writes there


def build_filesystem(job: dict, drop_uid: bool, uid: int) -> str:
    """Private read-only view of the host with a writable workdir; returns the workdir.

    Raises OSError when an essential step (private mounts, the /tmp tmpfs, hiding) fails.
    """
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing below propagates back to the host
    make_read_only()
    needed = _topmost(os.path.realpath(p) for p in sys.path if p and os.path.isdir(p))
    masks = [d for d in SCRATCH_DIRS if os.path.isdir(d)]
    masks += [d for d in job["mask"] if d != "/" and os.path.isdir(d)]
    if drop_uid:  # an interpreter under /root would be unreadable once we are uid 65534
        masks += [a for a in (_untraversable_ancestor(p) for p in needed) if a]
    limits = job["limits"]
    for directory in _topmost(masks):
        keep = [p for p in needed if _under(p, directory)]
        size = max(16, 2 * limits["file_size_mb"]) if directory == "/tmp" else 1
        _mask(directory, keep, f"size={size}m,mode=0755")
        if directory != "/tmp":
            mount(None, directory, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.mkdir(WORKDIR, 0o700)
    os.chown(WORKDIR, uid, uid)
    for path in job["hide"]:
        if os.path.isdir(path):
            mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")
        elif os.path.exists(path):
            mount("/dev/null", path, None, MS_BIND)
    return WORKDIR


# --- the runner ---------------------------------------------------------------------------------

def set_limits(limits: dict) -> None:
    """Resource limits for the runner and everything it starts. Raises OSError/ValueError."""
    mb = 1024 * 1024
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory_mb"] * mb,) * 2)
    resource.setrlimit(resource.RLIMIT_NPROC, (limits["max_processes"],) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_size_mb"] * mb,) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # A write past RLIMIT_FSIZE then fails with an OSError the student can read, not a bare kill.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def isolate(job: dict, layers: list[str], source: bytes) -> str:
    """Everything after the fork and before numpy: returns the workdir. Raises SetupError."""
    uid = job["uid"]
    as_root = os.geteuid() == 0 and "userns" not in layers
    workdir = job["fallback_workdir"]
    os.umask(0o022)  # directories we create for kept paths must be enterable after the uid drop
    try:
        if "mountns" in layers:
            workdir = build_filesystem(job, as_root, uid if as_root else os.geteuid())
            if "pidns" in layers:
                try:  # a procfs of our own: the host's processes (and their environ) vanish
                    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
                except OSError:
                    pass
        elif as_root:
            os.chown(workdir, uid, uid)
        path = os.path.join(workdir, SOURCE_NAME)
        with open(path, "wb") as handle:  # for the student's own open(__file__) and warnings' source lines
            handle.write(source)
        os.chmod(path, 0o444)
        set_limits(job["limits"])
    except (OSError, ValueError) as exc:
        raise SetupError(f"{type(exc).__name__}: {exc}") from exc
    layers.append("rlimits")
    os.environ["HOME"] = workdir
    os.chdir(workdir)
    return workdir


def drop_privileges(job: dict, layers: list[str]) -> None:
    """No way back to root for the student's code. Raises SetupError."""
    uid = job["uid"]
    try:
        if "userns" in layers:
            # We are root only inside our user namespace; a nested one leaves the student without
            # capabilities over the mounts and namespaces we just set up (they belong to ours).
            outer_uid, outer_gid = os.geteuid(), os.getegid()
            _errno_call(_libc.unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
            _map_ids(uid, outer_uid, outer_gid)
            layers.append("uid-drop")
        elif os.geteuid() == 0:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            layers.append("uid-drop")
    except OSError as exc:
        raise SetupError(f"could not drop privileges: {exc}") from exc
    if prctl(PR_SET_NO_NEW_PRIVS, 1):  # setuid binaries (su, sudo) cannot give root back
        layers.append("no-new-privs")


def _text(exc: BaseException) -> str:
    try:
        text = str(exc)
    except BaseException:  # a student's exception class may break its own __str__
        text = "<unprintable message>"
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "..."


def describe(exc: BaseException) -> dict:
    """error text and line for an exception, naming only frames of the student's file."""
    line, where = None, None
    tb = exc.__traceback__
    while tb is not None:  # the innermost student frame is where the student should look
        if tb.tb_frame.f_code.co_filename == SOURCE_NAME:
            line, where = tb.tb_lineno, tb.tb_frame.f_code.co_name
        tb = tb.tb_next
    name = type(exc).__name__[:100]
    if isinstance(exc, SyntaxError) and exc.filename == SOURCE_NAME:
        return {"error": f"{name}: {exc.msg} ({SOURCE_NAME}, line {exc.lineno})", "line": exc.lineno}
    if isinstance(exc, SystemExit):
        code = exc.code if exc.code is not None else 0
        text = f"it called sys.exit({repr(code)[:100]})"
    else:
        text = f"{name}: {_text(exc)}"
    if line is not None:
        text += f" ({SOURCE_NAME}, line {line}" + (f", in {where})" if where != "<module>" else ")")
    return {"error": text, "line": line}


class ImportGuard:
    """Refuses forbidden modules and reports the first attempt at once (the message, not the wall:
    the student can remove this hook; the mount namespace is what keeps grader code out of reach)."""

    def __init__(self, blocked: list[str], channel: Channel) -> None:
        self.blocked = blocked
        self.channel = channel
        self.reported = False
        self.student_globals: dict | None = None
        self.original_import = builtins.__import__

    def match(self, name: str) -> str | None:
        for blocked in self.blocked:
            if name == blocked or name.startswith(blocked + "."):
                return blocked
        return None

    def refuse(self, name: str) -> None:
        hit = self.match(name)
        if hit is None:
            return
        if not self.reported:
            self.reported = True
            self.channel.send({"type": "forbidden", "name": hit})
        raise ModuleNotFoundError(f"importing {hit!r} is not allowed in this exercise", name=name)

    def find_spec(self, name, path=None, target=None):
        self.refuse(name)
        return None

    def guarded_import(self, name, globals=None, locals=None, fromlist=(), level=0):
        # Modules numpy already loaded bypass find_spec; catch the student's own import statements.
        if level == 0 and globals is self.student_globals:
            self.refuse(name)
        return self.original_import(name, globals, locals, fromlist, level)

    def install(self, student_globals: dict) -> None:
        self.student_globals = student_globals
        sys.meta_path.insert(0, self)
        builtins.__import__ = self.guarded_import


def encode(value, np, max_elements: int) -> tuple[dict, bytes]:
    """A returned value as (header, raw bytes); the grader decides what dtypes it accepts."""
    returned = type(value).__name__[:100]
    if value is None:
        return {"returned": "None"}, b""
    try:
        array = np.asarray(value)
    except BaseException as exc:  # ragged lists, objects whose __array__ raises
        return {"error": f"returned a {returned} that numpy cannot turn into an array ({_text(exc)})"}, b""
    header = {"returned": returned, "dtype": array.dtype.str, "shape": list(array.shape)}
    if array.dtype.kind not in "biufc":
        return header, b""
    if array.size > max_elements:
        return {"error": f"returned {array.size} values, more than the {max_elements} allowed"}, b""
    return header, np.ascontiguousarray(array).tobytes()


def run_submission(job: dict, payload: bytes, channel: Channel, np, workdir: str) -> None:
    """Import the submission once, run every call in order, send each result as it comes."""
    # Bound before the student's code runs: a monkeypatched numpy cannot change what we send.
    api = types.SimpleNamespace(asarray=np.asarray, ascontiguousarray=np.ascontiguousarray)
    frombuffer, float64 = np.frombuffer, np.float64
    source_size = job["source_nbytes"]
    module = types.ModuleType("submission")
    module.__file__ = os.path.join(workdir, SOURCE_NAME)
    sys.modules["submission"] = module
    guard = ImportGuard(job["forbidden"], channel)
    guard.install(module.__dict__)
    try:
        code = compile(payload[:source_size], SOURCE_NAME, "exec", dont_inherit=True)
        exec(code, module.__dict__)
    except BaseException as exc:  # whatever the student's module raises, SystemExit included
        channel.send({"type": "import-error", "memory": isinstance(exc, MemoryError), **describe(exc)})
        return
    channel.send({"type": "imported"})
    offset = source_size
    for index, call in enumerate(job["calls"]):
        args = []
        for shape in call["args"]:
            count = 1
            for n in shape:
                count *= n
            # A fresh writable copy per call: one call mutating its inputs cannot affect the next.
            args.append(frombuffer(payload, dtype=float64, count=count, offset=offset).reshape(shape).copy())
            offset += 8 * count
        name = call["function"]
        function = module.__dict__.get(name)
        head = {"type": "result", "index": index, "function": name}
        if function is None:
            channel.send(dict(head, error=f"{name} is not defined"))
            continue
        if not callable(function):
            channel.send(dict(head, error=f"{name} is a {type(function).__name__[:100]}, not a function"))
            continue
        try:
            value = function(*args)
            header, data = encode(value, api, job["max_elements"])
        except BaseException as exc:  # one call's failure must not stop the others
            header, data = dict(describe(exc), memory=isinstance(exc, MemoryError)), b""
        channel.send(dict(head, **header), data)
    channel.send({"type": "done"})


def runner(job: dict, payload: bytes, layers: list[str], result_fd: int) -> None:
    """Body of the forked runner process; ends with os._exit, never returns to the caller."""
    channel = Channel(result_fd)
    try:
        workdir = isolate(job, layers, payload[:job["source_nbytes"]])
        try:
            import numpy as np  # before the privilege drop: its files need no extra access
        except BaseException as exc:
            raise SetupError(f"numpy could not be imported inside the sandbox ({type(exc).__name__}: "
                             f"{_text(exc)}); is memory_mb too small?") from exc
        drop_privileges(job, layers)
    except SetupError as exc:
        channel.send({"type": "setup-error", "error": str(exc)})
        os._exit(70)
    sys.stdout.reconfigure(line_buffering=True)  # prints before an os._exit still reach the grader
    channel.send({"type": "ready", "isolation": layers})
    try:
        run_submission(job, payload, channel, np, workdir)
    except BaseException:  # e.g. the student closed the result pipe: the grader sees a protocol error
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(0)  # skips atexit hooks the student may have registered


def main() -> None:
    in_fd, result_fd, status_fd = (int(arg) for arg in sys.argv[1:4])
    job, payload = read_message(in_fd)
    os.close(in_fd)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the grader dies -> we die -> the runner dies
    layers = enter_namespaces(job["prefer_userns"])
    child = [0]

    def stop(signum, frame):
        if child[0]:
            os.kill(child[0], signal.SIGKILL)  # our own unreaped child: its pid cannot be reused
        else:
            os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        os.close(status_fd)
        runner(job, payload, layers, result_fd)
    child[0] = pid
    os.close(result_fd)
    _, status, usage = os.wait4(pid, 0)
    if os.WIFSIGNALED(status):
        report = {"signal": os.WTERMSIG(status), "cpu": usage.ru_utime + usage.ru_stime}
    else:
        report = {"exit": os.WEXITSTATUS(status)}
    Channel(status_fd).send(report)
    os._exit(0)


if __name__ == "__main__":
    main()
