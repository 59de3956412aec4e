//! The portable backend: four `f64` lanes on the `wide` crate (`f64x4`).
//!
//! `wide` fixes its instructions when it is compiled (`cfg(target_feature)`): on baseline
//! x86-64 this is SSE2 without FMA (its `mul_add` is then two roundings' worth of work done
//! exactly by a software path), on aarch64 NEON. It cannot be dispatched at run time, which is
//! why the AVX2 and AVX-512 backends use `std::arch` directly. No intrinsics here (Miri-friendly).

use crate::lanes::Lanes;
use wide::{f64x4, u64x4};

/// Token of the portable backend (always available).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Portable;

impl Lanes for Portable {
    type V = f64x4;
    type M = f64x4;
    const W: usize = 4;
    const FUSED_FMA: bool = cfg!(target_feature = "fma");
    #[inline(always)]
    fn splat(self, x: f64) -> f64x4 {
        f64x4::splat(x)
    }
    #[inline(always)]
    fn load_f64(self, s: &[f64]) -> f64x4 {
        let a: [f64; 4] = s[..4].try_into().unwrap();
        f64x4::new(a)
    }
    #[inline(always)]
    fn load_f32(self, s: &[f32]) -> f64x4 {
        let s = &s[..4];
        f64x4::new([s[0].into(), s[1].into(), s[2].into(), s[3].into()])
    }
    #[inline(always)]
    fn store(self, v: f64x4, out: &mut [f64]) {
        out[..4].copy_from_slice(&v.to_array());
    }
    #[inline(always)]
    fn add(self, a: f64x4, b: f64x4) -> f64x4 {
        a + b
    }
    #[inline(always)]
    fn sub(self, a: f64x4, b: f64x4) -> f64x4 {
        a - b
    }
    #[inline(always)]
    fn mul(self, a: f64x4, b: f64x4) -> f64x4 {
        a * b
    }
    #[inline(always)]
    fn div(self, a: f64x4, b: f64x4) -> f64x4 {
        a / b
    }
    #[inline(always)]
    fn fma(self, a: f64x4, b: f64x4, c: f64x4) -> f64x4 {
        // Fused where the build has FMA; otherwise multiply-then-add (two roundings). A
        // software fma (`f64::mul_add` without hardware FMA) costs ~20 ns per call; the kernels'
        // error analysis holds with two roundings too (the harness checks this backend).
        if cfg!(target_feature = "fma") {
            a.mul_add(b, c)
        } else {
            a * b + c
        }
    }
    #[inline(always)]
    fn min(self, a: f64x4, b: f64x4) -> f64x4 {
        a.simd_lt(b).bitselect(a, b)
    }
    #[inline(always)]
    fn max(self, a: f64x4, b: f64x4) -> f64x4 {
        a.simd_gt(b).bitselect(a, b)
    }
    #[inline(always)]
    fn lt(self, a: f64x4, b: f64x4) -> f64x4 {
        a.simd_lt(b)
    }
    #[inline(always)]
    fn le(self, a: f64x4, b: f64x4) -> f64x4 {
        a.simd_le(b)
    }
    #[inline(always)]
    fn eq(self, a: f64x4, b: f64x4) -> f64x4 {
        a.simd_eq(b)
    }
    #[inline(always)]
    fn and(self, a: f64x4, b: f64x4) -> f64x4 {
        a & b
    }
    #[inline(always)]
    fn or(self, a: f64x4, b: f64x4) -> f64x4 {
        a | b
    }
    #[inline(always)]
    fn not(self, a: f64x4) -> f64x4 {
        !a
    }
    #[inline(always)]
    fn select(self, m: f64x4, a: f64x4, b: f64x4) -> f64x4 {
        m.bitselect(a, b)
    }
    #[inline(always)]
    fn any(self, m: f64x4) -> bool {
        m.any()
    }
    #[inline(always)]
    fn frexp(self, x: f64x4) -> (f64x4, f64x4) {
        let b = x.to_bits();
        let m = f64x4::from_bits(
            (b & u64x4::splat(0x000F_FFFF_FFFF_FFFF)) | u64x4::splat(0x3FF0_0000_0000_0000),
        );
        // Exponent field to float: or it into the mantissa of 2^52 and subtract 2^52 + 1023.
        let e = f64x4::from_bits((b >> 52u32) | u64x4::splat(0x4330_0000_0000_0000))
            - f64x4::splat(4_503_599_627_370_496.0 + 1023.0);
        (m, e)
    }
    #[inline(always)]
    fn pow2i(self, k: f64x4) -> f64x4 {
        // k + 2^52 + 1023 holds k + 1023 in its low mantissa bits; shift them into the exponent.
        let t = (k + f64x4::splat(4_503_599_627_370_496.0 + 1023.0)).to_bits();
        f64x4::from_bits(t << 52u32)
    }
    #[inline(always)]
    fn round(self, x: f64x4) -> f64x4 {
        x.round_ties_even()
    }
}

crate::arch::plain_entries!(Portable);
