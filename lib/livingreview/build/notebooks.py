"""Executing the book's notebooks and knowing when they are stale.

A notebook is a record: it is committed with its outputs. When it is executed
through :func:`execute`, the inputs it used are written into its metadata under
``livingreview``:

``code``
    SHA-256 of its code cells (a text change in markdown does not re-execute);
``lib``, ``modules``
    SHA-256 of the modules of this package that the kernel imported, and their list;
``inputs``
    ``{path: sha256}`` of every data file the kernel actually read through
    :mod:`livingreview.data` (recorded by the kernel itself, so the list cannot
    drift from what the notebook does); a folder it listed (the saved search
    strategies) has the digest of its files' names and contents (:func:`input_digest`),
    so adding, removing or editing one makes the notebook stale;
``outputs``
    ``{path: sha256}`` of every file the kernel wrote under ``results/`` (through
    :func:`livingreview.outputs.record`), and ``images``: the SHA-256 of every image output of the
    notebook (nbval skips images). :func:`output_reasons` compares both with the working tree, so an
    edited table, swapped figures or images swapped between notebooks make the notebook stale and fail
    ``make test``; :func:`results_problems` finds files in ``results/`` that no notebook wrote;
``duration_s``
    wall-clock execution time, shown on the status page.

A notebook is *stale* when any of these differs from the working tree. This is the
one place notebooks execute: the book build renders the committed notebooks as they
are (``execute_notebooks: "off"`` in ``_config.yml``), so the site always shows the
committed outputs, and the status page takes execution times from ``duration_s``.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import nbformat

from ..data import ROOT, file_digest

NOTEBOOK_DIR = ROOT / "notebooks"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
META_KEY = "livingreview"

_PROBE = (
    "import json as _json, sys as _sys, livingreview.data as _lrd, livingreview.outputs as _lro\n"
    "print(_json.dumps({'files': sorted(str(p) for p in _lrd.FILES_READ), 'written': sorted(_lro.FILES_WRITTEN),\n"
    "                   'modules': sorted(m.__file__ for n, m in list(_sys.modules.items())\n"
    "                                     if n.split('.')[0] == 'livingreview' and getattr(m, '__file__', None))}))"
)


def notebook_paths(paths=None) -> list[Path]:
    """The notebooks to consider: the given ones, or every ``notebooks/NN-*.ipynb`` in run order."""
    if paths:
        return [Path(p).resolve() for p in paths]
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]-*.ipynb"))


def lib_digest(modules=None) -> str:
    """SHA-256 over source files of the package (names and contents).

    ``modules``: the files to include (relative to the repository root); default every ``.py``
    file of the package. A notebook records the modules its kernel actually imported, so a change
    to, say, the command line does not make every notebook stale.
    """
    h = hashlib.sha256()
    paths = sorted(PACKAGE_DIR.rglob("*.py")) if modules is None else sorted(ROOT / m for m in modules)
    for p in paths:
        h.update(str(p.relative_to(PACKAGE_DIR)).encode())
        h.update(p.read_bytes() if p.exists() else b"<missing>")
    return h.hexdigest()


def code_digest(nb) -> str:
    """SHA-256 over the source of the code cells of a notebook."""
    h = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code":
            h.update(cell.source.encode())
            h.update(b"\0")
    return h.hexdigest()


def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


class NotebookError(ValueError):
    """A notebook file that is missing, empty, truncated or not a notebook; names the file."""


def read_notebook(path: Path | str):
    """Read a notebook (nbformat 4), raising :class:`NotebookError` with a one-line message."""
    path = Path(path)
    try:
        if not path.is_file():
            raise NotebookError(f"{_rel(path)}: " + ("is a directory, not a notebook" if path.is_dir()
                                                      else "notebook not found"))
        nb = nbformat.read(path, as_version=4)
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list) or "metadata" not in nb:
            raise NotebookError(f"{_rel(path)}: not a Jupyter notebook (no cells or metadata)")
        return nb
    except NotebookError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise NotebookError(f"{_rel(path)}: not a readable Jupyter notebook ({msg[:200]})") from None
    except Exception as exc:  # nbformat's validation errors (jsonschema) and the like
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise NotebookError(f"{_rel(path)}: not a valid Jupyter notebook ({msg[:200]})") from None


def stale_reasons(path: Path | str, root: Path | str = ROOT) -> list[str]:
    """Why a notebook's committed outputs may not match its inputs (empty list: fresh).

    ``root``: the checkout whose data files are compared (tests pass a copy).
    Raises :class:`NotebookError` for a file that is not a readable notebook.
    """
    path = Path(path)
    nb = read_notebook(path)
    rec = nb.metadata.get(META_KEY)
    if not rec:
        return ["it has never been executed by `livingreview execute`"]
    reasons = []
    if rec.get("code") != code_digest(nb):
        reasons.append("its code cells changed")
    modules = rec.get("modules")
    if rec.get("lib") != lib_digest(modules):
        reasons.append("lib/livingreview changed" + ("" if modules is None else " (a module it imports)"))
    return reasons + stale_reasons_for_inputs(rec.get("inputs", {}), root) + output_reasons(nb, root)


def input_digest(path: Path | str) -> str:
    """SHA-256 of an input: a file's bytes, or a folder's regular files (names and bytes, sorted).

    A folder's digest is prefixed ``dir:`` so that it never equals a file's.
    """
    path = Path(path)
    if not path.is_dir():
        return file_digest(path)
    h = hashlib.sha256()
    for p in sorted(path.iterdir()):
        if p.is_file() and not p.name.startswith("."):
            h.update(p.name.encode() + b"\0")
            h.update(bytes.fromhex(file_digest(p)))
    return "dir:" + h.hexdigest()


def stale_reasons_for_inputs(inputs: dict[str, str], root: Path | str = ROOT) -> list[str]:
    """Which recorded inputs (``{relative path: digest}``, files or folders) differ from those under ``root``."""
    reasons = []
    for rel, digest in sorted(inputs.items()):
        p = Path(root) / rel
        if not p.exists():
            reasons.append(f"{rel} no longer exists")
        else:
            try:
                now = input_digest(p)
            except OSError as exc:
                reasons.append(f"{rel} cannot be read ({exc.strerror or exc})")
                continue
            if now != digest:
                reasons.append(f"{rel} changed" if not now.startswith("dir:") else f"{rel} (a file in it) changed")
    return reasons


def output_record(nb, written, root: Path | str = ROOT) -> dict:
    """The ``outputs`` (results files written, by path under the checkout ``root``, with SHA-256) and
    ``images`` (SHA-256 of every image output) recorded in a notebook's metadata at execution."""
    from ..outputs import image_digests

    root = Path(root).resolve()
    files = {}
    for p in map(Path, written):
        if p.is_file() and p.resolve().is_relative_to(root / "results"):
            files[str(p.resolve().relative_to(root))] = file_digest(p)
    return {"outputs": dict(sorted(files.items())), "images": image_digests(nb)}


def output_reasons(nb, root: Path | str = ROOT) -> list[str]:
    """How a notebook's image outputs and the results files it wrote differ from their record at execution."""
    from ..outputs import image_digests

    rec = nb.metadata.get(META_KEY) or {}
    if "outputs" not in rec or "images" not in rec:
        return ["its outputs were not recorded at execution (executed before `livingreview execute` recorded them)"]
    reasons = []
    if image_digests(nb) != rec["images"]:
        reasons.append("its image outputs differ from those recorded at execution (an image was edited, "
                       "removed or swapped)")
    for rel, digest in sorted(rec["outputs"].items()):
        p = Path(root) / rel
        if not p.is_file():
            reasons.append(f"{rel}, which it wrote, no longer exists")
        elif file_digest(p) != digest:
            reasons.append(f"{rel} differs from the file it wrote at execution (edited or swapped)")
    return reasons


def results_problems(paths=None, root: Path | str = ROOT) -> list[str]:
    """Files under ``results/`` that no notebook recorded writing, or that two notebooks claim (one line each)."""
    root = Path(root)
    writers: dict[str, list[str]] = {}
    for nb_path in notebook_paths(paths):
        rec = read_notebook(nb_path).metadata.get(META_KEY) or {}
        for rel in rec.get("outputs", {}):
            writers.setdefault(rel, []).append(nb_path.name)
    problems = []
    for p in sorted((root / "results").rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_file() and rel not in writers:
            problems.append(f"{rel}: written by no notebook's recorded execution: delete it, or re-execute the "
                            "notebook that writes it (`make notebooks`)")
    for rel, names in sorted(writers.items()):
        if len(names) > 1:
            problems.append(f"{rel}: written by {len(names)} notebooks ({', '.join(names)}): each results file "
                            "must come from one notebook")
    return problems


def execute(path: Path | str, timeout: int = 600) -> float:
    """Execute a notebook top to bottom in a fresh kernel and save it in place with its record.

    Raises on a cell error (the notebook file is then left untouched). Returns seconds taken.
    """
    from nbclient import NotebookClient

    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_PROBE))
    start = time.perf_counter()
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    duration = time.perf_counter() - start
    probe = nb.cells.pop()
    text = "".join(o.get("text", "") for o in probe.outputs if o.get("output_type") == "stream")
    probe_out = json.loads(text.strip().splitlines()[-1]) if text.strip() else {"files": [], "modules": []}
    inputs = {_rel(Path(p)): input_digest(p) for p in probe_out["files"] if Path(p).exists()}
    modules = sorted(_rel(Path(m)) for m in probe_out["modules"])
    nb.metadata[META_KEY] = {
        "code": code_digest(nb),
        "lib": lib_digest(modules),
        "modules": modules,
        "inputs": dict(sorted(inputs.items())),
        **output_record(nb, probe_out.get("written", [])),
        "duration_s": round(duration, 1),
    }
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(path)
    return duration


def _execute_job(path: str) -> float:
    return execute(path)


PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """Ask the kernel to kill this process when its parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``).

    Run in every worker of :func:`execute_stale`: a killed ``livingreview execute`` leaves no worker
    behind re-executing notebooks (their kernels exit with them: ipykernel polls its parent). When
    the parent is already gone (``parent`` is not ``os.getppid()``), exit at once. Elsewhere a no-op.
    """
    import ctypes
    import os
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if parent is not None and os.getppid() != parent:
        os._exit(1)


#: A code cell with this tag has its printed lines echoed by :func:`execute_stale` (e.g. how many
#: analyses the robustness section computed and how long it took), so ``make notebooks`` shows them.
REPORT_TAG = "report"


def report_lines(path: Path | str) -> list[str]:
    """The printed (stdout) lines of the cells tagged :data:`REPORT_TAG` of a notebook."""
    nb = read_notebook(path)
    lines = []
    for cell in nb.cells:
        if cell.cell_type == "code" and REPORT_TAG in cell.get("metadata", {}).get("tags", []):
            for o in cell.get("outputs", []):
                if o.get("output_type") == "stream" and o.get("name") == "stdout":
                    lines += [ln for ln in o.get("text", "").splitlines() if ln.strip()]
    return lines


def execute_stale(paths=None, force: bool = False, out=print, jobs: int | None = None) -> list[Path]:
    """Re-execute the notebooks that are stale (all of them with ``force``); return those executed.

    Notebooks are independent (each computes from ``data/`` through this package), so up to
    ``jobs`` of them run at once (default: the number of CPUs, at most 4).
    """
    import os
    from concurrent.futures import ProcessPoolExecutor

    todo = []
    for p in notebook_paths(paths):
        reasons = ["forced"] if force else stale_reasons(p)
        if reasons:
            out(f"stale: {_rel(p)} ({'; '.join(reasons)})")
            todo.append(p)
    if not todo:
        out("all notebooks are up to date")
        return []
    jobs = jobs or min(4, os.cpu_count() or 1)
    if jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=jobs, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
            for p, secs in zip(todo, pool.map(_execute_job, [str(p) for p in todo])):
                out(f"executed {_rel(p)} in {secs:.1f} s")
                for line in report_lines(p):
                    out(f"  {_rel(p)}: {line}")
    else:
        for p in todo:
            out(f"executed {_rel(p)} in {execute(p):.1f} s")
            for line in report_lines(p):
                out(f"  {_rel(p)}: {line}")
    return todo
