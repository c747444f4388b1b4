"""Random-effects reference values: metafor 3.8-1 (R 4.2), dat.bcg, printed to 10 decimals.

Source: ../shared/references/metafor_random_effects_bcg.txt. The calls:

    es <- escalc(measure='RR', ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
    res <- rma(yi, vi, data=es, method=M, test=T); predict(res, transf=exp)

with M in DL, REML, PM and T in 'z', 'knha'.
"""

BCG_RE = {
    ("DL", "z"): dict(rr=0.4896241505, ci_low=0.3449191352, ci_high=0.6950377182, tau2=0.3087602629,
                      i2=92.1173468546, pi_low=0.1559603060, pi_high=1.5371334851),
    ("DL", "hksj"): dict(rr=0.4896241505, ci_low=0.3302777360, ci_high=0.7258491341, tau2=0.3087602629,
                         i2=92.1173468546, pi_low=0.1370777544, pi_high=1.7488746419),
    ("REML", "z"): dict(rr=0.4894209368, ci_low=0.3440742934, ci_high=0.6961660838, tau2=0.3132433260,
                        i2=92.2213860750, pi_low=0.1546342935, pi_high=1.5490280193),
    ("REML", "hksj"): dict(rr=0.4894209368, ci_low=0.3300722454, ci_high=0.7256982576, tau2=0.3132433260,
                           i2=92.2213860750, pi_low=0.1358754031, pi_high=1.7628860555),
    ("PM", "z"): dict(rr=0.4892065893, ci_low=0.3431718491, ci_high=0.6973855450, tau2=0.3180937119,
                      i2=92.3309002899, pi_low=0.1532239663, pi_high=1.5619167997),
    ("PM", "hksj"): dict(rr=0.4892065893, ci_low=0.3298551145, ci_high=0.7255400220, tau2=0.3180937119,
                         i2=92.3309002899, pi_low=0.1345963496, pi_high=1.7780800720),
}
