# Reference values for tests/test_evidence.py: the evidence table of the fixture review in
# tests/fixtures/evidence/ (complete response; triple: ta2008, tb2015, tc2020 (added 2026, a zero cell);
# duo: td2011 (unverified counts), te2012 (no counts)).
# Run: Rscript tests/results/evidence_fixture.R > tests/results/evidence_fixture.txt   (R 4.x, metafor 3.8-1)
suppressMessages(library(metafor))
d <- data.frame(id = c("ta2008", "tb2015", "tc2020", "td2011"),
                ai = c(10, 30, 0, 12), n1i = c(20, 60, 15, 40), ci = c(5, 20, 2, 10), n2i = c(20, 60, 15, 40))
pools <- list("all.living" = c("ta2008", "tb2015", "tc2020", "td2011"), "triple.living" = c("ta2008", "tb2015", "tc2020"),
              "all.2016" = c("ta2008", "tb2015", "td2011"), "triple.2016" = c("ta2008", "tb2015"),
              "all.living.without_unverified" = c("ta2008", "tb2015", "tc2020"))
out <- function(name, rr, lo, hi, extra = "") cat(sprintf("%s rr=%.10f ci_low=%.10f ci_high=%.10f %s\n", name, rr, lo, hi, extra))
mhcc <- function(s) rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = s, measure = "RR",
                           add = c(1/2, 1/2), to = c("only0", "only0"), drop00 = c(TRUE, TRUE))
mh0 <- function(s) rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = s, measure = "RR")
for (p in names(pools)) {
  s <- d[d$id %in% pools[[p]], ]
  f <- mhcc(s)
  out(paste0(p, ".MH-cc"), exp(f$b), exp(f$ci.lb), exp(f$ci.ub),
      sprintf("z=%.10f p=%.10f q=%.10f i2=%.10f", f$zval, f$pval, f$QE, f$I2))
  f <- mh0(s)
  out(paste0(p, ".MH"), exp(f$b), exp(f$ci.lb), exp(f$ci.ub))
  es <- escalc(measure = "RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = s)  # add=1/2 to="only0"
  r <- rma(yi, vi, data = es, method = "DL")
  out(paste0(p, ".DL-z"), exp(r$b), exp(r$ci.lb), exp(r$ci.ub), sprintf("tau2=%.10f", r$tau2))
  r <- rma(yi, vi, data = es, method = "REML")
  out(paste0(p, ".REML-z"), exp(r$b), exp(r$ci.lb), exp(r$ci.ub), sprintf("tau2=%.10f", r$tau2))
  # modified Knapp-Hartung (variance factor max(1, f)); metafor 3.8 has test="knha" only, so by hand:
  w <- 1 / (es$vi + r$tau2); mu <- sum(w * es$yi) / sum(w); k <- nrow(es)
  fct <- sum(w * (es$yi - mu)^2) / (k - 1); se <- sqrt(1 / sum(w)) * sqrt(max(1, fct))
  tq <- qt(0.975, k - 1)
  out(paste0(p, ".REML-hksj_modified"), exp(mu), exp(mu - tq * se), exp(mu + tq * se),
      sprintf("tau2=%.10f", r$tau2))
}
# the other integer that fits tb2015's TAC arm (31 of 60)
s <- d; s$ai[s$id == "tb2015"] <- 31
f <- mhcc(s)
out("all.living.ambiguous_alternative.MH-cc", exp(f$b), exp(f$ci.lb), exp(f$ci.ub))
# leave-one-out, living, both regimens pooled (MH-cc)
for (id in d$id) { f <- mhcc(d[d$id != id, ]); out(paste0("all.living.loo-", id, ".MH-cc"), exp(f$b), exp(f$ci.lb), exp(f$ci.ub)) }
# duo (one trial with counts): td2011 alone
f <- mhcc(d[d$id == "td2011", ]); out("duo.living.MH-cc", exp(f$b), exp(f$ci.lb), exp(f$ci.ub))
