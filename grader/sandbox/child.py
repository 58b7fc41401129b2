"""Run one submission inside the sandbox: the half of grader/sandbox/runner.py that the student's code shares.

Executed as ``python -I child.py IN_FD RESULT_FD STATUS_FD`` with a cleared environment.
Standalone on purpose: it imports only the standard library, numpy and its sibling
``isolation.py`` (by file location), never ``grader`` or ``reference``: inside the
sandbox's root those do not exist.

Two processes run this file:

* the *supervisor* (the process the grader started) reads the job from IN_FD, enters new
  namespaces, forks the runner and, once the runner is gone, writes how it ended to STATUS_FD.
  It keeps IN_FD open: the grader holds the other end until the run is over, so the pipe
  closing early means the grader died, and the supervisor then SIGKILLs the runner. So does
  SIGTERM (the grader's timeout). As pid 1 of the new PID namespace, the runner takes every
  process the student started with it.
* the *runner* builds the allowlist root, sets rlimits, drops privileges, imports numpy (from
  that root: a missing piece of the allowlist shows up here, before any student code), then
  the submission, runs the calls in order and sends each result to RESULT_FD as soon as it
  has it.

Wire format, both directions: a 4-byte big-endian length, a UTF-8 JSON header of that length,
then ``header["nbytes"]`` raw bytes (none when absent). Arrays travel as raw bytes with dtype
and shape in the header; nothing is ever pickled, so the grader never unpickles student data.
"""
from __future__ import annotations

import _thread
import builtins
import json
import os
import resource
import select
import signal
import struct
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import isolation

del sys.path[0]
SetupError = isolation.SetupError
SOURCE_NAME = "submission.py"  # what tracebacks and error messages name, whatever the file was called
MAX_TEXT = 1000  # characters of an exception message kept; a student's str() can be megabytes

# Captured before the submission runs, so monkeypatching os/json/numpy cannot break the protocol.
_write = os.write
_dumps = json.dumps


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


# --- the runner: isolation, then the student's code -----------------------------------------------

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


def isolate(job: dict, layers: list[str], source: bytes, workdir: str | None) -> str:
    """Everything after the fork and before the privilege drop: returns the workdir. Raises SetupError."""
    as_root = os.geteuid() == 0 and "userns" not in layers
    uid, gid = (job["uid"], job["uid"]) if as_root else (os.geteuid(), os.getegid())
    limits = job["limits"]
    os.umask(0o022)  # directories of the new root must be enterable after the privilege drop
    try:
        if "mountns" in layers:
            options = (f"size={limits['workdir_mb']}m,nr_inodes={limits['workdir_files']},mode=0700,"
                       f"uid={uid},gid={gid}")
            try:
                if job.get("zygote"):  # the root is the zygote's, already built; the workdir is ours
                    layers += isolation.fresh_mounts(options, with_proc="pidns" in layers)
                else:
                    layers += isolation.build_root(job["root"], options, with_proc="pidns" in layers)
            except (OSError, SetupError) as exc:  # a kernel that gives namespaces but refuses a step
                raise SetupError(f"the sandbox's root could not be built ({exc}); GRADER_SANDBOX_NAMESPACES=none "
                                 f"runs without namespaces, with less isolation (docs/sandbox.md)") from exc
            workdir = isolation.WORKDIR
        if workdir is None:
            raise SetupError("the sandbox has no working directory")
        path = os.path.join(workdir, SOURCE_NAME)
        with open(path, "wb") as handle:  # for the student's own open(__file__) and warnings' source lines
            handle.write(source)
        os.chmod(path, 0o444)
        set_limits(limits)
    except (OSError, ValueError) as exc:
        raise SetupError(f"{type(exc).__name__}: {exc}") from exc
    layers += ["workdir", "rlimits"]
    os.environ.update(HOME=workdir, TMPDIR=workdir)
    os.chdir(workdir)
    return workdir


def drop_privileges(job: dict, layers: list[str], lifeline: int) -> None:
    """No way back to any privilege for the student's code. Raises SetupError."""
    try:
        if "userns" in layers:
            isolation.drop_capabilities()
            layers.append("caps-drop")
        elif os.geteuid() == 0:
            isolation.drop_to_uid(job["uid"])
            layers.append("uid-drop")
    except OSError as exc:
        raise SetupError(f"could not drop privileges: {exc}") from exc
    isolation.arm_parent_death(signal.SIGKILL, lifeline)  # a credential change disarms it
    if isolation.forbid_new_privileges():  # setuid binaries (su, sudo) cannot give root back
        layers.append("no-new-privs")


def _text(exc: BaseException) -> str:
    try:
        text = str(exc)
    except BaseException:  # a student's exception class may break its own __str__
        text = "<unprintable message>"
    return _capped(text)


def _capped(text) -> str:
    text = text if type(text) is str else "<not a string>"
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
        line = exc.lineno if isinstance(exc.lineno, int) else None
        return {"error": f"{name}: {_capped(exc.msg)} ({SOURCE_NAME}, line {line})", "line": line}
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
    the student can remove this hook; forbidden packages are simply absent from the sandbox's root)."""

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


def runner(job: dict, payload: bytes, layers: list[str], result_fd: int, lifeline: int,
           workdir: str | None) -> None:
    """Body of the forked runner process; ends with os._exit, never returns to the caller."""
    isolation.arm_parent_death(signal.SIGKILL, lifeline)  # fork disarms it
    channel = Channel(result_fd)
    sys.dont_write_bytecode = True  # the root is read-only: no point trying
    try:
        workdir = isolate(job, layers, payload[:job["source_nbytes"]], workdir)
        try:
            # From the allowlist root, so a missing piece shows here; before the privilege drop,
            # so that without a mount namespace a Python in root's home still loads it.
            import numpy as np
        except BaseException as exc:
            raise SetupError(f"numpy could not be imported inside the sandbox ({type(exc).__name__}: "
                             f"{_text(exc)}); is memory_mb too small?") from exc
        drop_privileges(job, layers, lifeline)
    except SetupError as exc:
        channel.send({"type": "setup-error", "error": str(exc)})
        os._exit(70)
    os.close(lifeline)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a TextIOWrapper here  # prints before an os._exit still reach the grader
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


# --- the supervisor ------------------------------------------------------------------------------

def supervise(pid: int, grader_fds: tuple[int, ...], wake_fd: int):
    """Wait for the runner; SIGKILL it if the grader goes away (or a watched pipe closes) first.
    (status, rusage)."""
    poller = select.poll()
    for grader_fd in grader_fds:
        poller.register(grader_fd, select.POLLIN)
    poller.register(wake_fd, select.POLLIN)  # written on every signal: SIGCHLD ends the wait
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage
        for fd, events in poller.poll():
            if fd == wake_fd:
                _drain(wake_fd)
            elif not (events & select.POLLIN and os.read(fd, 4096)):
                # The grader closed its end or died: the runner, pid 1 of its namespace, goes too.
                os.kill(pid, signal.SIGKILL)  # our own unreaped child: its pid cannot be reused
                poller.unregister(fd)


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass


def _fallback_workdir(job: dict) -> str:
    """Without a mount namespace: a host directory, which the supervisor removes afterwards."""
    import tempfile

    path = tempfile.mkdtemp(prefix="backprop-sandbox-", dir=job["tmpdir"])
    if os.geteuid() == 0:
        os.chown(path, job["uid"], job["uid"])
    return path


def main() -> None:
    if sys.argv[1:2] == ["--zygote"]:
        zygote(int(sys.argv[2]))
    in_fd, result_fd, status_fd = (int(arg) for arg in sys.argv[1:4])
    job, payload = read_message(in_fd)
    # SIGTERM, not SIGKILL: the handler below takes the runner (and its namespace) along.
    isolation.arm_parent_death(signal.SIGTERM, in_fd)
    layers = isolation.enter_namespaces(job["namespaces"])
    isolation.arm_parent_death(signal.SIGTERM, in_fd)  # a new user namespace changes credentials
    run_supervised(job, payload, layers, (in_fd, result_fd, status_fd), (in_fd,))


def run_supervised(job: dict, payload: bytes, layers: list[str], fds: tuple[int, int, int],
                   watched: tuple[int, ...]) -> None:
    """The supervisor's part once its namespaces are entered: fork the runner, wait, report, exit."""
    in_fd, result_fd, status_fd = fds
    if "ipcns" in layers and isolation.limit_ipc():  # before the runner exists, while we may write them
        layers.insert(layers.index("ipcns") + 1, "ipc-limits")  # one order on every path, so reports agree
    workdir = None if "mountns" in layers else _fallback_workdir(job)
    lifeline_r, lifeline_w = os.pipe()  # tells the runner whether we are still there
    wake_r, wake_w = os.pipe()
    for fd in (wake_r, wake_w):
        os.set_blocking(fd, False)
    child = [0]

    def stop(signum, frame):
        if child[0]:
            os.kill(child[0], signal.SIGKILL)
        else:
            os._exit(128 + signum)

    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    signal.signal(signal.SIGTERM, stop)
    pid = os.fork()
    if pid == 0:
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGTERM, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        for fd in {in_fd, status_fd, lifeline_w, wake_r, wake_w, *watched}:
            os.close(fd)
        runner(job, payload, layers, result_fd, lifeline_r, workdir)
    child[0] = pid
    for fd in (result_fd, lifeline_r):
        os.close(fd)
    status, usage = supervise(pid, watched, wake_r)
    if os.WIFSIGNALED(status):
        report = {"signal": os.WTERMSIG(status), "cpu": usage.ru_utime + usage.ru_stime}
    else:
        report = {"exit": os.WEXITSTATUS(status)}
    if workdir is not None:  # before the status: the grader may kill us soon after reading it
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    try:
        Channel(status_fd).send(report)
    except OSError:
        pass  # the grader is gone
    os._exit(0)


# --- the zygote: a warm start for many runs (grader/sandbox/zygote.py) ------------------------------

ZYGOTE_NAMESPACES = ("mountns", "pidns")  # its own; every run enters a fresh set of all kinds
RUN_FDS = 6  # in, result, status, stdout, stderr, stop: the pipes of one run, passed by the grader


def zygote(control_fd: int) -> None:
    """Build the allowlist root and import numpy once, before any student code exists; then
    fork one supervisor per run that the grader asks for. Never returns.

    Student data never enters this process: a run's request carries only its pipes, and its
    job (the code and the arguments) is read by the forked supervisor. So each run starts from
    a copy of memory that no other submission ever touched.
    """
    import socket

    control = socket.socket(fileno=control_fd)
    config, _ = read_message(control_fd)
    isolation.arm_parent_death(signal.SIGKILL, control_fd)
    layers = isolation.enter_namespaces(config["namespaces"], ZYGOTE_NAMESPACES)
    isolation.arm_parent_death(signal.SIGKILL, control_fd)  # a new user namespace changes credentials
    if not set(ZYGOTE_NAMESPACES) <= set(layers):
        _control_send(control, {"type": "setup-error", "error": f"no zygote without {', '.join(ZYGOTE_NAMESPACES)}"})
        os._exit(70)
    pid = os.fork()  # the zygote proper is pid 1 of its own PID namespace: nothing outlives it
    if pid:
        control.detach()
        os.close(control_fd)  # the grader sees the zygote's end, not ours
        _, status = os.waitpid(pid, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    isolation.arm_parent_death(signal.SIGKILL, None)
    try:
        # Its own /proc is mounted while the host's is still visible, which is what lets each
        # run mount a fresh one in a user namespace; every run covers it with its own.
        layers += isolation.build_root(config["root"], None, with_proc=True)
        import numpy  # noqa: F401  (each run's `import numpy` now finds it loaded)
    except BaseException as exc:
        _control_send(control, {"type": "setup-error", "error": f"the zygote could not start: {type(exc).__name__}: "
                                                                f"{_text(exc)}"})
        os._exit(70)
    base = [layer for layer in layers if layer == "userns"]
    _control_send(control, {"type": "ready", "isolation": layers})
    while True:
        _reap()
        fds = _receive_run(control)
        if fds is None:
            os._exit(0)  # the grader closed the zygote
        if os.fork() == 0:
            control.detach()
            os.close(control_fd)
            _spawned_supervisor(fds, list(base))
        for fd in fds:
            os.close(fd)


def _reap() -> None:
    """Reap finished supervisors (and orphans: we are pid 1). Waited for, not ignored, so that
    their CPU time counts in the grader's rusage as a fresh sandbox's does."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _control_send(control, message: dict) -> None:
    raw = _dumps(message).encode()
    control.sendall(struct.pack(">I", len(raw)) + raw)


def _receive_run(control) -> list[int] | None:
    """The pipes of the next run, or None when the grader has gone."""
    import array
    import socket

    fds = array.array("i")
    try:
        data, ancillary, _, _ = control.recvmsg(1, socket.CMSG_SPACE(RUN_FDS * fds.itemsize))
    except OSError:
        return None
    for level, kind, raw in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(raw[:len(raw) - len(raw) % fds.itemsize])
    if not data:
        for fd in fds:
            os.close(fd)
        return None
    if len(fds) != RUN_FDS:
        for fd in fds:
            os.close(fd)
        return []
    return list(fds)


def _reseed() -> None:
    """Fresh random states, as a fresh interpreter would have: forks of one zygote would all
    draw the same sequence from numpy's global generator (and random's, if loaded)."""
    sys.modules["numpy"].random.seed()
    if "random" in sys.modules:
        sys.modules["random"].seed()


def _spawned_supervisor(fds: list[int], layers: list[str]) -> None:
    """A run's supervisor, forked from the zygote: its own session, its own stdout and stderr,
    a fresh set of namespaces; only then the job. Never returns."""
    if not fds:
        os._exit(0)
    in_fd, result_fd, status_fd, out_fd, err_fd, stop_fd = fds
    os.setsid()  # one group per run, as a supervisor the grader starts itself
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    for fd in (out_fd, err_fd):
        os.close(fd)
    # The same order of layers as a supervisor the grader starts itself, so reports agree.
    layers = layers[:1] if layers[:1] == ["userns"] else []
    layers += isolation.unshare_each() + ["allowlist-root"]
    try:
        job, payload = read_message(in_fd)
    except (EOFError, ValueError, struct.error):
        os._exit(0)
    if not set(ZYGOTE_NAMESPACES) <= set(layers):  # never run in the zygote's own namespaces
        Channel(result_fd).send({"type": "setup-error", "error": "a zygote's run could not enter its namespaces"})
        os._exit(70)
    job["zygote"] = True
    _reseed()
    # The grader closes the stop pipe to end the run early (it cannot signal a process it did not start).
    run_supervised(job, payload, layers, (in_fd, result_fd, status_fd), (in_fd, stop_fd))


if __name__ == "__main__":
    main()
