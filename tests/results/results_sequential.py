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

# An independent check of the K = 5 boundaries by multivariate normal integration (Genz-Bretz), R 4 with
# mvtnorm (this repository's boundaries to 10 digits; corr(Z_i, Z_j) = sqrt(t_i / t_j)):
#   library(mvtnorm); set.seed(1); t <- (1:5)/5
#   c <- c(4.876884949, 3.357011087, 2.680279588, 2.289816793, 2.031032254)
#   S <- outer(t, t, function(a, b) sqrt(pmin(a, b) / pmax(a, b)))
#   sapply(1:5, function(k) if (k == 1) 2 * pnorm(-c[1]) else 1 - pmvnorm(lower = -c[1:k], upper = c[1:k],
#          corr = S[1:k, 1:k], algorithm = GenzBretz(abseps = 1e-9, maxpts = 1e6))[1])
# printed with digits = 8 (the cumulative probability of crossing by each look under the null):
MVTNORM_K5_BOUNDS = [4.876884949, 3.357011087, 2.680279588, 2.289816793, 2.031032254]
MVTNORM_K5_CUMULATIVE = [1.0777425e-06, 0.00078830589, 0.0076161358, 0.024423869, 0.049999964]
