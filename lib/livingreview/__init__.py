"""livingreview: the shared code of the living review of tacrolimus for lupus nephritis.

Data loading and validation (:mod:`livingreview.data`), the Mantel–Haenszel engine
(:mod:`livingreview.mh`), the analyses of the book (:mod:`livingreview.analysis`),
plots (:mod:`livingreview.plots`) and the command line (:mod:`livingreview.cli`).
"""
from .data import DATA_DIR, ROOT, DataError, Problem, load_review, validate
from .mh import METHODS, pool, study_table, study_weights

__version__ = "0.1.0"

__all__ = [
    "DATA_DIR", "ROOT", "DataError", "Problem", "load_review", "validate",
    "METHODS", "pool", "study_table", "study_weights",
]
