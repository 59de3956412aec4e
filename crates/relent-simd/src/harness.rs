//! The backend harness (memchr style): every backend this CPU has runs the same cases, at every
//! offset 0..8, against a double-double reference evaluated here (exact to ~2^-90, far below
//! the bounds tested); a backend the CPU lacks is printed as skipped, never passed.
//!
//! Tolerances come from the documented bounds (see lib.rs `# Accuracy`):
//! - non-negative-term functions (generalised KL, Jeffreys, JS, entropy, cross-entropy of
//!   probabilities, Gaussian): each term carries ≤ ~12·2^-53 relative error outside the band
//!   (cancellation bound of `g`, math/ln.rs) and a few ulp inside it, blocked summation adds
//!   ≤ 7·2^-53 (BLOCK − 1), the double-double lane/chunk folds ~2^-100: total < 2^-49 of the
//!   value; we test `|err| ≤ 2^-49·scale` with `scale = Σ|term|` (= |value| for these).
//! - KL: `Σ g` as above plus the exact `Σ(p − q)` (double-double, error ~2^-100·Σ(p+q)), then
//!   one final rounding: `scale = Σ g + |KL| + 2^-90·Σ(p + q)`.
//! - kl_log (signed terms): `scale = Σ |term|`; kl_logits: `Σ |term| + |lse(a/t)| + |lse(b/t)|`
//!   (the streaming form cancels the log-sum-exp shifts).
//!
//! The harness keeps its own generator (below): it builds each function's cases in `f64` for
//! the double-double reference evaluated here and replays them at every offset. The shared
//! generator (`relent-testgen`) drives the bit-for-bit route guard (`tests/route_hashes.rs`) and
//! relent's reference tests.

#![allow(clippy::needless_range_loop, clippy::approx_constant)] // index-parallel inputs; deliberate near-√2 ratios

use crate::testutil::{Dd, add, dd_exp, dd_ln, div, mul};
use crate::{Backend, Func, Kernels, Output, Precision, available_backends, for_backend};

fn dd(x: f64) -> Dd {
    (x, 0.0)
}
fn dd_sub(a: Dd, b: Dd) -> Dd {
    add(a, (-b.0, -b.1))
}
fn ln_dd(x: Dd) -> Dd {
    add(dd_ln(x.0), dd(x.1 / x.0))
}
fn v(x: Dd) -> f64 {
    x.0 + x.1
}

/// (value, scale) of `func` in double-double.
pub(crate) fn reference(func: Func, ins: &[Vec<f64>], t: f64) -> (f64, f64) {
    let n = ins[0].len();
    let mut s = dd(0.0);
    let mut scale = 0.0f64;
    let inf = (f64::INFINITY, f64::INFINITY);
    match func {
        Func::Kl | Func::GeneralizedKl | Func::KlNormalized => {
            let (p, q) = (&ins[0], &ins[1]);
            let (mut sp, mut sq, mut gsum) = (dd(0.0), dd(0.0), 0.0);
            for i in 0..n {
                sp = add(sp, dd(p[i]));
                sq = add(sq, dd(q[i]));
                if p[i] == 0.0 {
                    gsum += q[i];
                    continue;
                }
                if q[i] == 0.0 {
                    return inf;
                }
                let term = mul(dd(p[i]), dd_sub(dd_ln(p[i]), dd_ln(q[i])));
                s = add(s, term);
                gsum += v(term) - p[i] + q[i];
            }
            match func {
                Func::Kl => (
                    v(s),
                    gsum.abs() + v(s).abs() + crate::bounds::UNDERFLOW * (v(sp) + v(sq)),
                ),
                Func::GeneralizedKl => {
                    let r = v(add(s, dd_sub(sq, sp)));
                    (r, r.abs())
                }
                _ => {
                    let r = add(div(s, sp), ln_dd(div(sq, sp)));
                    // Terms that underflow into subnormals carry an absolute error of a few
                    // 2^-1074 each (≤ 8 roundings per term), magnified by 1/Σp.
                    let underflow = 8.0 * n as f64 * f64::from_bits(1) * 2f64.powi(49) / v(sp);
                    (v(r), gsum.abs() / v(sp) + v(r).abs() + underflow)
                }
            }
        }
        Func::CrossEntropy | Func::Entropy => {
            let p = &ins[0];
            let q = if func == Func::Entropy {
                &ins[0]
            } else {
                &ins[1]
            };
            for i in 0..n {
                if p[i] == 0.0 {
                    continue;
                }
                if q[i] == 0.0 {
                    return inf;
                }
                let term = mul(dd(-p[i]), dd_ln(q[i]));
                scale += v(term).abs();
                s = add(s, term);
            }
            (v(s), scale)
        }
        Func::Jeffreys => {
            let (p, q) = (&ins[0], &ins[1]);
            for i in 0..n {
                if p[i] == 0.0 && q[i] == 0.0 {
                    continue;
                }
                if p[i] == 0.0 || q[i] == 0.0 {
                    return inf;
                }
                let term = mul(dd_sub(dd(p[i]), dd(q[i])), dd_sub(dd_ln(p[i]), dd_ln(q[i])));
                s = add(s, term);
            }
            (v(s), v(s).abs())
        }
        Func::JsDivergence => {
            let (p, q) = (&ins[0], &ins[1]);
            for i in 0..n {
                let m = mul(add(dd(p[i]), dd(q[i])), dd(0.5));
                if m.0 == 0.0 {
                    continue;
                }
                let lm = ln_dd(m);
                for x in [p[i], q[i]] {
                    if x != 0.0 {
                        s = add(s, mul(dd(0.5 * x), dd_sub(dd_ln(x), lm)));
                    }
                }
            }
            (v(s), v(s).abs())
        }
        Func::KlLog => {
            let (a, b) = (&ins[0], &ins[1]);
            for i in 0..n {
                if a[i] == f64::NEG_INFINITY {
                    continue;
                }
                if b[i] == f64::NEG_INFINITY {
                    return inf;
                }
                let term = mul(dd_exp_or_zero(a[i]), dd_sub(dd(a[i]), dd(b[i])));
                scale += v(term).abs();
                s = add(s, term);
            }
            (v(s), scale)
        }
        Func::KlLogits => {
            let sc = |a: f64| {
                if a == f64::NEG_INFINITY {
                    dd(a)
                } else {
                    div(dd(a), dd(t))
                }
            };
            let x: Vec<Dd> = ins[0].iter().map(|&a| sc(a)).collect();
            let y: Vec<Dd> = ins[1].iter().map(|&b| sc(b)).collect();
            let lse = |z: &[Dd]| {
                let m = z.iter().map(|d| d.0).fold(f64::NEG_INFINITY, f64::max);
                let mut acc = dd(0.0);
                for d in z {
                    if d.0 != f64::NEG_INFINITY {
                        let u = dd_sub(*d, dd(m));
                        acc = add(acc, mul(dd_exp_or_zero(u.0), dd(1.0 + u.1)));
                    }
                }
                add(dd(m), ln_dd(acc))
            };
            let (la, lb) = (lse(&x), lse(&y));
            for i in 0..n {
                if x[i].0 == f64::NEG_INFINITY {
                    continue;
                }
                if y[i].0 == f64::NEG_INFINITY {
                    return inf;
                }
                let lp = dd_sub(x[i], la);
                let lq = dd_sub(y[i], lb);
                let term = mul(mul(dd_exp_or_zero(lp.0), dd(1.0 + lp.1)), dd_sub(lp, lq));
                scale += v(term).abs();
                s = add(s, term);
            }
            // The streaming form W/Sa + ln(Sb/Sa) cancels the log-sum-exp shifts.
            (v(s), scale + la.0.abs() + lb.0.abs())
        }
        Func::GaussianKlDiag | Func::GaussianKlDiagLogvar => {
            for i in 0..n {
                let d = dd_sub(dd(ins[0][i]), dd(ins[2][i]));
                let d2 = mul(d, d);
                let term = if func == Func::GaussianKlDiag {
                    let (vp, vq) = (ins[1][i], ins[3][i]);
                    add(
                        dd_sub(dd_ln(vq), dd_ln(vp)),
                        dd_sub(div(add(dd(vp), d2), dd(vq)), dd(1.0)),
                    )
                } else {
                    let (lp, lq) = (ins[1][i], ins[3][i]);
                    let delta = dd_sub(dd(lp), dd(lq));
                    let e = mul(dd_exp_or_zero(delta.0), dd(1.0 + delta.1));
                    add(
                        add(dd_sub(e, dd(1.0)), (-delta.0, -delta.1)),
                        mul(d2, dd_exp_or_zero(-lq)),
                    )
                };
                s = add(s, mul(term, dd(0.5)));
            }
            (v(s), v(s).abs())
        }
    }
}

fn dd_exp_or_zero(x: f64) -> Dd {
    if x < -700.0 { dd(x.exp()) } else { dd_exp(x) }
}

// ---------------------------------------------------------------------------------------------
// The harness's case generator (per function, in `f64`, for the reference above).

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

fn normalize(v: &mut [f64]) {
    let s: f64 = v.iter().sum();
    if s > 0.0 {
        v.iter_mut().for_each(|x| *x /= s);
    }
}

/// Named (p, q) probability cases of length n.
fn prob_cases(n: usize, seed: u64) -> Vec<(&'static str, Vec<f64>, Vec<f64>)> {
    let mut r = Rng(seed ^ (n as u64).wrapping_mul(0x9E37_79B9));
    let rand = |r: &mut Rng| -> Vec<f64> {
        let mut v: Vec<f64> = (0..n).map(|_| -r.next().ln()).collect();
        normalize(&mut v);
        v
    };
    let p = rand(&mut r);
    let q = rand(&mut r);
    let mut out = vec![("random", p.clone(), q)];
    let mut near: Vec<f64> = p
        .iter()
        .map(|&x| x * (1.0 + 4e-5 * (r.next() - 0.5)))
        .collect();
    normalize(&mut near);
    out.push(("near-identical", p.clone(), near));
    out.push(("identical", p.clone(), p.clone()));
    let mut zp = p.clone();
    let mut zq = rand(&mut r);
    for i in 0..n {
        if i % 3 == 0 {
            zp[i] = 0.0;
        }
        if i % 5 == 1 {
            zq[i] = 0.0;
            zp[i] = 0.0;
        }
    }
    out.push(("zeros", zp, zq));
    let zipf: Vec<f64> = {
        let mut v: Vec<f64> = (0..n).map(|i| 1.0 / (i as f64 + 1.0).powf(1.1)).collect();
        normalize(&mut v);
        v
    };
    let mut zq: Vec<f64> = zipf.iter().map(|&x| x * (0.5 + r.next())).collect();
    normalize(&mut zq);
    out.push(("zipf", zipf, zq));
    let sub_p: Vec<f64> = (0..n).map(|_| r.next() * 1e-310).collect();
    let sub_q: Vec<f64> = (0..n).map(|_| r.next() * 3e-310 + 1e-320).collect();
    out.push(("subnormal", sub_p, sub_q));
    let hp: Vec<f64> = (0..n)
        .map(|i| {
            if i % 2 == 0 {
                0.9 * r.next()
            } else {
                1e-300 * r.next()
            }
        })
        .collect();
    let hq: Vec<f64> = (0..n)
        .map(|i| {
            if i % 2 == 0 {
                1e-290 * r.next()
            } else {
                r.next()
            }
        })
        .collect();
    out.push(("huge-ratios", hp, hq));
    // Ratios straddling the band edges 1/√2, √2, 1/2, 2.
    let ep: Vec<f64> = (0..n).map(|_| 0.1 + r.next()).collect();
    let eq: Vec<f64> = ep
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            x * [0.7071, 1.4142, 0.5, 2.0, 0.70711, 1.41421][i % 6] * (1.0 + 1e-6 * r.next())
        })
        .collect();
    out.push(("band-edges", ep, eq));
    out
}

fn logit_cases(n: usize, seed: u64) -> Vec<(&'static str, Vec<f64>, Vec<f64>)> {
    let mut r = Rng(seed ^ (n as u64).wrapping_mul(0x5851_F42D));
    let a: Vec<f64> = (0..n).map(|_| 8.0 * (r.next() - 0.5)).collect();
    let b: Vec<f64> = (0..n).map(|_| 8.0 * (r.next() - 0.5)).collect();
    let near: Vec<f64> = a.iter().map(|&x| x + 1e-4 * (r.next() - 0.5)).collect();
    let mut ma = a.clone();
    let mut mb = b.clone();
    for i in 0..n {
        if i % 4 == 0 {
            ma[i] = f64::NEG_INFINITY;
            mb[i] = f64::NEG_INFINITY;
        }
        if i % 7 == 3 {
            ma[i] = f64::NEG_INFINITY;
        }
    }
    vec![
        ("random", a.clone(), b),
        ("near-identical", a, near),
        ("masked", ma, mb),
    ]
}

fn to_logprobs(v: &[f64]) -> Vec<f64> {
    let m = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return v.to_vec();
    }
    let s: f64 = v.iter().map(|&x| (x - m).exp()).sum();
    v.iter().map(|&x| x - m - s.ln()).collect()
}

/// All cases of `func` at length n as f64 inputs.
fn cases(func: Func, n: usize) -> Vec<(String, Vec<Vec<f64>>, f64)> {
    match func {
        Func::KlLog => logit_cases(n, 7)
            .into_iter()
            .map(|(name, a, b)| {
                (
                    name.to_string(),
                    vec![to_logprobs(&a), to_logprobs(&b)],
                    1.0,
                )
            })
            .collect(),
        Func::KlLogits => logit_cases(n, 11)
            .into_iter()
            .flat_map(|(name, a, b)| {
                [1.0, 2.0].map(|t| (format!("{name} t={t}"), vec![a.clone(), b.clone()], t))
            })
            .collect(),
        Func::GaussianKlDiag | Func::GaussianKlDiagLogvar => {
            let mut r = Rng(n as u64 + 99);
            let mp: Vec<f64> = (0..n).map(|_| r.next() - 0.5).collect();
            let mq: Vec<f64> = (0..n).map(|_| r.next() - 0.5).collect();
            let vp: Vec<f64> = (0..n).map(|_| 0.1 + r.next()).collect();
            let vq: Vec<f64> = (0..n).map(|_| 0.1 + r.next()).collect();
            let vn: Vec<f64> = vp.iter().map(|&x| x * (1.0 + 1e-6 * r.next())).collect();
            let vs: Vec<f64> = (0..n).map(|_| 2f64.powf(60.0 * r.next() - 30.0)).collect();
            let vb: Vec<f64> = (0..n)
                .map(|i| vs[i] * [0.25, 0.5, 2.0, 4.0][i % 4] * (1.0 + 2e-3 * (r.next() - 0.5)))
                .collect();
            let (vp, vq, vn, vb, vs) = if func == Func::GaussianKlDiag {
                (vp, vq, vn, vb, vs)
            } else {
                let l = |v: &[f64]| v.iter().map(|x| x.ln()).collect::<Vec<_>>();
                (l(&vp), l(&vq), l(&vn), l(&vb), l(&vs))
            };
            vec![
                (
                    "random".to_string(),
                    vec![mp.clone(), vp.clone(), mq, vq],
                    1.0,
                ),
                (
                    "near-identical".to_string(),
                    vec![mp.clone(), vp.clone(), mp.clone(), vn],
                    1.0,
                ),
                // σp²/σq² within 1e-3 of 1/4, 1/2, 2, 4 (where the variance part cancels most
                // and the f32 path changes branch), equal means, scales 2^±30.
                ("band-edges".to_string(), vec![mp.clone(), vb, mp, vs], 1.0),
            ]
        }
        _ => prob_cases(n, 3)
            .into_iter()
            .map(|(name, p, q)| (name.to_string(), vec![p, q], 1.0))
            .collect(),
    }
}

const FUNCS: [Func; 11] = [
    Func::Kl,
    Func::KlNormalized,
    Func::CrossEntropy,
    Func::Entropy,
    Func::GeneralizedKl,
    Func::Jeffreys,
    Func::JsDivergence,
    Func::KlLog,
    Func::KlLogits,
    Func::GaussianKlDiag,
    Func::GaussianKlDiagLogvar,
];

fn call<T: crate::Element>(k: &Kernels, func: Func, ins: &[&[T]], t: f64, pr: Precision) -> Output {
    match func {
        Func::Kl => k.kl(ins[0], ins[1], pr),
        Func::KlNormalized => k.kl_normalized(ins[0], ins[1], pr),
        Func::CrossEntropy => k.cross_entropy(ins[0], ins[1], pr),
        Func::Entropy => k.entropy(ins[0], pr),
        Func::GeneralizedKl => k.generalized_kl(ins[0], ins[1], pr),
        Func::Jeffreys => k.jeffreys(ins[0], ins[1], pr),
        Func::JsDivergence => k.js_divergence(ins[0], ins[1], pr),
        Func::KlLog => k.kl_log(ins[0], ins[1], pr),
        Func::KlLogits => k.kl_logits(ins[0], ins[1], t, pr),
        Func::GaussianKlDiag => k.gaussian_kl_diag(ins[0], ins[1], ins[2], ins[3], pr),
        Func::GaussianKlDiagLogvar => k.gaussian_kl_diag_logvar(ins[0], ins[1], ins[2], ins[3], pr),
    }
}

/// Runs `func` on backend `k` over the case at every offset 0..8 (bits must agree) and returns
/// the result.
fn run_offsets<T: crate::Element>(
    k: &Kernels,
    func: Func,
    ins: &[Vec<T>],
    t: f64,
    pr: Precision,
) -> Output {
    let mut first: Option<Output> = None;
    let offsets = if cfg!(miri) { 0..3 } else { 0..8 };
    for off in offsets {
        let copies: Vec<Vec<T>> = ins
            .iter()
            .map(|v| {
                let mut c = vec![T::from_f64(0.0); off];
                c.extend_from_slice(v);
                c
            })
            .collect();
        let views: Vec<&[T]> = copies.iter().map(|c| &c[off..]).collect();
        let out = call(k, func, &views, t, pr);
        match first {
            None => first = Some(out),
            Some(f) => assert!(
                f.value.to_bits() == out.value.to_bits()
                    || (f.value.is_nan() && out.value.is_nan()),
                "{func:?} on {}: offset {off} changed the result",
                k.backend()
            ),
        }
    }
    first.unwrap()
}

/// The documented bound (relative to the scale) of `T` at `pr`: the bounds table's.
fn bound<T: crate::Element>(pr: Precision) -> f64 {
    crate::bounds::epsilon::<T>(pr)
}

fn check_type<T: crate::Element>(
    k: &Kernels,
    lengths: &[usize],
    pr: Precision,
) -> Vec<(Func, f64)> {
    let tol = bound::<T>(pr);
    let mut worst = Vec::new();
    for func in FUNCS {
        let mut w = 0.0f64;
        for &n in lengths {
            for (name, ins, t) in cases(func, n) {
                // Round the inputs to T first; the reference sees exactly what the kernel sees.
                let ti: Vec<Vec<T>> = ins
                    .iter()
                    .map(|v| v.iter().map(|&x| T::from_f64(x)).collect())
                    .collect();
                let back: Vec<Vec<f64>> = ti
                    .iter()
                    .map(|v| v.iter().map(|x| x.to_f64()).collect())
                    .collect();
                if func == Func::KlNormalized && back[0].iter().all(|&x| x == 0.0) {
                    continue;
                }
                if func == Func::KlLogits && back[0].iter().all(|&x| x == f64::NEG_INFINITY) {
                    continue;
                }
                // Variances at 2^±30 (the band-edges case) leave f16's range (0 or ∞: invalid
                // inputs, tested elsewhere).
                let bad_var = |v: &[f64]| v.iter().any(|&x| !(x > 0.0 && x.is_finite()));
                if func == Func::GaussianKlDiag && (bad_var(&back[1]) || bad_var(&back[3])) {
                    continue;
                }
                let (want, scale) = reference(func, &back, t);
                let got = run_offsets(k, func, &ti, t, pr);
                assert!(!got.invalid, "{func:?} {name} n={n}: flagged invalid");
                if want.is_infinite() || got.value.is_infinite() {
                    assert_eq!(got.value, want, "{func:?} {name} n={n} on {}", k.backend());
                    continue;
                }
                let err = (got.value - want).abs();
                let rel = if scale > 0.0 { err / scale } else { err };
                assert!(
                    err <= tol * scale + 1e-300,
                    "{func:?} {name} n={n} ({}) on {}: got {:e} want {:e} (err {:e}, scale {:e}, rel {:e})",
                    T::NAME,
                    k.backend(),
                    got.value,
                    want,
                    err,
                    scale,
                    rel
                );
                // Cases whose value lies in the subnormal range pass on the absolute underflow
                // term (1e-300 ≫ n·2^-1074) and are not counted in the relative maximum.
                if scale > 1e-290 {
                    w = w.max(rel);
                }
            }
        }
        worst.push((func, w));
    }
    worst
}

fn lengths() -> Vec<usize> {
    // Under Miri (`cargo xtask miri`: the portable and scalar backends, ~1000× slower) a few
    // lengths that still cover the empty input, a partial vector, one full vector and tails.
    if cfg!(miri) {
        return vec![0, 1, 5, 8, 17];
    }
    let mut v: Vec<usize> = (0..=129).collect();
    v.extend([255, 1000, 4095, 4097, 9001]);
    v
}

#[test]
fn every_backend_every_function() {
    for (b, k) in crate::testutil::backends("harness") {
        let (d, h) = (Precision::Default, Precision::High);
        #[allow(unused_mut)]
        let mut results = vec![
            ("f64", check_type::<f64>(&k, &lengths(), d)),
            ("f32", check_type::<f32>(&k, &lengths(), d)),
            ("f32 high", check_type::<f32>(&k, &lengths(), h)),
        ];
        #[cfg(feature = "half")]
        {
            let short: Vec<usize> = (0..=40).chain([129, 4097]).collect();
            results.push(("f16", check_type::<half::f16>(&k, &short, d)));
            results.push(("f16 high", check_type::<half::f16>(&k, &short, h)));
            results.push(("bf16", check_type::<half::bf16>(&k, &short, d)));
            results.push(("bf16 high", check_type::<half::bf16>(&k, &short, h)));
        }
        for (ty, worst) in results {
            for (func, w) in worst {
                println!(
                    "backend {b} {ty} {func:?}: max error {:.3e} of scale (2^{:.1})",
                    w,
                    w.log2()
                );
            }
        }
    }
    assert!(available_backends().contains(&Backend::Scalar));
}

/// Whether `func` flags `ins` as invalid, for `f64` inputs and for the same values as `f32`
/// at both precisions (the fast `f32` path must hand invalid chunks to the `f64` kernel).
fn flags(k: &Kernels, func: Func, ins: &[&[f64]]) -> bool {
    let f: Vec<Vec<f32>> = ins
        .iter()
        .map(|v| v.iter().map(|&x| x as f32).collect())
        .collect();
    let fv: Vec<&[f32]> = f.iter().map(|v| &v[..]).collect();
    let all = [
        call(k, func, ins, 1.0, Precision::Default).invalid,
        call(k, func, &fv, 1.0, Precision::Default).invalid,
        call(k, func, &fv, 1.0, Precision::High).invalid,
    ];
    assert!(
        all.iter().all(|&x| x == all[0]),
        "{func:?} on {}: precisions disagree on validity ({all:?})",
        k.backend()
    );
    all[0]
}

#[test]
fn invalid_inputs_are_flagged() {
    for b in available_backends() {
        let k = for_backend(b).unwrap();
        for bad in [-1.0, -1e-40, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            // Under Miri the 4097-element case (past one vector loop and a tail) is too slow.
            let ns: &[usize] = if cfg!(miri) {
                &[1, 5, 37]
            } else {
                &[1, 5, 37, 4097]
            };
            for &n in ns {
                for pos in [0, n / 2, n - 1] {
                    let mut p = vec![0.5 / n as f64; n];
                    let q = vec![0.5 / n as f64; n];
                    p[pos] = bad;
                    for func in [
                        Func::Kl,
                        Func::GeneralizedKl,
                        Func::KlNormalized,
                        Func::CrossEntropy,
                        Func::Entropy,
                        Func::Jeffreys,
                        Func::JsDivergence,
                    ] {
                        assert!(flags(&k, func, &[&p[..], &q[..]]), "{b} {func:?} {bad}");
                        if func != Func::Entropy {
                            assert!(
                                flags(&k, func, &[&q[..], &p[..]]),
                                "{b} {func:?} {bad} in q"
                            );
                        }
                    }
                    if bad != f64::NEG_INFINITY && bad < 0.0 {
                        continue;
                    }
                    if bad != f64::NEG_INFINITY {
                        assert!(flags(&k, Func::KlLog, &[&p[..], &q[..]]));
                        assert!(flags(&k, Func::KlLogits, &[&q[..], &p[..]]));
                    }
                }
            }
        }
        let ok = [0.5f64, 0.5];
        assert!(!flags(&k, Func::Kl, &[&ok[..], &ok[..]]));
        assert!(
            k.gaussian_kl_diag(&ok, &[0.0, 1.0], &ok, &ok, Precision::Default)
                .invalid
        );
    }
}

#[test]
fn special_values() {
    for b in available_backends() {
        let k = for_backend(b).unwrap();
        let pr = Precision::Default;
        let p = [0.25f64, 0.75, 0.0];
        assert_eq!(k.kl(&p, &p, pr).value, 0.0, "{b}");
        assert_eq!(k.js_divergence(&p, &p, pr).value, 0.0, "{b}");
        assert_eq!(k.jeffreys(&p, &p, pr).value, 0.0, "{b}");
        assert_eq!(k.kl(&[1.0f64], &[0.0], pr).value, f64::INFINITY);
        assert_eq!(k.kl(&[0.0f64], &[0.0], pr).value, 0.0);
        let e: [f64; 0] = [];
        assert_eq!(k.kl(&e, &e, pr).value, 0.0);
        let ninf = f64::NEG_INFINITY;
        assert_eq!(
            k.kl_logits(&[0.0f64, ninf], &[0.0, ninf], 1.0, pr).value,
            0.0
        );
        assert_eq!(
            k.kl_logits(&[0.0f64, 0.0], &[0.0, ninf], 1.0, pr).value,
            f64::INFINITY
        );
        assert_eq!(k.kl_log(&[ninf, 0.0f64], &[0.0, 0.0], pr).value, 0.0);
        // The same through the fast f32 path, alone and inside long inputs.
        for pr in [Precision::Default, Precision::High] {
            let p = [0.25f32, 0.75, 0.0];
            assert_eq!(k.kl(&p, &p, pr).value, 0.0, "{b}");
            assert_eq!(k.generalized_kl(&p, &p, pr).value, 0.0, "{b}");
            assert_eq!(k.kl_normalized(&p, &p, pr).value, 0.0, "{b}");
            assert_eq!(k.kl(&[1.0f32], &[0.0], pr).value, f64::INFINITY);
            assert_eq!(k.kl(&[0.0f32], &[0.0], pr).value, 0.0);
            assert_eq!(k.kl(&[0.0f32, 1.0], &[1.0, 0.0], pr).value, f64::INFINITY);
            assert_eq!(k.generalized_kl(&[0.0f32], &[0.5], pr).value, 0.5);
            let mut p: Vec<f32> = (0..10_000).map(|i| (1 + i % 13) as f32).collect();
            let q = p.clone();
            assert_eq!(k.kl(&p, &q, pr).value, 0.0, "{b}");
            p[9_999] = 1.0;
            let mut q2 = q.clone();
            q2[9_999] = 0.0;
            assert_eq!(k.kl(&p, &q2, pr).value, f64::INFINITY, "{b}");
            let e: [f32; 0] = [];
            assert_eq!(k.kl(&e, &e, pr).value, 0.0);
        }
    }
}

/// `kl_logits` edge cases found by the integration: an underflowed probability against a
/// masked logit is still p > 0 (→ +∞), and neither a tiny temperature nor logits near
/// `f64::MAX` may give NaN. Each value checked against relent-scalar too.
#[test]
fn kl_logits_extremes() {
    let ninf = f64::NEG_INFINITY;
    let inf = f64::INFINITY;
    // (a, b, t, exact)
    let cases: [(&[f64], &[f64], f64, f64); 8] = [
        (&[0.0, -800.0], &[0.0, ninf], 1.0, inf),
        (&[0.0, 0.0], &[0.0, 0.5], 1e-310, inf),
        (&[1e308, 0.0], &[1e308, 0.0], 0.5, 0.0),
        (&[0.0, 1e308], &[0.0, 1e308], 1e-300, 0.0),
        (&[-1e308, 1e308], &[-1e308, 1e308], 1.0, 0.0),
        (&[0.0, -1e300], &[0.0, ninf], 1e-300, inf),
        (&[0.0, 0.0], &[0.0, 0.0], 1e-310, 0.0),
        (&[ninf, 0.0], &[0.0, 1e308], 0.5, 0.0),
    ];
    for b in available_backends() {
        let k = for_backend(b).unwrap();
        for (x, y, t, want) in cases {
            for pr in [Precision::Default, Precision::High] {
                let got = k.kl_logits(x, y, t, pr);
                assert!(!got.invalid, "{b} {x:?} {y:?} {t}");
                assert_eq!(got.value, want, "{b} {x:?} {y:?} {t}");
            }
            assert_eq!(
                relent_scalar::kl_logits(x, y, t),
                want,
                "scalar {x:?} {y:?} {t}"
            );
        }
        // The same across a chunk boundary: the rescaling in `Partial::combine` keeps them.
        let n = crate::CHUNK + 3;
        let mut x = vec![ninf; n];
        let mut y = vec![ninf; n];
        x[0] = 0.0;
        y[0] = 0.0;
        x[n - 1] = -800.0;
        assert_eq!(
            k.kl_logits(&x, &y, 1.0, Precision::Default).value,
            inf,
            "{b}"
        );
        let mut x = vec![0.0f64; n];
        let mut y = vec![0.0f64; n];
        x[n - 1] = 1e308;
        y[n - 1] = 1e308;
        assert_eq!(
            k.kl_logits(&x, &y, 0.5, Precision::Default).value,
            0.0,
            "{b}"
        );
        y[1] = 0.5;
        x[n - 1] = 0.0;
        y[n - 1] = 0.0;
        assert_eq!(
            k.kl_logits(&x, &y, 1e-310, Precision::Default).value,
            inf,
            "{b}"
        );
    }
}

/// `js_divergence` of a near-identical pair (relent-testgen `near_identical/n=2`,
/// |p − q|/(p + q) ≈ 3e-12): the rounding of m = (p + q)/2 used to cost 2^-30 of the value.
/// Exact value from mpmath at 400 bits; the documented f64 bound is 2^-49 relative.
#[test]
fn js_near_identical_regression() {
    let p = [6.256181140391897e-1f64, 3.7438188596081035e-1];
    let q = [6.256181140369991e-1f64, 3.743818859630009e-1];
    // mpmath (400 bits): 2.5609701904189372252e-24, here rounded to the nearest f64.
    let exact = 2.5609701904189374e-24;
    for b in available_backends() {
        let k = for_backend(b).unwrap();
        for pr in [Precision::Default, Precision::High] {
            let got = k.js_divergence(&p, &q, pr).value;
            assert!(
                ((got - exact) / exact).abs() <= crate::bounds::HIGH,
                "{b}: {got:e} vs {exact:e}"
            );
        }
    }
    let want = relent_scalar::js_divergence(&p, &q);
    assert!(
        ((want - exact) / exact).abs() <= crate::bounds::HIGH,
        "scalar {want:e}"
    );
}

/// `kl_normalized` of raw counts with different totals (the streaming form would cancel:
/// `φ(t)` ≫ KL) and of vectors near the ends of the range: the kernel hands these to the
/// exact reference, so the documented bound holds; normalised inputs stay on the kernel.
#[test]
fn kl_normalized_far_totals() {
    let n = 5000;
    let p: Vec<f64> = (0..n).map(|i| (1 + i % 17) as f64).collect();
    // q ∝ p·(1 + 1e-6·wiggle), total ≈ 5× p's: KL ≈ 1e-13 while φ(4) ≈ 2.4.
    let q: Vec<f64> = (0..n)
        .map(|i| 5.0 * p[i] * (1.0 + 1e-6 * ((i % 7) as f64 - 3.0)))
        .collect();
    let exact = relent_scalar::kl_normalized(&p, &q);
    assert!(exact > 0.0 && exact < 1e-11, "{exact}");
    let tiny: Vec<f64> = p.iter().map(|x| x * 1e-300).collect();
    let huge: Vec<f64> = q.iter().map(|x| x * 1e300).collect();
    let p32: Vec<f32> = p.iter().map(|&x| x as f32).collect();
    let q32: Vec<f32> = q.iter().map(|&x| x as f32).collect();
    let exact32 = relent_scalar::kl_normalized(&p32, &q32);
    for b in available_backends() {
        let k = for_backend(b).unwrap();
        for pr in [Precision::Default, Precision::High] {
            let v = k.kl_normalized(&p, &q, pr).value;
            assert!(
                (v - exact).abs() <= crate::bounds::HIGH * exact,
                "{b}: {v} vs {exact}"
            );
            let v = k.kl_normalized(&tiny, &huge, pr).value;
            let want = relent_scalar::kl_normalized(&tiny, &huge);
            assert!(
                (v - want).abs() <= crate::bounds::HIGH * want,
                "{b}: {v} vs {want}"
            );
            let v = k.kl_normalized(&p32, &q32, pr).value;
            let tol = if pr == Precision::High {
                crate::bounds::HIGH
            } else {
                crate::bounds::DEFAULT_NARROW
            };
            assert!(
                (v - exact32).abs() <= tol * exact32,
                "{b} f32: {v} vs {exact32}"
            );
        }
    }
}

/// `kl_log` with log-probabilities in [−1500, −600]: e^lp near or below the subnormal range,
/// times |lp − lq| up to `f64::MAX`. The kernel must not round e^lp on its own (it once did:
/// e^-745 rounded to 2^-1074 and multiplied by 745 was off by 75%; e^-1000·MAX ≈ 9e-127 came
/// back as 0). Checked against relent-scalar (exact, e^lp in split form): within ε·S plus
/// 1.5·2^-1074 per term (the documented allowance is 8·2^-1074 per underflowing term), S the
/// sum of the terms' magnitudes (each term's exact magnitude from the reference).
#[test]
fn kl_log_tiny_probabilities() {
    let mut rng = Rng(0x7171);
    let tiny = f64::from_bits(1);
    for b in available_backends() {
        let k = for_backend(b).unwrap();
        for n in [1usize, 3, 8, 17, 40] {
            for _ in 0..200 {
                let lp: Vec<f64> = (0..n)
                    .map(|_| match (rng.next() * 4.0) as u32 {
                        0 => -745.0 + 40.0 * rng.next(),
                        1 => -1500.0 + 900.0 * rng.next(),
                        2 => -700.0 - 20.0 * rng.next(),
                        _ => -1000.0 - 450.0 * rng.next(),
                    })
                    .collect();
                let lq: Vec<f64> = (0..n)
                    .map(|_| match (rng.next() * 4.0) as u32 {
                        0 => 0.0,
                        1 => -f64::MAX * rng.next(),
                        2 => 1e300 * (rng.next() - 0.5),
                        _ => -800.0 * rng.next(),
                    })
                    .collect();
                let want = relent_scalar::kl_log(&lp, &lq);
                let s: f64 = lp
                    .iter()
                    .zip(&lq)
                    .map(|(&x, &y)| relent_scalar::kl_log(&[x], &[y]).abs())
                    .sum();
                let allowance = 1.5 * n as f64 * tiny;
                for pr in [Precision::Default, Precision::High] {
                    let got = k.kl_log(&lp, &lq, pr).value;
                    assert!(
                        (got - want).abs() <= crate::bounds::HIGH * s + allowance,
                        "{b}: {got:e} vs {want:e} (S = {s:e}) on {lp:?} / {lq:?}"
                    );
                }
            }
        }
    }
}
