//! | card | |
//! |---|---|
//! | functions | `gaussian_kl_diag` of `f32` at the default precision |
//! | path, ISAs | `F32Gaussian`: AVX-512, AVX2 |
//! | documented bound | 2^-21 relative |
//! | measured worst | 2^-23.1; single terms 5.29·2^-24 (Sapphire Rapids; `cargo test -p relent-simd -- --nocapture` prints them) |
//! | fallback | per chunk, to `F64Term` (see `# Range` below) |
//! | tests | `f32lanes::gaussian::tests` (single terms over the band edges and scales, vectors, invalid elements, −0.0, range ends) and the harness |
//! | bench | `gaussian_kl_diag/<backend>-f32` (`cargo bench -p relent-benches --bench kernels`) |
//!
//! The default-precision path for `f32` inputs of the diagonal-Gaussian KL with variances
//! (`gaussian_kl_diag`): the per-dimension term
//! `t = ln(σq²/σp²) + (σp² + d²)/σq² − 1 = (d² + g(σq², σp²))/σq²`, `d = μp − μq`,
//! `g(x, y) = x·ln(x/y) − x + y ≥ 0`, computed in `f32` lanes (16 per AVX-512 vector, 8 on AVX2)
//! with [`crate::f32lanes::ratio`]'s cancellation-free `g` (`x = σq²`, `y = σp²`) and one division;
//! the result is `½ Σ t` (every term ≥ 0).
//!
//! # Method
//! - `g(x, y)` exactly as `f32lanes::ratio` computes the generalised-KL term (band `x/y ∈ [1/2, 2]`:
//!   `(x + y)·S²·(1 + S(1 + S)·P(S²))`, `S = (x − y)/(x + y)`; outside:
//!   `2x·(k·ln2/2 + atanh(s)) − (x − y)` from the mantissa split), except that outside the band
//!   the rounding error `e` of `x − y` (TwoSum) is subtracted as well: there the linear part
//!   cancels against the logarithm (`|x − y| ≤ 2.6·g` at `x/y = 2`), and its rounding would
//!   otherwise cost 1.3u.
//! - `t = fma(d, d, g)/x` by `vdivps` (one rounding each; `d²` is exact inside the FMA, so an
//!   underflowing `d²` next to a normal `g` loses nothing).
//! - The terms of two consecutive vectors are added (≤ 0.5u) and TwoSum-accumulated per lane
//!   (as `f32lanes::ratio`), folded into an `f64` double-double at the end of the chunk.
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
//! - underflow: every operation whose result can be subnormal adds at most 2^-150 absolutely:
//!   `g`'s last one or two operations, the quotient's residual (when `σq² − σp²` is
//!   subnormal; its error reaches `g` damped by `2S·(x + y)/(x + y) ≤ 2/3`), the FMA — at most
//!   2^-148 in the numerator — and the division; divided by `σq²` that is
//!   ≤ 2^-147/min(σq², 1) per term (with the tracked minimum `v` standing in for `σq²`: it is
//!   never larger), so a chunk of `n` terms is kept only where its sum is ≥
//!   2^30·n·2^-147/min(v, 1) (the underflow then costs ≤ 2^-30 of the result). A zero sum
//!   (identical parameters) also goes to the `f64` kernel, which returns 0 exactly. On AVX2 a
//!   subnormal variance outside the band makes `g` non-finite (`exponent` is `−∞`, see
//!   `lanes32::avx2`) and goes the same way.

use crate::dd::two_sum_acc32;
use crate::driver::{fold_chunks, or_term};
use crate::f32lanes::ratio::{Atanh, LN2H, PF, atanh, reduce};
use crate::f64lanes::GaussianKlDiag;
use crate::func::{Func, Partial};
use crate::lanes::Lanes;
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
    let mx = l.mantissa(x);
    let my = l.mantissa(y);
    let k = l.sub(l.exponent(x), l.exponent(y));
    // Band: (x − y)/(x + y); outside: (mx − my)/(mx + my) (as `f32lanes::ratio::terms`).
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
            two_sum_acc32(l, &mut ah, &mut al, t);
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
        two_sum_acc32(l, &mut ah, &mut al, l.add(t1, t2));
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

/// [`crate::route::Path::F32Gaussian`]: the chunks by [`chunk`], each falling back to the
/// `f64`-lane Gaussian term where it returns `None`.
#[inline(always)]
pub(crate) fn run<L: Lanes + Lanes32>(l: L, ins: [&[f32]; 4], whole: bool) -> Partial {
    fold_chunks!(Func::GaussianKlDiag, ins[0].len(), whole, |r| {
        let c = ins.map(|s| &s[r.clone()]);
        or_term!(chunk(l, c), L, l, f32, GaussianKlDiag, c)
    })
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // index-parallel inputs
mod tests {
    use super::*;
    use crate::arch::avx2::Avx2;
    use crate::arch::avx512::Avx512;
    use crate::{Backend, Precision, for_backend};

    /// The reference: relent-scalar's double-double `kl_diag` (≤ ~2^-100 relative, then one
    /// rounding), on exactly the `f32` inputs the kernel sees.
    fn want(ins: [&[f32]; 4]) -> f64 {
        relent_scalar::gaussian::kl_diag(ins[0], ins[1], ins[2], ins[3])
    }

    struct Rng(u64);
    impl Rng {
        fn unif(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Both `f32`-lane backends this CPU has (each printed as skipped otherwise), with the
    /// matching [`crate::Kernels`].
    fn backends() -> (Option<Avx512>, Option<Avx2>) {
        (
            crate::testutil::avx512("f32-lane Gaussian"),
            crate::testutil::avx2("f32-lane Gaussian"),
        )
    }

    /// One adversarial term `(μp, σp², μq, σq²)`: `σq²` log-uniform in `[2^-100, 2^100]`,
    /// `σp²/σq²` log-uniform in `[2^-8, 2^8]`, within 1e-3 of 1/4, 1/2, 1, 2, 4 (the band edges,
    /// where `g`'s cancellation is largest, and where `k` jumps), or a few ulp from 1; `d = 0`,
    /// or `d = σq·2^c` with `c ∈ [-40, 10]` (so `d²/σq²` from far below to far above `ψ`).
    fn term_case(r: &mut Rng, i: usize) -> [f32; 4] {
        let vq = 2f64.powf(-100.0 + 200.0 * r.unif()) as f32;
        let vp = match i % 4 {
            0 => (f64::from(vq) * 2f64.powf(16.0 * r.unif() - 8.0)) as f32,
            1 | 2 => {
                let c = [0.25, 0.5, 1.0, 2.0, 4.0][(i / 4) % 5];
                (f64::from(vq) * c * (1.0 + 2e-3 * (r.unif() - 0.5))) as f32
            }
            _ => f32::from_bits(vq.to_bits() + (i / 4 % 7) as u32).max(f32::MIN_POSITIVE),
        };
        let mq = (r.unif() - 0.5) as f32 * 2f64.powi((i % 9) as i32 * 8 - 40) as f32;
        let mp = if i.is_multiple_of(3) {
            mq
        } else {
            let c = -40.0 + 50.0 * r.unif();
            let d = f64::from(vq).sqrt() * 2f64.powf(c);
            (f64::from(mq) + if i.is_multiple_of(2) { d } else { -d }) as f32
        };
        [mp, vp, mq, vq]
    }

    /// Single terms (`n = 1`; the padding adds exactly 0) on the fast path against the
    /// reference: the documented per-term bound ~6.3u (asserted ≤ 6.5u, u = 2^-24, relative to
    /// the value). Terms the fast path hands back (`None`) are checked through the full kernel
    /// against 2^-21, and most terms must take the fast path.
    #[test]
    fn single_terms() {
        let (a, b) = backends();
        if let Some(t) = a {
            single_terms_on(t, Backend::Avx512);
        }
        if let Some(t) = b {
            single_terms_on(t, Backend::Avx2);
        }
    }

    fn single_terms_on<L: Lanes32>(t: L, backend: Backend) {
        let k = for_backend(backend).unwrap();
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        let (mut worst, mut at, mut fast, mut total) = (0.0f64, [0.0f32; 4], 0, 0);
        for i in 0..200_000 {
            let x = term_case(&mut r, i);
            let ins = [&x[0..1], &x[1..2], &x[2..3], &x[3..4]];
            let w = want(ins);
            if !w.is_finite() {
                continue;
            }
            total += 1;
            match chunk(t, ins) {
                Some(part) => {
                    fast += 1;
                    let e = (part.finish().value - w).abs() / w;
                    if e > worst {
                        (worst, at) = (e, x);
                    }
                }
                None => {
                    let got =
                        k.gaussian_kl_diag(ins[0], ins[1], ins[2], ins[3], Precision::Default);
                    assert!(!got.invalid);
                    assert!(
                        (got.value - w).abs() <= crate::bounds::DEFAULT_NARROW * w,
                        "{x:?}"
                    );
                }
            }
        }
        println!(
            "{backend} f32-lane Gaussian single terms: {fast}/{total} on the f32 path, max error {:.2}·2^-24 \
             (at μp, σp², μq, σq² = {at:?})",
            worst * 2f64.powi(24)
        );
        assert!(worst <= 6.5 * 2f64.powi(-24), "2^{:.2}", worst.log2());
        assert!(
            fast * 10 >= total * 9,
            "only {fast}/{total} on the fast path"
        );
    }

    /// Vectors of random terms (lengths 1..=300, so pairs, the odd vector and every tail) from
    /// the same generator, with the scales of σq² kept within 2^±20 so that no term is lost
    /// next to another: the whole-call error within 2^-21 (the documented ≤ ~6.8u), on the fast
    /// path.
    #[test]
    fn vectors() {
        let (a, b) = backends();
        if let Some(t) = a {
            vectors_on(t, "avx512");
        }
        if let Some(t) = b {
            vectors_on(t, "avx2");
        }
    }

    fn vectors_on<L: Lanes32>(t: L, backend: &str) {
        let mut r = Rng(12345);
        let mut worst = 0.0f64;
        for n in 1..=300 {
            let mut v: [Vec<f32>; 4] = Default::default();
            for i in 0..n {
                let mut x = term_case(&mut r, i + n);
                let s =
                    2f64.powi(-(x[3].log2().round() as i32)) * 2f64.powf(40.0 * r.unif() - 20.0);
                for j in 0..4 {
                    // Means by √s: d²/σq² keeps its ratio to ψ.
                    let f = if j % 2 == 0 { s.sqrt() } else { s };
                    x[j] = (f64::from(x[j]) * f) as f32;
                }
                for j in 0..4 {
                    v[j].push(x[j]);
                }
            }
            let ins = [&v[0][..], &v[1][..], &v[2][..], &v[3][..]];
            let w = want(ins);
            let part = chunk(t, ins).expect("normal-range terms stay on the f32 path");
            let e = (part.finish().value - w).abs() / w;
            worst = worst.max(e);
        }
        println!(
            "{backend} f32-lane Gaussian vectors: max error {:.2}·2^-24",
            worst * 2f64.powi(24)
        );
        assert!(
            worst <= crate::bounds::DEFAULT_NARROW,
            "2^{:.2}",
            worst.log2()
        );
    }

    /// Every invalid element (NaN or ±∞ in any input; a variance that is 0, −0.0, negative,
    /// NaN or ∞), in every lane position (paired vectors, the odd vector, the tail), sends the
    /// chunk to the `f64` kernel, and the whole call reports it.
    #[test]
    fn invalid_elements_leave_the_fast_path() {
        let (a, b) = backends();
        if let Some(t) = a {
            invalid_on(t, Backend::Avx512);
        }
        if let Some(t) = b {
            invalid_on(t, Backend::Avx2);
        }
    }

    fn invalid_on<L: Lanes32>(t: L, backend: Backend) {
        let k = for_backend(backend).unwrap();
        let n = 53;
        let base: [Vec<f32>; 4] = [
            (0..n).map(|i| (i as f32 * 0.37).sin()).collect(),
            (0..n).map(|i| 0.5 + (i % 5) as f32 * 0.3).collect(),
            (0..n).map(|i| (i as f32 * 0.11).cos()).collect(),
            (0..n).map(|i| 0.7 + (i % 3) as f32 * 0.5).collect(),
        ];
        let (nan, inf) = (f32::NAN, f32::INFINITY);
        let bad_mean = [nan, inf, -inf];
        let bad_var = [nan, inf, -inf, 0.0, -0.0, -1.0, -1e-30, -f32::MIN_POSITIVE];
        for pos in 0..n {
            for input in 0..4 {
                let bad: &[f32] = if input % 2 == 0 { &bad_mean } else { &bad_var };
                for &x in bad {
                    let mut v = base.clone();
                    v[input][pos] = x;
                    let ins = [&v[0][..], &v[1][..], &v[2][..], &v[3][..]];
                    assert!(
                        chunk(t, ins).is_none(),
                        "{x} in input {input} at {pos} stayed on the f32 path"
                    );
                    let out =
                        k.gaussian_kl_diag(ins[0], ins[1], ins[2], ins[3], Precision::Default);
                    assert!(out.invalid, "{x} in input {input} at {pos} not reported");
                }
            }
            let ins = [&base[0][..], &base[1][..], &base[2][..], &base[3][..]];
            assert!(chunk(t, ins).is_some());
        }
    }

    /// `−0.0` means are `+0.0` (bit-identical results in every lane position); the variances
    /// `±0.0` are both invalid (as the reference says: NaN).
    #[test]
    fn negative_zero() {
        let (a, b) = backends();
        if let Some(t) = a {
            negative_zero_on(t);
        }
        if let Some(t) = b {
            negative_zero_on(t);
        }
    }

    fn negative_zero_on<L: Lanes32>(t: L) {
        let n = 37;
        assert!(relent_scalar::gaussian::kl_diag(&[0.0f32], &[-0.0], &[0.0], &[1.0]).is_nan());
        for pos in 0..n {
            let mut v: [Vec<f32>; 4] = [
                (0..n).map(|i| [0.5, -1.0, 0.25][i % 3]).collect(),
                (0..n).map(|i| [1.0, 0.5, 3.0, 2.0][i % 4]).collect(),
                (0..n).map(|i| [1.0, 0.5][i % 2]).collect(),
                (0..n).map(|i| [1.0, 2.0, 0.75][i % 3]).collect(),
            ];
            v[0][pos] = 0.0;
            v[2][pos] = 0.0;
            let ins = [&v[0][..], &v[1][..], &v[2][..], &v[3][..]];
            let plus = chunk(t, ins).map(|p| p.finish().value.to_bits());
            assert!(plus.is_some());
            for (a, b) in [(true, false), (false, true), (true, true)] {
                let mut w = v.clone();
                if a {
                    w[0][pos] = -0.0;
                }
                if b {
                    w[2][pos] = -0.0;
                }
                let ins = [&w[0][..], &w[1][..], &w[2][..], &w[3][..]];
                assert_eq!(chunk(t, ins).map(|p| p.finish().value.to_bits()), plus);
            }
            let mut w = v.clone();
            w[1][pos] = -0.0;
            let ins = [&w[0][..], &w[1][..], &w[2][..], &w[3][..]];
            assert!(chunk(t, ins).is_none());
        }
    }

    /// The ends of the `f32` range: huge means (`μp − μq` or `d²` overflowing), variances up to
    /// `f32::MAX` and down into the subnormals, `d²` underflowing next to a tiny `σq²`, and
    /// identical parameters. Whatever path a chunk takes, the whole call stays within 2^-21 of
    /// the reference (KL(p, p) = 0 exactly); chunks the fast path keeps must be finite.
    #[test]
    fn range_ends() {
        let (a, b) = backends();
        if let Some(t) = a {
            range_on(t, Backend::Avx512);
        }
        if let Some(t) = b {
            range_on(t, Backend::Avx2);
        }
    }

    fn range_on<L: Lanes32>(t: L, backend: Backend) {
        let k = for_backend(backend).unwrap();
        let sub = f32::from_bits(5);
        let mn = f32::MIN_POSITIVE;
        let big = 2f32.powi(125);
        let one: [f32; 4] = [0.3, 1.0, -0.2, 1.5];
        let singles: &[[f32; 4]] = &[
            [f32::MAX, 1.0, -f32::MAX, 1.0],
            [1e20, 1.0, -1e20, 1.0],
            [2e19, 1e-30, -2e19, 1e-30],
            [1.0, f32::MAX, 0.0, f32::MAX],
            [1.0, big, 0.0, big],
            [1.0, big, 0.0, big * 0.5],
            [1.0, big * 3.0, 0.0, big * 3.0],
            [1.0, big * 3.0, 0.0, big * 2.9],
            [1.0, f32::MAX, 0.0, 1.0],
            [1.0, 1.0, 0.0, f32::MAX],
            [0.0, sub, 0.0, sub],
            [0.0, sub, 0.0, f32::from_bits(6)],
            [0.0, mn, 0.0, mn * 1.000_001],
            [0.0, 1.0, 0.0, sub],
            [0.0, sub, 0.0, 1.0],
            [1e-30, 1e-38, 0.0, 1e-38],
            [1e-25, 2e-38, 0.0, 1e-38],
            [3e-39, 1e-30, 0.0, 1e-30],
            [1e-22, 1e-30, 0.0, 1e-30],
            [5.0, 1e-30, 5.0, 1.000_001e-30],
            [5.0, 3.0, 5.0, 3.0],
        ];
        for x in singles {
            // Alone and inside a vector of ordinary terms, at a few positions.
            for (n, pos) in [(1, 0), (40, 0), (40, 17), (40, 39)] {
                let mut v: [Vec<f32>; 4] = Default::default();
                for i in 0..n {
                    for j in 0..4 {
                        v[j].push(if i == pos {
                            x[j]
                        } else {
                            one[j] * (1.0 + i as f32 / 64.0)
                        });
                    }
                }
                let ins = [&v[0][..], &v[1][..], &v[2][..], &v[3][..]];
                let w = want(ins);
                if let Some(part) = chunk(t, ins) {
                    let got = part.finish().value;
                    assert!(got.is_finite(), "{x:?} at {pos}/{n}: {got}");
                    assert!(
                        (got - w).abs() <= crate::bounds::DEFAULT_NARROW * w,
                        "{x:?} at {pos}/{n}: {got} vs {w}"
                    );
                }
                let out = k.gaussian_kl_diag(ins[0], ins[1], ins[2], ins[3], Precision::Default);
                assert!(!out.invalid, "{x:?}");
                if w == 0.0 || w.is_infinite() {
                    assert_eq!(out.value, w, "{x:?} at {pos}/{n}");
                } else {
                    let e = (out.value - w).abs() / w;
                    assert!(
                        e <= crate::bounds::DEFAULT_NARROW,
                        "{x:?} at {pos}/{n}: 2^{:.2}",
                        e.log2()
                    );
                }
            }
        }
    }
}
