//! The scalar backend: one `f64` lane, plain Rust, no intrinsics (Miri-friendly).
//!
//! It runs the very same generic kernels as the SIMD backends, so it is both the fallback for
//! CPUs without SIMD and a readable statement of what each lane computes.

use crate::lanes::Lanes;

/// Token of the scalar backend (always available).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Scalar;

impl Lanes for Scalar {
    type V = f64;
    type M = bool;
    const W: usize = 1;
    const FUSED_FMA: bool = cfg!(target_feature = "fma");
    #[inline(always)]
    fn splat(self, x: f64) -> f64 {
        x
    }
    #[inline(always)]
    fn load_f64(self, s: &[f64]) -> f64 {
        s[0]
    }
    #[inline(always)]
    fn load_f32(self, s: &[f32]) -> f64 {
        f64::from(s[0])
    }
    #[inline(always)]
    fn store(self, v: f64, out: &mut [f64]) {
        out[0] = v;
    }
    #[inline(always)]
    fn add(self, a: f64, b: f64) -> f64 {
        a + b
    }
    #[inline(always)]
    fn sub(self, a: f64, b: f64) -> f64 {
        a - b
    }
    #[inline(always)]
    fn mul(self, a: f64, b: f64) -> f64 {
        a * b
    }
    #[inline(always)]
    fn div(self, a: f64, b: f64) -> f64 {
        a / b
    }
    #[inline(always)]
    fn fma(self, a: f64, b: f64, c: f64) -> f64 {
        // Fused where the build has FMA; a software fma would cost ~20 ns (see portable.rs).
        if cfg!(target_feature = "fma") {
            a.mul_add(b, c)
        } else {
            a * b + c
        }
    }
    #[inline(always)]
    fn min(self, a: f64, b: f64) -> f64 {
        if a < b { a } else { b }
    }
    #[inline(always)]
    fn max(self, a: f64, b: f64) -> f64 {
        if a > b { a } else { b }
    }
    #[inline(always)]
    fn lt(self, a: f64, b: f64) -> bool {
        a < b
    }
    #[inline(always)]
    fn le(self, a: f64, b: f64) -> bool {
        a <= b
    }
    #[inline(always)]
    fn eq(self, a: f64, b: f64) -> bool {
        a == b
    }
    #[inline(always)]
    fn and(self, a: bool, b: bool) -> bool {
        a & b
    }
    #[inline(always)]
    fn or(self, a: bool, b: bool) -> bool {
        a | b
    }
    #[inline(always)]
    fn not(self, a: bool) -> bool {
        !a
    }
    #[inline(always)]
    fn select(self, m: bool, a: f64, b: f64) -> f64 {
        if m { a } else { b }
    }
    #[inline(always)]
    fn any(self, m: bool) -> bool {
        m
    }
    #[inline(always)]
    fn frexp(self, x: f64) -> (f64, f64) {
        let b = x.to_bits();
        let m = f64::from_bits((b & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000);
        let e = ((b >> 52) & 0x7FF) as f64 - 1023.0;
        (m, e)
    }
    #[inline(always)]
    fn pow2i(self, k: f64) -> f64 {
        f64::from_bits(((k as i64 + 1023) as u64) << 52)
    }
    #[inline(always)]
    fn round(self, x: f64) -> f64 {
        x.round_ties_even()
    }
}

crate::arch::plain_entries!(Scalar);
