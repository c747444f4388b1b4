"""One escaping path per target: data is untrusted text on its way to HTML, Markdown, BibTeX and matplotlib.

Every value read from ``data/`` that reaches a published page goes through exactly one of these
functions, chosen by where it lands; nothing here parses or interprets its input.

:func:`html_text`
    text between HTML tags or inside a quoted attribute (``&``, ``<``, ``>``, ``"`` and ``'`` become
    entities).
:func:`markdown_text`
    inline MyST/CommonMark text: every ASCII punctuation character is backslash-escaped (CommonMark
    §2.4), so no markup, raw HTML, role (``{glue}``), math (``$``) or link can start, and line breaks
    become spaces so no block (heading, list, fence, HTML block) can start.
:func:`markdown_code`, :func:`markdown_code_block`
    literal text as an inline code span or a fenced code block whose fence is longer than any run of
    backticks in the content, so the content cannot close it (CommonMark §4.5, §6.1).
:func:`bibtex_field`
    the value of a BibTeX field in braces: ``\\``, ``%``, ``#``, ``@``, ``&``, ``_`` and ``~`` become
    what pybtex (sphinxcontrib-bibtex) decodes back to the character, and braces become
    ``\\textbraceleft{}``/``\\textbraceright{}``, which keep the braces of the value balanced (a
    ``\\}`` would not: BibTeX counts braces whatever precedes them), so a value can neither end its
    field nor start an entry (pybtex shows those two commands by name: a brace in a title is rare,
    and safe); the ligatures of LaTeX (``--``, ``''``, a backtick) are broken with ``{}``.
:func:`matplotlib_text`, :data:`MATPLOTLIB_RC`
    text drawn by matplotlib is never parsed as mathtext (``rcParams["text.parse_math"] = False``,
    set by :func:`plain_matplotlib_text`), so ``$x$`` is drawn as typed.

DOIs are not escaped but validated (:data:`DOI_PATTERN`, also the ``pattern`` of the ``doi``
columns of ``studies.schema.json`` and ``update_register.schema.json``), because a DOI becomes a link.
"""
from __future__ import annotations

import html
import re

__all__ = ["html_text", "markdown_text", "markdown_code", "markdown_code_block", "bibtex_field",
           "matplotlib_text", "plain_matplotlib_text", "MATPLOTLIB_RC", "DOI_PATTERN", "is_doi"]

#: A DOI as this review stores it: ``10.``, a numeric registrant (with optional sub-parts), ``/`` and a
#: suffix of Crossref's recommended characters (letters, digits and ``-._;()/:``): no whitespace, no
#: braces, quotes, angle brackets, backslash, ``%``, ``#`` or ``@``. Crossref reports that this matches
#: 74.4 of 74.9 million registered DOIs ("DOIs and matching regular expressions", Crossref blog, 2015).
DOI_PATTERN = r"^10\.[0-9]{4,9}(\.[0-9]+)*/[-._;()/:A-Za-z0-9]+$"
_DOI = re.compile(DOI_PATTERN)

_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_SPACE_RUNS = re.compile(r"\s*[\r\n\u2028\u2029\x0b\x0c]+\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")

#: BibTeX/LaTeX replacements; each keeps the braces of the value balanced.
_BIB = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "%": r"\%",
        "#": r"\#", "&": r"\&", "_": r"\_", "@": "{@}", "~": r"\textasciitilde{}", "`": "{`}",
        "-": "-{}", "'": "'{}"}
#: Special characters, and the first of a pair that LaTeX would join ("--" en dash, "''" closing quote).
_BIB_CHARS = re.compile(r"[\\{}%#&_@~`]|-(?=-)|'(?=')")

#: matplotlib settings under which data is drawn as typed.
MATPLOTLIB_RC = {"text.parse_math": False}


def _str(value) -> str:
    return "" if value is None else str(value)


def html_text(value) -> str:
    """``value`` as HTML text (element content or a quoted attribute value)."""
    return html.escape(_str(value), quote=True)


def markdown_text(value) -> str:
    """``value`` as inline Markdown that renders as exactly these characters (on one line)."""
    text = _CONTROL.sub("", _str(value))
    text = _SPACE_RUNS.sub(" ", text)
    return _MD_PUNCT.sub(r"\\\1", text)


def _fence_for(text: str, minimum: int) -> str:
    runs = [len(m) for m in re.findall(r"`+", text)]
    return "`" * max(minimum, max(runs, default=0) + 1)


def markdown_code(value) -> str:
    """``value`` as an inline code span (one line) that its content cannot close."""
    text = _SPACE_RUNS.sub(" ", _CONTROL.sub("", _str(value)))
    fence = _fence_for(text, 1)
    return f"{fence} {text} {fence}"


def markdown_code_block(value, language: str = "text") -> str:
    """``value`` as a fenced code block, line breaks kept, that no line of the content can close.

    The fence is one backtick longer than the longest run of backticks in the content (at least
    three); ``language`` must be a plain word.
    """
    if not re.fullmatch(r"[A-Za-z0-9_+-]*", language):
        raise ValueError(f"not a plain language name: {language!r}")
    text = _CONTROL.sub("", _str(value)).replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    fence = _fence_for(text, 3)
    return f"{fence}{language}\n{text}\n{fence}"


def bibtex_field(value) -> str:
    """``value`` for the inside of a braced BibTeX field (``title = {…}``); line breaks become spaces."""
    text = _SPACE_RUNS.sub(" ", _CONTROL.sub("", _str(value)))
    return _BIB_CHARS.sub(lambda m: _BIB[m.group(0)], text)


def is_doi(value) -> bool:
    """Whether ``value`` is a DOI in the syntax of :data:`DOI_PATTERN`."""
    return bool(_DOI.match(_str(value)))


def matplotlib_text(value) -> str:
    """``value`` for a matplotlib text artist (drawn as typed once :func:`plain_matplotlib_text` ran)."""
    return _CONTROL.sub("", _str(value))


def plain_matplotlib_text() -> None:
    """Turn mathtext parsing off for every text artist made from now on (data is drawn as typed)."""
    import matplotlib

    matplotlib.rcParams.update(MATPLOTLIB_RC)
