"""Every write to ``data/`` is one transaction (contract; hardened under issue 12).

Usage::

    from livingreview.transaction import data_transaction

    with data_transaction(data_dir) as tx:      # exclusive lock on the data folder
        text = tx.read_bytes("studies.csv")     # read after the lock is held
        tx.write("studies.csv", new_bytes)      # staged, nothing written yet
        tx.write("search/records.csv", other)   # paths relative to data_dir
    # on a clean exit every staged file replaces its original together; on an
    # exception nothing is written.

``recover(data_dir)`` completes or rolls back an interrupted transaction; every command
that reads ``data/`` calls it first.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


class Transaction:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.staged: dict[str, bytes] = {}

    def read_bytes(self, rel: str) -> bytes:
        if rel in self.staged:
            return self.staged[rel]
        return (self.data_dir / rel).read_bytes()

    def write(self, rel: str, content: bytes) -> None:
        self.staged[rel] = content


def recover(data_dir) -> None:
    """Complete or roll back an interrupted transaction (stub: nothing to do yet)."""


@contextmanager
def data_transaction(data_dir):
    data_dir = Path(data_dir)
    recover(data_dir)
    tx = Transaction(data_dir)
    yield tx
    for rel, content in tx.staged.items():
        path = data_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.replace(tmp, path)
