//! The single-pair kernel: the one place where this crate computes a divergence of one pair.
//!
//! Every batch operation calls [`pair`] (or, for one long pair split across threads, the
//! chunk functions [`context_chunk`]/[`partial`] and the combiners it is built from). The
//! determinism guarantee of the crate is stated relative to this function: a batch result is
//! bit-identical to `pair` on the same pair.
//!
//! `pair` is a fold over FIXED chunks of [`CHUNK`] elements (boundaries depend only on the
//! index), combined left to right with a compensated (Neumaier) sum, so a long pair computed
//! chunk-parallel gives the same bits as the serial call.
//!
//! Interim implementation: the per-chunk values come from `relent_scalar` (the reference) plus
//! a validity scan; `KlLogits` is computed here (online log-sum-exp over the chunks, then the
//! log-domain KL). Switching to `relent_simd` is a change to this file only (its chunk size,
//! `Partial` state, `combine`/`finish` and error bound).

use relent_scalar::Element;

use crate::{Divergence, InvalidKind};

/// Chunk length of the fixed split (elements).
pub(crate) const CHUNK: usize = 8192;

/// Unit roundoff of f64.
pub(crate) const U: f64 = f64::EPSILON / 2.0;

/// γₙ = n·u / (1 − n·u) (Higham), the relative error factor of an n-term inner product.
pub(crate) fn gamma(n: usize) -> f64 {
    let nu = n as f64 * U;
    nu / (1.0 - nu)
}

/// A divergence value and whether an element outside the domain was seen (then the value is
/// unspecified).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Output {
    pub value: f64,
    pub invalid: bool,
}

/// The whole-vector context a divergence needs before its per-chunk pass: for `KlLogits` the
/// log-sum-exp of both (scaled) logit vectors; unused otherwise.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Context {
    lse_a: f64,
    lse_b: f64,
}

/// Per-chunk state of the context pass: running (max, Σexp(x − max)) of both vectors.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lse {
    ma: f64,
    sa: f64,
    mb: f64,
    sb: f64,
}

/// Whether `div` needs the context pass.
pub(crate) fn needs_context(div: Divergence) -> bool {
    matches!(div, Divergence::KlLogits { .. })
}

fn lse_one<T: Element>(v: &[T], inv_t: f64) -> (f64, f64) {
    let m = v
        .iter()
        .map(|x| x.to_f64() * inv_t)
        .fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY || !m.is_finite() {
        return (m, 0.0);
    }
    (m, v.iter().map(|x| (x.to_f64() * inv_t - m).exp()).sum())
}

fn temperature_inv(div: Divergence) -> f64 {
    match div {
        Divergence::KlLogits { temperature } => 1.0 / temperature,
        _ => 1.0,
    }
}

/// The context pass over one chunk.
pub(crate) fn context_chunk<T: Element>(div: Divergence, a: &[T], b: &[T]) -> Lse {
    let inv_t = temperature_inv(div);
    let (ma, sa) = lse_one(a, inv_t);
    let (mb, sb) = lse_one(b, inv_t);
    Lse { ma, sa, mb, sb }
}

fn lse_merge(m1: f64, s1: f64, m2: f64, s2: f64) -> (f64, f64) {
    let m = m1.max(m2);
    if m == f64::NEG_INFINITY || !m.is_finite() {
        return (m, s1 + s2);
    }
    (m, s1 * (m1 - m).exp() + s2 * (m2 - m).exp())
}

/// Combines the context state of consecutive chunks (left to right).
pub(crate) fn context_combine(x: Lse, y: Lse) -> Lse {
    let (ma, sa) = lse_merge(x.ma, x.sa, y.ma, y.sa);
    let (mb, sb) = lse_merge(x.mb, x.sb, y.mb, y.sb);
    Lse { ma, sa, mb, sb }
}

/// The context from the combined state of all chunks.
pub(crate) fn context_finish(l: Lse) -> Context {
    Context {
        lse_a: l.ma + l.sa.ln(),
        lse_b: l.mb + l.sb.ln(),
    }
}

/// Per-chunk partial sum (with its Neumaier compensation) and validity flag.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Partial {
    sum: f64,
    comp: f64,
    invalid: bool,
}

fn any_invalid<T: Element>(div: Divergence, v: &[T]) -> bool {
    v.iter()
        .fold(false, |acc, x| acc | div.classify(x.to_f64()).is_some())
}

fn logits_chunk<T: Element>(inv_t: f64, ctx: &Context, a: &[T], b: &[T]) -> f64 {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.to_f64(), y.to_f64());
        if x == f64::NEG_INFINITY {
            continue;
        }
        if y == f64::NEG_INFINITY {
            s += f64::INFINITY;
            continue;
        }
        let la = x * inv_t - ctx.lse_a;
        let lb = y * inv_t - ctx.lse_b;
        s += la.exp() * (la - lb);
    }
    s
}

/// The per-chunk pass: the chunk's partial value and whether it saw an invalid element.
pub(crate) fn partial<T: Element>(div: Divergence, ctx: &Context, p: &[T], q: &[T]) -> Partial {
    debug_assert_eq!(p.len(), q.len());
    use relent_scalar as s;
    let sum = match div {
        Divergence::Kl => s::kl(p, q),
        Divergence::CrossEntropy => s::cross_entropy(p, q),
        Divergence::GeneralizedKl => s::generalized_kl(p, q),
        Divergence::Jeffreys => s::jeffreys(p, q),
        Divergence::JsDivergence | Divergence::JsDistance => s::js_divergence(p, q),
        Divergence::KlLog => s::kl_log(p, q),
        Divergence::KlLogits { .. } => logits_chunk(temperature_inv(div), ctx, p, q),
    };
    Partial {
        sum,
        comp: 0.0,
        invalid: any_invalid(div, p) | any_invalid(div, q),
    }
}

/// Combines the partials of consecutive chunks (left to right): Neumaier's compensated sum.
pub(crate) fn combine(a: Partial, b: Partial) -> Partial {
    let s = a.sum + b.sum;
    let c = if !s.is_finite() {
        0.0
    } else if a.sum.abs() >= b.sum.abs() {
        (a.sum - s) + b.sum
    } else {
        (b.sum - s) + a.sum
    };
    Partial {
        sum: s,
        comp: a.comp + b.comp + c,
        invalid: a.invalid | b.invalid,
    }
}

/// The divergence value from the combined partial of all chunks.
pub(crate) fn finish(div: Divergence, x: Partial) -> Output {
    // comp = 0 keeps the sign of a zero sum (−0 + 0 would be +0).
    let v = if x.sum.is_finite() && x.comp != 0.0 {
        x.sum + x.comp
    } else {
        x.sum
    };
    let value = match div {
        Divergence::JsDivergence => v.max(0.0),
        Divergence::JsDistance => v.max(0.0).sqrt(),
        _ => v,
    };
    Output {
        value,
        invalid: x.invalid,
    }
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

/// The single-pair kernel: `div(p, q)` as a left-to-right fold over the fixed chunks.
/// `p` and `q` must have the same length; the temperature must have been checked.
pub(crate) fn pair<T: Element>(div: Divergence, p: &[T], q: &[T]) -> Output {
    debug_assert_eq!(p.len(), q.len());
    let nc = n_chunks(p.len());
    let ctx = if needs_context(div) {
        let l = (1..nc).fold(context_chunk(div, chunk(p, 0), chunk(q, 0)), |acc, c| {
            context_combine(acc, context_chunk(div, chunk(p, c), chunk(q, c)))
        });
        context_finish(l)
    } else {
        Context::default()
    };
    let x = (1..nc).fold(partial(div, &ctx, chunk(p, 0), chunk(q, 0)), |acc, c| {
        combine(acc, partial(div, &ctx, chunk(p, c), chunk(q, c)))
    });
    finish(div, x)
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

/// An upper bound on |pair(p, q) − exact| for `Kl`, `CrossEntropy` and `GeneralizedKl` of
/// length `d`, given `magnitude` ≥ Σ|terms| (Σ p·|ln p| + Σ p·|ln q|, plus Σp + Σq for
/// `GeneralizedKl`) and `value` ≥ |result|. Used as the re-scoring margin of top-k.
///
/// Interim kernel (relent-scalar): each term p·(ln p − ln q) has ≤ 2 ulp log errors, one
/// subtraction and one product (≤ 4u·|term parts|), summed naively within a chunk (γ_d) and by
/// Neumaier across chunks (≤ 2u·|sum|).
pub(crate) fn error_bound(d: usize, magnitude: f64, value: f64) -> f64 {
    1.01 * (gamma(d + 2) + 4.0 * U) * magnitude + 2.0 * U * value
}
