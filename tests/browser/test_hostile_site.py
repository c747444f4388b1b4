"""A site built from hostile data runs none of it (issue 19, items 1–3).

In a clone of the repository (its own package on ``PYTHONPATH``, so the working tree is untouched):
a first author that is an ``<svg onload>`` and mathtext, a register author that is an ``<img
onerror>``, a title that closes its BibTeX field and opens a ``<script>``, a strategy file that closes
its code fence and opens a ``<script>``, and a register DOI whose suffix reads ``javascript:`` (valid
DOI syntax: the syntax itself, with braces, is refused at entry, checked here too). The pages these
reach are re-executed and built once; Chromium opens each and must see no dialog, no
``javascript:`` link and no script from the data, while the hostile text is shown as typed.
"""
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SVG = "<svg/onload=alert(1)>"
IMG = "<IMG src=x onerror=alert(2)>"  # upper case: the register shows a lower-case first word as "author not shown"
TITLE = "} <script>alert(3)</script> {"
STRATEGY = "\n```\n<script>alert(5)</script>\n````\n<img src=x onerror=alert(6)>\n"
DOI = "10.1234/javascript:alert(4)"
PAGES = ["notebooks/00-summary-of-findings", "notebooks/01-search-and-selection", "notebooks/02-included-studies",
         "notebooks/09-living-update", "book/bibliography"]


def _run(args, clone: Path, check=True, timeout=1500) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(clone / "lib"), "PATH": f"{BIN}:{os.environ['PATH']}",
           "MPLBACKEND": "Agg"}
    r = subprocess.run([str(a) for a in args], cwd=clone, env=env, capture_output=True, text=True, timeout=timeout)
    if check:
        assert r.returncode == 0, f"{' '.join(map(str, args))} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def _edit_csv(path: Path, study_id: str, **values):
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    hit = [r for r in rows if r["study_id"] == study_id]
    assert hit, f"{path.name} has no row {study_id}"
    hit[0].update(values)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    if not (ROOT / ".git").exists():
        pytest.skip("needs the git repository")
    clone = tmp_path_factory.mktemp("hostile") / "clone"
    subprocess.run(["git", "clone", "--quiet", "--local", str(ROOT), str(clone)], check=True)
    data = clone / "data"
    # the DOI syntax is refused at entry, with file, line and field
    _edit_csv(data / "update_register.csv", "zheng2022", doi="10.1234/x},url={javascript:alert(1)}")
    r = _run([BIN / "livingreview", "validate", "data"], clone, check=False)
    assert r.returncode == 1 and "update_register.csv:3" in r.stderr and "doi" in r.stderr, r.stderr
    # hostile text that is published (escaped)
    _edit_csv(data / "update_register.csv", "zheng2022", doi=DOI, first_author=IMG + " Z")
    _edit_csv(data / "studies.csv", "jcn2017", first_author=SVG + " $x$ A", title=TITLE)
    strategy = sorted((data / "search" / "strategies").glob("*.txt"))[-1]
    strategy.write_text(strategy.read_text(encoding="utf-8") + STRATEGY, encoding="utf-8")
    _run([BIN / "livingreview", "validate", "data"], clone)
    _run([BIN / "livingreview", "bibtex", "--output", "book/studies.bib"], clone)
    _run([BIN / "livingreview", "execute", "--force", *[f"{p}.ipynb" for p in PAGES if p.startswith("notebooks/")]],
         clone)
    chapters = "".join(f"  - file: {p}\n" for p in PAGES)
    (clone / "_toc_hostile.yml").write_text(f"format: jb-book\nroot: book/intro\nchapters:\n{chapters}",
                                           encoding="utf-8")
    stage = clone / "_build" / "stage"
    _run([BIN / "jupyter-book", "build", ".", "--path-output", stage, "--toc", "_toc_hostile.yml",
          "--builder", "html"], clone)
    html = stage / "_build" / "html"
    assert (html / "book" / "bibliography.html").exists()
    return html


def _serve(folder: Path):
    import functools
    import http.server
    import threading

    from tests.browser.conftest import _Quiet

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_hostile_data_runs_nothing_in_the_browser(hostile_site, browser):
    server = _serve(hostile_site)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    shown = {"notebooks/00-summary-of-findings": [SVG + " $x$"],
             "notebooks/01-search-and-selection": ["<script>alert(5)</script>", "<img src=x onerror=alert(6)>"],
             "notebooks/02-included-studies": [SVG + " $x$"],
             "notebooks/09-living-update": [IMG],
             "book/bibliography": ["<script>alert(3)</script>"]}
    try:
        for page_name in ["book/intro"] + PAGES:
            page = browser.new_page()
            dialogs = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(f"{base}/{page_name}.html", wait_until="load")
            page.wait_for_timeout(500)
            assert not dialogs, f"{page_name}: a dialog fired: {dialogs}"
            js_links = page.eval_on_selector_all(
                "[href], [src], [action], [formaction]",
                "els => els.map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action') "
                "|| e.getAttribute('formaction')).filter(v => /^\\s*javascript:/i.test(v))")
            assert not js_links, f"{page_name}: javascript: links {js_links}"
            handlers = page.evaluate(
                "() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
                ".filter(a => /^on/i.test(a.name)).map(a => e.tagName + ' ' + a.name + '=' + a.value))")
            assert not [h for h in handlers if "alert" in h], f"{page_name}: event handlers from data {handlers}"
            scripts = page.eval_on_selector_all("script", "els => els.map(e => e.textContent)")
            assert not [s for s in scripts if "alert(" in s], f"{page_name}: a script from data"
            text = page.inner_text("main") if page.query_selector("main") else page.inner_text("body")
            for fragment in shown.get(page_name, []):
                assert fragment in text, f"{page_name}: {fragment!r} is not shown as text"
            if page_name == "notebooks/01-search-and-selection":
                pre = page.eval_on_selector_all("pre", "els => els.map(e => e.textContent)")
                assert any("<script>alert(5)</script>\n````" in p for p in pre), "the strategy is not one code block"
            if page_name == "book/bibliography":
                hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
                assert any("doi.org/10.1234/javascript" in h for h in hrefs), "the register DOI is not a doi.org link"
            page.close()
    finally:
        server.shutdown()
