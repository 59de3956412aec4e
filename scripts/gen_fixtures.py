#!/usr/bin/env python3
"""Arbitrary-precision fixtures for relent-scalar.

Regenerate (from the repository root; Python 3.11 + mpmath 1.3, about a minute):

    python3 scripts/gen_fixtures.py

Builds the adversarial case set (near-identical distributions with KL ~ 1e-9 on n = 1000,
disjoint supports, exact zeros in p and q, subnormals, values near 1e-300, ratios p/q beyond
the f64 range, a Zipf vocabulary of n = 32003, a long vector of n = 200 000, peaked
distributions, logits with masks and temperatures, diagonal Gaussians), in both f64 and f32
(f32 cases hold f32-rounded values), and evaluates every function with mpmath at 256 bits on
the numbers exactly as stored (mpmath.mpf(float) is exact). Every evaluation is repeated at
64 more bits and the precision doubled until both agree to 2^-80 (tiny KLs of huge logits
need ~700 bits, which the logits cases detect by comparing with a cancellation-free form),
so each stored value is exact to well below the tested 2^-50.

Output, in crates/relent-scalar/tests/fixtures/:
  inputs.bin  every input vector, little-endian, f32 cases as 4-byte f32, f64 as 8-byte f64;
  cases.txt   one `case` line per case:
                case <name> <dtype> <kind> <byte offset> <n> <number of vectors> <temperature bits>
              followed by `expect <function> <hi bits> <lo bits>` lines: the exact value as an
              unevaluated double-double hi + lo (bit patterns of f64 in hex); +inf is hi = inf.
Kinds: prob (p, q), log (lp, lq), logits (a, b; temperature), gauss (mu_p, var_p, mu_q, var_q),
gausslv (mu_p, logvar_p, mu_q, logvar_q).
"""
import math
import os
import random
import struct

import mpmath
from mpmath import mpf

mpmath.mp.prec = 256
OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "relent-scalar", "tests", "fixtures")
NEG_INF = float("-inf")


def f32(x):
    if x in (NEG_INF, float("inf")):
        return x
    return struct.unpack("<f", struct.pack("<f", x))[0]


def rnd(dtype, v):
    return [f32(x) for x in v] if dtype == "f32" else [float(x) for x in v]


def normalize(v):
    s = math.fsum(v)
    return [x / s for x in v]


def simplex(rng, n):
    return normalize([rng.expovariate(1.0) for _ in range(n)])


def zipf(n, s):
    return normalize([1.0 / (k ** s) for k in range(1, n + 1)])


# ---------------------------------------------------------------- exact evaluation


def xlogy_terms(p, q):
    """Per-element mp values, shared across functions."""
    return [(mpf(a), mpf(b)) for a, b in zip(p, q)]


def eval_prob(p, q):
    t = xlogy_terms(p, q)
    inf = mpmath.inf
    kl = mpf(0)
    ce = mpf(0)
    gk = mpf(0)
    jef = mpf(0)
    js = mpf(0)
    h = mpf(0)
    kl_inf = jef_inf = False
    for a, b in t:
        la = mpmath.log(a) if a > 0 else None
        lb = mpmath.log(b) if b > 0 else None
        if a > 0:
            h -= a * la
            if b == 0:
                kl_inf = True
            else:
                kl += a * (la - lb)
                ce -= a * lb
        gk += b - a
        if (a == 0) != (b == 0):
            jef_inf = True
        elif a > 0:
            jef += (a - b) * (la - lb)
        if a != b:
            lm = mpmath.log(a + b)
            if a > 0:
                js += a * (mpmath.ln2 + la - lm)
            if b > 0:
                js += b * (mpmath.ln2 + lb - lm)
    js /= 2
    P = mpmath.fsum(a for a, _ in t)
    Q = mpmath.fsum(b for _, b in t)
    r = {}
    r["kl"] = inf if kl_inf else kl
    r["generalized_kl"] = inf if kl_inf else kl + gk
    r["cross_entropy"] = inf if kl_inf else ce
    r["entropy"] = h
    r["jeffreys"] = inf if jef_inf else jef
    r["js_divergence"] = js
    r["js_distance"] = mpmath.sqrt(max(js, 0))
    if P > 0:
        r["kl_normalized"] = inf if kl_inf else kl / P + mpmath.log(Q / P)
    for k in list(r):
        if k == "js_distance":
            r[k + "_bits"] = mpmath.sqrt(max(js, 0) / mpmath.ln2)
        else:
            r[k + "_bits"] = r[k] / mpmath.ln2
    return r


def eval_log(lp, lq):
    s = mpf(0)
    for a, b in zip(lp, lq):
        if a == NEG_INF:
            continue
        if b == NEG_INF:
            return {"kl_log": mpmath.inf, "kl_log_bits": mpmath.inf}
        a, b = mpf(a), mpf(b)
        s += mpmath.exp(a) * (a - b)
    return {"kl_log": s, "kl_log_bits": s / mpmath.ln2}


def lse(v, t):
    fin = [mpf(x) / t for x in v if x != NEG_INF]
    m = max(fin)
    return m + mpmath.log(mpmath.fsum(mpmath.exp(x - m) for x in fin))


def eval_logits(a, b, t):
    t = mpf(t)
    la, lb = lse(a, t), lse(b, t)
    s = mpf(0)
    for x, y in zip(a, b):
        if x == NEG_INF:
            continue
        if y == NEG_INF:
            return {"kl_logits": mpmath.inf, "kl_logits_bits": mpmath.inf}
        lp = mpf(x) / t - la
        lq = mpf(y) / t - lb
        s += mpmath.exp(lp) * (lp - lq)
    return {"kl_logits": s, "kl_logits_bits": s / mpmath.ln2}


def eval_logits_phi(a, b, t):
    """The same KL as sum p(c - 1 + e^-c) over p > 0 plus q over masked p (c = ln p/q): an
    identity because both softmaxes sum to 1, free of the cancellation of the direct form."""
    t = mpf(t)
    la, lb = lse(a, t), lse(b, t)
    s = mpf(0)
    for x, y in zip(a, b):
        if y == NEG_INF:
            if x != NEG_INF:
                return {"kl_logits": mpmath.inf, "kl_logits_bits": mpmath.inf}
            continue
        lq = mpf(y) / t - lb
        if x == NEG_INF:
            s += mpmath.exp(lq)
            continue
        lp = mpf(x) / t - la
        c = lp - lq
        s += mpmath.exp(lp) * (c - 1 + mpmath.exp(-c))
    return {"kl_logits": s, "kl_logits_bits": s / mpmath.ln2}


def logits_checked(a, b, t):
    """The direct formula at increasing precision until it agrees with the cancellation-free
    form to 2^-70: tiny KLs of huge logits need far more than 256 bits."""
    mpmath.mp.prec = 256
    ref = eval_logits_phi(a, b, t)
    prec = 256
    while True:
        mpmath.mp.prec = prec
        r = eval_logits(a, b, t)
        k = "kl_logits"
        if r[k] == ref[k] or abs(r[k] - ref[k]) <= abs(ref[k]) * mpf(2) ** -70:
            return stable(eval_logits, a, b, t) if prec == 256 else r
        prec *= 2
        assert prec <= 1 << 15, "kl_logits: no agreement"


def eval_gauss(mp, vp, mq, vq):
    s = mpf(0)
    for a, b, c, d in zip(mp, vp, mq, vq):
        a, b, c, d = mpf(a), mpf(b), mpf(c), mpf(d)
        s += mpmath.log(d / b) + (b + (a - c) ** 2) / d - 1
    return {"kl_diag": s / 2}


def eval_gausslv(mp, lp, mq, lq):
    s = mpf(0)
    for a, b, c, d in zip(mp, lp, mq, lq):
        a, b, c, d = mpf(a), mpf(b), mpf(c), mpf(d)
        s += d - b + mpmath.exp(b - d) + (a - c) ** 2 * mpmath.exp(-d) - 1
    return {"kl_diag_logvar": s / 2}


def stable(fn, *args):
    """fn(*args) at increasing precision until two evaluations agree to 2^-80 (relative)."""
    prec = 256
    while True:
        mpmath.mp.prec = prec
        r1 = fn(*args)
        mpmath.mp.prec = prec + 64
        r2 = fn(*args)
        ok = True
        for k in r2:
            a, b = r1[k], r2[k]
            if b == mpmath.inf or b == 0:
                ok &= a == b
            else:
                ok &= abs(a - b) <= abs(b) * mpf(2) ** -80
        if ok:
            return r2
        prec *= 2
        assert prec <= 16384, "no stable evaluation"


def dd(x):
    if x == mpmath.inf:
        return float("inf"), 0.0
    hi = float(x)
    lo = float(x - mpf(hi))
    return hi, lo


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


# ---------------------------------------------------------------- case set


def prob_cases(dtype, rng):
    c = []
    # Near-identical: KL ~ 1e-9 on n = 1000 (relative perturbation ~ 7.7e-5).
    p = simplex(rng, 1000)
    q = normalize([x * (1 + 7.7e-5 * rng.uniform(-1, 1)) for x in p])
    c.append(("near_identical_1e-9", p, q))
    p = simplex(rng, 1000)
    d = 1e-7 if dtype == "f64" else 1e-6
    q = normalize([x * (1 + d * rng.uniform(-1, 1)) for x in p])
    c.append(("near_identical_tight", p, q))
    if dtype == "f64":
        p = simplex(rng, 1000)
        c.append(("near_identical_1e-12", p, normalize([x * (1 + 1e-12 * rng.uniform(-1, 1)) for x in p])))
        c.append(("near_identical_unnormalized", p, [x * (1 + 1e-9 * rng.uniform(-1, 1)) for x in p]))
    p = simplex(rng, 257)
    c.append(("identical", p, list(p)))
    p = normalize([rng.random() if i % 2 == 0 else 0.0 for i in range(100)])
    q = normalize([rng.random() if i % 2 == 1 else 0.0 for i in range(100)])
    c.append(("disjoint", p, q))
    p = normalize([0.0 if rng.random() < 0.3 else rng.random() for _ in range(500)])
    q = normalize([rng.random() if (x > 0 or rng.random() < 0.5) else 0.0 for x in p])
    c.append(("zeros_p_and_q", p, q))
    p = normalize([0.0 if rng.random() < 0.2 else rng.random() for _ in range(300)])
    q = normalize([0.0 if rng.random() < 0.2 else rng.random() for _ in range(300)])
    c.append(("zero_q_under_p_inf", p, q))
    if dtype == "f64":
        sub = [rng.uniform(1e-323, 2.2e-308) * 10 ** -rng.randint(0, 14) for _ in range(200)]
        sub2 = [x * rng.uniform(0.3, 3.0) for x in sub]
        c.append(("subnormals", sub, sub2))
        c.append(("subnormal_vs_normal", sub[:100], simplex(rng, 100)))
        tiny = [rng.uniform(0.5, 2.0) * 1e-300 for _ in range(200)]
        c.append(("near_1e-300", tiny, [x * rng.uniform(0.9, 1.1) for x in tiny]))
        c.append(("near_1e-300_mixed", tiny[:50] + simplex(rng, 50), simplex(rng, 50) + tiny[50:100]))
        c.append(("ratio_beyond_range", [rng.uniform(0.1, 1) * 1e200 for _ in range(64)],
                  [rng.uniform(0.1, 1) * 1e-200 for _ in range(64)]))
        c.append(("ratio_beyond_range_inv", [rng.uniform(0.1, 1) * 1e-300 for _ in range(64)],
                  [rng.uniform(0.1, 1) * 1e300 for _ in range(64)]))
        big = [rng.uniform(0.5, 1) * 1e307 for _ in range(40)]
        c.append(("huge_values", big, [x * rng.uniform(0.5, 1.7) for x in big]))
    else:
        sub = [rng.uniform(1.5e-45, 1.17e-38) * 10 ** -rng.randint(0, 6) for _ in range(200)]
        sub2 = [x * rng.uniform(0.3, 3.0) for x in sub]
        c.append(("subnormals", sub, sub2))
        c.append(("subnormal_vs_normal", sub[:100], simplex(rng, 100)))
        tiny = [rng.uniform(0.5, 2.0) * 1e-37 for _ in range(200)]
        c.append(("near_1e-37", tiny, [x * rng.uniform(0.9, 1.1) for x in tiny]))
        c.append(("ratio_beyond_range", [rng.uniform(0.1, 1) * 1e38 for _ in range(64)],
                  [rng.uniform(0.1, 1) * 1e-44 for _ in range(64)]))
    z = zipf(32003, 1.1)
    c.append(("zipf_32003", z, normalize([x * math.exp(0.3 * rng.gauss(0, 1)) for x in z])))
    zp = list(z)
    rng.shuffle(zp)
    c.append(("zipf_32003_shuffled_q", z, normalize([0.5 * a + 0.5 * b for a, b in zip(z, zp)])))
    p = normalize([1e-9 * rng.random() for _ in range(999)] + [1.0])
    q = normalize([1e-9 * rng.random() for _ in range(999)] + [1.0])
    c.append(("peaked", p, q))
    p = normalize([rng.random() ** 8 for _ in range(1000)])
    c.append(("peaked_vs_uniform", p, [1.0 / 1000] * 1000))
    c.append(("all_equal", [0.125] * 8, [0.125] * 8))
    p = [3.7 * x for x in simplex(rng, 300)]
    c.append(("unnormalized", p, [0.6 * x * rng.uniform(0.8, 1.25) for x in simplex(rng, 300)]))
    c.append(("empty", [], []))
    c.append(("single", [1.0], [0.25]))
    return c


def long_case(rng):
    p = simplex(rng, 200_000)
    q = normalize([x * math.exp(0.1 * rng.gauss(0, 1)) for x in p])
    return ("long_200000", p, q)


def logit_cases(dtype, rng):
    c = []
    a = [rng.gauss(0, 3) for _ in range(1000)]
    b = [x + rng.gauss(0, 1) for x in a]
    for t in (1.0, 0.5, 2.0, 0.1):
        c.append((f"random_t{t}", a, b, t))
    c.append(("near_identical", a, [x + 1e-4 * rng.uniform(-1, 1) for x in a], 1.0))
    c.append(("identical", a, list(a), 0.7))
    c.append(("shifted", a, [x + 7.25 for x in a], 1.0))
    m = [NEG_INF if i % 7 == 0 else x for i, x in enumerate(a)]
    mb = [NEG_INF if i % 7 == 0 else x for i, x in enumerate(b)]
    c.append(("masked_both", m, mb, 1.0))
    c.append(("masked_a_only", m, b, 1.3))
    c.append(("masked_b_inf", a, mb, 1.0))
    big = [rng.uniform(-1, 1) * 3e4 for _ in range(200)]
    c.append(("large_magnitude", big, [x + rng.gauss(0, 50) for x in big], 1.0))
    c.append(("large_magnitude_t", big, [x + rng.gauss(0, 50) for x in big], 1000.0))
    v = [-1.1 * math.log(k) + 0.5 * rng.gauss(0, 1) for k in range(1, 32004)]
    c.append(("vocab_32003", v, [x + 0.2 * rng.gauss(0, 1) for x in v], 1.0))
    return c


def log_cases(dtype, rng):
    c = []
    p = simplex(rng, 1000)
    q = normalize([x * (1 + 7.7e-5 * rng.uniform(-1, 1)) for x in p])
    c.append(("near_identical", [math.log(x) for x in p], [math.log(x) for x in q]))
    q = simplex(rng, 1000)
    c.append(("random", [math.log(x) for x in p], [math.log(x) for x in q]))
    z = zipf(32003, 1.1)
    lz = [math.log(x) for x in z]
    c.append(("zipf_32003", lz, [x + 0.3 * rng.gauss(0, 1) for x in lz]))
    lp = [NEG_INF if i % 5 == 0 else x for i, x in enumerate(lz[:500])]
    lq = [NEG_INF if i % 10 == 0 else x + 0.1 for i, x in enumerate(lz[:500])]
    c.append(("masked", lp, lq))
    c.append(("masked_q_inf", lz[:100], lq[:100]))
    c.append(("identical", lz[:333], lz[:333]))
    return c


def gauss_cases(dtype, rng):
    c = []
    n = 1000
    mp = [rng.gauss(0, 2) for _ in range(n)]
    vp = [math.exp(rng.uniform(-7, 7)) for _ in range(n)]
    mq = [rng.gauss(0, 2) for _ in range(n)]
    vq = [math.exp(rng.uniform(-7, 7)) for _ in range(n)]
    c.append(("random", mp, vp, mq, vq))
    c.append(("near_identical", mp, vp, [x + 1e-5 * rng.uniform(-1, 1) for x in mp],
              [x * (1 + 1e-5 * rng.uniform(-1, 1)) for x in vp]))
    c.append(("identical", mp, vp, mp, vp))
    c.append(("wide_range", mp[:100], [10 ** rng.uniform(-30, 30) for _ in range(100)], mq[:100],
              [10 ** rng.uniform(-30, 30) for _ in range(100)]))
    return c


def gausslv_cases(dtype, rng):
    c = []
    n = 1000
    mp = [rng.gauss(0, 2) for _ in range(n)]
    lp = [rng.uniform(-7, 7) for _ in range(n)]
    mq = [rng.gauss(0, 2) for _ in range(n)]
    lq = [rng.uniform(-7, 7) for _ in range(n)]
    c.append(("random", mp, lp, mq, lq))
    c.append(("near_identical", mp, lp, [x + 1e-5 * rng.uniform(-1, 1) for x in mp],
              [x + 1e-5 * rng.uniform(-1, 1) for x in lp]))
    c.append(("identical", mp, lp, mp, lp))
    c.append(("wide_range", mp[:100], [rng.uniform(-60, 60) for _ in range(100)], mq[:100],
              [rng.uniform(-60, 60) for _ in range(100)]))
    return c


def main():
    os.makedirs(OUT, exist_ok=True)
    blob = bytearray()
    lines = ["# generated by scripts/gen_fixtures.py; regenerate: python3 scripts/gen_fixtures.py"]

    def emit(name, dtype, kind, vecs, t, results):
        off = len(blob)
        fmt = "<f" if dtype == "f32" else "<d"
        for v in vecs:
            for x in v:
                blob.extend(struct.pack(fmt, x))
        n = len(vecs[0])
        lines.append(f"case {name} {dtype} {kind} {off} {n} {len(vecs)} {bits(t):016x}")
        for k in sorted(results):
            hi, lo = dd(results[k])
            lines.append(f"expect {k} {bits(hi):016x} {bits(lo):016x}")

    for dtype in ("f64", "f32"):
        seed = 0x5EED if dtype == "f64" else 0xF32
        rng = random.Random(seed)
        cs = prob_cases(dtype, rng) + [long_case(rng)]
        for name, p, q in cs:
            p, q = rnd(dtype, p), rnd(dtype, q)
            emit(name, dtype, "prob", [p, q], 0.0, stable(eval_prob, p, q))
        for name, lp, lq in log_cases(dtype, rng):
            lp, lq = rnd(dtype, lp), rnd(dtype, lq)
            emit(name, dtype, "log", [lp, lq], 0.0, stable(eval_log, lp, lq))
        for name, a, b, t in logit_cases(dtype, rng):
            a, b = rnd(dtype, a), rnd(dtype, b)
            emit(name, dtype, "logits", [a, b], t, logits_checked(a, b, t))
        for name, *v in gauss_cases(dtype, rng):
            v = [rnd(dtype, x) for x in v]
            emit(name, dtype, "gauss", v, 0.0, stable(eval_gauss, *v))
        for name, *v in gausslv_cases(dtype, rng):
            v = [rnd(dtype, x) for x in v]
            emit(name, dtype, "gausslv", v, 0.0, stable(eval_gausslv, *v))
        print(dtype, "done", len(lines), "lines", len(blob), "bytes", flush=True)

    with open(os.path.join(OUT, "inputs.bin"), "wb") as f:
        f.write(blob)
    with open(os.path.join(OUT, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
