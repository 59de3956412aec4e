//! The single-pair kernel: the one place where this crate computes a divergence of one pair.
//!
//! Every batch operation calls [`pair`] (or, for one long pair split across threads, the
//! chunk function [`partial`] and [`finish`]). The determinism guarantee of the crate is stated
//! relative to this function: a batch result is bit-identical to `pair` on the same pair.
//!
//! `pair` is the relent-simd kernel of the divergence on the run-time backend
//! ([`relent_simd::backend`], resolved once for every crate: an invalid `RELENT_BACKEND` falls
//! back to the fastest backend and never panics), at [`Precision::Default`]. relent-simd folds
//! FIXED chunks of [`CHUNK`] elements (boundaries depend only on the index) left to right with
//! [`Partial::combine`], so a long pair computed chunk-parallel with [`partial`] and folded in
//! index order gives the same bits as the single call — and as `relent::kl` and friends on the
//! same vectors.

use relent_scalar::Element;
use relent_simd::{Func, Kernels, Partial, Precision};

pub(crate) use relent_simd::{CHUNK, Output};

use crate::{Divergence, InvalidKind};

/// Unit roundoff of f64.
pub(crate) const U: f64 = f64::EPSILON / 2.0;

/// γₙ = n·u / (1 − n·u) (Higham), the relative error factor of an n-term inner product.
pub(crate) fn gamma(n: usize) -> f64 {
    let nu = n as f64 * U;
    nu / (1.0 - nu)
}

/// The kernels of the backend the free relent-simd functions use (the cached one).
fn kernels() -> Kernels {
    relent_simd::for_backend(relent_simd::backend()).expect("the cached backend is available")
}

/// The relent-simd function computing `div` ([`Divergence::func`], the one map;
/// `JsDistance` is the square root of `JsDivergence`).
fn func(div: Divergence) -> Func {
    div.func()
}

/// The parameter of [`Kernels::partial`]: the temperature for `KlLogits`, 1 (ignored by the
/// kernels) for the others.
fn param(div: Divergence) -> f64 {
    match div {
        Divergence::KlLogits { temperature } => temperature,
        Divergence::Kl
        | Divergence::CrossEntropy
        | Divergence::GeneralizedKl
        | Divergence::Jeffreys
        | Divergence::JsDivergence
        | Divergence::JsDistance
        | Divergence::KlLog => 1.0,
    }
}

/// Post-processing of the kernel's value, as the checked `relent` functions do it (so the
/// values are bit-identical to theirs): the divergences whose exact value is ≥ 0 for every
/// valid input (generalised KL, Jeffreys, JS, KL of softmaxes) have a negative rounding
/// residue replaced by 0 (`-0.0` is kept); the distance is the root of the clamped JS — or,
/// where JS is +∞ (beyond `f64::MAX`, while √JS is finite), the exact reference's distance.
fn post<T: Element>(div: Divergence, p: &[T], q: &[T], out: Output) -> Output {
    let non_negative = |v: f64| if v < 0.0 { 0.0 } else { v };
    let value = match div {
        Divergence::GeneralizedKl
        | Divergence::Jeffreys
        | Divergence::JsDivergence
        | Divergence::KlLogits { .. } => non_negative(out.value),
        Divergence::JsDistance if out.value == f64::INFINITY && !out.invalid => {
            relent_scalar::js_distance(p, q)
        }
        Divergence::JsDistance => non_negative(out.value).sqrt(),
        _ => out.value,
    };
    Output {
        value,
        invalid: out.invalid,
    }
}

/// The partial of chunk `c` of the pair (see [`chunk`]).
pub(crate) fn partial<T: Element>(div: Divergence, p: &[T], q: &[T], prec: Precision) -> Partial {
    debug_assert_eq!(p.len(), q.len());
    kernels().partial_with(func(div), &[p, q], param(div), prec)
}

/// The divergence value of the pair `(p, q)` from the partials of all its chunks, folded in
/// index order (with the same [`exact`] fallback as [`pair`]).
pub(crate) fn finish<T: Element>(
    div: Divergence,
    p: &[T],
    q: &[T],
    parts: impl IntoIterator<Item = Partial>,
) -> Output {
    let x = parts
        .into_iter()
        .fold(Partial::new(func(div)), Partial::combine);
    post(div, p, q, exact(div, p, q, x.finish()))
}

/// Chunk `c` of a vector (the last one may be shorter).
#[inline]
pub(crate) fn chunk<T>(v: &[T], c: usize) -> &[T] {
    let start = c * CHUNK;
    &v[start..v.len().min(start + CHUNK)]
}

/// Number of chunks of a vector of length `n` (at least 1, so an empty pair has one empty
/// chunk).
pub(crate) fn n_chunks(n: usize) -> usize {
    n.div_ceil(CHUNK).max(1)
}

/// The single-pair kernel: relent-simd's `div(p, q)` at `prec`.
/// `p` and `q` must have the same length; the temperature must have been checked.
#[inline]
pub(crate) fn pair<T: Element>(div: Divergence, p: &[T], q: &[T], prec: Precision) -> Output {
    debug_assert_eq!(p.len(), q.len());
    use relent_simd as s;
    let out = match div {
        Divergence::Kl => s::kl(p, q, prec),
        Divergence::CrossEntropy => s::cross_entropy(p, q, prec),
        Divergence::GeneralizedKl => s::generalized_kl(p, q, prec),
        Divergence::Jeffreys => s::jeffreys(p, q, prec),
        Divergence::JsDivergence | Divergence::JsDistance => s::js_divergence(p, q, prec),
        Divergence::KlLog => s::kl_log(p, q, prec),
        Divergence::KlLogits { temperature } => s::kl_logits(p, q, temperature, prec),
    };
    post(div, p, q, exact(div, p, q, out))
}

/// Where relent-simd's kernel leaves the `f64` range on valid input, the value the checked
/// `relent` functions give (so batch values stay bit-identical to them): the shared
/// non-finite-result policy, [`relent_simd::settle`] (a non-finite kernel value is kept as +∞
/// only on an element that makes the exact value +∞, otherwise replaced by the exact
/// reference's), for the relent-simd function of `div` (`JsDistance`: of `JsDivergence`).
/// Applied to the raw kernel output (before [`post`]); a no-op on every finite result.
///
/// Also flags (`invalid`) a `KlLogits` pair with a row of logits all masked, whose softmax
/// does not exist (the callers then report [`Error::ZeroTotal`](crate::Error::ZeroTotal)):
/// a validation, checked before the policy. The scan stops at the first unmasked logit: in
/// practice the first.
pub(crate) fn exact<T: Element>(div: Divergence, p: &[T], q: &[T], out: Output) -> Output {
    if out.invalid {
        return out;
    }
    if let Divergence::KlLogits { .. } = div
        && (massless(div, p) || massless(div, q))
    {
        return Output {
            value: out.value,
            invalid: true,
        };
    }
    relent_simd::settle(func(div), &[p, q], param(div), out)
}

/// Whether `v` has no mass for `div`: a `KlLogits` row of logits that are all −∞ (always
/// false for the other divergences, whose rows need no normalising).
pub(crate) fn massless<T: Element>(div: Divergence, v: &[T]) -> bool {
    matches!(div, Divergence::KlLogits { .. }) && v.iter().all(|x| x.to_f64() == f64::NEG_INFINITY)
}

/// The first invalid element of `v` for `div`'s domain: (index, value, kind). Error path only.
pub(crate) fn find_invalid<T: Element>(
    div: Divergence,
    v: &[T],
) -> Option<(usize, f64, InvalidKind)> {
    v.iter().enumerate().find_map(|(i, x)| {
        let x = x.to_f64();
        div.classify(x).map(|k| (i, x, k))
    })
}

/// An upper bound on |pair(p, q) − exact| for `Kl`, `CrossEntropy` and `GeneralizedKl` with
/// elements of type `T`, given `magnitude` ≥ Σ p·|ln p| + Σ p·|ln q| + Σp + Σq (the GEMM
/// tile's kernel magnitude) and `value` ≥ |result|. Used as the re-scoring margin of top-k.
///
/// relent-simd documents KL's error as ≤ ε·(Σg + |KL|) + 2^-90·Σ(p + q) with
/// g = p·ln(p/q) − p + q ≥ 0, ε the documented bound of `T` at [`Precision::Default`]
/// ([`relent_simd::bounds::epsilon`]: 2^-49 for `f64`, 2^-21 for `f32`/`f16`/`bf16`, whose
/// default-precision kernels run in `f32` lanes); g ≤ p·|ln p − ln q| + p + q, so
/// Σg ≤ `magnitude`. Cross-entropy (terms p·|ln q| when q ≤ 1) and generalised KL (Σg itself)
/// are ≤ ε relative to the same magnitude. The factor 1.01 absorbs the 2^-90 term and the
/// rounding of the bound's own inputs.
pub(crate) fn error_bound<T: Element>(magnitude: f64, value: f64) -> f64 {
    1.01 * relent_simd::bounds::epsilon::<T>(Precision::Default) * (magnitude + value)
}
