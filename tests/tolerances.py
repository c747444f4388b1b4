"""Tolerance categories, declared once and sized by the precision of each source.

EXACT       counts and anything computed from integers without rounding
FULL        against a full-precision re-run of another implementation (statsmodels here)
PRINTED_10  against values printed to 10 decimals (metafor references): relative 1e-8
PRINTED_4   against values printed to 4 decimals: half a unit of the last digit
JOURNAL_2   against a journal table with two decimals: half a unit of the last digit
"""
EXACT = dict(rtol=0, atol=0)
FULL = dict(rtol=1e-10, atol=1e-12)
PRINTED_10 = dict(rtol=1e-8, atol=1e-9)
PRINTED_4 = dict(rtol=0, atol=0.00005 + 1e-12)
JOURNAL_2 = dict(rtol=0, atol=0.005 + 1e-12)

# metafor's iterative tau2 estimators stop at threshold=1e-5 (REML Fisher scoring, PM root
# finding), so their printed values are exact only to that precision, not to 10 decimals.
ITERATIVE_REML = dict(rtol=1e-6, atol=0)
ITERATIVE_PM = dict(rtol=1e-4, atol=0)
PRINTED_3 = dict(rtol=0, atol=0.0005 + 1e-12)  # values printed to 3 decimals (gsDesign, RTSA consoles)
WHOLE = dict(rtol=0, atol=0.5 + 1e-9)          # a whole number as printed (a sample size)
