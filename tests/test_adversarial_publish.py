"""Hostile data on its way to the site (issue 19, items 1–4 and 11).

Nothing a reviewer's data carries may run in a reader's browser, break the build, or change a
published file unnoticed. Each hostile value is either refused at entry (exit 1, a message naming
file, line and field, data byte-identical) or published as the very characters typed, through the
one escaping path of its target (:mod:`livingreview.escape`). The browser counterpart is
``tests/browser/test_hostile_site.py``.
"""
import csv
import io
import json
import re
import shutil

import nbformat
import pytest
from markdown_it import MarkdownIt

import livingreview as lr
from livingreview import escape, facts, literature, plots, tables
from livingreview.bibliography import bibtex
from livingreview.build import notebooks
from livingreview.data import DATA_DIR, ROOT, validate
from tests.conftest import run_cli_inprocess, snapshot_dir, trial_yaml

FIXTURE = ROOT / "tests" / "fixtures" / "review"


@pytest.fixture
def data_copy(tmp_path):
    """A copy of the frozen fixture review, not of the live data/: the hostile trial must be the latest
    addition (the what-changed sentence names it) whatever trials a living update adds."""
    dst = tmp_path / "data"
    shutil.copytree(FIXTURE, dst)
    return dst

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
DOI_HOSTILE = "10.1234/x},url={javascript:alert(1)}"
MATH = "$x$ van {Brace}"
HOSTILE = [IMG, SCRIPT, MATH, "}", "{", "a}b{c", "x},url={javascript:alert(1)}", "[link](javascript:alert(1))",
           "{glue:md}`answer_md`", "**bold** _it_ `code` ~~s~~", "# heading\n\n- list\n\n<div>block</div>",
           "50% #1 @home & a_b \\cmd ^~", "```\n" + SCRIPT + "\n```", "line\r\nbreak\rcr\u2028ls", "&amp; &lt;"]

commonmark = MarkdownIt("commonmark")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _tokens(md: str):
    out = []
    for t in commonmark.parse(md):
        out.append(t)
        out.extend(t.children or [])
    return out


# ---------------------------------------------------------------------------------------------
# one escaping path per target


@pytest.mark.parametrize("value", HOSTILE)
def test_html_text_leaves_no_markup(value):
    out = escape.html_text(value)
    assert "<" not in out and ">" not in out and '"' not in out and "'" not in out
    import html

    assert html.unescape(out) == value


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_text_renders_as_typed(value):
    md = escape.markdown_text(value)
    toks = _tokens(md)
    kinds = {t.type for t in toks}
    assert not kinds & {"html_inline", "html_block", "link_open", "image", "code_inline", "fence", "heading_open",
                        "bullet_list_open", "ordered_list_open", "strong_open", "em_open"}, kinds
    assert [t.type for t in commonmark.parse(md)] == ["paragraph_open", "inline", "paragraph_close"]
    text = "".join(t.content for t in toks if t.type == "text")
    assert _flat(text) == _flat(value.replace("\u2028", " "))


@pytest.mark.parametrize("value", HOSTILE + ["````x````", "`" * 9 + "\n" + "`" * 12])
def test_code_block_cannot_be_closed_by_its_content(value):
    md = escape.markdown_code_block(value, "text")
    toks = commonmark.parse(md + "\n\n" + SCRIPT + "\n")
    fences = [t for t in toks if t.type == "fence"]
    assert len(fences) == 1 and fences[0].info == "text"
    expected = value.replace("\r\n", "\n").replace("\r", "\n")
    assert fences[0].content.rstrip("\n") == expected.rstrip("\n")  # every line kept
    # the text after the block is outside it (and the HTML there is html_block, as any page's would be)
    assert toks[-1].type == "html_block"


@pytest.mark.parametrize("value", HOSTILE)
def test_code_span_cannot_be_closed_by_its_content(value):
    toks = _tokens(escape.markdown_code(value))
    spans = [t for t in toks if t.type == "code_inline"]
    assert len(spans) == 1 and not {t.type for t in toks} & {"html_inline", "link_open"}
    assert _flat(spans[0].content) == _flat(value.replace("\u2028", " "))


def _bib_entry(**fields) -> str:
    body = ",\n".join(f"  {k} = {{{escape.bibtex_field(v)}}}" for k, v in fields.items())
    return f"@misc{{k1,\n{body}\n}}\n@misc{{k2,\n  title = {{after}}\n}}\n"


@pytest.mark.parametrize("value", HOSTILE)
def test_bibtex_field_cannot_end_its_field_or_start_an_entry(value):
    from pybtex.database import parse_string
    from pybtex.richtext import Text

    db = parse_string(_bib_entry(title=value, note=value), "bibtex")
    assert list(db.entries) == ["k1", "k2"]
    assert sorted(db.entries["k1"].fields) == ["note", "title"]  # no url= smuggled in
    rendered = Text.from_latex(db.entries["k1"].fields["title"]).render_as("text")
    if "{" not in value and "}" not in value:  # braces are shown as \textbraceleft/right by pybtex
        assert _flat(rendered) == _flat(value.replace("\u2028", " "))


def test_doi_syntax_is_one_pattern_with_the_schemas():
    for name in ("studies", "update_register"):
        schema = json.loads((DATA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
        field = next(f for f in schema["fields"] if f["name"] == "doi")
        assert field["constraints"]["pattern"] == escape.DOI_PATTERN, name
    for good in ("10.1177/0961203314566326", "10.3969/j.issn.1671-2390.2017.02.007", "10.1000.10/abc(1):2;x"):
        assert escape.is_doi(good), good
    for bad in (DOI_HOSTILE, "10.1234/x y", "10.1234/x}", "10.1234/<b>", "doi:10.1234/x", "10.12/x",
                "10.1234/", "10.1234/a\\b", "10.1234/a%20b", "10.1234/a#b", "10.1234/a\nb", "javascript:alert(1)"):
        assert not escape.is_doi(bad), bad


def test_matplotlib_text_from_data_is_not_mathtext():
    import matplotlib.pyplot as plt

    assert plt.rcParams["text.parse_math"] is False
    fig, ax = plt.subplots()
    t = ax.text(0, 0, "Smith $\\frac{1}{0$ {}")  # unbalanced mathtext would raise when drawn
    ax.set_yticks([0]), ax.set_yticklabels(["$x$ van Dam"])
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    assert "$x$ van Dam" in buf.getvalue() or "x$ van Dam" in buf.getvalue()
    assert t.get_text().startswith("Smith $")


# ---------------------------------------------------------------------------------------------
# refused at entry, with file, line and field


def _add_trial(tmp_path, data_copy, text):
    trial = tmp_path / "trial.yaml"
    trial.write_text(text, encoding="utf-8")
    before = snapshot_dir(data_copy)
    r = run_cli_inprocess("add-trial", str(trial), "--data-dir", str(data_copy))
    return trial, before, r


@pytest.mark.parametrize("doi", [DOI_HOSTILE, "10.1234/x y", "10.1234/x{", "10.1234/<script>"])
def test_add_trial_refuses_a_doi_that_is_not_a_doi(tmp_path, data_copy, doi):
    text = trial_yaml("doi2025", "Doi A").replace("  confidence: confirmed\n",
                                                  f"  confidence: confirmed\n  doi: {json.dumps(doi)}\n")
    trial, before, r = _add_trial(tmp_path, data_copy, text)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("  doi:"))
    hit = [ln for ln in r.stderr.splitlines() if f"{trial}:{line}:" in ln and "doi" in ln]
    assert hit, r.stderr
    assert snapshot_dir(data_copy) == before


def test_validate_refuses_a_hostile_doi_in_the_update_register(data_copy):
    path = data_copy / "update_register.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    rows[0]["doi"] = DOI_HOSTILE
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader(), w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    problems = [str(p) for p in validate(data_copy)]
    assert any("update_register.csv:2" in p and "doi" in p for p in problems), problems


def _add_hostile_trial(tmp_path, data_copy):
    author = json.dumps(IMG + " " + MATH + " A")
    text = trial_yaml("hostile2025", "X").replace("first_author: X", f"first_author: {author}").replace(
        "  confidence: confirmed\n", "  confidence: confirmed\n  title: " + json.dumps("} " + SCRIPT) + "\n")
    trial, before, r = _add_trial(tmp_path, data_copy, text)
    assert r.returncode == 0, r.stderr
    review = lr.load_review(data_copy)
    st = review.studies.set_index("study_id").loc["hostile2025"]
    assert st["first_author"] == IMG + " " + MATH + " A"
    return review


def test_add_trial_accepts_hostile_text_that_is_escaped_on_output(tmp_path, data_copy):
    """Author and title are published as typed (escaped), so they are not refused."""
    _add_hostile_trial(tmp_path, data_copy)


# ---------------------------------------------------------------------------------------------
# escaped on output


@pytest.fixture
def hostile_review(tmp_path, data_copy):
    """The data with a hostile first author, title and journal on an added trial and the register,
    and a strategy file that tries to close its fence."""
    _add_hostile_trial(tmp_path, data_copy)
    path = data_copy / "update_register.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    included = set(lr.load_review(data_copy).studies["study_id"])
    reg = next(r for r in rows if r["study_id"] not in included)  # a trial with an entry of its own
    reg["first_author"] = IMG + " Reg"
    reg["title"] = "x},url={javascript:alert(1)}"
    reg["doi"] = "10.1234/javascript:alert(1)"  # a DOI in syntax: a link to doi.org, never a javascript: URL
    reg["journal"] = "J {Hostile} 2017;3(}):1-2"  # an issue that closes its field
    reg["registration"] = "NCT0},url={javascript:alert(1)}"
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(reg), lineterminator="\n")
    w.writeheader(), w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    strategies = sorted((data_copy / "search" / "strategies").glob("*.txt"))
    strategies[-1].write_text(strategies[-1].read_text(encoding="utf-8") + "\n```\n" + SCRIPT + "\n````\nafter\n",
                              encoding="utf-8")
    assert not validate(data_copy), validate(data_copy)
    return lr.load_review(data_copy)


def _no_markup(md: str):
    kinds = {t.type for t in _tokens(md)}
    assert not kinds & {"html_inline", "html_block", "link_open", "image"}, kinds


def test_glued_text_holds_no_markup_and_html_is_escaped(hostile_review):
    f = facts.facts_summary(hostile_review)
    assert IMG + " " + MATH in f["trials_and_pools_md"]  # plain text, pasted by {glue:text}: shown as typed
    for key in ("answer_html", "headline_html", "harms_html", "status_html"):
        assert "<img" not in f[key] and "<script" not in f[key], key
    assert "&lt;img" in f["status_html"]  # the what-changed sentence names the hostile trial


def test_strategies_render_as_code_blocks_their_text_cannot_close(hostile_review):
    md = facts.strategies_markdown(hostile_review)
    _no_markup(md)
    fences = [t for t in commonmark.parse(md) if t.type == "fence"]
    from livingreview.search import strategies

    texts = list(strategies(hostile_review.data_dir)["text"])
    assert len(fences) == len(texts)
    assert [t.content.rstrip("\n") for t in fences] == [s.rstrip() for s in texts]
    assert any(SCRIPT in t.content and "\n```\n" in t.content for t in fences)  # line breaks kept
    _no_markup(facts.update_flow_markdown(hostile_review))
    _no_markup(facts.facts_last_search(hostile_review)["search_due_md"])


def test_tables_escape_every_cell(hostile_review):
    html = tables.show(literature.study_list(hostile_review), "Studies", "studies").to_html()
    assert "<img" not in html and "<script" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    html = tables.register(hostile_review).to_html()
    assert "<img" not in html


def test_bibliography_of_hostile_data_parses_with_no_javascript_url(hostile_review):
    from pybtex.database import parse_string

    text = bibtex(hostile_review.studies, register=hostile_review.register,
                  labels={c: hostile_review.code_labels(c) for c in ("design", "regimen")})
    db = parse_string(text, "bibtex")
    keys = set(hostile_review.studies["study_id"]) | set(hostile_review.register["study_id"])
    assert set(db.entries) == keys
    for key, e in db.entries.items():
        assert "url" not in e.fields, key
        assert "doi" not in e.fields or escape.is_doi(e.fields["doi"]), key
    included = set(hostile_review.studies["study_id"])
    reg = db.entries[next(s for s in hostile_review.register["study_id"] if s not in included)]
    assert reg.fields["number"] == r"\textbraceright{}" and "javascript:alert(1)" in reg.fields["note"]


@pytest.mark.filterwarnings("ignore:Tight layout not applied")
def test_figures_draw_hostile_names_as_typed(hostile_review):
    fig = plots.quality_bars(hostile_review.studies.assign(design="rct", first_author=MATH + " \\frac{"))
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    fig = literature.prisma_diagram(hostile_review)
    fig.savefig(io.BytesIO(), format="png")


def test_notebooks_paste_data_as_text_not_markdown():
    """A ``{glue:md}`` in a page pastes only values built from escaped parts."""
    escaped_md = {"strategies_md", "search_due_md", "update_flow_md", "tsa_assumptions_md"}
    used = set()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")) + sorted((ROOT / "book").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells if c.cell_type == "markdown")
        for key in re.findall(r"\{glue:md\}`([^`]+)`", text) + re.findall(r"```\{glue:md\}\s+(\S+)", text):
            used.add(key)
            assert key in escaped_md, f"{path.name}: {{glue:md}} pastes {key!r}, which is not built from escaped parts"
    assert "strategies_md" in used and "answer_md" not in used


# ---------------------------------------------------------------------------------------------
# item 11: tamper-evident outputs


PNG_A, PNG_B = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAAA==\n", "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAAAfFcSJAAAAAA==\n"


def _checkout(tmp_path):
    """A tiny checkout: two notebooks, each with an image output and two results files it 'wrote'."""
    root = tmp_path / "checkout"
    (root / "notebooks").mkdir(parents=True)
    (root / "results" / "tables").mkdir(parents=True)
    (root / "results" / "figures").mkdir(parents=True)
    paths = []
    for name, png, table, fig in (("01-a", PNG_A, "a_pooled", "a_plot"), ("02-b", PNG_B, "b_pooled", "b_plot")):
        written = [root / "results" / "tables" / f"{table}.csv", root / "results" / "figures" / f"{fig}.png"]
        written[0].write_text(f"outcome,rr\n{name},1.55\n", encoding="utf-8")
        written[1].write_bytes(png.encode() * 3)
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("plot()")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]
        nb.cells = [cell]
        nb.metadata["livingreview"] = notebooks.output_record(nb, written, root)
        p = root / "notebooks" / f"{name}.ipynb"
        nbformat.write(nb, p)
        paths.append(p)
    return root, paths


def _reasons(root, paths):
    return {p.name: notebooks.output_reasons(nbformat.read(p, as_version=4), root) for p in paths}


def test_glued_figures_count_as_images():
    from livingreview.outputs import image_digests

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("glue('fig', fig)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "application/papermill.record/image/png": PNG_A, "application/papermill.record/text/plain": "<Figure>"})]
    nb.cells = [cell]
    before = image_digests(nb)
    cell.outputs[0]["data"]["application/papermill.record/image/png"] = PNG_B
    assert len(before) == 1 and image_digests(nb) != before


def test_outputs_recorded_at_execution_match(tmp_path):
    root, paths = _checkout(tmp_path)
    assert _reasons(root, paths) == {"01-a.ipynb": [], "02-b.ipynb": []}
    assert notebooks.results_problems(paths, root) == []


def test_swapped_png_outputs_between_notebooks_are_seen(tmp_path):
    root, paths = _checkout(tmp_path)
    a, b = (nbformat.read(p, as_version=4) for p in paths)
    a.cells[0].outputs, b.cells[0].outputs = b.cells[0].outputs, a.cells[0].outputs
    nbformat.write(a, paths[0]), nbformat.write(b, paths[1])
    for name, reasons in _reasons(root, paths).items():
        assert any("image outputs differ" in r for r in reasons), name


def test_an_edited_results_table_is_seen(tmp_path):
    root, paths = _checkout(tmp_path)
    t = root / "results" / "tables" / "a_pooled.csv"
    t.write_text(t.read_text(encoding="utf-8").replace("1.55", "9.99"), encoding="utf-8")
    reasons = _reasons(root, paths)
    assert reasons["01-a.ipynb"] == ["results/tables/a_pooled.csv differs from the file it wrote at execution "
                                     "(edited or swapped)"]
    assert reasons["02-b.ipynb"] == []


def test_swapped_figures_are_seen_and_a_stray_file_is_named(tmp_path):
    root, paths = _checkout(tmp_path)
    a, b = root / "results" / "figures" / "a_plot.png", root / "results" / "figures" / "b_plot.png"
    da, db = a.read_bytes(), b.read_bytes()
    a.write_bytes(db), b.write_bytes(da)
    reasons = _reasons(root, paths)
    assert all(any("figures/" in r and "differs" in r for r in rs) for rs in reasons.values()), reasons
    (root / "results" / "figures" / "planted.svg").write_text("<svg/>", encoding="utf-8")
    problems = notebooks.results_problems(paths, root)
    assert len(problems) == 1 and "results/figures/planted.svg" in problems[0] and "make notebooks" in problems[0]


def test_stale_reasons_report_a_tampered_output(tmp_path):
    """Through `livingreview stale` and `make notebooks`: the tampered notebook is re-executed."""
    root = tmp_path / "checkout"
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns(".transaction"))
    shutil.copytree(ROOT / "results", root / "results")
    recorded = [p for p in sorted((root / "notebooks").glob("*.ipynb"))
                if (nbformat.read(p, as_version=4).metadata.get("livingreview") or {}).get("outputs")]
    if not recorded:
        pytest.skip("no committed notebook records its outputs yet (run `make notebooks`)")
    p = recorded[0]
    rel = sorted(nbformat.read(p, as_version=4).metadata["livingreview"]["outputs"])[0]
    (root / rel).write_bytes((root / rel).read_bytes() + b"\n")
    assert f"{rel} differs from the file it wrote at execution (edited or swapped)" in notebooks.stale_reasons(p, root)


def test_one_escaping_path_per_target():
    """No module escapes HTML or BibTeX on its own: escape.py is the one path (and plots draw math off)."""
    package = ROOT / "lib" / "livingreview"
    for path in sorted(package.rglob("*.py")):
        if path.name == "escape.py":
            continue
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT)
        assert "html.escape" not in text and not re.search(r"^\s*import html\b", text, re.M), rel
        assert "def _bib_escape" not in text or "bibtex_field" in text, rel
    for name in ("plots.py", "prisma.py"):  # the modules that draw data with matplotlib
        assert "plain_matplotlib_text()" in (package / name).read_text(encoding="utf-8"), name
