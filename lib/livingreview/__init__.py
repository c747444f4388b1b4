"""livingreview: the shared code of the living review of tacrolimus for lupus nephritis.

Data loading and validation (:mod:`livingreview.data`), the Mantel–Haenszel engine
(:mod:`livingreview.mh`), which trials enter which pool (:mod:`livingreview.pools`), the evidence table
every page reads (:mod:`livingreview.evidence`), tables and plots (:mod:`livingreview.tables`,
:mod:`livingreview.plots`), each page's glued values (:mod:`livingreview.facts`) and the command line
(:mod:`livingreview.cli`). The module map with its layers is in the README.
"""
from importlib import import_module

__version__ = "0.1.0"

__all__ = [
    "DATA_DIR", "ROOT", "DataError", "Problem", "load_review", "validate",
    "METHODS", "pool", "study_table", "study_weights",
]

_LAZY = {"DATA_DIR": "data", "ROOT": "data", "DataError": "data", "Problem": "data", "load_review": "data",
         "validate": "data", "METHODS": "mh", "pool": "mh", "study_table": "mh", "study_weights": "mh"}


def __getattr__(name):
    """Import on first use (PEP 562): ``livingreview pool`` must not pay for pandas at start-up."""
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
