//! # relent-batch — KL divergence over many pairs, in parallel and deterministic
//!
//! Batched versions of relent's divergences over row-major matrices:
//!
//! | operation | shape | function |
//! |---|---|---|
//! | one pair (the kernel every batch call uses) | `p, q: [d]` → value | [`pair`] |
//! | row-paired (per token, per sample) | `P: n×d`, `Q: n×d` → `n` | [`row_paired`], [`row_paired_into`] |
//! | one-vs-many (query against a corpus) | `p: [d]`, `Q: m×d` → `m` | [`one_vs_many`], [`one_vs_many_into`] |
//! | all-pairs (clustering) | `P: n×d`, `Q: m×d` → `n×m` | [`all_pairs`] |
//! | top-k (retrieval) | query or `P`, `Q: m×d` → `k` nearest | [`top_k`], [`top_k_rows`] |
//! | one very long pair split across threads | `p, q: [n]` → value | [`long_pair`] |
//! | rows into probabilities (normalise, e^x, softmax) | `x: [d]` or `X: n×d` → same shape | [`transform`] |
//!
//! Which function of the family is computed is a [`Divergence`] parameter (KL, cross-entropy,
//! generalised KL, Jeffreys, Jensen–Shannon, KL from log-probabilities, KL from logits with a
//! temperature). Matrices are borrowed as [`MatRef`] (with a row stride; with the `ndarray`
//! feature, converted from `ArrayView2`), results of all-pairs are a [`Matrix`]. [`Options`]
//! choose serial execution, the current rayon pool or a given pool, and an optional progress
//! callback `(done, total)`. Input is checked: shapes, temperatures and invalid elements give a
//! typed [`Error`] naming the matrix, row, column and value. The [`transform`] module turns
//! rows of weights, log-probabilities or logits into probabilities, for the divergences that
//! have no kernel for those forms.
//!
//! ```
//! use relent_batch::{Divergence, MatRef, Options, row_paired};
//! // Two rows of model probabilities against two rows of reference probabilities.
//! let p = [0.7f32, 0.2, 0.1, /**/ 0.1, 0.1, 0.8];
//! let q = [0.6f32, 0.3, 0.1, /**/ 0.2, 0.2, 0.6];
//! let (p, q) = (MatRef::new(&p, 2, 3)?, MatRef::new(&q, 2, 3)?);
//! let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
//! let kl = row_paired(Divergence::Kl, p, q, &Options::pool(&pool))?;
//! assert_eq!(kl, row_paired(Divergence::Kl, p, q, &Options::serial())?); // same bits
//! assert!(kl.iter().all(|&v| v > 0.0));
//! # Ok::<(), relent_batch::Error>(())
//! ```
//!
//! ## Determinism
//! Every result is bit-identical for 1, 2 or N threads, serial or pooled. Each per-pair value
//! equals [`pair`] — the single-pair kernel — on the same two rows, bit for bit (except the
//! values of [`all_pairs`] with [`Method::Gemm`], which are deterministic but come from a matrix
//! product). [`pair`] itself is relent-simd's kernel on the run-time backend, a fold over FIXED
//! chunks of `relent_simd::CHUNK` elements (boundaries depend only on the index) combined left
//! to right with its compensated `Partial::combine`; [`long_pair`] computes those chunks in
//! parallel and combines them in the same order, so it returns the same bits as [`pair`] (and
//! as the checked `relent::kl` and friends on the same vectors). Different backends
//! (`RELENT_BACKEND`) may differ within the kernels' error bound. No float reduction ever runs in a thread-dependent order. The GEMM path splits P
//! into fixed blocks of 64 rows and Q into fixed tiles of 2048 rows, each multiplied serially,
//! so its values depend on the shapes only.
//!
//! ## All-pairs as a matrix product
//! KL(pᵢ‖qⱼ) = Σₖ pᵢₖ·ln pᵢₖ − Σₖ pᵢₖ·ln qⱼₖ. [`Method::Gemm`] takes the m·d logarithms of Q
//! once, gets the cross terms C = P·(ln Q)ᵀ from an f64 GEMM (faer; inputs widened exactly to
//! f64), and the entropy terms once per row of P — O((n+m)·d) logarithms instead of O(n·m·d).
//! q = 0 is exact: ln 0 is replaced by 0 in the GEMM operand, and a small indicator GEMM over
//! the columns where Q has a zero counts the k with pᵢₖ > 0 ∧ qⱼₖ = 0 (an exact integer in f64);
//! a positive count gives +∞. Terms with p = 0 contribute exactly 0. Cross-entropy is −C;
//! generalised KL adds Σq − Σp.
//!
//! # Accuracy
//! Of the single-pair kernel (every method except the GEMM path): relent-simd's documented
//! bounds at `Precision::Default` — ≤ 2⁻⁴⁹ relative for `f64` inputs, ≤ 2⁻²¹ relative for
//! `f32`/`f16`/`bf16` inputs (the current kernels reach 2⁻⁴⁹ for those too), for KL relative
//! to Σg + |KL| with g = p·ln(p/q) − p + q ≥ 0 (so relative to KL itself for normalised
//! inputs); see relent-simd's function docs for each divergence.
//!
//! Of the GEMM path, for KL: with u = 2⁻⁵³, γₙ = n·u/(1 − n·u),
//! A = Σₖ pᵢₖ·|ln qⱼₖ| and B = Σₖ pᵢₖ·|ln pᵢₖ|,
//!
//! |value − KL(pᵢ‖qⱼ)| ≤ 1.01·(γ_{d+2} + 2u)·(A + B) + 2u·|value| + (2d + 2)·2⁻¹⁰⁷⁴.
//!
//! Derivation: the f64 logarithm is within 1 ulp (relative error ≤ 2u), which perturbs the
//! exact sums by ≤ 2u·(A + B); an inner product of d terms computed in any order, with or
//! without FMA, is within γ_d·Σ|terms| (Higham, *Accuracy and Stability*, §3.1) — γ_{d+2} leaves
//! room for the GEMM's final accumulation into C and the entropy sum; the final subtraction
//! adds one rounding; 1.01 absorbs the second-order terms (γ·u) and the rounding of the bound's
//! own inputs; the last, absolute term covers products that underflow (a subnormal result is
//! rounded to a multiple of 2⁻¹⁰⁷⁴, at most 2⁻¹⁰⁷⁵ away, over the 2d products and the final
//! operations; found by the `batch` fuzzer with p = q = 2⁻¹⁰⁷⁴). Cross-entropy: the same with
//! B = 0. Generalised KL: add Σp + Σq to A + B.
//!
//! The bound is absolute, relative to the cross-entropy scale A + B, not to KL: when
//! KL ≪ H(p) (near-identical rows) the relative error of the GEMM value can be large — e.g.
//! d = 1024 and A + B ≈ 14 give an absolute bound ≈ 1.6·10⁻¹², so a KL of 10⁻⁹ keeps only about
//! 3 significant digits. Accumulating in f64 (even for f32 input) is what keeps this usable:
//! an f32 GEMM would have a bound ≈ 10⁻³ at the same size. [`top_k`] and [`top_k_rows`] use
//! the bound as a safety margin and return kernel values, never GEMM values.
//! The bound is verified by the tests (`tests/gemm_accuracy.rs`) against a compensated f64
//! reference, including near-identical rows; observed errors reach about 10 % of it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod divergence;
mod error;
mod exec;
mod gemm;
mod kernel;
mod matrix;
#[cfg(feature = "ndarray")]
mod ndarray_impl;
mod options;
mod pairs;
mod rows;
pub mod transform;

pub use divergence::Divergence;
pub use error::{Error, InvalidKind, Operand};
pub use matrix::{MatRef, Matrix};
pub use options::{Method, Options, Parallelism, Precision, Progress};
pub use pairs::{Neighbor, all_pairs, top_k, top_k_rows};
pub use rows::{long_pair, one_vs_many, one_vs_many_into, pair, row_paired, row_paired_into};

/// The GEMM path's error bound for one entry (see the crate docs' `# Accuracy`): given the
/// row length `d`, the magnitude `A + B` (Σ p·|ln q| + Σ p·|ln p|, plus Σp + Σq for
/// generalised KL) and the computed value, returns the bound on |value − exact|.
///
/// ```
/// let e = relent_batch::gemm_error_bound(1024, 14.0, 0.5);
/// assert!(e > 1e-12 && e < 1e-11);
/// ```
pub fn gemm_error_bound(d: usize, magnitude: f64, value: f64) -> f64 {
    gemm::bound_factor(d) * magnitude + 2.0 * kernel::U * value.abs() + gemm::underflow_bound(d)
}
