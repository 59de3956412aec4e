//! A second, smaller lane abstraction over `f32` lanes, for the fast default-precision path of
//! `f32` inputs ([`crate::f32lanes::ratio`]). Only what that kernel needs; implemented for AVX-512F
//! (the token of [`crate::arch::avx512::Avx512`] proves the CPU has it) and for AVX2+FMA
//! ([`crate::arch::avx2::Avx2`]; see `avx2` for what differs).
//!
//! Semantics the kernel relies on: `min(a, b)` returns `b` when either is NaN (x86 `minps`);
//! comparisons are ordered (false on NaN); `fma`/`fnma`/`fms` round once; `rcp` has relative
//! error ≤ 2^-14 on normal inputs; `mantissa`/`exponent` split every positive finite value (subnormals
//! included, as if normalised) into `m ∈ [1, 2)` and `e = ⌊log2 x⌋`, and `exponent(0) = −∞` — on
//! AVX2, `exponent` of a subnormal is `−∞` too (which sends the chunk to the `f64` kernel).

/// Operations on `W` lanes of `f32` (all `#[inline(always)]` in the implementations).
pub(crate) trait Lanes32: Copy + Send + Sync + 'static {
    /// `W` lanes of `f32`.
    type V: Copy;
    /// A lane mask.
    type M: Copy;
    /// Number of lanes.
    const W: usize;
    /// Every lane `x`.
    fn splat(self, x: f32) -> Self::V;
    /// Loads the first `W` values of `s` (panics if shorter).
    fn load(self, s: &[f32]) -> Self::V;
    /// Stores the lanes into the first `W` slots of `out` (panics if shorter).
    fn store(self, v: Self::V, out: &mut [f32]);
    /// `a + b`.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a − b`.
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a·b`.
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a·b + c`, one rounding.
    fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `c − a·b`, one rounding.
    fn fnma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `a·b − c`, one rounding.
    fn fms(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `a` where `a < b`, else `b`.
    fn min(self, a: Self::V, b: Self::V) -> Self::V;
    /// `|a|`.
    fn abs(self, a: Self::V) -> Self::V;
    /// Approximate `1/a` (relative error ≤ 2^-14 for normal `a`).
    fn rcp(self, a: Self::V) -> Self::V;
    /// Mantissa in `[1, 2)` of positive finite lanes (subnormals normalised).
    fn mantissa(self, a: Self::V) -> Self::V;
    /// `⌊log2 a⌋` of positive finite lanes as `f32` (subnormals included); `−∞` for 0.
    fn exponent(self, a: Self::V) -> Self::V;
    /// `a ≤ b` (ordered).
    fn le(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a < b` (ordered).
    fn lt(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a == b` (ordered).
    fn eq(self, a: Self::V, b: Self::V) -> Self::M;
    /// `!(a == a)`: NaN lanes.
    fn nan(self, a: Self::V) -> Self::M;
    /// `m ? a : b` per lane.
    fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    /// `m ? a + b : src` per lane (one merge-masked instruction).
    fn mask_add(self, src: Self::V, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    /// `m ? a − b : src` per lane (one merge-masked instruction).
    fn mask_sub(self, src: Self::V, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    /// `m ? a·b : src` per lane (one merge-masked instruction).
    fn mask_mul(self, src: Self::V, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    /// `m ? a − b : 0` per lane (one zero-masked instruction).
    fn maskz_sub(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    /// Whether any lane of `m` is set.
    fn any(self, m: Self::M) -> bool;
    /// Hints that the cache line holding `s[i]` will be read soon; `i` may lie past the end
    /// (a prefetch never faults). No effect on any value; the default does nothing.
    #[inline(always)]
    fn prefetch(self, _s: &[f32], _i: usize) {}
    /// The lanes of an `(hi, lo)` accumulator folded in the fixed pairwise tree (lane `i`
    /// with lane `i + w/2`, halving `w`): each `hi` pair by TwoSum in `f64` (lanes are exact in
    /// `f64`), the errors and the `lo` lanes gathered as `c ← (c_i + c_{i+w/2}) + e`. Returns
    /// `(s, c)`. Every backend must give these bits (the default is the scalar tree).
    fn fold(self, hi: Self::V, lo: Self::V) -> (f64, f64) {
        let mut h = [0.0f32; 16];
        let mut o = [0.0f32; 16];
        self.store(hi, &mut h);
        self.store(lo, &mut o);
        let mut s = [0.0f64; 16];
        let mut c = [0.0f64; 16];
        for i in 0..Self::W {
            s[i] = f64::from(h[i]);
            c[i] = f64::from(o[i]);
        }
        let mut w = Self::W;
        while w > 1 {
            w /= 2;
            for i in 0..w {
                let (t, e) = crate::dd::two_sum(s[i], s[i + w]);
                s[i] = t;
                c[i] = c[i] + c[i + w] + e;
            }
        }
        (s[0], c[0])
    }
    /// `a` where `a > b`, else `b` (x86 `maxps`: `b` when either is NaN).
    fn max(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a ≠ b` (ordered: false on NaN).
    fn ne(self, a: Self::V, b: Self::V) -> Self::M;
    /// `!(a < b)` (unordered: true on NaN).
    fn nlt(self, a: Self::V, b: Self::V) -> Self::M;
    /// Lanes set in `a` or in `b`.
    fn mor(self, a: Self::M, b: Self::M) -> Self::M;
    /// `m ? min(a, b) : src` per lane (`min` as [`Lanes32::min`]).
    fn mask_min(self, src: Self::V, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    /// `y·2^k` for lanes whose `k` is an integer in `[−126, 127]`, rounded once (AVX-512:
    /// `vscalefps`, any `k`; AVX2: `y` times the normal number `2^k` built from its bits — a
    /// `k` outside that range gives an unspecified value).
    fn scale2(self, y: Self::V, k: Self::V) -> Self::V;
    /// `a/b`, correctly rounded (IEEE division).
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
}
