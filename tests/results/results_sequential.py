"""Reference values of sequential monitoring (trial sequential analysis), each with its source.

Lan-DeMets O'Brien-Fleming-type boundaries, two-sided alpha = 0.05, K equally spaced looks, as printed
to 3 decimals by gsDesign (R):
    gsDesign::gsDesign(k = K, test.type = 2, alpha = 0.025, sfu = gsDesign::sfLDOF)$upper$bound
(the values stated in issue 22; the same boundaries appear in Jennison & Turnbull 2000, ch. 7).
One look at t = 1 is the fixed design: qnorm(0.975) = 1.960.
"""
LDOF_TWO_SIDED_005 = {
    1: [1.960],
    2: [2.963, 1.969],
    3: [3.710, 2.511, 1.993],
    4: [4.333, 2.963, 2.359, 2.014],
    5: [4.877, 3.357, 2.680, 2.290, 2.031],
}

# RTSA 0.2.2 (CRAN), vignette "Futility" (vignettes/futility.Rmd, printed in inst/doc/futility.html):
#   boundaries(timing = c(0.5, 0.75, 1), alpha = 0.025, beta = 0.1, side = 1,
#              futility = "none", es_alpha = "esOF")              -> Upper 2.963 2.359 2.014
#   boundaries(timing = c(0.5, 0.75, 1), alpha = 0.025, beta = 0.1, side = 1,
#              futility = "non-binding", es_alpha = "esOF", es_beta = "esOF")
#       -> SMA_Timing 0.541 0.812 1.083; Upper 2.963 2.359 2.014; FutLower 0.332 1.292 2.014
# (issue 22 says beta 0.2; the vignette uses beta = 0.1; the efficacy boundaries do not depend on beta)
RTSA_FUTILITY_TIMING = [0.5, 0.75, 1.0]
RTSA_FUTILITY_UPPER = [2.963, 2.359, 2.014]
RTSA_FUTILITY_NONBINDING_LOWER = [0.332, 1.292, 2.014]
RTSA_FUTILITY_NONBINDING_SMA_TIMING = [0.541, 0.812, 1.083]

# Thorlund K et al. Clin Epidemiol 2010;2:57-66 (the worked example of the information size):
# control risk 5%, relative risk reduction 25%, alpha 1% (two-sided), beta 10%:
# 15,936 participants, 19,920 with a heterogeneity correction of 20%.
THORLUND_2010 = dict(control_risk=0.05, rr=0.75, alpha=0.01, beta=0.10, ris=15936, ris_h20=19920)
