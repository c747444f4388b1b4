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


NUMBER_WORDS = {0: "no", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
                9: "nine", 10: "ten"}


def plural(n: int, one: str, many: str | None = None, spell: bool = False) -> str:
    """'1 trial', '2 trials', '1,203 participants'; ``spell=True``: 'two trials', 'no trials'.

    The one pluralisation helper of the book (singular for exactly one; ``many`` defaults to ``one + 's'``).
    """
    n = int(n)
    number = NUMBER_WORDS.get(n, f"{n:,}") if spell else f"{n:,}"
    return f"{number} {one if n == 1 else (many or one + 's')}"


def includes_no_effect(ci_low: float, ci_high: float) -> bool:
    """True when the 95% CI contains RR = 1 (or is undefined)."""
    return direction(ci_low, ci_high) == "unclear"


def disagreement(fixed: tuple, random: tuple, t1: bool) -> str:
    """The plain sentence for a row whose two models disagree; '' when they agree.

    ``fixed`` and ``random`` are (rr, ci_low, ci_high). They disagree when their point estimates lie on
    opposite sides of 1 or when one interval includes no effect and the other does not.
    """
    if any(math.isnan(float(x)) for x in (*fixed, *random)):
        return ""
    side = (fixed[0] > 1) != (random[0] > 1)
    crosses = includes_no_effect(fixed[1], fixed[2]) != includes_no_effect(random[1], random[2])
    if not (side or crosses):
        return ""
    which = "the random-effects interval includes no effect" if includes_no_effect(random[1], random[2]) \
        else "the fixed-effect interval includes no effect"
    text = ("The two models disagree: " + ("they point in opposite directions" if side else which) + ".")
    if t1:
        text += " The random-effects interval rests on two trials (t with 1 degree of freedom) and is uninformative."
    return text


T1_WARNING = "two trials: t with 1 degree of freedom, uninformative"
