"""The screening vocabulary (a leaf: no imports, so the command line can build its parser fast)."""

#: Screening stages and the decisions allowed at each (``search/screening.csv``).
STAGES = ("title_abstract", "full_text")
DECISIONS = {"title_abstract": ("include", "exclude"), "full_text": ("include", "exclude", "awaiting_data")}
#: Controlled list of reasons for excluding a full-text report (PRISMA 2020 item 16b).
EXCLUSION_REASONS = {
    "wrong_population": "not patients with lupus nephritis",
    "wrong_intervention": "no tacrolimus-based regimen",
    "wrong_comparator": "no eligible control arm",
    "wrong_design": "not a clinical trial or cohort of the eligible designs",
    "outcome_not_reported": "no renal response outcome of this review",
    "overlapping_population": "patients already counted in an included study",
    "not_retrievable": "the report could not be obtained",
}
#: Register status that a full-text decision implies (update_register.csv).
STATUS_OF_DECISION = {"include": "included", "awaiting_data": "awaiting_data", "exclude": "ineligible"}
