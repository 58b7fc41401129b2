"""The sandbox's kernel-facing half: namespaces, the allowlist root, privileges, lifetime.

Loaded by ``child.py`` (by file location, never through the ``grader`` package) in
the supervisor before anything of the student's runs. Standard library only; every call goes
through ctypes because ``os.unshare`` and ``os.pivot_root`` do not exist on every Python we
support. docs/sandbox.md describes each step and what happens when the kernel refuses it.
"""
from __future__ import annotations

import ctypes
import os
import select

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x10000000, 0x20000000, 0x40000000
# Entered in this order; each is tried on its own so one refused kind does not cost the others.
NAMESPACES = ((CLONE_NEWNS, "mountns"), (CLONE_NEWPID, "pidns"), (CLONE_NEWNET, "netns"),
              (CLONE_NEWIPC, "ipcns"), (CLONE_NEWUTS, "utsns"), (CLONE_NEWCGROUP, "cgroupns"))
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 0x20, 0x400, 0x800, 0x1000
MS_REC, MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 0x4000, 0x40000, 0x200000, 0x1000000
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_SECUREBITS, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 1, 24, 28, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
# noroot, no-setuid-fixup, no-ambient-raise, each locked, and keep-caps locked off: uid 0 in our
# user namespace can never regain a capability, not even by exec.
SECUREBITS_LOCKED_DOWN = 0b11101111
_CAP_VERSION_3 = 0x20080522
# pivot_root(2) has no libc wrapper; its number per architecture (asm/unistd.h).
SYS_PIVOT_ROOT = {"x86_64": 155, "amd64": 155, "aarch64": 41, "arm64": 41, "riscv64": 41, "loongarch64": 41,
                  "i386": 217, "i686": 217, "s390x": 217, "ppc64le": 203, "ppc64": 203, "armv7l": 218, "armv6l": 218}
# Where the new root is staged; the first that exists (our mount namespace is private).
STAGING_DIRS = ("/tmp", "/mnt", "/run", "/var/tmp")
DEVICES = ("null", "zero", "urandom")
WORKDIR = "/tmp/work"  # fixed, so a submission that prints its cwd prints the same thing every run

_libc = ctypes.CDLL(None, use_errno=True)


class SetupError(Exception):
    """The sandbox could not be put in place (the grader's environment, never the student)."""


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _b(text: str | None) -> bytes | None:
    return None if text is None else os.fsencode(text)


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    """mount(2). Raises OSError."""
    _check(_libc.mount(_b(source), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data)), f"mount {target}")


def umount(target: str) -> None:
    _check(_libc.umount2(_b(target), MNT_DETACH), f"umount {target}")


def prctl(option: int, value: int, arg3: int = 0) -> bool:
    """prctl(2); False where it does not exist or fails (the caller decides whether that matters)."""
    fn = getattr(_libc, "prctl", None)
    return fn is not None and fn(option, ctypes.c_ulong(value), ctypes.c_ulong(arg3), 0, 0) == 0


# --- lifetime ------------------------------------------------------------------------------------

def arm_parent_death(sig: int, lifeline: int | None) -> None:
    """Have the kernel send sig when our parent dies; exit now if it already has.

    The kernel clears the setting on fork and on credential changes (setuid is one), so this is
    called again after each. A parent that died before the call would never send the signal:
    the lifeline (a pipe only the parent holds open for writing) says whether it is still there.
    """
    prctl(PR_SET_PDEATHSIG, sig)
    if lifeline is not None and hung_up(lifeline):
        os._exit(128 + sig)


def hung_up(fd: int) -> bool:
    """True once every writer of the pipe fd has gone (its process died or closed it)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return any(events & (select.POLLHUP | select.POLLERR) for _, events in poller.poll(0))


# --- namespaces ------------------------------------------------------------------------------------

def _write_file(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def enter_namespaces(mode: str, wanted: tuple[str, ...] | None = None) -> list[str]:
    """Unshare what this kernel and these privileges allow; the names of the namespaces entered.

    mode "auto": as root, each namespace directly; otherwise through a user namespace first
    (mapping our uid to root inside), which is what grants the right to create the rest.
    "user" takes the user-namespace path even as root; "none" enters nothing (the fallback).
    wanted: only these kinds besides the user namespace (default: all of NAMESPACES).
    """
    unshare = getattr(_libc, "unshare", None)
    if unshare is None or mode == "none":
        return []
    layers = []
    if os.geteuid() != 0 or mode == "user":
        uid, gid = os.geteuid(), os.getegid()
        if unshare(CLONE_NEWUSER) != 0:
            return []
        # An unprivileged process may map only its own ids, and only after denying setgroups.
        _write_file("/proc/self/setgroups", "deny")
        _write_file("/proc/self/uid_map", f"0 {uid} 1")
        _write_file("/proc/self/gid_map", f"0 {gid} 1")
        layers.append("userns")
    return layers + unshare_each(wanted)


def unshare_each(wanted: tuple[str, ...] | None = None) -> list[str]:
    """Unshare each wanted kind of NAMESPACES on its own, so one refused kind does not cost the
    others; the names of those entered. A zygote's child calls it directly: it already holds the
    privileges (root, or root in the zygote's user namespace) to create them."""
    unshare = getattr(_libc, "unshare", None)
    if unshare is None:
        return []
    layers = [name for flag, name in NAMESPACES if (wanted is None or name in wanted) and unshare(flag) == 0]
    if "utsns" in layers:
        _libc.sethostname(b"sandbox", 7)  # the host's name is none of the student's business
    return layers


# --- the allowlist root ----------------------------------------------------------------------------

def build_root(plan: dict, workdir_options: str | None, with_proc: bool) -> list[str]:
    """Replace our root with a tmpfs holding only the plan (root.RootPlan), read-only,
    plus /dev/null|zero|urandom, a /proc of our PID namespace and the writable workdir.

    Called by pid 1 of the new PID namespace, in a private mount namespace. Returns the layers
    it put in place. Raises OSError (or SetupError) when a step fails. workdir_options None
    (a zygote): only the empty mount point, each run mounts its own (fresh_mounts).
    """
    pivot = SYS_PIVOT_ROOT.get(os.uname().machine.lower())
    if pivot is None:
        raise SetupError(f"pivot_root is not known on {os.uname().machine}")
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing below propagates back to the host
    staging = next((d for d in STAGING_DIRS if os.path.isdir(d)), None)
    if staging is None:
        raise SetupError(f"none of {', '.join(STAGING_DIRS)} exists to stage the sandbox's root")
    mount("tmpfs", staging, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,nr_inodes=16,mode=0700")
    os.mkdir(f"{staging}/new", 0o755)
    os.mkdir(f"{staging}/old", 0o700)
    mount("tmpfs", f"{staging}/new", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755")
    _check(_libc.syscall(pivot, _b(staging), _b(f"{staging}/old")), "pivot_root")
    os.chdir("/")  # the host's root is now /old, the sandbox's future root /new
    read_only_later = _populate("/new", "/old", plan)
    _mount_devices("/new", "/old")
    os.makedirs("/new" + WORKDIR, 0o755)
    if workdir_options is not None:
        mount("tmpfs", "/new" + WORKDIR, "tmpfs", MS_NOSUID | MS_NODEV, workdir_options)
    layers = ["allowlist-root"]
    os.mkdir("/new/proc", 0o555)
    if with_proc:
        try:
            mount("proc", "/new/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
            layers.append("proc")
        except OSError:
            pass  # e.g. a container that masks parts of its /proc: then there is none at all
    umount("/old")
    os.rmdir("/old")
    os.chdir("/new")
    _check(_libc.syscall(pivot, b".", b"."), "pivot_root")  # the staging tmpfs is stacked on top
    umount(".")
    os.chdir("/")
    for path in read_only_later:
        remount_read_only(path)
    remount_read_only("/")
    return layers


def fresh_mounts(workdir_options: str, with_proc: bool) -> list[str]:
    """A zygote's runner, pid 1 of its own PID namespace in its own copy of the zygote's mount
    namespace: a new empty workdir tmpfs and a /proc of its own namespace, each mounted over
    the zygote's, which nobody can unmount once privileges are dropped. Raises OSError/SetupError."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing below propagates to the zygote or a sibling
    mount("tmpfs", WORKDIR, "tmpfs", MS_NOSUID | MS_NODEV, workdir_options)
    if with_proc:
        try:
            # Allowed in a user namespace only because the zygote's /proc is fully visible here.
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
            return ["proc"]
        except OSError:
            pass
    if os.path.ismount("/proc"):
        umount("/proc")  # never the zygote's processes: rather no /proc at all
    return []


def _populate(new: str, old: str, plan: dict) -> list[str]:
    """Bind the plan's paths (parents first), cover its masks, recreate its links."""
    read_only_later = []
    steps = [(p, "bind") for p in plan["binds"]] + [(p, "mask") for p in plan["masks"]]
    for path, kind in sorted(steps, key=lambda step: step[0].split("/")):
        if kind == "mask":
            mount("tmpfs", new + path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,nr_inodes=64,mode=0755")
            read_only_later.append(path)
            continue
        source = old + path
        if not os.path.lexists(source):
            continue
        _mount_point(new + path, os.path.isdir(source))
        mount(source, new + path, None, MS_BIND | MS_REC)
        remount_read_only(new + path)
    for path, target in plan["symlinks"]:
        os.makedirs(os.path.dirname(new + path), 0o755, exist_ok=True)
        if not os.path.lexists(new + path):
            os.symlink(target, new + path)
    return read_only_later


def _mount_devices(new: str, old: str) -> None:
    os.makedirs(f"{new}/dev", 0o755, exist_ok=True)
    for name in DEVICES:
        _mount_point(f"{new}/dev/{name}", False)
        mount(f"{old}/dev/{name}", f"{new}/dev/{name}", None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{new}/dev/{name}")


def _mount_point(path: str, directory: bool) -> None:
    if directory:
        os.makedirs(path, 0o755, exist_ok=True)
        return
    os.makedirs(os.path.dirname(path), 0o755, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o444))


def remount_read_only(path: str) -> None:
    """Make one mount read-only, restating the flags the kernel locks inside a user namespace
    (a bind remount that would drop nosuid, nodev, noexec or the atime mode fails with EPERM)."""
    have = os.statvfs(path).f_flag
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV
    flags |= MS_NOEXEC if have & os.ST_NOEXEC else 0
    flags |= MS_NODIRATIME if have & os.ST_NODIRATIME else 0
    if have & os.ST_NOATIME:
        flags |= MS_NOATIME
    elif have & os.ST_RELATIME:
        flags |= MS_RELATIME
    else:
        flags |= MS_STRICTATIME
    mount(None, path, None, flags)


# --- privileges ---------------------------------------------------------------------------------

def drop_to_uid(uid: int) -> None:
    """As real root: no groups, then the uid and gid of `nobody`; every capability goes with them."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    """Inside our user namespace we are uid 0 with every capability over its mounts; keep the
    uid (only it is mapped) and give up every capability, for good. Raises OSError."""
    _check(0 if prctl(PR_SET_SECUREBITS, SECUREBITS_LOCKED_DOWN) else -1, "PR_SET_SECUREBITS")
    for cap in range(64):
        if not prctl(PR_CAPBSET_DROP, cap):
            break  # past the last capability this kernel knows
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    header, data = _CapHeader(_CAP_VERSION_3, 0), (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def forbid_new_privileges() -> bool:
    """setuid binaries and file capabilities can never give anything back."""
    return prctl(PR_SET_NO_NEW_PRIVS, 1)



# System V and POSIX IPC of a fresh IPC namespace, made small: without a memory cgroup, nothing
# else bounds memory held in segments nobody maps (RLIMIT_AS counts mappings only: one process
# held 1,760 MB of detached segments against a 1,024 MB limit). Written by the supervisor right
# after it entered the namespace, while it still may: these sysctls are per IPC namespace.
IPC_LIMITS = {
    "kernel/shmmax": 1 << 20,         # bytes of one shared memory segment
    "kernel/shmall": None,            # pages of all segments: 4 MB, computed with the page size
    "kernel/shmmni": 8,               # segments
    "kernel/msgmni": 8,               # message queues
    "kernel/msgmnb": 16384,           # bytes in one queue
    "kernel/msgmax": 8192,            # bytes of one message
    "kernel/sem": "32 256 32 8",      # semaphores per set, in all, per call, sets
    "fs/mqueue/queues_max": 4,        # POSIX message queues
    "fs/mqueue/msg_max": 10,
    "fs/mqueue/msgsize_max": 8192,
}
IPC_SHM_TOTAL = 4 << 20


def limit_ipc() -> bool:
    """Shrink the current IPC namespace's limits; True when every one was set."""
    done = True
    for name, value in IPC_LIMITS.items():
        if value is None:
            value = IPC_SHM_TOTAL // os.sysconf("SC_PAGE_SIZE")
        try:
            _write_file(f"/proc/sys/{name}", f"{value}\n")
        except OSError:
            done = False
    return done
