"""Reference values for issue 11 (statistics at the edges): metafor 3.8-1, R 4.2 (Debian r-cran-metafor).

REML with two peaks (k = 3; per-study log RRs with 0.5 in every cell of the zero-cell study):

    library(metafor)
    yi <- log(c(178/292/(405/416), 137/253/(146/159), 0.5/113/(316.5/334)))
    vi <- c(1/178-1/292+1/405-1/416, 1/137-1/253+1/146-1/159, 1/0.5-1/113+1/316.5-1/334)
    r <- rma(yi, vi, method="REML", control=list(threshold=1e-12, maxiter=10000))
    print(r$tau2, digits=15)                                 # 5.758618502556
    print(exp(c(r$b, r$ci.lb, r$ci.ub)), digits=15)
    # 0.16243454058563431 0.00948684260341616 2.78121827021405199
    print(logLik(r), digits=10)                              # -4.807625461
    k <- rma(yi, vi, method="REML", test="knha", control=list(threshold=1e-12))
    print(c(k$ci.lb, k$ci.ub), digits=15)                    # -8.40160436652309  4.76664399545443

Restricted log-likelihood at tau2 = 0 (same model, no optimisation):

    logLik(rma(yi, vi, tau2=0, method="REML"))               # -5.347195777 (issue 11)

Q undefined under rule MH (0/30 vs 2/30 and 0/40 vs 3/40):

    m <- rma.mh(measure="RR", ai=c(0,0), n1i=c(30,40), ci=c(2,3), n2i=c(30,40))
    c(m$QE, m$QEp, m$I2)                                     # NA NA NA
"""

REML_TWO_PEAKS = dict(
    tac_events=[178, 137, 0], tac_total=[292, 253, 112], ctl_events=[405, 146, 316], ctl_total=[416, 159, 333],
    tau2=5.758618502556, rr=0.16243454058563431, ci_low=0.00948684260341616, ci_high=2.78121827021405199,
    loglik=-4.807625461, loglik_at_0=-5.347195777,
    knha_log_ci=(-8.40160436652309, 4.76664399545443),
)
Q_UNDEFINED_MH = dict(tac_events=[0, 0], tac_total=[30, 40], ctl_events=[2, 3], ctl_total=[30, 40])
