"""The record of the files a notebook writes under ``results/`` (for the tamper check).

:func:`record` is called by every writer of a results file (:func:`livingreview.tables.export`,
:func:`livingreview.plots.save_figure`, :func:`livingreview.results.write_results`);
``livingreview execute`` asks the kernel for :data:`FILES_WRITTEN` after the last cell and stores
each file's SHA-256 in the notebook's metadata (``livingreview.outputs``), beside the SHA-256 of
every image output of the notebook (``livingreview.images``). ``make test`` compares both with the
working tree (:func:`livingreview.build.notebooks.output_reasons`), so an edited table, swapped
figures or swapped notebook images fail a test.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

#: Absolute paths of the files this process wrote under ``results/``.
FILES_WRITTEN: set[str] = set()

#: MIME types of notebook outputs whose content is hashed at execution (nbval skips images).
IMAGE_MIMES = ("image/png", "image/svg+xml", "image/jpeg", "application/pdf")


def record(path) -> Path:
    """Note that this process wrote ``path``; return it."""
    p = Path(path).resolve()
    FILES_WRITTEN.add(str(p))
    return p


def image_digests(nb) -> list[str]:
    """``'cell N output M MIME sha256'`` for every image output of a notebook, in order.

    Hashed over the text nbformat stores (base64 for PNG), so any change to an image is seen; a figure
    stored by ``glue`` (``application/papermill.record/image/png``) counts as an image too.
    """
    out = []
    for i, cell in enumerate(nb.get("cells", [])):
        for j, o in enumerate(cell.get("outputs", []) if cell.get("cell_type") == "code" else []):
            for mime, value in sorted((o.get("data") or {}).items()):
                if mime.rsplit("papermill.record/", 1)[-1] in IMAGE_MIMES:
                    text = "".join(value) if isinstance(value, list) else str(value)
                    out.append(f"cell {i} output {j} {mime} {hashlib.sha256(text.encode()).hexdigest()}")
    return out
