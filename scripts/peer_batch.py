#!/usr/bin/env python3
"""Peer measurement for relent-batch: NumPy/SciPy on the shapes of crates/relent-batch/benches/batch.rs.

Measures `scipy.special.rel_entr(P, Q).sum(axis=1)` (row-paired KL, 10 000 x 1024 f32),
the one-vs-many form (`rel_entr(p[None, :], Q).sum(axis=1)`, 100 000 x 256 f32), and an
all-pairs KL by NumPy matrix product (-H(P)[:, None] - P @ log(Q).T, 2 000 x 2 000 x 1 024,
float32 and float64; q = 0 is not handled there: it is a speed reference, not a correct peer).

Requirements: numpy and scipy. If missing: `python3 -m pip install --user numpy scipy`
(this script was run after exactly that install). Threads: NumPy's BLAS uses its own
thread pool; set OPENBLAS_NUM_THREADS / OMP_NUM_THREADS=1 or 2 to compare with the
1- and 2-thread figures of the Rust bench. rel_entr itself is single-threaded.

Usage: python3 scripts/peer_batch.py [--repeat N]
"""

import argparse
import time

import numpy as np
from scipy.special import rel_entr


def rows(rng, n, d, dtype):
    r = np.exp(rng.random((n, d)) * 8.0 - 6.0)
    r /= r.sum(axis=1, keepdims=True)
    return r.astype(dtype)


def best_of(f, repeat):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(1)

    n, d = 10_000, 1024
    p, q = rows(rng, n, d, np.float32), rows(rng, n, d, np.float32)
    t = best_of(lambda: rel_entr(p, q).sum(axis=1), args.repeat)
    print(f"row_paired  rel_entr(P,Q).sum(1)  {n}x{d} f32: {t * 1e3:8.2f} ms  ({n * d / t / 1e9:.2f} Gelem/s)")

    m, d = 100_000, 256
    qq = rows(rng, m, d, np.float32)
    p1 = rows(rng, 1, d, np.float32)
    t = best_of(lambda: rel_entr(p1, qq).sum(axis=1), args.repeat)
    print(f"one_vs_many rel_entr(p,Q).sum(1)  {m}x{d} f32: {t * 1e3:8.2f} ms  ({m * d / t / 1e9:.2f} Gelem/s)")

    n, m, d = 2000, 2000, 1024
    for dtype in (np.float32, np.float64):
        P, Q = rows(rng, n, d, dtype), rows(rng, m, d, dtype)

        def all_pairs():
            h = (P * np.log(P)).sum(axis=1)
            return h[:, None] - P @ np.log(Q).T

        t = best_of(all_pairs, max(1, args.repeat // 2))
        print(f"all_pairs   -H(P) - P@log(Q).T    {n}x{m}x{d} {np.dtype(dtype).name}: {t * 1e3:8.2f} ms")


if __name__ == "__main__":
    main()
