# Knapp-Hartung meta-regression F test for subgroup differences (tests/test_evidence.py): complete response,
# the five induction trials with counts of data/outcomes.csv (frozen here), regimen as moderator.
# Run: Rscript tests/results/subgroup_knha.R   (metafor 3.8-1)
suppressMessages(library(metafor))
d <- data.frame(ai = c(22, 46, 10, 83, 10), n1i = c(42, 74, 20, 181, 16), ci = c(15, 45, 1, 46, 3),
                n2i = c(39, 76, 20, 181, 16), regimen = c("duo", "duo", "triple", "triple", "triple"))
es <- escalc(measure = "RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d)
w <- rma(yi, vi, mods = ~ regimen, data = es, method = "REML")
k <- rma(yi, vi, mods = ~ regimen, data = es, method = "REML", test = "knha")
cat(sprintf("wald QM=%.10f p=%.10f\nknha F=%.10f df1=%d df2=%d p=%.10f\n", w$QM, w$QMp, k$QM, k$QMdf[1], k$QMdf[2], k$QMp))
