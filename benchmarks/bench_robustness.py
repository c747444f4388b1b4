"""Time the whole analysis space (livingreview.robustness.analysis_space) on the live data.

Prints the number of combinations (and of estimable and distinct analyses) and the time to compute
them: median and best of five runs after one warm-up, from a loaded review (loading and validating
data/ is timed separately). Goal: the whole space in under 1 s. Usage: python benchmarks/bench_robustness.py
"""
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import livingreview as lr  # noqa: E402
from livingreview import robustness  # noqa: E402


def main(runs: int = 5) -> None:
    t0 = time.perf_counter()
    review = lr.load_review()
    load = time.perf_counter() - t0
    space = robustness.analysis_space(review)  # warm-up (imports, caches)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        space = robustness.analysis_space(review)
        times.append(time.perf_counter() - t)
    specs, rows = robustness.specifications(review)
    print(f"combinations: {len(space):,} rows ({len(robustness.estimable(space)):,} estimable, "
          f"{len(robustness.distinct(space)):,} distinct analyses) from {len(specs):,} data specifications "
          f"({len(rows):,} study rows) x {len(robustness.MODEL_CI)} model/interval pairs")
    print(f"compute: median {statistics.median(times):.3f} s, best {min(times):.3f} s of {runs} runs "
          f"(loading data/: {load:.3f} s; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
