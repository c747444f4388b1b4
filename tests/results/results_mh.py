"""Reference values for the Mantel–Haenszel engine, each with the call that produced it.

Source: metafor 3.8-1, R 4.2 (Viechtbauer 2010, J Stat Softw 36(3)); the R calls and their printed
output are stored beside this file in tests/results/metafor_reference_values.txt,
printed to 10 decimals). Tolerances are declared in tests/tolerances.py.
"""
import numpy as np

# dat.bcg (metafor): tpos, tneg, cpos, cneg -> events/totals per arm
BCG_TPOS = np.array([4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27])
BCG_TNEG = np.array([119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886])
BCG_CPOS = np.array([11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29])
BCG_CNEG = np.array([128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825])

# rma.mh(ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg, measure='RR')
BCG_MH = dict(rr=0.6352671851, ci_low=0.5881287297, ci_high=0.6861837827, q=152.5675535867,
              i2=92.1346316973, k=13)

# dat.nielweise2007 (metafor): ai, n1i, ci, n2i
NIEL_AI = np.array([0, 1, 2, 0, 5, 1, 1, 1, 1, 1, 0, 0, 3, 6, 0, 0, 1, 4])
NIEL_N1I = np.array([116, 44, 208, 130, 151, 98, 174, 74, 97, 113, 66, 70, 188, 187, 118, 252, 345, 64])
NIEL_CI = np.array([3, 3, 9, 7, 6, 4, 3, 2, 19, 2, 7, 1, 5, 11, 0, 1, 3, 1])
NIEL_N2I = np.array([117, 35, 195, 136, 157, 139, 177, 39, 103, 122, 64, 58, 175, 180, 105, 262, 362, 69])

# rma.mh(ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=dat.nielweise2007, measure='RR')
NIEL_MH = dict(rr=0.3079641360, ci_low=0.2008145855, ci_high=0.4722859590, q=16.3881481978,
               i2=2.3684689272, k=18)
# same with add=c(1/2,1/2), to=c('only0','only0'), drop00=c(TRUE,TRUE)
NIEL_MH_CC = dict(rr=0.3268327789, ci_low=0.2164883448, ci_high=0.4934199367, q=15.8896519497,
                  i2=0.0, k=17)

# Rothman, Greenland & Lash, Modern Epidemiology 3rd ed., Table 15-1:
# data.frame(ai=c(8,22), bi=c(98,76), ci=c(5,16), di=c(115,69))
# rma.mh(ai=ai, bi=bi, ci=ci, di=di, data=dat, measure='RR', level=90)
ROTHMAN_AI, ROTHMAN_BI = np.array([8, 22]), np.array([98, 76])
ROTHMAN_CI, ROTHMAN_DI = np.array([5, 16]), np.array([115, 69])
ROTHMAN_MH90 = dict(rr=1.3255553242, ci_low=0.8657532117, ci_high=2.0295586474, q=0.4472173778, i2=0.0, k=2)
# The same interval to 4 decimals, as metafor's own test of this example checks it
# (metafor tests/testthat/test_analysis_example_rothman2008.r; Rothman, Greenland & Lash 2008, ch. 15).
ROTHMAN_MH90_4DP = dict(ci_low=0.8658, ci_high=2.0296)
