"""Every write to ``data/`` is one transaction: locked, staged, journalled, applied together.

Usage::

    from livingreview.transaction import data_transaction

    with data_transaction(data_dir) as tx:      # exclusive lock on the data folder
        text = tx.read_bytes("studies.csv")     # read after the lock is held
        tx.write("studies.csv", new_bytes)      # staged, nothing written yet
        tx.write("search/records.csv", other)   # paths relative to data_dir
    # on a clean exit every staged file replaces its original together; on an
    # exception nothing is written.

``recover(data_dir)`` completes or rolls back an interrupted transaction; every command
that reads ``data/`` calls it first (:func:`livingreview.data.validate` and
:func:`livingreview.data.load_review` do).

Design (a redo journal)
-----------------------
1. **Lock.** ``.<name>.livingreview.lock`` beside the data folder (:func:`lock_path`) is held with :class:`filelock.FileLock`
   (``flock`` on POSIX: the kernel releases it when the process dies, so a killed writer
   never leaves a stale lock) for the whole read–validate–write. A second writer waits up to
   :data:`LOCK_TIMEOUT` seconds (environment ``LIVINGREVIEW_LOCK_TIMEOUT``), then is refused
   with :class:`DataLockedError`.
2. **Stage.** Every new file is written and ``fsync``-ed under ``<data_dir>/.transaction/``
   (``.transaction/files/<rel>``). Until the journal exists, the originals are untouched and an
   interruption rolls back: :func:`recover` deletes the staging folder.
3. **Commit point.** ``.transaction/journal.json`` (``{"version": 1, "files": {rel: sha256}}``)
   is written to a temporary name, ``fsync``-ed and renamed into place; the rename is atomic, so
   the journal is either absent or complete.
4. **Apply.** Each staged file is renamed over its original (``os.replace``, atomic per file).
   Then the journal is removed, then the staging folder.

:func:`recover` under the lock: with a journal, it rolls *forward* (every staged file still
present is checked against its digest and renamed into place; a file already renamed must
have the journalled digest), which is idempotent, so a crash during recovery is recovered
again; without a journal, it rolls back. A journal it cannot read or trust raises
:class:`TransactionError` naming it, and nothing is changed.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from filelock import FileLock, Timeout

LOCK_NAME = ".livingreview.lock"
STAGE_NAME = ".transaction"
JOURNAL_NAME = "journal.json"
#: Seconds a writer waits for another writer's lock before it is refused.
LOCK_TIMEOUT = float(os.environ.get("LIVINGREVIEW_LOCK_TIMEOUT", "60"))


#: Data folders whose lock this process holds (resolved paths): recover() must not wait for itself.
_HELD: set[Path] = set()


class TransactionError(OSError):
    """An interrupted transaction that cannot be completed or rolled back automatically."""


class DataLockedError(TransactionError):
    """Another process holds the data folder's lock for longer than the timeout."""


class NotADataFolderError(TransactionError):
    """A folder given as the data folder that is not one (missing, a file, or without its schemas)."""


class CommittedError(TransactionError):
    """A failure after the commit point: the transaction *is* committed and will be completed
    (by :func:`recover`, which every command that reads the data runs first)."""


#: A data folder holds this schema (``check_data_folder``): nothing is ever created in another folder.
MARKER_SCHEMA = "studies.schema.json"


def check_data_folder(data_dir) -> Path:
    """``data_dir`` as a Path when it is a data folder (a folder holding its schemas), else
    :class:`NotADataFolderError`. Writes never create a data folder (or files in a stray one)."""
    data_dir = Path(data_dir)
    if not data_dir.exists():
        raise NotADataFolderError(f"{data_dir}: no such data folder")
    if not data_dir.is_dir():
        raise NotADataFolderError(f"{data_dir}: not a folder (give the data folder, e.g. data/)")
    marker = data_dir / MARKER_SCHEMA
    if marker.is_symlink() or not marker.is_file():
        raise NotADataFolderError(f"{data_dir}: not a data folder of this review ({MARKER_SCHEMA} is missing)")
    return data_dir


def _symlink_in(root: Path, rel: str) -> Path | None:
    """The first symbolic link on the way from ``root`` to ``root/rel`` (the file included), or None."""
    p = root
    for part in PurePosixPath(rel).parts:
        p = p / part
        if p.is_symlink():
            return p
    return None


def _pause(step: str) -> None:
    """Test hook: ``LIVINGREVIEW_TX_PAUSE`` seconds between steps (to spread out the renames)."""
    delay = os.environ.get("LIVINGREVIEW_TX_PAUSE")
    if delay:
        time.sleep(float(delay))


def _check_rel(rel: str) -> str:
    p = PurePosixPath(rel)
    if p.is_absolute() or not p.parts or any(part in ("", ".", "..") for part in p.parts) \
            or p.parts[0] == STAGE_NAME:
        raise ValueError(f"{rel!r}: not a path inside the data folder")
    return str(p)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_synced(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(content)
        f.flush()
        os.fsync(f.fileno())


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def lock_path(data_dir: Path) -> Path:
    """The lock file of a data folder: beside it (``.data.livingreview.lock`` for ``data/``), so
    that the folder itself holds only data and a refused or failed command leaves it byte-identical."""
    real = Path(data_dir).resolve()
    return real.parent / f".{real.name}{LOCK_NAME}"


def _lock(data_dir: Path, timeout: float | None = None) -> FileLock:
    t = LOCK_TIMEOUT if timeout is None else timeout
    return FileLock(str(lock_path(data_dir)), timeout=t)


def _acquire(lock: FileLock, data_dir: Path) -> None:
    try:
        lock.acquire()
    except Timeout:
        raise DataLockedError(
            f"{data_dir}: another livingreview command is writing the data (lock {lock_path(data_dir)} "
            f"held for more than {lock.timeout:g} s); try again when it has finished") from None


class Transaction:
    """Staged writes to a data folder; applied together when the ``with`` block ends cleanly."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.staged: dict[str, bytes] = {}

    def read_bytes(self, rel: str) -> bytes:
        rel = _check_rel(rel)
        if rel in self.staged:
            return self.staged[rel]
        from .safeio import read_data_bytes

        return read_data_bytes(self.data_dir / rel, self.data_dir)

    def write(self, rel: str, content: bytes) -> None:
        self.staged[_check_rel(rel)] = bytes(content)


def _roll_forward(data_dir: Path, stage: Path, journal: Path) -> None:
    from .safeio import read_data_bytes

    try:
        if journal.is_symlink():
            raise ValueError("it is a symbolic link")
        record = json.loads(read_data_bytes(journal, max_bytes=1 << 20).decode("utf-8"))
        files = record["files"]
        if not isinstance(files, dict):
            raise TypeError("'files' is not a mapping")
        for rel, digest in files.items():
            _check_rel(rel)
            if not isinstance(digest, str):
                raise TypeError(f"the digest of {rel!r} is not a string")
    except RecursionError:
        raise TransactionError(f"{journal}: interrupted transaction with an unreadable journal (nested too "
                               f"deeply); restore data/ from version control, then delete {stage}") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        msg = " ".join(str(exc).split())[:200]
        raise TransactionError(f"{journal}: interrupted transaction with an unreadable journal ({msg}); "
                               f"restore data/ from version control, then delete {stage}") from None
    for rel, digest in files.items():
        staged, target = stage / "files" / rel, data_dir / rel
        link = _symlink_in(stage, f"files/{rel}") or _symlink_in(data_dir, rel)
        if link is not None:
            raise TransactionError(f"{journal}: {link} is a symbolic link; a transaction never follows one. "
                                   f"Restore data/ from version control, then delete {stage}")
        if staged.exists():
            if not staged.is_file():
                raise TransactionError(f"{journal}: staged {rel} is not a regular file; restore data/ "
                                       f"from version control, then delete {stage}")
            if _digest(staged.read_bytes()) != digest:
                raise TransactionError(f"{journal}: staged {rel} does not match its journal entry; restore data/ "
                                       f"from version control, then delete {stage}")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
            _pause("apply")
        elif not target.exists() or _digest(target.read_bytes()) != digest:
            raise TransactionError(f"{journal}: {rel} is neither staged nor applied; restore data/ from version "
                                   f"control, then delete {stage}")
    _fsync_dir(data_dir)
    journal.unlink()
    _pause("journal removed")
    shutil.rmtree(stage, ignore_errors=True)


def _recover_locked(data_dir: Path) -> str | None:
    stage = data_dir / STAGE_NAME
    if not stage.exists() and not stage.is_symlink():
        return None
    if stage.is_symlink() or not stage.is_dir():
        raise TransactionError(f"{stage}: not a staging folder of livingreview; remove it")
    journal = stage / JOURNAL_NAME
    if journal.exists() or journal.is_symlink():
        _roll_forward(data_dir, stage, journal)
        return "completed"
    shutil.rmtree(stage)
    return "rolled back"


def recover(data_dir) -> str | None:
    """Complete or roll back an interrupted transaction in ``data_dir``.

    Returns ``None`` when there was none, else ``"completed"`` or ``"rolled back"``.
    Cheap when there is nothing to do (one ``stat``, no lock taken).
    """
    data_dir = Path(data_dir)
    stage = data_dir / STAGE_NAME
    if not stage.exists() and not stage.is_symlink():
        return None
    if data_dir.resolve() in _HELD:
        return _recover_locked(data_dir)
    lock = _lock(data_dir)
    _acquire(lock, data_dir)
    try:
        return _recover_locked(data_dir)
    finally:
        lock.release()


@contextmanager
def data_transaction(data_dir, timeout: float | None = None):
    """Hold the data folder's lock, collect staged writes, and apply them all or none."""
    data_dir = check_data_folder(data_dir)
    lock = _lock(data_dir, timeout)
    _acquire(lock, data_dir)
    key = data_dir.resolve()
    _HELD.add(key)
    try:
        _recover_locked(data_dir)
        tx = Transaction(data_dir)
        yield tx
        if tx.staged:
            _commit(data_dir, tx.staged)
    finally:
        _HELD.discard(key)
        lock.release()


def _commit(data_dir: Path, staged: dict[str, bytes]) -> None:
    stage = data_dir / STAGE_NAME
    for rel in staged:
        link = _symlink_in(data_dir, rel)
        if link is not None:
            raise TransactionError(f"{link}: a symbolic link in the data folder; a write never follows one "
                                   "(replace it with the file itself)")
        target = data_dir / rel
        if target.exists() and not target.is_file():
            raise TransactionError(f"{target}: not a regular file; a write replaces only regular files")
    if stage.is_symlink():
        raise TransactionError(f"{stage}: not a staging folder of livingreview (a symbolic link); remove it")
    shutil.rmtree(stage, ignore_errors=True)
    try:
        for rel, content in staged.items():
            _write_synced(stage / "files" / rel, content)
            _pause("stage")
        tmp = stage / (JOURNAL_NAME + ".tmp")
        record = {"version": 1, "files": {rel: _digest(c) for rel, c in staged.items()}}
        _write_synced(tmp, json.dumps(record, indent=1).encode("utf-8"))
        os.replace(tmp, stage / JOURNAL_NAME)  # the commit point
        _fsync_dir(stage)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)  # not committed: roll back
        raise
    _pause("journal")
    try:
        _roll_forward(data_dir, stage, stage / JOURNAL_NAME)
    except (OSError, ValueError) as exc:  # after the commit point: the transaction will be completed
        cause = exc.strerror if isinstance(exc, OSError) and exc.strerror else " ".join(str(exc).split())
        where = f"{exc.filename}: " if isinstance(exc, OSError) and exc.filename else ""
        raise CommittedError(f"{where}{cause}; the transaction was committed (journal {stage / JOURNAL_NAME}) "
                             "and will be completed by the next livingreview command once this is fixed") from None
