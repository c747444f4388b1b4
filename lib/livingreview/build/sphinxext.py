"""Sphinx extension of the book: build facts as MyST substitutions and a footer.

Adds ``{{ data_version }}``, ``{{ data_commit }}``, ``{{ build_date }}``,
``{{ package_versions }}`` and ``{{ notebook_times }}`` (Markdown tables; the latter from the
execution record in each committed notebook's metadata) to ``myst_substitutions``, and puts
the data version in the footer of every page. These are facts of the build, not
of the analysis, so they live here rather than in a notebook (a notebook output
that changed with every commit could never pass nbval).
"""
from __future__ import annotations

import datetime as _dt
import subprocess
from importlib import metadata

from ..data import DATA_DIR, ROOT, data_version

PACKAGES = ("jupyter-book", "myst-nb", "sphinx", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "nbval",
            "livingreview")


def _git(*args: str) -> str:
    try:
        r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
        return r.stdout.strip() if r.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def data_commit() -> str:
    """Date and short hash of the last commit that touched data/ ('uncommitted' when unknown)."""
    out = _git("log", "-1", "--format=%cs %h", "--", "data")
    if not out:
        return "not under version control"
    dirty = _git("status", "--porcelain", "--", "data")
    return out + (" (with uncommitted changes)" if dirty else "")


def package_table() -> str:
    lines = ["| package | version |", "|---|---|"]
    for name in PACKAGES:
        try:
            lines.append(f"| {name} | {metadata.version(name)} |")
        except metadata.PackageNotFoundError:
            lines.append(f"| {name} | not installed |")
    return "\n".join(lines)


def notebook_table(notebook_dir=None) -> str:
    """Markdown table of the notebooks with the execution time ``livingreview execute`` recorded.

    Reads the committed notebooks' metadata (``livingreview.duration_s``, see
    :mod:`livingreview.notebooks`); nothing is executed, so the numbers are those of the
    notebooks the site shows.
    """
    import json
    from pathlib import Path

    from .notebooks import META_KEY, NOTEBOOK_DIR

    folder = Path(notebook_dir) if notebook_dir is not None else NOTEBOOK_DIR
    lines = ["| notebook | execution time (s) | inputs recorded |", "|---|---:|---|"]
    for path in sorted(folder.glob("[0-9][0-9]-*.ipynb")):
        try:
            meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get(META_KEY) or {}
        except (OSError, ValueError, AttributeError):
            meta = None
        if meta is None:
            lines.append(f"| {path.name} | unreadable notebook | – |")
            continue
        secs = meta.get("duration_s")
        shown = f"{float(secs):.1f}" if isinstance(secs, (int, float)) else "not recorded"
        n = len(meta.get("inputs", {}) or {})
        lines.append(f"| {path.name} | {shown} | {n} data file{'s' if n != 1 else ''} |")
    if len(lines) == 2:
        lines.append("| (no notebook) | – | – |")
    return "\n".join(lines)


def build_facts() -> dict[str, str]:
    import platform

    return {
        "data_version": data_version(DATA_DIR),
        "data_commit": data_commit(),
        "build_date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "package_versions": package_table(),
        "notebook_times": notebook_table(),
        "python_version": platform.python_version(),
    }


def _config_inited(app, config) -> None:
    facts = build_facts()
    subs = dict(getattr(config, "myst_substitutions", {}) or {})
    subs.update(facts)
    config.myst_substitutions = subs
    opts = dict(config.html_theme_options or {})
    from ..escape import html_text

    opts["extra_footer"] = (
        f"<p>Data version {html_text(facts['data_version'])} (last data commit {html_text(facts['data_commit'])}); "
        f"built {html_text(facts['build_date'])}.</p>"
    )
    config.html_theme_options = opts
    # an empty default_mode makes pydata-sphinx-theme log a console error on every page
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "light")
    config.html_context = context


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop repeated script entries (sphinx-thebe registers its inline script twice under
    jupyter-book 1.0.4 and Sphinx 7, which throws "THEBE_JS_URL has already been declared")."""
    seen, kept = set(), []
    for js in context.get("script_files", []):
        name = getattr(js, "filename", js) or ""  # an inline script has filename None or ""
        key = (str(name), tuple(sorted((k, str(v)) for k, v in getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(js)
    context["script_files"] = kept


def setup(app):
    app.connect("config-inited", _config_inited, priority=900)
    app.connect("html-page-context", _dedupe_scripts, priority=1000)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
