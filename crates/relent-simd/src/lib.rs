//! # relent-simd — the kernels
//!
//! Every function of relent's contract as SIMD kernels, written once over a small lane
//! abstraction and instantiated for AVX-512F, AVX2+FMA (`std::arch`), the portable `wide`
//! backend and a scalar path. The backend is chosen once at run time and cached ([`backend()`]);
//! `RELENT_BACKEND=portable|avx2|avx512|scalar` forces one ([`try_backend`] reports an
//! unavailable or unknown one as an error).
//!
//! Inputs are `f32`, `f64` and, with the `half` feature, `f16`/`bf16`; results are `f64`. Each
//! function returns an [`Output`]: the value and an `invalid` flag that the kernel sets, at
//! almost no cost, when it saw an element outside the function's domain. Lengths must be equal
//! (the functions panic otherwise; the checked `relent` crate returns an error instead).
//!
//! # Accuracy
//! The kernels compute in `f64` lanes (inputs widened exactly) and are designed for ≤ 2^-49
//! relative error on every input type, for the functions whose terms are non-negative (KL when
//! `Σp ≈ Σq`, generalised KL, Jeffreys, JS, normalised KL, cross-entropy/entropy of
//! probabilities, Gaussian KL): the terms are relative-accurate (`g(p, q) = p·ln(p/q) − p + q ≥
//! 0`, see `math::ln`) and their sums compensated. For KL the exact `Σ(p − q)` is added.
//! `kl_log` and `kl_logits` sum terms of both signs: their error is ≤ 2^-49 relative to
//! `Σ e^lp·|lp − lq|` (for `kl_logits` plus the log-sum-exp magnitudes).
//!
//! [`Precision::Default`] with `f32` inputs on AVX-512 and AVX2 runs every function in `f32`
//! lanes instead (16 or 8 per vector, 2–4× faster) at ≤ 2^-21; `f64` KL, generalised and
//! normalised KL and Jensen–Shannon on AVX-512 take a division-based `f64`-lane kernel at
//! ≤ 2^-49 — the route below says which path computes what. Every fast path hands a chunk it
//! cannot take (invalid or extreme values) to an `f64`-lane kernel, deciding from the chunk's
//! own values. [`Precision::High`] always takes the `f64`-lane kernels; `f64` inputs always get
//! 2^-49. `kl_logits` recovers the rounding of its shifted logits only where 2^-49 is promised
//! (`f64` inputs, `Precision::High`); `f32`, `f16` and `bf16` at the default precision skip
//! that step (its error, ≤ |α|·2^-53 of a term, is far inside 2^-21). The documented bounds
//! live in one table, [`bounds`], which every crate's tests import.
//! Results depend only on the values (never on alignment or thread count); different backends
//! may differ within the bound. Measured errors are printed by `cargo test -p relent-simd`.
//!
//! # Route
//! One function, [`route::route`], says which path computes each (function, element type,
//! precision, backend) — an exhaustive `match` over [`Func`], so a new function does not
//! compile until it is routed — and [`Kernels`] executes it. The paths, grouped by bound class
//! (files under `src/`; measured worst on a Sapphire Rapids, error over the function's scale,
//! every backend the CPU has; tests under `src/` are `cargo test -p relent-simd` unit tests,
//! `harness` runs every backend against a double-double reference, `tests/route_hashes.rs`
//! pins every path's bits; bench ids are `cargo bench -p relent-benches --bench kernels`'s):
//!
//! | path | file | computes | bound | measured worst | oracle tests | bench id |
//! |---|---|---|---|---|---|---|
//! | `F64Term` | `f64lanes/<function>.rs` over `driver.rs` | every function but `kl_logits`, wherever no other path is routed (`f64` on AVX2, portable, scalar; `f16`/`bf16`; [`Precision::High`]) | 2^-49 | 2^-49.8 (`f16`, generalised KL) | `harness::every_backend_every_function`, `harness::special_values` | `kl_f64/avx2`, `<function>/<backend>-f64` |
//! | `F64Logits` | `f64lanes/logits.rs` | `kl_logits` of `f64`, and at [`Precision::High`] | 2^-49 | 2^-52.8 | `harness::kl_logits_extremes` | `kl_logits/<backend>-f64` |
//! | `F64LogitsShort` | `f64lanes/logits.rs` | `kl_logits` of `f16`/`bf16` (and `f32` on portable, scalar) at the default precision | 2^-21 | 2^-30.7 (`f16`) | `harness::every_backend_every_function` | — |
//! | `F64Divided` | `f64lanes/divided.rs` | `f64` KL, generalised and normalised KL, JS on AVX-512; falls back to `F64Term` | 2^-49 | 2^-52.0 | `f64lanes::divided::tests`, harness | `kl_f64/avx512`, `js_divergence/avx512-f64` |
//! | `F32Ratio` | `f32lanes/ratio.rs` | `f32` KL, generalised and normalised KL, Jeffreys, cross-entropy, entropy, JS at the default precision on AVX-512, AVX2; falls back to `F64Term` | 2^-21 | 2^-22.6 (JS) | `f32lanes::ratio::tests`, harness | `kl_f32/<backend>`, `<function>/<backend>-f32` |
//! | `F32Exp` | `f32lanes/exp.rs` | `f32` `kl_log` and Gaussian KL from log-variances, likewise; falls back to `F64Term` | 2^-21 | 2^-23.5 | `f32lanes::exp::tests`, harness | `kl_log/<backend>-f32`, `gaussian_kl_diag_logvar/<backend>-f32` |
//! | `F32Logits` | `f32lanes/exp.rs` | `f32` `kl_logits`, likewise; falls back to `F64LogitsShort` | 2^-21 | 2^-24.5 | `f32lanes::exp::tests::logits_chunk_against_exact`, harness | `kl_logits/<backend>-f32` |
//! | `F32Gaussian` | `f32lanes/gaussian.rs` | `f32` Gaussian KL with variances, likewise; falls back to `F64Term` | 2^-21 | 2^-23.1 | `f32lanes::gaussian::tests`, harness | `gaussian_kl_diag/<backend>-f32` |
//!
//! Following a call (`f32` KL at the default precision on AVX2) takes four files:
//! `relent::kl` (crates/relent/src/lib.rs) → [`Kernels::kl`] and [`route::route`]
//! (`route.rs`: the route and the dispatcher that executes it, into the backend's entry point
//! `Entries::ratio32`, a `#[target_feature]` function generated by `arch/mod.rs`'s `entries!`)
//! → the kernel (`f32lanes/ratio.rs`: `run`, `chunk`, `terms`) → its lane operations, the
//! instructions (`arch/avx2.rs`). The rest of the crate:
//! `func.rs` ([`Func`], [`Partial`]: the deterministic chunk fold), `backend.rs` (the one
//! backend policy), `settle.rs` (the one non-finite-result policy), `dd.rs` (double-double),
//! `lanes.rs` / `lanes32.rs` (the lane traits), `math/` (`ln`, `exp`), `bench_baseline.rs`
//! (the benches' straightforward AVX2 loop, feature `baseline`). `unsafe` lives in `arch/avx2.rs`,
//! `arch/avx512.rs` and `bench_baseline.rs` only.
//!
//! # Special values
//! A term with p = 0 is 0 (also when q = 0); p > 0 with q = 0 gives +∞; masked log-probs and
//! logits (−∞) are zero probability. KL(p, p) = 0 exactly.
//!
//! ```
//! use relent_simd::{kl, Precision};
//! let p = [0.5f32, 0.25, 0.25];
//! let q = [0.25f32, 0.25, 0.5];
//! let out = kl(&p, &q, Precision::Default);
//! assert!(!out.invalid);
//! // f32 inputs at the default precision: ≤ 2^-21 relative (Precision::High: 2^-49).
//! let want = 0.25 * std::f64::consts::LN_2;
//! assert!((out.value - want).abs() <= relent_simd::bounds::DEFAULT_NARROW * want);
//! let high = kl(&p, &q, Precision::High).value;
//! assert!((high - want).abs() <= relent_simd::bounds::HIGH * want);
//! ```
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod arch;
mod backend;
#[cfg(feature = "baseline")]
#[doc(hidden)]
pub mod bench_baseline;
pub mod bounds;
mod dd;
mod driver;
mod f32lanes;
mod f64lanes;
mod func;
#[cfg(test)]
mod harness;
mod lanes;
mod lanes32;
mod math;
pub mod route;
mod settle;
#[cfg(test)]
mod testutil;

pub use backend::{
    Backend, BackendError, available_backends, backend, clear_upper_vector_state, for_backend,
    try_backend,
};
pub use func::{CHUNK, Func, Partial};
pub use relent_scalar::Element;
pub use route::Kernels;
pub use settle::settle;

/// Requested accuracy for `f32`/`f16`/`bf16` inputs (`f64` inputs are always computed at
/// [`Precision::High`]).
///
/// ```
/// use relent_simd::{kl, Precision};
/// let v = kl(&[1.0f32], &[0.5], Precision::High).value;
/// assert_eq!(v, std::f64::consts::LN_2);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Precision {
    /// ≤ 2^-21 relative error for `f32`/`f16`/`bf16` inputs (`f64` inputs: 2^-49). Fastest:
    /// every function with `f32` inputs runs in `f32` lanes on AVX-512 and AVX2.
    #[default]
    Default,
    /// ≤ 2^-49 relative error for every input type.
    High,
}

/// A kernel's result.
///
/// ```
/// use relent_simd::{kl, Precision};
/// let out = kl(&[-1.0f64], &[1.0], Precision::Default);
/// assert!(out.invalid);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Output {
    /// The value (unspecified when `invalid`).
    pub value: f64,
    /// Set when an element violated the function's domain (probabilities: negative, NaN or
    /// ±∞; log-probabilities and logits: NaN or +∞; means: non-finite; variances: ≤ 0 or
    /// non-finite).
    pub invalid: bool,
}

/// Kullback–Leibler divergence `Σ p·ln(p/q)` over the numbers as given.
///
/// # Accuracy
/// Error ≤ ε·(Σg + |KL|) + 2^-90·Σ(p + q) (ε = 2^-49; `f32`/`f16`/`bf16` inputs at
/// [`Precision::Default`]: 2^-21), with `g = p·ln(p/q) − p + q ≥ 0` and
/// `KL = Σg + Σ(p − q)`: ≤ 2^-49 relative whenever `Σg ≲ |KL|` — normalised inputs, including
/// near-identical distributions with KL ≈ 1e-9 — for `f64` and `f32` inputs alike.
///
/// # Special values
/// p = 0 → term 0 (also with q = 0); p > 0, q = 0 → +∞; KL(p, p) = 0 exactly; empty → 0.
///
/// # Panics
/// If the lengths differ.
///
/// ```
/// use relent_simd::{kl, Precision};
/// assert_eq!(kl(&[1.0f64, 0.0], &[0.0, 1.0], Precision::Default).value, f64::INFINITY);
/// assert_eq!(kl(&[0.0f64, 1.0], &[0.5, 0.5], Precision::Default).value, std::f64::consts::LN_2);
/// ```
pub fn kl<T: Element>(p: &[T], q: &[T], precision: Precision) -> Output {
    backend::kernels().kl(p, q, precision)
}

/// KL(p/Σp ‖ q/Σq) without materialising the normalised vectors (SciPy `entropy(p, q)`).
///
/// # Accuracy
/// ≤ 2^-49 relative (`f32`/`f16`/`bf16` at [`Precision::Default`]: 2^-21). Computed in one
/// pass as `Σg/Σp − φ(t)`, `t = Σq/Σp − 1`, `φ(t) = t − ln(1+t)`, with exact sums; where that
/// form would cancel (`φ(t)` larger than the result: totals far apart, e.g. raw counts of
/// different sizes) or a total lies outside `[2^-900, 2^900]`, the value comes from the exact
/// reference (`relent_scalar::kl_normalized`, ~10× slower) instead.
///
/// # Special values
/// As [`kl`]; Σp = 0 or Σq = 0 gives the reference's value (NaN / +∞); the checked `relent`
/// crate reports them as errors.
///
/// # Panics
/// If the lengths differ.
///
/// ```
/// use relent_simd::{kl_normalized, Precision};
/// let v = kl_normalized(&[2.0f64, 2.0], &[1.0, 3.0], Precision::Default).value;
/// assert!((v - 0.14384103622589045).abs() < 1e-15);
/// ```
pub fn kl_normalized<T: Element>(p: &[T], q: &[T], precision: Precision) -> Output {
    backend::kernels().kl_normalized(p, q, precision)
}

/// Cross-entropy `−Σ p·ln q`.
///
/// # Accuracy
/// ≤ 2^-49 relative for probabilities (q ≤ 1: non-negative terms, `ln` ≤ 2 ulp).
/// `f32`/`f16`/`bf16` inputs at [`Precision::Default`]: 2^-21 in place of 2^-49.
///
/// # Special values
/// p = 0 → 0 (also with q = 0); p > 0, q = 0 → +∞.
///
/// # Panics
/// If the lengths differ.
///
/// ```
/// use relent_simd::{cross_entropy, Precision};
/// let v = cross_entropy(&[0.5f64, 0.5], &[0.5, 0.5], Precision::Default).value;
/// assert!((v - std::f64::consts::LN_2).abs() < 1e-16);
/// ```
pub fn cross_entropy<T: Element>(p: &[T], q: &[T], precision: Precision) -> Output {
    backend::kernels().cross_entropy(p, q, precision)
}

/// Shannon entropy `−Σ p·ln p`.
///
/// # Accuracy
/// ≤ 2^-49 relative for probabilities (p ≤ 1); `f32`/`f16`/`bf16` at
/// [`Precision::Default`]: 2^-21.
///
/// # Special values
/// p = 0 → 0.
///
/// ```
/// use relent_simd::{entropy, Precision};
/// let v = entropy(&[0.25f32; 4], Precision::Default).value;
/// assert!((v - 4f64.ln()).abs() <= relent_simd::bounds::DEFAULT_NARROW * 4f64.ln()); // f32, default: 2^-21
/// let v = entropy(&[0.25f32; 4], Precision::High).value;
/// assert!((v - 4f64.ln()).abs() < 1e-15);
/// ```
pub fn entropy<T: Element>(p: &[T], precision: Precision) -> Output {
    backend::kernels().entropy(p, precision)
}

/// Generalised KL `Σ p·ln(p/q) − p + q` (SciPy `kl_div` summed).
///
/// # Accuracy
/// ≤ 2^-49 relative (non-negative terms, each a few ulp).
/// `f32`/`f16`/`bf16` inputs at [`Precision::Default`]: 2^-21 in place of 2^-49.
///
/// # Special values
/// p = 0 → q; p > 0, q = 0 → +∞.
///
/// # Panics
/// If the lengths differ.
///
/// ```
/// use relent_simd::{generalized_kl, Precision};
/// assert_eq!(generalized_kl(&[0.0f64], &[2.0], Precision::Default).value, 2.0);
/// ```
pub fn generalized_kl<T: Element>(p: &[T], q: &[T], precision: Precision) -> Output {
    backend::kernels().generalized_kl(p, q, precision)
}

/// Jeffreys divergence `Σ (p − q)·ln(p/q)` = KL(p‖q) + KL(q‖p).
///
/// # Accuracy
/// ≤ 2^-49 relative (non-negative terms).
/// `f32`/`f16`/`bf16` inputs at [`Precision::Default`]: 2^-21 in place of 2^-49.
///
/// # Special values
/// A term with exactly one of p, q zero is +∞; both zero → 0.
///
/// # Panics
/// If the lengths differ.
///
/// ```
/// use relent_simd::{jeffreys, Precision};
/// let v = jeffreys(&[0.5f64, 0.5], &[0.25, 0.75], Precision::Default).value;
/// assert!((v - (0.25 * 2f64.ln() - 0.25 * (2.0f64 / 3.0).ln())).abs() < 1e-15);
/// ```
pub fn jeffreys<T: Element>(p: &[T], q: &[T], precision: Precision) -> Output {
    backend::kernels().jeffreys(p, q, precision)
}

/// Jensen–Shannon divergence `½KL(p‖m) + ½KL(q‖m)`, `m = (p+q)/2`.
///
/// # Accuracy
/// ≤ 2^-49 relative (non-negative terms, including near-identical inputs); `f32`/`f16`/`bf16`
/// inputs at [`Precision::Default`]: 2^-21 in place of 2^-49 (`f32` on AVX-512 and AVX2 runs in
/// `f32` lanes: measured worst 2^-22.6, the closest of any function to its bound).
///
/// # Special values
/// Never +∞; disjoint supports give `ln 2` (normalised inputs); JS(p, p) = 0.
///
/// # Panics
/// If the lengths differ.
///
/// ```
/// use relent_simd::{js_divergence, Precision};
/// let v = js_divergence(&[1.0f64, 0.0], &[0.0, 1.0], Precision::Default).value;
/// assert!((v - std::f64::consts::LN_2).abs() < 1e-16);
/// ```
pub fn js_divergence<T: Element>(p: &[T], q: &[T], precision: Precision) -> Output {
    backend::kernels().js_divergence(p, q, precision)
}

/// KL from natural-log probabilities: `Σ e^lp·(lp − lq)`.
///
/// # Accuracy
/// ≤ ~2^-50 relative to `Σ e^lp·|lp − lq|` (terms of both signs); `f32` inputs at
/// [`Precision::Default`] on AVX-512 and AVX2 run in `f32` lanes: ≤ 2^-21 relative to the
/// same scale (measured worst 2^-23.8).
///
/// # Special values
/// lp = −∞ → 0; lq = −∞ < lp → +∞. NaN or +∞ inputs set `invalid`.
///
/// # Panics
/// If the lengths differ.
///
/// ```
/// use relent_simd::{kl_log, Precision};
/// let h = 0.5f64.ln();
/// let v = kl_log(&[h, h], &[h, h], Precision::Default).value;
/// assert_eq!(v, 0.0);
/// ```
pub fn kl_log<T: Element>(lp: &[T], lq: &[T], precision: Precision) -> Output {
    backend::kernels().kl_log(lp, lq, precision)
}

/// `KL(softmax(a/t) ‖ softmax(b/t))`, fused (no softmax materialised) and stable.
///
/// # Accuracy
/// ≤ 2^-49·(Σ pa·|la − lb| + |lse(a/t)| + |lse(b/t)|) (`f32`/`f16`/`bf16` inputs at
/// [`Precision::Default`]: 2^-21 times that scale; `f32` runs in `f32` lanes on AVX-512 and
/// AVX2, measured worst 2^-24.5): the streaming (online-softmax) form
/// `W/Sa + ln(Sb/Sa)`, `W = Σ e^α·((a − b) − (ma − mb))/t` with `α = (a − ma)/t`, cancels the
/// log-sum-exp shifts, so for near-identical logits the error is relative to the shifts, not to
/// the (tiny) KL. Each logit is shifted by its row maximum before the division by `t`, so tiny
/// temperatures and logits near `f64::MAX` neither overflow nor give NaN.
///
/// # Special values
/// Masked logits (−∞) are zero probability: a = −∞ → 0; b = −∞ < a → +∞ (also when a's
/// probability underflows). A shifted logit `(x − max)/t` that is −∞ in `f64` is zero
/// probability too. NaN or +∞ inputs set `invalid`.
///
/// # Panics
/// If the lengths differ.
///
/// ```
/// use relent_simd::{kl_logits, Precision};
/// let v = kl_logits(&[1.0f32, 2.0, 3.0], &[1.0, 2.0, 3.0], 1.0, Precision::Default).value;
/// assert!(v.abs() < 1e-15);
/// ```
pub fn kl_logits<T: Element>(a: &[T], b: &[T], temperature: f64, precision: Precision) -> Output {
    backend::kernels().kl_logits(a, b, temperature, precision)
}

/// KL between diagonal Gaussians: `½ Σ [ln(σq²/σp²) + (σp² + (μp−μq)²)/σq² − 1]`.
///
/// # Accuracy
/// ≤ 2^-49 relative (non-negative terms; the variance part is computed cancellation-free);
/// `f32` inputs at [`Precision::Default`] on AVX-512 and AVX2 run in `f32` lanes: ≤ 2^-21
/// relative (the crate's bound for `f32` inputs at the default precision). Chunks with
/// extreme values (tiny or huge variances, overflowing mean differences) are computed in
/// `f64` lanes either way.
///
/// # Special values
/// A variance ≤ 0 or a non-finite input sets `invalid`.
///
/// # Panics
/// If the lengths differ.
///
/// ```
/// use relent_simd::{gaussian_kl_diag, Precision};
/// let v = gaussian_kl_diag(&[0.0f64], &[1.0], &[1.0], &[1.0], Precision::Default).value;
/// assert_eq!(v, 0.5);
/// ```
pub fn gaussian_kl_diag<T: Element>(
    mu_p: &[T],
    var_p: &[T],
    mu_q: &[T],
    var_q: &[T],
    precision: Precision,
) -> Output {
    backend::kernels().gaussian_kl_diag(mu_p, var_p, mu_q, var_q, precision)
}

/// [`gaussian_kl_diag`] with log-variances `ln σ²` as inputs.
///
/// # Accuracy
/// ≤ 2^-49 relative (non-negative terms; `e^δ − 1 − δ` computed without cancellation);
/// `f32` inputs at [`Precision::Default`] on AVX-512 and AVX2 run in `f32` lanes: ≤ 2^-21
/// relative (measured worst 2^-23.5).
///
/// # Special values
/// A non-finite input sets `invalid`.
///
/// # Panics
/// If the lengths differ.
///
/// ```
/// use relent_simd::{gaussian_kl_diag_logvar, Precision};
/// let v = gaussian_kl_diag_logvar(&[0.0f64], &[0.0], &[1.0], &[0.0], Precision::Default).value;
/// assert_eq!(v, 0.5);
/// ```
pub fn gaussian_kl_diag_logvar<T: Element>(
    mu_p: &[T],
    logvar_p: &[T],
    mu_q: &[T],
    logvar_q: &[T],
    precision: Precision,
) -> Output {
    backend::kernels().gaussian_kl_diag_logvar(mu_p, logvar_p, mu_q, logvar_q, precision)
}
