"""One number per quantity across the book, and like compared with like.

Every glued value of every page, collected two ways: by calling every ``facts_*`` function on today's data, and
from the committed notebooks' glue outputs. A glue key about one estimate ends in its ``estimate_id``
(``rr__efficacy.complete_response.triple.living.MH-cc``): each such key has exactly one value across the book,
and that value is what the evidence table says. Every risk ratio quoted in a sentence is a row of the evidence
table (or a published value); tables never set estimates of different editions side by side except the
"what changed" table, whose 2016 column is the 2016 edition's estimate beside the published one.
"""
import ast
import json
import re
from collections import defaultdict

import pytest

import livingreview as lr
from livingreview import evidence, facts, grade, tables
from livingreview.data import ROOT
from livingreview.fmt import fmt_int, fmt_pct, fmt_rr

KEYED = re.compile(r"^(?P<q>[a-z0-9_]+)__(?P<eid>.+)$")
#: 'RR 1.37, 95% CI 1.21 to 1.56' and '1.37 (1.21 to 1.56)' in running text and cells.
RR_PHRASE = re.compile(r"(?:RR )?(\d+\.\d\d)(?:, 95% CI | \()(\d+\.\d\d) to (\d+\.\d\d)")


@pytest.fixture(scope="module")
def review():
    return lr.load_review()


@pytest.fixture(scope="module")
def ev(review):
    return evidence.build(review)


@pytest.fixture(scope="module")
def all_facts(review):
    """page function -> {key: value} for every facts_* function (strings only)."""
    return {name: {k: v for k, v in getattr(facts, name)(review).items() if isinstance(v, str)}
            for name in dir(facts) if name.startswith("facts_")}


def committed_glue() -> dict[str, dict[str, str]]:
    """notebook -> {key: value} from the glue outputs of the committed notebooks."""
    out = {}
    for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        nb = json.loads(p.read_text(encoding="utf-8"))
        vals = {}
        for cell in nb["cells"]:
            for o in cell.get("outputs", []):
                name = o.get("metadata", {}).get("scrapbook", {}).get("name")
                text = o.get("data", {}).get("application/papermill.record/text/plain")
                if name and text is not None:
                    try:
                        vals[name] = ast.literal_eval(text)
                    except (ValueError, SyntaxError):
                        vals[name] = text
        out[p.name] = vals
    return out


def _expected(ev, q: str, eid: str):
    r = ev.set_index("estimate_id").loc[eid]
    if q == "rr":
        return fmt_rr(r["rr"], r["ci_low"], r["ci_high"]) if int(r["k_reported"]) else None
    if q == "k":
        return str(int(r["k_reported"]))
    if q == "participants":
        return fmt_int(r["participants"]) if int(r["k_reported"]) else "0"
    if q == "i2":
        return None if r["i2"] != r["i2"] else fmt_pct(r["i2"])
    if q == "certainty":
        return r["certainty"] or None
    return None


def test_every_keyed_value_has_one_value_and_matches_its_row(all_facts, ev):
    values = defaultdict(set)
    for page, d in all_facts.items():
        for k, v in d.items():
            m = KEYED.match(k)
            if m:
                values[k].add(v)
    assert len(values) >= 10, "pages glue too few estimate-keyed values"
    ids = set(ev["estimate_id"])
    for k, vs in values.items():
        assert len(vs) == 1, f"{k} has {len(vs)} values across the book: {vs}"
        m = KEYED.match(k)
        if m["eid"] in ids:
            want = _expected(ev, m["q"], m["eid"])
            if want is not None:
                assert vs == {want}, (k, vs, want)
                if m["q"] == "certainty":
                    assert next(iter(vs)) == want


def test_committed_notebooks_agree_with_each_other_and_with_the_evidence(ev):
    """The committed record (what the site shows): a keyed value is the same on every page and equals its row."""
    seen = defaultdict(dict)
    for nb, vals in committed_glue().items():
        for k, v in vals.items():
            if KEYED.match(k):
                seen[k][nb] = v
    ids = set(ev["estimate_id"])
    for k, by_nb in seen.items():
        assert len(set(map(str, by_nb.values()))) == 1, (k, by_nb)
        m = KEYED.match(k)
        if m["eid"] in ids:
            want = _expected(ev, m["q"], m["eid"])
            if want is not None:
                assert set(map(str, by_nb.values())) == {want}, (k, by_nb, want)


def test_the_same_sentence_key_has_one_value(all_facts):
    """Keys two pages share (e.g. the discussion's and the efficacy page's plain-language answers) agree."""
    pairs = {("facts_discussion", "plain_total"): ("facts_efficacy", "plain_total_response"),
             ("facts_discussion", "plain_complete"): ("facts_efficacy", "plain_complete_response"),
             ("facts_discussion", "plain_partial"): ("facts_efficacy", "plain_partial_response"),
             ("facts_update", "what_changed"): ("facts_summary", "what_changed")}
    for (p1, k1), (p2, k2) in pairs.items():
        assert all_facts[p1][k1] == all_facts[p2][k2], (k1, k2)


def test_every_quoted_risk_ratio_is_an_evidence_row_or_published(all_facts, ev, review):
    known = {fmt_rr(r, lo, hi) for r, lo, hi in zip(ev["rr"], ev["ci_low"], ev["ci_high"]) if r == r}
    p = review.published
    known |= {fmt_rr(r, lo, hi) for r, lo, hi in zip(p["rr"], p["ci_low"], p["ci_high"])}
    for page, d in all_facts.items():
        for k, v in d.items():
            for rr, lo, hi in RR_PHRASE.findall(v):
                assert f"{rr} ({lo} to {hi})" in known, f"{page}.{k} quotes {rr} ({lo} to {hi}), not in evidence.csv"


def test_no_certainty_without_counts_or_judgement(review, ev):
    sof = grade.summary_of_findings(review)
    shown = tables.sof_frame(sof)
    for r, (_, cell) in zip(sof.itertuples(), shown.iterrows()):
        has = any(sym in cell["Certainty"] for sym in grade.SYMBOLS.values())
        assert has == bool(r.certainty), (r.estimate_id, cell["Certainty"])
        if has:
            assert int(r.k_reported) > 0
    head = facts.headline_table(review)
    for _, row in head.iterrows():
        if row["Trials with counts"].startswith("0 of"):
            assert row["Certainty"].startswith("not rated"), row.to_dict()


def test_no_table_row_compares_different_editions(review, ev):
    """The landing table is one edition (living) only; the what-changed table sets our 2016-edition pool
    beside the published one and the living pool apart."""
    head = facts.headline_table(review)
    assert not any("2016" in c or "ublished" in c for c in head.columns)
    living = evidence.primary(ev)
    living = living[living["edition"] == "living"]
    for cell in head["RR (95% CI), MH fixed effect"]:
        assert cell.startswith("not estimable") or cell in {
            fmt_rr(r, lo, hi) for r, lo, hi in zip(living["rr"], living["ci_low"], living["ci_high"])}
    wc = facts.what_changed_frame(review)
    old = evidence.primary(ev)
    old = old[(old["edition"] == "2016") & (old["analysis"] == "efficacy")]
    olds = {fmt_rr(r, lo, hi) for r, lo, hi in zip(old["rr"], old["ci_low"], old["ci_high"]) if r == r}
    for cell in wc["2016 edition, ours (trials)"]:
        value = cell.rsplit(" (", 1)[0]
        assert value.startswith("not estimable") or value in olds, cell
