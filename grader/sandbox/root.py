"""What the sandbox's file system holds: an allowlist computed from the running interpreter.

The runner gets a new, empty root (docs/sandbox.md) holding, read-only, only:

* the interpreter (`sys.executable`, every symbolic link on the way to the binary) and its
  standard library (`sysconfig`'s stdlib and platstdlib of `sys.base_prefix`, lib-dynload,
  the zip), with the base installation's own site-packages covered by an empty directory;
* numpy's package directory (`numpy.__file__`), and nothing else of site-packages;
* the shared objects all of these link: DT_NEEDED of the interpreter, of every extension
  module of numpy and of lib-dynload, transitively, found as the loader finds them (RPATH or
  RUNPATH with $ORIGIN, then /etc/ld.so.cache, then the default directories), plus the loader
  itself (PT_INTERP) and /etc/ld.so.cache;
* every symbolic link on the way to each of these, recreated as the host has it, so the paths
  the interpreter computed at start-up (sys.path, the loader's cache entries) still resolve.

The sandbox adds /dev/null, /dev/zero, /dev/urandom, a /proc of its own PID namespace and the
workdir. Nothing is taken from this machine's layout: every path comes from the interpreter.
Computed once per grader process (a few milliseconds: about a hundred ELF headers).
"""
from __future__ import annotations

import functools
import os
import struct
import sys
import sysconfig
from dataclasses import dataclass

LD_CACHE = "/etc/ld.so.cache"
_CACHE_MAGIC = b"glibc-ld.so.cache1.1"
_DEFAULT_DIRS = {64: ("/lib64", "/usr/lib64", "/lib", "/usr/lib"), 32: ("/lib32", "/usr/lib32", "/lib", "/usr/lib")}
_MAX_LINKS = 40  # symbolic links followed for one path, as the kernel's ELOOP limit
PT_DYNAMIC, PT_INTERP, PT_LOAD = 2, 3, 1
DT_NEEDED, DT_STRTAB, DT_RPATH, DT_RUNPATH = 1, 5, 15, 29


@dataclass(frozen=True)
class RootPlan:
    """Read-only bind mounts, covered directories and symbolic links of the sandbox's root."""

    binds: tuple[str, ...]  # real paths (no link on the way), files or directories, parents first
    masks: tuple[str, ...]  # directories inside a bind that get an empty read-only tmpfs
    symlinks: tuple[tuple[str, str], ...]  # (path, target), as the host has them

    def to_job(self) -> dict:
        return {"binds": list(self.binds), "masks": list(self.masks), "symlinks": [list(s) for s in self.symlinks]}


@functools.lru_cache(maxsize=1)
def root_plan() -> RootPlan:
    """The allowlist for this interpreter and this numpy. Never raises for a missing piece:
    what cannot be found is left out, and numpy's import inside the sandbox then says so."""
    import numpy

    planner = _Planner()
    stdlib = _stdlib_dirs()
    numpy_dir = os.path.dirname(numpy.__file__)
    for path in (sys.executable, *stdlib, numpy_dir, LD_CACHE):
        planner.add(path)
    for directory in stdlib:
        for name in ("site-packages", "dist-packages"):
            planner.mask(os.path.join(directory, name))
    for key in ("purelib", "platlib"):
        planner.mask(sysconfig.get_path(key, vars={"base": sys.base_prefix, "platbase": sys.base_exec_prefix}))
    objects = [sys.executable]
    objects += _shared_objects(numpy_dir, recursive=True)
    objects += [p for d in stdlib for p in _shared_objects(os.path.join(d, "lib-dynload"), recursive=False)]
    for path in _link_closure(objects):
        planner.add(path)
    return planner.plan()


def _stdlib_dirs() -> list[str]:
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix,
            "installed_base": sys.base_prefix, "installed_platbase": sys.base_exec_prefix}
    found: list[str] = []
    for key in ("stdlib", "platstdlib"):
        path = sysconfig.get_path(key, vars=base)
        found += [path, os.path.join(path, "lib-dynload")]
    found += [p for p in sys.path if p.endswith(".zip") and p.startswith(sys.base_prefix)]
    return [p for p in dict.fromkeys(found) if os.path.exists(p)]


def _shared_objects(directory: str, recursive: bool) -> list[str]:
    found: list[str] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return found
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if recursive:
                found += _shared_objects(entry.path, recursive)
        elif ".so" in entry.name and entry.is_file():
            found.append(entry.path)
    return found


class _Planner:
    def __init__(self) -> None:
        self.binds: set[str] = set()
        self.masks: set[str] = set()
        self.symlinks: dict[str, str] = {}

    def add(self, path: str) -> None:
        """Plan path and every link on the way to it; a missing path is left out."""
        real = self._walk(os.path.abspath(path), 0)
        if real is not None and os.path.exists(real):
            self.binds.add(real)

    def mask(self, path: str) -> None:
        real = os.path.realpath(path)
        if os.path.isdir(real):
            self.masks.add(real)

    def _walk(self, path: str, links: int) -> str | None:
        """The path with no link on the way, recording each link passed (as realpath, but seen)."""
        current = "/"
        parts = [p for p in path.split("/") if p and p != "."]
        while parts:
            part = parts.pop(0)
            if part == "..":
                current = os.path.dirname(current)
                continue
            step = os.path.join(current, part)
            if not os.path.islink(step):
                current = step
                continue
            if links >= _MAX_LINKS:
                return None
            target = os.readlink(step)
            self.symlinks[step] = target
            links += 1
            parts = [p for p in target.split("/") if p and p != "."] + parts
            current = "/" if target.startswith("/") else current
        return current

    def plan(self) -> RootPlan:
        masks = {m for m in self.masks if any(a in self.binds for a in _ancestors(m))}
        binds = [b for b in self.binds if not self._covered(b, masks)]
        symlinks = [(p, t) for p, t in self.symlinks.items() if not self._covered(p, masks)]
        return RootPlan(tuple(sorted(binds, key=_depth_order)), tuple(sorted(masks, key=_depth_order)),
                        tuple(sorted(symlinks)))

    def _covered(self, path: str, masks: set[str]) -> bool:
        """Already visible through a bind of an ancestor, with no mask between them."""
        for ancestor in _ancestors(path):  # nearest first
            if ancestor in masks:
                return False
            if ancestor in self.binds:
                return True
        return False


def _ancestors(path: str):
    while path not in ("/", ""):
        path = os.path.dirname(path)
        yield path


def _depth_order(path: str) -> tuple[str, ...]:
    return tuple(path.split("/"))


# --- ldd without running anything: DT_NEEDED, as the loader resolves it ------------------------

@dataclass(frozen=True)
class _Elf:
    bits: int
    machine: int
    needed: tuple[str, ...]
    search: tuple[str, ...]  # RPATH or RUNPATH directories, $ORIGIN expanded
    interpreter: str | None


def _link_closure(objects: list[str]) -> list[str]:
    """Every shared object the given ones need, transitively, and the loader; paths as found."""
    cache = _ld_cache()
    resolved: dict[tuple, str | None] = {}
    found: dict[str, None] = {}  # an ordered set
    done: set[str] = set()
    todo = list(objects)
    while todo:
        path = todo.pop()
        if path in done:
            continue
        done.add(path)
        elf = _read_elf(path)
        if elf is None:
            continue
        wanted: list[str | None] = [elf.interpreter] if elf.interpreter else []
        for name in elf.needed:
            key = (name, elf.search, elf.bits, elf.machine)
            if key not in resolved:
                resolved[key] = _resolve(name, elf, cache)
            wanted.append(resolved[key])
        for library in wanted:
            if library is not None and library not in found:
                found[library] = None
                todo.append(library)
    return list(found)


def _resolve(name: str, elf: _Elf, cache: dict[str, list[str]]) -> str | None:
    if "/" in name:
        return name if os.path.exists(name) else None
    candidates = [os.path.join(d, name) for d in elf.search]
    candidates += cache.get(name, [])
    candidates += [os.path.join(d, name) for d in _DEFAULT_DIRS.get(elf.bits, ())]
    for candidate in candidates:
        other = _read_elf(candidate)
        if other is not None and (other.bits, other.machine) == (elf.bits, elf.machine):
            return candidate
    return None


@functools.lru_cache(maxsize=None)
def _read_elf(path: str) -> _Elf | None:
    """DT_NEEDED, search path and PT_INTERP of an ELF file; None if it is not one we can read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        return _parse_elf(lambda size, offset: os.pread(fd, size, offset), path)
    except (OSError, struct.error, ValueError, IndexError):
        return None
    finally:
        os.close(fd)


def _parse_elf(read, path: str) -> _Elf | None:
    ident = read(64, 0)
    if ident[:4] != b"\x7fELF" or ident[4] not in (1, 2) or ident[5] not in (1, 2):
        return None
    bits = 64 if ident[4] == 2 else 32
    end = "<" if ident[5] == 1 else ">"
    machine = struct.unpack_from(end + "H", ident, 18)[0]
    if bits == 64:
        phoff, = struct.unpack_from(end + "Q", ident, 32)
        phentsize, phnum = struct.unpack_from(end + "HH", ident, 54)
    else:
        phoff, = struct.unpack_from(end + "I", ident, 28)
        phentsize, phnum = struct.unpack_from(end + "HH", ident, 42)
    table = read(phentsize * phnum, phoff)
    loads, dynamic, interpreter = [], None, None
    for i in range(phnum):
        if bits == 64:
            p_type, _, offset, vaddr, _, filesz = struct.unpack_from(end + "IIQQQQ", table, i * phentsize)
        else:
            p_type, offset, vaddr, _, filesz = struct.unpack_from(end + "IIIII", table, i * phentsize)
        if p_type == PT_LOAD:
            loads.append((vaddr, offset, filesz))
        elif p_type == PT_DYNAMIC:
            dynamic = (offset, filesz)
        elif p_type == PT_INTERP:
            interpreter = read(filesz, offset).split(b"\0", 1)[0].decode("utf-8", "replace")
    if dynamic is None:
        return _Elf(bits, machine, (), (), interpreter)
    raw = read(dynamic[1], dynamic[0])
    entry = struct.Struct(end + ("qQ" if bits == 64 else "iI"))
    tags: list[tuple[int, int]] = []
    for tag, value in entry.iter_unpack(raw[:len(raw) - len(raw) % entry.size]):
        if tag == 0:
            break
        tags.append((tag, value))
    strtab = next((v for t, v in tags if t == DT_STRTAB), None)
    offset = next((o + strtab - v for v, o, size in loads if strtab is not None and v <= strtab < v + size), None)
    if offset is None:
        return _Elf(bits, machine, (), (), interpreter)

    def text(at: int) -> str:  # the dynamic string table can be megabytes: read only what is named
        return read(4096, offset + at).split(b"\0", 1)[0].decode("utf-8", "replace")

    needed = tuple(text(v) for t, v in tags if t == DT_NEEDED)
    runpath = [text(v) for t, v in tags if t == DT_RUNPATH] or [text(v) for t, v in tags if t == DT_RPATH]
    search = tuple(d for entry_ in runpath for d in entry_.split(":") if d)
    if any("ORIGIN" in d for d in search):
        origin = os.path.dirname(os.path.realpath(path))
        search = tuple(d.replace("${ORIGIN}", origin).replace("$ORIGIN", origin) for d in search)
    return _Elf(bits, machine, needed, search, interpreter)


def _ld_cache() -> dict[str, list[str]]:
    """Library name -> paths, from the loader's cache (glibc's format 1.1); {} if absent."""
    try:
        with open(LD_CACHE, "rb") as handle:
            data = handle.read()
    except OSError:
        return {}
    start = data.find(_CACHE_MAGIC)
    if start < 0:
        return {}
    found: dict[str, list[str]] = {}
    try:
        nlibs, = struct.unpack_from("=I", data, start + 20)
        for i in range(nlibs):
            _, key, value = struct.unpack_from("=iII", data, start + 48 + 24 * i)
            name = data[start + key:data.index(b"\0", start + key)].decode("utf-8", "replace")
            path = data[start + value:data.index(b"\0", start + value)].decode("utf-8", "replace")
            found.setdefault(name, []).append(path)
    except (struct.error, ValueError):
        pass
    return found
