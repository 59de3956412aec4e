//! Test-only helpers: the per-ISA test runner ([`avx512`], [`avx2`], [`on_each_isa!`],
//! [`backends`]: a backend this CPU lacks is printed as skipped by the runner, never run or
//! passed), a small double-double arithmetic, reference `ln`/`exp` in double-double and ulp
//! distances.

use crate::arch::avx2::Avx2;
use crate::arch::avx512::Avx512;
use crate::{Backend, Kernels, for_backend};

/// The AVX-512 token, or `None` after printing `<what>: avx512 SKIPPED (…)`.
pub(crate) fn avx512(what: &str) -> Option<Avx512> {
    let t = Avx512::try_new();
    if t.is_none() {
        println!("{what}: avx512 SKIPPED (no AVX-512F on this CPU)");
    }
    t
}

/// The AVX2+FMA token, or `None` after printing `<what>: avx2 SKIPPED (…)`.
pub(crate) fn avx2(what: &str) -> Option<Avx2> {
    let t = Avx2::try_new();
    if t.is_none() {
        println!("{what}: avx2 SKIPPED (no AVX2+FMA on this CPU)");
    }
    t
}

/// `$body` once per `std::arch` backend this CPU has (AVX-512, then AVX2), with `$t` its token
/// and `$name` its name; the others are printed as skipped ([`avx512`], [`avx2`]). A macro: the
/// body is generic over the token type.
macro_rules! on_each_isa {
    ($what:expr, |$t:ident, $name:ident| $body:expr) => {{
        if let Some($t) = crate::testutil::avx512($what) {
            let $name = "avx512";
            $body;
        }
        if let Some($t) = crate::testutil::avx2($what) {
            let $name = "avx2";
            $body;
        }
    }};
}
pub(crate) use on_each_isa;

/// The kernels of every backend this CPU runs, each backend it lacks printed as
/// `<what>: <backend> SKIPPED`.
pub(crate) fn backends(what: &str) -> Vec<(Backend, Kernels)> {
    Backend::ALL
        .into_iter()
        .filter_map(|b| {
            let k = for_backend(b);
            if k.is_none() {
                println!("{what}: {b} SKIPPED (not supported by this CPU)");
            }
            k.map(|k| (b, k))
        })
        .collect()
}

/// Double-double `(hi, lo)`.
pub(crate) type Dd = (f64, f64);

use crate::dd::two_sum;
fn quick(a: f64, b: f64) -> Dd {
    let s = a + b;
    (s, b - (s - a))
}
pub(crate) fn add(a: Dd, b: Dd) -> Dd {
    let (s, e) = two_sum(a.0, b.0);
    let (t, f) = two_sum(a.1, b.1);
    let (s, e) = quick(s, e + t);
    quick(s, e + f)
}
pub(crate) fn mul(a: Dd, b: Dd) -> Dd {
    let p = a.0 * b.0;
    let e = a.0.mul_add(b.0, -p);
    quick(p, e + (a.0 * b.1 + a.1 * b.0))
}
pub(crate) fn div(a: Dd, b: Dd) -> Dd {
    let q1 = a.0 / b.0;
    let r = add(a, mul((-q1, 0.0), b));
    let q2 = r.0 / b.0;
    let r = add(r, mul((-q2, 0.0), b));
    let q3 = r.0 / b.0;
    add(quick(q1, q2), (q3, 0.0))
}
const LN2: Dd = (std::f64::consts::LN_2, 2.319_046_813_846_299_6e-17);

/// ln(x) in double-double for positive finite x (≈ 2^-100 relative).
pub(crate) fn dd_ln(x: f64) -> Dd {
    let (mut m, mut e) = (x, 0i32);
    if m < f64::MIN_POSITIVE {
        m *= 2f64.powi(600);
        e -= 600;
    }
    let bits = m.to_bits();
    e += ((bits >> 52) & 0x7FF) as i32 - 1023;
    m = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let s = div((m - 1.0, 0.0), two_sum(m, 1.0));
    let z = mul(s, s);
    let mut acc: Dd = (1.0 / 61.0, 0.0);
    for j in (0..30).rev() {
        acc = add(mul(acc, z), div((1.0, 0.0), ((2 * j + 1) as f64, 0.0)));
    }
    let at = mul(mul(s, acc), (2.0, 0.0));
    add(mul(LN2, (e as f64, 0.0)), at)
}

/// e^x in double-double for x in the normal result range.
pub(crate) fn dd_exp(x: f64) -> Dd {
    let k = (x / std::f64::consts::LN_2).round();
    let r = add((x, 0.0), mul((-k, 0.0), LN2));
    let mut acc: Dd = (1.0, 0.0);
    for j in (1..28).rev() {
        acc = add((1.0, 0.0), div(mul(acc, r), (j as f64, 0.0)));
    }
    let s = 2f64.powi(k as i32 / 2) * 2f64.powi(k as i32 - k as i32 / 2);
    (acc.0 * s, acc.1 * s)
}

/// |got − want| in units of the last place of `want.0` (f64 ulps).
pub(crate) fn ulp_err(got: f64, want: Dd) -> f64 {
    if want.0 == 0.0 {
        return if got == 0.0 { 0.0 } else { f64::INFINITY };
    }
    let e = ((want.0.abs().to_bits() >> 52) & 0x7FF).max(1);
    let ulp = f64::from_bits(e << 52) * 2f64.powi(-52);
    ((got - want.0) - want.1).abs() / ulp
}

/// The `−0.0` cases of the fast paths' tests: 37-element `p`, `q` (powers of two and simple
/// ratios, exact in every type) with a zero at every position of `p`, of `q` or of both, each
/// with its copy in which every zero is `−0.0`: `[p, q, p with −0.0, q with −0.0]` and a
/// description. `−0.0` must give the bits of `+0.0`.
pub(crate) fn negative_zero_cases() -> Vec<([Vec<f64>; 4], String)> {
    let n = 37;
    let neg =
        |v: &[f64]| -> Vec<f64> { v.iter().map(|&x| if x == 0.0 { -0.0 } else { x }).collect() };
    let mut out = Vec::new();
    for pos in 0..n {
        for (zp, zq) in [(true, false), (false, true), (true, true)] {
            let mut p: Vec<f64> = (0..n).map(|i| [1.0, 0.5, 0.25, 3.0][i % 4]).collect();
            let mut q: Vec<f64> = (0..n).map(|i| [1.0, 2.0, 0.75, 1.0][(i + 1) % 4]).collect();
            if zp {
                p[pos] = 0.0;
            }
            if zq {
                q[pos] = 0.0;
            }
            let (np, nq) = (neg(&p), neg(&q));
            out.push(([p, q, np, nq], format!("zero at {pos} ({zp}, {zq})")));
        }
    }
    out
}
