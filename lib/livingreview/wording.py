"""Plain-language statements generated from the numbers (so they stay true after an update).

GRADE informative statements (Santesso et al. 2020, GRADE guidelines 26) pair the direction
of an effect with the certainty of the evidence:

============  ==========================  ==========================================
certainty     an effect                    no clear effect
============  ==========================  ==========================================
high          "increases" / "reduces"      "results in little to no difference in"
moderate      "probably increases"         "probably results in little to no difference in"
low           "may increase"               "may result in little to no difference in"
very low      "the evidence is very uncertain about the effect of … on …"
============  ==========================  ==========================================

Nothing here computes a statistic: callers pass pooled rows and certainty levels.
"""
from __future__ import annotations

import math

from .fmt import fmt_rr

REGIMEN_SHORT = {"duo": "TAC + steroids", "triple": "TAC + MMF + steroids", "all": "either TAC regimen"}
REGIMEN_LONG = {"duo": "TAC + steroids (duo therapy)", "triple": "TAC + MMF + steroids (triple therapy)",
                "all": "both regimens pooled"}


def direction(ci_low: float, ci_high: float) -> str:
    """'increase' when the whole 95% CI lies above 1, 'decrease' below 1, otherwise 'unclear'."""
    if math.isnan(ci_low) or math.isnan(ci_high):
        return "unclear"
    if ci_low > 1:
        return "increase"
    if ci_high < 1:
        return "decrease"
    return "unclear"


def grade_statement(level: str, effect: str, intervention: str, outcome: str) -> str:
    """One GRADE informative statement, e.g. 'TAC + MMF + steroids may increase total renal response'."""
    if level == "very low":
        return f"the evidence is very uncertain about the effect of {intervention} on {outcome}"
    verb = {"increase": {"high": "increases", "moderate": "probably increases", "low": "may increase"},
            "decrease": {"high": "reduces", "moderate": "probably reduces", "low": "may reduce"},
            "unclear": {"high": "results in little to no difference in",
                        "moderate": "probably results in little to no difference in",
                        "low": "may result in little to no difference in"}}[effect].get(level)
    if verb is None:  # not rated
        return f"{intervention} has not been rated for {outcome}"
    return f"{intervention} {verb} {outcome}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def rr_phrase(rr: float, lo: float, hi: float) -> str:
    """'RR 1.37, 95% CI 1.21 to 1.56' for running text."""
    return "RR " + fmt_rr(rr, lo, hi).replace(" (", ", 95% CI ", 1).rstrip(")")
