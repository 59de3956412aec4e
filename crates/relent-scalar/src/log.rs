//! Logarithms, exponentials and the positive series of the divergence terms, in double-double.
//!
//! Everything reduces to a few power series evaluated by Horner's rule in double-double, with
//! coefficients computed once (in double-double) and cached:
//!
//! * `ln m` for `m ∈ [√½, √2)` is `ln c + 2·atanh(s)` with `c = j/128` nearest to `m` (a
//!   table), `s = (m−c)/(m+c)` (`m − c` is exact by Sterbenz), `atanh(s) = s·A(s²)`,
//!   `A(z) = Σ zʲ/(2j+1)`; `|s| ≤ 0.003`.
//! * `ln(x/y)` for `x, y` within a factor 2 is `2·atanh((x−y)/(x+y))` with `x − y` exact, so
//!   nearly identical pairs keep full relative accuracy (a double-double log1p).
//! * The Bregman term `x·ln(x/y) − x + y ≥ 0` is `(x+y)·z·(A(z) + s·B(z))`, `B(z) = Σ zʲ/(2j+3)`,
//!   a series of positive terms when `|s| ≤ ⅓`.
//! * The Jensen–Shannon term `½[x·ln(2x/(x+y)) + y·ln(2y/(x+y))] = (x+y)/4 · Σ s²ᵏ/(k(2k−1))`.
//! * `r − 1 − ln r` for `r = (1+s)/(1−s)` is `2·Σ_{k≥2} cₖ sᵏ`, `cₖ = 1` (even k), `(k−1)/k` (odd).
//! * `eˣ` is reduced by `k·ln 2` to `|r| ≤ ½ ln 2`, then by a table of `e^(j/64)` to
//!   `|r'| ≤ 1/128`, and summed as a Taylor series; the result
//!   keeps `k` apart (mantissa and exponent) so it never overflows or underflows.
//!
//! Each series is truncated where the next term is below 2^-112 of the first, so every
//! function here is accurate to a few units of 2^-104 relative.

use std::sync::OnceLock;

use crate::dd::{Dd, LN2, split};

const NCOEF: usize = 80;

struct Tables {
    /// 1/(2j+1)
    inv_odd: [Dd; NCOEF],
    /// 1/((j+1)(2j+1))
    js: [Dd; NCOEF],
    /// (2j+2)/(2j+3)
    psi: [Dd; NCOEF],
    /// 1/n!
    inv_fact: [Dd; NCOEF],
    /// ln(k/128) for k = 0..=LN_TABLE (entries below 90 unused).
    ln_c: [Dd; LN_TABLE + 1],
    /// e^(j/64) for j = −EXP_TABLE..=EXP_TABLE, at index j + EXP_TABLE.
    exp_c: [Dd; 2 * EXP_TABLE + 1],
}

/// Reduced exponents |r| ≤ ½ ln 2 round to j/64 with |j| ≤ 23.
const EXP_TABLE: usize = 23;

/// Last index of the `ln(k/128)` table: mantissas reduced to [√½, √2) round to k ∈ [90, 181].
const LN_TABLE: usize = 182;

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = Tables {
            inv_odd: [Dd::ZERO; NCOEF],
            js: [Dd::ZERO; NCOEF],
            psi: [Dd::ZERO; NCOEF],
            inv_fact: [Dd::ZERO; NCOEF],
            ln_c: [Dd::ZERO; LN_TABLE + 1],
            exp_c: [Dd::ZERO; 2 * EXP_TABLE + 1],
        };
        let mut f = Dd::ONE;
        for j in 0..NCOEF {
            let jf = j as f64;
            t.inv_odd[j] = Dd::ONE.div(Dd::from(2.0 * jf + 1.0));
            t.js[j] = Dd::ONE.div(Dd::from((jf + 1.0) * (2.0 * jf + 1.0)));
            t.psi[j] = Dd::from(2.0 * jf + 2.0).div(Dd::from(2.0 * jf + 3.0));
            if j > 0 {
                f = f.div(Dd::from(jf));
            }
            t.inv_fact[j] = f;
        }
        // ln(k/128) = 2·atanh((k−128)/(k+128)), |s| ≤ 0.18, with the series just built.
        for k in 90..=LN_TABLE {
            let s = Dd::from(k as f64 - 128.0).div(Dd::from(k as f64 + 128.0));
            let z = s.mul(s);
            t.ln_c[k] = s.mul(horner(&t.inv_odd, z, nterms(z.hi))).mul_f64(2.0);
        }
        // e^(j/64) by the full Taylor series (|j/64| ≤ 0.36: 30 terms reach 2^-112).
        for (i, e) in t.exp_c.iter_mut().enumerate() {
            let x = Dd::from((i as f64 - EXP_TABLE as f64) / 64.0);
            *e = horner(&t.inv_fact, x, 30);
        }
        t
    })
}

/// Number of terms of a series in `x` (`|x| < 1`) until `|x|ⁿ < 2^-112`.
#[inline]
fn nterms(x: f64) -> usize {
    let x = x.abs();
    let mut t = 1.0;
    let mut n = 1;
    while t > 1.9e-34 && n < NCOEF {
        t *= x;
        n += 1;
    }
    n
}

/// Σ_{j<n} c[j]·xʲ by Horner's rule.
#[inline]
fn horner(c: &[Dd], x: Dd, n: usize) -> Dd {
    let mut h = c[n - 1];
    for k in (0..n - 1).rev() {
        h = h.mul(x).add(c[k]);
    }
    h
}

/// `A(z) = Σ zʲ/(2j+1) = atanh(s)/s` for `z = s²`.
#[inline]
pub(crate) fn series_a(z: Dd) -> Dd {
    horner(&tables().inv_odd, z, nterms(z.hi))
}

/// `B(z) = Σ zʲ/(2j+3)`.
#[inline]
fn series_b(z: Dd) -> Dd {
    horner(&tables().inv_odd[1..], z, nterms(z.hi).min(NCOEF - 1))
}

/// `ln(x/y) = 2·atanh(s)` for `s = (x−y)/(x+y)`, `|s| ≤ ⅓`.
#[inline]
pub(crate) fn ln_ratio_near(s: Dd) -> Dd {
    s.mul(series_a(s.mul(s))).mul_f64(2.0)
}

/// `Σ_{k≥1} s²ᵏ (1/(2k−1) + s/(2k+1))`: the Bregman term `x·ln(x/y) − x + y` divided by `x + y`.
#[inline]
pub(crate) fn bregman_near(s: Dd) -> Dd {
    let z = s.mul(s);
    z.mul(series_a(z).add(s.mul(series_b(z))))
}

/// `Σ_{k≥1} s²ᵏ/(k(2k−1)) = (1+s)ln(1+s) + (1−s)ln(1−s)`.
#[inline]
pub(crate) fn js_near(s: Dd) -> Dd {
    let z = s.mul(s);
    z.mul(horner(&tables().js, z, nterms(z.hi)))
}

/// `Σ_{k≥2} cₖ sᵏ` (`cₖ = 1` for even k, `(k−1)/k` for odd k) `= ½(r − 1 − ln r)`,
/// `r = (1+s)/(1−s)`; `|s| ≤ ⅓`.
#[inline]
pub(crate) fn psi_near(s: Dd) -> Dd {
    let z = s.mul(s);
    let geo = Dd::ONE.div(Dd::ONE.sub(z));
    z.mul(geo.add(s.mul(horner(&tables().psi, z, nterms(z.hi)))))
}

/// `eᶜ − 1 − c = Σ_{n≥2} cⁿ/n!` for `|c| ≤ ½`.
#[inline]
pub(crate) fn expm1_minus_near(c: Dd) -> Dd {
    let t = tables();
    let mut n = 2;
    let mut term = 1.0;
    while term > 1.9e-34 && n < NCOEF - 2 {
        term *= c.hi.abs() / n as f64;
        n += 1;
    }
    c.mul(c).mul(horner(&t.inv_fact[2..], c, n))
}

/// `ln m` for `m ∈ [1, 2)`, as `(k, t)` with `ln m = k·ln 2 + t`, `k ∈ {0, 1}`, `|t| ≤ ½ ln 2`.
///
/// `m` is reduced to `[√½, √2)`, then to the nearest `c = j/128`: `ln m = ln c + 2·atanh(s)`,
/// `s = (m − c)/(m + c)` with `m − c` exact (Sterbenz) and `|s| ≤ 0.003`, so about eight
/// series terms reach 2^-112; `c = 1` has `ln c = 0` exactly, so `m` near 1 keeps full
/// relative accuracy.
#[inline]
fn ln_mant_parts(m: f64) -> (i32, Dd) {
    let (mm, k) = if m > core::f64::consts::SQRT_2 {
        (0.5 * m, 1)
    } else {
        (m, 0)
    };
    let j = (mm * 128.0).round();
    let c = j / 128.0;
    let s = Dd::from(mm - c).div(Dd::sum(mm, c));
    (k, tables().ln_c[j as usize].add(ln_ratio_near(s)))
}

/// `ln(m · 2^e)` for `m ∈ [1, 2)`; exponents are combined as integers first, so values just
/// below a power of two keep full relative accuracy.
#[inline]
pub(crate) fn ln_split(m: f64, e: i32) -> Dd {
    let (k, t) = ln_mant_parts(m);
    LN2.mul_f64(f64::from(e + k)).add(t)
}

/// `ln(m₁·2^e₁ / (m₂·2^e₂))`, `m₁, m₂ ∈ [1, 2)`.
#[inline]
pub(crate) fn ln_ratio_split(m1: f64, e1: i32, m2: f64, e2: i32) -> Dd {
    let (k1, t1) = ln_mant_parts(m1);
    let (k2, t2) = ln_mant_parts(m2);
    LN2.mul_f64(f64::from((e1 + k1) - (e2 + k2)))
        .add(t1.sub(t2))
}

/// `ln x` for a positive finite `x`.
#[inline]
pub(crate) fn ln_f64(x: f64) -> Dd {
    let (m, e) = split(x);
    ln_split(m, e)
}

/// `ln x` for a positive double-double `x`: `ln(hi) + r − r²/2`, `r = lo/hi` (|r| ≤ 2^-53, so
/// the next term is below 2^-159).
#[inline]
pub(crate) fn ln_dd(x: Dd) -> Dd {
    let r = Dd::from(x.lo).div(Dd::from(x.hi));
    ln_f64(x.hi).add(r.sub(r.mul(r).mul_f64(0.5)))
}

/// `eˣ` as `(m, k)` with `eˣ = m · 2^k`, `m ∈ [0.7, 1.42]`; `x` is clamped to ±10⁵ (far beyond
/// where the `f64` result is 0 or ∞).
#[inline]
pub(crate) fn exp_split(x: Dd) -> (Dd, i32) {
    let x = if x.hi > 1e5 {
        Dd::from(1e5)
    } else if x.hi < -1e5 {
        Dd::from(-1e5)
    } else {
        x
    };
    let k = (x.hi / core::f64::consts::LN_2).round();
    let r = x.sub(Dd::prod(LN2.hi, k)).sub(Dd::prod(LN2.lo, k));
    // e^r = e^(j/64) · e^(r − j/64), |r − j/64| ≤ 1/128: 12 Taylor terms reach 2^-112.
    let j = (r.hi * 64.0).round();
    let rr = r.sub(Dd::from(j / 64.0));
    let t = tables();
    let jj = (j as i64 + EXP_TABLE as i64).clamp(0, 2 * EXP_TABLE as i64) as usize;
    (t.exp_c[jj].mul(horner(&t.inv_fact, rr, 13)), k as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative difference of two double-doubles.
    fn rel(a: Dd, b: Dd) -> f64 {
        (a.sub(b).hi / b.hi).abs()
    }

    /// A sweep of bit patterns (normal and subnormal): ln agrees with `f64::ln` to 1 ulp (std's
    /// ln is within 1 ulp), and exp(ln x) returns x to within 4·2^-104·(1 + |ln x|) — the
    /// absolute error of a double-double ln of magnitude |ln x| becomes that relative error
    /// through exp — an independent check of both (their errors would have to cancel).
    #[test]
    #[cfg_attr(miri, ignore = "100 000-point sweep: hours under Miri")]
    fn ln_exp_round_trip_sweep() {
        let mut worst: f64 = 0.0;
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..100_000u64 {
            // splitmix64 over all positive finite patterns, every 16th one subnormal.
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let bits = if i % 16 == 0 {
                1 + z % 0x000f_ffff_ffff_ffff
            } else {
                1 + z % 0x7fef_ffff_ffff_ffff
            };
            let x = f64::from_bits(bits);
            let l = ln_f64(x);
            let lstd = x.ln();
            let tol = 1.01 * f64::EPSILON * lstd.abs().max(f64::MIN_POSITIVE);
            assert!((l.hi - lstd).abs() <= tol, "ln({x:e})");
            let (m, k) = exp_split(l);
            let (mx, ex) = split(x);
            let back = m.scale(k - ex);
            worst = worst.max(rel(back, Dd::from(mx)) / (1.0 + lstd.abs()));
            assert!(
                worst <= 4.0 * 2f64.powi(-104),
                "exp(ln({x:e})) off by {worst:e}"
            );
        }
        // Also every mantissa step near 1, where ln is tiny and relative accuracy matters.
        for i in -2000..2000 {
            let x = 1.0 + f64::from(i) * f64::EPSILON;
            let l = ln_f64(x);
            let (m, k) = exp_split(l);
            assert!(
                rel(m.scale(k), Dd::from(x)) <= 2f64.powi(-100),
                "exp(ln({x}))"
            );
            if i != 0 {
                // ln(1 + h) = h − h²/2 + …, known to 2^-104 from two terms here.
                let h = x - 1.0;
                let series = Dd::from(h)
                    .sub(Dd::prod(h, h).mul_f64(0.5))
                    .add(Dd::prod(h, h).mul_f64(h / 3.0));
                assert!(rel(l, series) <= 2f64.powi(-100), "ln({x})");
            }
        }
    }

    #[test]
    fn series_identities() {
        // (1+s)ln(1+s) + (1−s)ln(1−s) and the Bregman series against logs, for s = ±1/3, ±1e-5.
        // The log forms cancel: terms of size |s| give a result of size s², so the reference
        // itself is only good to ~2^-104/|s|; the bound is 2^-95·max(1, 1/|s|).
        for s in [1.0 / 3.0, -1.0 / 3.0, 1e-5, -1e-5, 0.1] {
            let sd = Dd::from(s);
            let l1p = ln_dd(Dd::sum(1.0, s));
            let l1m = ln_dd(Dd::sum(1.0, -s));
            let js = Dd::sum(1.0, s).mul(l1p).add(Dd::sum(1.0, -s).mul(l1m));
            let bound = 2f64.powi(-95) * (1.0 / s.abs()).max(1.0);
            assert!(
                rel(js_near(sd), js) <= bound,
                "js {s}: {:?} vs {js:?}",
                js_near(sd)
            );
            // x = 1+s, y = 1−s: x ln(x/y) − x + y = 2·(Bregman series).
            let br = Dd::sum(1.0, s).mul(l1p.sub(l1m)).sub(Dd::from(2.0 * s));
            assert!(
                rel(bregman_near(sd).mul_f64(2.0), br) <= bound,
                "bregman {s}"
            );
        }
    }
}
