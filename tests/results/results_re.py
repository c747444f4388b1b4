"""Random-effects reference values: metafor 3.8-1 (R 4.2), dat.bcg, printed to 10 decimals.

Printed output of the calls: tests/results/metafor_random_effects_bcg.txt. The calls (re-run with the Debian package r-cran-metafor 3.8-1 for issue 11):

    library(metafor)
    es <- escalc(measure='RR', ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
    res <- rma(yi, vi, data=es, method=M, test=T); predict(res, transf=exp)

with M in DL, REML, PM and T in 'z', 'knha'. Prediction intervals use t with k - 1 df for
every test (our convention, metafor's for test='knha', R meta's default): for test='z',
metafor 3.8-1 prints a normal-quantile interval, so the z rows' pi_low/pi_high come from

    r <- rma(yi, vi, data=es, method=M); p <- predict(r)
    h <- qt(0.975, r$k - 1) * sqrt(r$tau2 + r$se^2); sprintf("%.10f", exp(c(p$pred - h, p$pred + h)))
    # DL   0.1372575153 1.7465842082
    # REML 0.1359671317 1.7616967448
    # PM   0.1345958775 1.7780863098
"""

BCG_RE = {
    ("DL", "z"): dict(rr=0.4896241505, ci_low=0.3449191352, ci_high=0.6950377182, tau2=0.3087602629,
                      i2=92.1173468546, pi_low=0.1372575153, pi_high=1.7465842082),
    ("DL", "hksj"): dict(rr=0.4896241505, ci_low=0.3302777360, ci_high=0.7258491341, tau2=0.3087602629,
                         i2=92.1173468546, pi_low=0.1370777544, pi_high=1.7488746419),
    ("REML", "z"): dict(rr=0.4894209368, ci_low=0.3440742934, ci_high=0.6961660838, tau2=0.3132433260,
                        i2=92.2213860750, pi_low=0.1359671317, pi_high=1.7616967448),
    ("REML", "hksj"): dict(rr=0.4894209368, ci_low=0.3300722454, ci_high=0.7256982576, tau2=0.3132433260,
                           i2=92.2213860750, pi_low=0.1358754031, pi_high=1.7628860555),
    ("PM", "z"): dict(rr=0.4892065893, ci_low=0.3431718491, ci_high=0.6973855450, tau2=0.3180937119,
                      i2=92.3309002899, pi_low=0.1345958775, pi_high=1.7780863098),
    ("PM", "hksj"): dict(rr=0.4892065893, ci_low=0.3298551145, ci_high=0.7255400220, tau2=0.3180937119,
                         i2=92.3309002899, pi_low=0.1345963496, pi_high=1.7780800720),
}
