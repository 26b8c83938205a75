"""The database file: one writer at a time, working on a copy that is published by atomic rename.

Readers (notebooks holding `duckdb.connect(path, read_only=True)` open for hours) keep the
file they opened and never block the batch; the next connection sees the new data. A kill at
any moment leaves the published file as it was after the last completed publish.
"""
from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import LockError, StorageError


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


@contextmanager
def writer_lock(path: Path) -> Iterator[None]:
    """Hold the exclusive writer lock of a database file, or raise LockError at once."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StorageError(f"cannot create lock file {lock_path(path)} ({exc.strerror}): the directory of the "
                           "database must be writable; nothing was changed") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = lock_holder(path)
            by = f" (pid {holder})" if holder else ""
            raise LockError(f"another run is writing {path}{by}: wait for it to finish "
                            "(or pass another --db)") from None
        _write_pid(fd, os.getpid())
        try:
            yield
        finally:
            _write_pid(fd, None)
    finally:
        os.close(fd)


def _write_pid(fd: int, pid: int | None) -> None:
    """Record who holds the lock, for `pipeline status` and the lock message (best effort)."""
    try:
        os.ftruncate(fd, 0)
        if pid is not None:
            os.pwrite(fd, f"{pid}\n".encode(), 0)
    except OSError:  # a full disk must not stop the run here; the flock is what counts
        pass


def lock_holder(path: Path) -> int | None:
    """Pid of the live process holding the writer lock per the lock file, or None."""
    try:
        pid = int(lock_path(path).read_text().strip() or 0)
    except (OSError, ValueError):
        return None
    if pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # killed without releasing: the kernel dropped its flock
    except PermissionError:
        pass
    return pid


def _working_name(path: Path) -> Path:
    return path.with_name(f"{path.name}.tmp-{os.getpid()}")


def _remove_stale_copies(path: Path) -> None:
    """Working copies left by killed runs (we hold the lock, so none is in use)."""
    for pattern in (f"{path.name}.tmp-*", f"{path.name}.v*.bak.tmp-*"):
        for stale in path.parent.glob(pattern):
            stale.unlink(missing_ok=True)


def start_copy(path: Path) -> Path:
    """Copy the published file (and a WAL, if a direct writer left one) to a private working file."""
    _remove_stale_copies(path)
    if path.exists() and not os.access(path, os.W_OK):
        raise StorageError(f"database {path} is read-only: make it writable or pass another --db; it was not changed")
    work = _working_name(path)
    try:
        if path.exists():
            shutil.copyfile(path, work)
            wal = path.with_name(path.name + ".wal")
            if wal.exists():
                shutil.copyfile(wal, work.with_name(work.name + ".wal"))
    except OSError as exc:
        discard(work)
        raise StorageError(f"cannot copy {path} to work on it ({exc.strerror}): free disk space or check permissions") from None
    return work


def publish(work: Path, path: Path) -> None:
    """Atomically replace the published file with the (closed, checkpointed) working copy."""
    try:
        with open(work, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(work, path)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        discard(work)
        raise StorageError(f"cannot write {path} ({exc.strerror}): free disk space or check permissions; "
                           "the previous version is intact") from None


def backup(path: Path, version: int) -> Path:
    """Copy the published file to NAME.vVERSION.bak (temp + rename) before a migration changes it."""
    target = path.with_name(f"{path.name}.v{version}.bak")
    temp = target.with_name(target.name + f".tmp-{os.getpid()}")
    try:
        shutil.copyfile(path, temp)
        with open(temp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise StorageError(f"cannot back up {path} to {target.name} before migrating it ({exc.strerror}): "
                           "free disk space; the database was not changed") from None
    return target


def discard(work: Path) -> None:
    work.unlink(missing_ok=True)
    work.with_name(work.name + ".wal").unlink(missing_ok=True)
