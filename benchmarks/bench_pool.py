"""Benchmark: pool 3,000 random meta-analyses by subgroup with both zero-cell rules.

Generates about 14,000 study rows (with zero and double-zero cells), writes them to a
temporary CSV and times the whole `livingreview pool FILE --by subgroup --method both`
process (start-up, validation, pooling and output): wall time and the CPU time of the
process (which waiting for cores held by other jobs does not inflate). Prints figures;
asserts nothing.
Target on the 2-core machine: under 1 s (metafor's rma.mh loop needs about 40 s).

    python benchmarks/bench_pool.py [--analyses 3000] [--seed 1]
"""
import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def make_data(n_analyses: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    k = rng.integers(2, 8, size=n_analyses)  # 2..7 studies, mean 4.5
    rows = int(k.sum())
    analysis = np.repeat(np.arange(n_analyses), k)
    n1 = rng.integers(10, 400, size=rows)
    n2 = rng.integers(10, 400, size=rows)
    base = rng.uniform(0.0, 0.4, size=n_analyses)[analysis]
    base[rng.random(rows) < 0.05] = 0.0  # some double-zero studies
    rr = np.exp(rng.normal(0, 0.4, size=n_analyses))[analysis]
    a = rng.binomial(n1, np.clip(base * rr, 0, 1))
    c = rng.binomial(n2, base)
    return pd.DataFrame({
        "study_id": [f"s{i}" for i in range(rows)],
        "outcome": [f"ma{j:04d}" for j in analysis],
        "tac_events": a, "tac_total": n1, "ctl_events": c, "ctl_total": n2,
        "subgroup": np.where(rng.random(rows) < 0.5, "duo", "triple"),
    })


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--analyses", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (the median and the best are printed)")
    args = ap.parse_args()
    data = make_data(args.analyses, args.seed)
    zero = ((data[["tac_events", "ctl_events"]] == 0).any(axis=1)).sum()
    double = ((data["tac_events"] + data["ctl_events"]) == 0).sum()
    exe = shutil.which("livingreview") or str(Path(sys.executable).with_name("livingreview"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        data.to_csv(path, index=False)
        times, cpu = [], []
        for _ in range(args.repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            r = subprocess.run([exe, "pool", str(path), "--by", "subgroup", "--method", "both"],
                               capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if r.returncode != 0:
        sys.exit(r.stderr)
    n_out = r.stdout.count("\n") - 1
    print(f"meta-analyses:       {args.analyses}")
    print(f"study rows:          {len(data)} ({zero} with a zero event cell, {double} double-zero)")
    print(f"pooled rows written: {n_out} (outcome x group x method)")
    times.sort()
    print(f"whole process:       median {times[len(times) // 2]:.2f} s, best {times[0]:.2f} s over {len(times)} runs"
          "  (target < 1 s; metafor's rma.mh loop ~40 s)")
    cpu.sort()  # what the process itself used: wall time also counts waiting for cores other jobs hold
    print(f"CPU (user + sys):    median {cpu[len(cpu) // 2]:.2f} s, best {cpu[0]:.2f} s")


if __name__ == "__main__":
    main()
