//! The default-precision path for `f32` inputs of the diagonal-Gaussian KL with variances
//! (`gaussian_kl_diag`): the per-dimension term
//! `t = ln(σq²/σp²) + (σp² + d²)/σq² − 1 = (d² + g(σq², σp²))/σq²`, `d = μp − μq`,
//! `g(x, y) = x·ln(x/y) − x + y ≥ 0`, computed in `f32` lanes (16 per AVX-512 vector, 8 on AVX2)
//! with [`crate::fast32`]'s cancellation-free `g` (`x = σq²`, `y = σp²`) and one division;
//! the result is `½ Σ t` (every term ≥ 0).
//!
//! # Method
//! - `g(x, y)` exactly as `fast32` computes the generalised-KL term (band `x/y ∈ [1/2, 2]`:
//!   `(x + y)·S²·(1 + S(1 + S)·P(S²))`, `S = (x − y)/(x + y)`; outside:
//!   `2x·(k·ln2/2 + atanh(s)) − (x − y)` from the mantissa split), except that outside the band
//!   the rounding error `e` of `x − y` (TwoSum) is subtracted as well: there the linear part
//!   cancels against the logarithm (`|x − y| ≤ 2.6·g` at `x/y = 2`), and its rounding would
//!   otherwise cost 1.3u.
//! - `t = fma(d, d, g)/x` by `vdivps` (one rounding each; `d²` is exact inside the FMA, so an
//!   underflowing `d²` next to a normal `g` loses nothing).
//! - The terms of two consecutive vectors are added (≤ 0.5u) and TwoSum-accumulated per lane
//!   (as `fast32`), folded into an `f64` double-double at the end of the chunk.
//!
//! # Accuracy
//! Per term (u = 2^-24), relative to the term: `g` ≤ ~4.5u in the band and ≤ ~5.3u outside
//! (`ln(x/y)/2` within 1.2u of itself, times the cancellation ≤ 3.6 at `x/y = 2`, plus the
//! FMA and the subtraction of `e`); `d²` ≤ 1u (the rounding of `μp − μq`, doubled); the FMA
//! and the division 0.5u each: ≤ ~6.3u. The pairwise add (0.5u) and the compensated lane sums
//! (~u² per chunk) bring the result to ≤ ~6.8u < 8u = 2^-21 of its value, for every
//! `σp²`/`σq²` ratio and any `d`. `single_terms` measures single terms over the band edges
//! and the ends of the range (printed by `cargo test -p relent-simd -- --nocapture`).
//!
//! # Range
//! A chunk that leaves the safe `f32` range returns `None` and is recomputed by the `f64`
//! kernel (`kernels::gaussian::GaussianKlDiag`, which also reports invalid elements), decided
//! from the chunk's own values only (results stay independent of threads and alignment):
//! - a variance `≤ 0` (`−0.0` included) or `σp² + σq² > 2^125` (so the band's `vrcp14ps`/
//!   `vrcpps` never sees a denominator whose reciprocal is subnormal), by a running lane minimum
//!   of `min(σp², σq², 2^125 − (σp² + σq²))` (its NaN lanes are caught by the next point);
//! - a NaN or ∞ variance, by `fma(σp² + σq², 0, nf)` (NaN once any sum is NaN or ∞);
//! - a NaN or ∞ mean, or an overflowing `μp − μq`, `d²`, `g` or quotient: the term is then NaN
//!   or ∞ (the divisor is validated finite and positive), so the chunk's sum is not finite;
//! - underflow: every operation whose result can be subnormal (`g`'s last two operations, the
//!   FMA, the division) adds at most 2^-150 absolutely; divided by `σq²` that is
//!   ≤ 2^-147/min(σq², 1) per term (with the tracked minimum `v` standing in for `σq²`: it is
//!   never larger), so a chunk of `n` terms is kept only where its sum is ≥
//!   2^30·n·2^-147/min(v, 1) (the underflow then costs ≤ 2^-30 of the result). A zero sum
//!   (identical parameters) also goes to the `f64` kernel, which returns 0 exactly. On AVX2 a
//!   subnormal variance outside the band makes `g` non-finite (`exp` is `−∞`, see
//!   `lanes32::avx2`) and goes the same way.

use crate::chunked::{Func, Partial};
use crate::fast32::{Atanh, LN2H, PF, atanh, reduce, two_sum};
use crate::lanes32::Lanes32;

/// `σp² + σq²` above this leaves the fast path (2^125; see the module's `# Range`).
const BIG: f32 = f32::from_bits(0x7E00_0000);

/// The term `t` of one vector, `min(σp², σq², 2^125 − (σp² + σq²))` and `σp² + σq²` (for the
/// validation).
#[inline(always)]
fn term<L: Lanes32>(l: L, mp: L::V, vp: L::V, mq: L::V, vq: L::V) -> (L::V, L::V, L::V) {
    let one = l.splat(1.0);
    // g(x, y) with x = σq², y = σp².
    let (x, y) = (vq, vp);
    let m = l.min(x, y);
    let sum = l.add(x, y);
    let d = l.sub(x, y);
    let out = l.lt(m, l.abs(d));
    let mx = l.mant(x);
    let my = l.mant(y);
    let k = l.sub(l.exp(x), l.exp(y));
    // Band: (x − y)/(x + y); outside: (mx − my)/(mx + my) (as `fast32::terms`).
    let num = l.mask_sub(d, out, mx, my);
    let den = l.mask_add(sum, out, mx, my);
    let derr = l.maskz_sub(out, my, l.sub(den, mx));
    let Atanh { s, z, szp, at } = atanh(l, num, den, derr);
    let gb = l.mul(den, l.fma(szp, l.add(one, s), z));
    // Outside: g = 2x·(ln(x/y)/2) − (x − y), with x − y = d + e exactly (TwoSum).
    let bb = l.sub(d, x);
    let e = l.sub(l.sub(x, l.sub(d, bb)), l.add(y, bb));
    let lh = l.fma(k, l.splat(LN2H), at);
    let go = l.sub(l.fms(l.add(x, x), lh, d), e);
    let g = l.select(out, go, gb);
    let dm = l.sub(mp, mq);
    let t = l.div(l.fma(dm, dm, g), x);
    (t, l.min(m, l.sub(l.splat(BIG), sum)), sum)
}

/// One chunk of `gaussian_kl_diag` (inputs μp, σp², μq, σq² of equal length) on `f32` lanes, or
/// `None` where the chunk must be recomputed by the `f64` kernel (see the module's `# Range`).
#[inline(always)]
pub(crate) fn chunk<L: Lanes32>(l: L, ins: [&[f32]; 4]) -> Option<Partial> {
    let [mp, vp, mq, vq] = ins;
    let n = mp.len();
    assert!(
        vp.len() == n && mq.len() == n && vq.len() == n,
        "inputs must have equal lengths"
    );
    let w = L::W;
    let zero = l.splat(0.0);
    let (mut ah, mut al) = (zero, zero);
    let mut lo = l.splat(f32::INFINITY);
    let mut nf = zero;
    let nv = n / w;
    let rest = n - nv * w;
    // Macros, not closures: a closure would not inherit the caller's target features.
    macro_rules! at {
        ($off:expr) => {{
            let off = $off;
            term(
                l,
                l.load(&mp[off..off + w]),
                l.load(&vp[off..off + w]),
                l.load(&mq[off..off + w]),
                l.load(&vq[off..off + w]),
            )
        }};
    }
    macro_rules! one_vector {
        ($t:expr) => {{
            let (t, m, s) = $t;
            lo = l.min(lo, m);
            nf = l.fma(s, zero, nf);
            two_sum(l, &mut ah, &mut al, t);
        }};
    }
    let mut v = 0;
    // Two vectors per step: their terms (≥ 0) are added first, then TwoSum-accumulated.
    while v + 2 <= nv {
        let off = v * w;
        for s in [mp, vp, mq, vq] {
            l.prefetch(s, off + PF);
            l.prefetch(s, off + PF + w);
        }
        let (t1, m1, s1) = at!(off);
        let (t2, m2, s2) = at!(off + w);
        lo = l.min(lo, l.min(m1, m2));
        nf = l.fma(l.add(s1, s2), zero, nf);
        two_sum(l, &mut ah, &mut al, l.add(t1, t2));
        v += 2;
    }
    if v < nv {
        one_vector!(at!(v * w));
    }
    if rest > 0 {
        // Padding μ = 0, σ² = 1 on both sides: the term is exactly 0, the checks pass.
        let mut b = [[0.0f32; 16], [1.0; 16], [0.0; 16], [1.0; 16]];
        for (buf, s) in b.iter_mut().zip([mp, vp, mq, vq]) {
            buf[..rest].copy_from_slice(&s[nv * w..]);
        }
        let (a, c) = (l.load(&b[0]), l.load(&b[2]));
        one_vector!(term(l, a, l.load(&b[1]), c, l.load(&b[3])));
    }
    if l.any(l.le(lo, zero)) || l.any(l.nan(nf)) {
        return None;
    }
    let mut lanes = [0.0f32; 16];
    l.store(lo, &mut lanes);
    let vmin = lanes[..w].iter().fold(f32::INFINITY, |a, &b| a.min(b));
    let sum = reduce(l, ah, al);
    if !(sum.hi.is_finite() && sum.lo.is_finite()) {
        return None;
    }
    // 2^30 · n · 2^-147 / min(v, 1): the underflow floor of the module's `# Range`.
    let floor = n as f64 * 2f64.powi(-117) / f64::from(vmin).min(1.0);
    if !(sum.hi > 0.0 && sum.hi >= floor) {
        return None;
    }
    let mut out = Partial::filled(Func::GaussianKlDiag);
    out.s[0] = sum;
    Some(out)
}
