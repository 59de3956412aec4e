//! All divergence computation of the CLI, over blocks of rows: row-paired, one-vs-many,
//! all-pairs and top-k.
//!
//! This is the one file that talks to the library. Each row's value comes from the library's
//! single-pair kernel, `relent::batch::pair` (relent-simd on the run-time backend), for every
//! combination it computes directly: probabilities without `--normalize` (every divergence),
//! KL of log-probabilities and KL of logits. The remaining combinations (normalised inputs,
//! non-KL divergences of log-probabilities or logits) still transform the rows and run
//! `relent_scalar` (the reference). Rows run in parallel with rayon; validation is the CLI's own
//! (the first invalid element — lowest row, then lowest column — is reported). Every row's
//! value depends only on that row's numbers, so results are identical for any thread count.
//!
//! TODO(lead): the remaining combinations through `relent::…` (kl_normalized etc.) once the
//! checked API is on relent-simd; the signatures here need not change.

use std::fmt;

use rayon::prelude::*;
use relent_scalar as rs;

use crate::io::Elem;

/// Which divergence to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Divergence {
    /// Kullback–Leibler divergence KL(p‖q) = Σ p·ln(p/q).
    Kl,
    /// Cross-entropy −Σ p·ln q.
    Ce,
    /// Generalised KL Σ p·ln(p/q) − p + q (for unnormalised measures).
    Gkl,
    /// Jeffreys divergence KL(p‖q) + KL(q‖p).
    Jeffreys,
    /// Jensen–Shannon divergence.
    Js,
    /// Jensen–Shannon distance √JS.
    JsDistance,
}

impl Divergence {
    /// The short name used in output headers.
    pub fn name(self) -> &'static str {
        match self {
            Divergence::Kl => "kl",
            Divergence::Ce => "ce",
            Divergence::Gkl => "gkl",
            Divergence::Jeffreys => "jeffreys",
            Divergence::Js => "js",
            Divergence::JsDistance => "js_distance",
        }
    }
}

/// How the numbers in the files are to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputKind {
    /// Probabilities (non-negative; see --normalize).
    Probs,
    /// Natural-log probabilities (−inf is probability 0).
    Logprobs,
    /// Logits: softmax(x / temperature) is the distribution (−inf is masked).
    Logits,
}

/// What to compute, fully specified.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// The divergence.
    pub divergence: Divergence,
    /// The meaning of the numbers.
    pub input: InputKind,
    /// Softmax temperature for logits (1 otherwise).
    pub temperature: f64,
    /// Normalise probability rows to sum 1 first.
    pub normalize: bool,
    /// Results in bits instead of nats.
    pub bits: bool,
}

/// Which operand an invalid value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// The first operand.
    P,
    /// The second operand.
    Q,
}

/// An invalid input element or row.
#[derive(Clone, Debug, PartialEq)]
pub struct RowError {
    /// Operand.
    pub side: Side,
    /// Absolute row index.
    pub row: usize,
    /// Column, when one element is at fault.
    pub col: Option<usize>,
    /// What is wrong.
    pub problem: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.col {
            Some(c) => write!(f, "row {}, column {}: {}", self.row, c, self.problem),
            None => write!(f, "row {}: {}", self.row, self.problem),
        }
    }
}

fn key(e: &RowError) -> (usize, Side, usize) {
    (e.row, e.side, e.col.unwrap_or(0))
}

/// Checks one row against the input kind's domain: a branch-free pass that the compiler can
/// vectorise, and the detailed scan (which finds the column) only when it fails.
fn check_row<T: Elem>(spec: &Spec, side: Side, row: usize, x: &[T]) -> Result<(), RowError> {
    // Compared in the element type itself (no widening), so the loop vectorises.
    let (zero, inf) = (T::from_f64(0.0), T::from_f64(f64::INFINITY));
    let fine = match spec.input {
        // NaN fails both comparisons; negatives and −inf the first, +inf the second.
        InputKind::Probs if !spec.normalize => {
            x.iter().fold(true, |ok, &v| ok & (v >= zero) & (v < inf))
        }
        // NaN and +inf fail `v < inf`.
        InputKind::Logprobs => x.iter().fold(true, |ok, &v| ok & (v < inf)),
        _ => false,
    };
    if fine {
        return Ok(());
    }
    check_row_slow(spec, side, row, x)
}

/// The detailed check: the first offending column and what is wrong with it.
fn check_row_slow<T: Elem>(spec: &Spec, side: Side, row: usize, x: &[T]) -> Result<(), RowError> {
    let err = |col, problem: String| RowError {
        side,
        row,
        col,
        problem,
    };
    match spec.input {
        InputKind::Probs => {
            let mut sum = 0.0;
            for (c, v) in x.iter().enumerate() {
                let v = v.to_f64();
                if v.is_nan() {
                    return Err(err(
                        Some(c),
                        "NaN (probabilities must be finite and ≥ 0)".into(),
                    ));
                }
                if v.is_infinite() {
                    return Err(err(Some(c), format!("{v} (probabilities must be finite)")));
                }
                if v < 0.0 {
                    return Err(err(
                        Some(c),
                        format!("negative value {v} (probabilities must be ≥ 0)"),
                    ));
                }
                sum += v;
            }
            if spec.normalize && sum == 0.0 {
                return Err(err(None, "sums to 0 and cannot be normalised".into()));
            }
            if spec.normalize && !sum.is_finite() {
                return Err(err(None, "sum overflows".into()));
            }
        }
        InputKind::Logprobs | InputKind::Logits => {
            let mut all_masked = true;
            for (c, v) in x.iter().enumerate() {
                let v = v.to_f64();
                if v.is_nan() {
                    return Err(err(Some(c), "NaN".into()));
                }
                if v == f64::INFINITY {
                    return Err(err(
                        Some(c),
                        "+inf (only −inf, probability 0, is allowed)".into(),
                    ));
                }
                all_masked &= v == f64::NEG_INFINITY;
            }
            if spec.input == InputKind::Logits && all_masked {
                return Err(err(
                    None,
                    "every logit is −inf (no probability mass)".into(),
                ));
            }
        }
    }
    Ok(())
}

/// Validates a block of rows (`cols` per row, first row index `row0`).
pub fn validate<T: Elem>(
    spec: &Spec,
    side: Side,
    block: &[T],
    cols: usize,
    row0: usize,
) -> Result<(), RowError> {
    if cols == 0 {
        return Ok(());
    }
    block
        .par_chunks(cols)
        .enumerate()
        .filter_map(|(i, x)| check_row(spec, side, row0 + i, x).err())
        .min_by_key(key)
        .map_or(Ok(()), Err)
}

/// Softmax of `x / t` in f64 (at least one finite entry, checked by `validate`).
fn softmax<T: Elem>(x: &[T], t: f64) -> Vec<f64> {
    let m = x
        .iter()
        .map(|v| v.to_f64() / t)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut out: Vec<f64> = x.iter().map(|v| (v.to_f64() / t - m).exp()).collect();
    let s: f64 = out.iter().sum();
    out.iter_mut().for_each(|v| *v /= s);
    out
}

fn probs_fn<T: Elem>(d: Divergence, bits: bool, p: &[T], q: &[T]) -> f64 {
    match (d, bits) {
        (Divergence::Kl, false) => rs::kl(p, q),
        (Divergence::Kl, true) => rs::kl_bits(p, q),
        (Divergence::Ce, false) => rs::cross_entropy(p, q),
        (Divergence::Ce, true) => rs::cross_entropy_bits(p, q),
        (Divergence::Gkl, false) => rs::generalized_kl(p, q),
        (Divergence::Gkl, true) => rs::generalized_kl_bits(p, q),
        (Divergence::Jeffreys, false) => rs::jeffreys(p, q),
        (Divergence::Jeffreys, true) => rs::jeffreys_bits(p, q),
        (Divergence::Js, false) => rs::js_divergence(p, q),
        (Divergence::Js, true) => rs::js_divergence_bits(p, q),
        (Divergence::JsDistance, false) => rs::js_distance(p, q),
        (Divergence::JsDistance, true) => rs::js_distance_bits(p, q),
    }
}

/// The library's batch divergence for the combinations `relent::batch` computes directly.
fn batch_divergence(spec: &Spec) -> Option<relent::batch::Divergence> {
    use relent::batch::Divergence as B;
    Some(match (spec.input, spec.normalize, spec.divergence) {
        (InputKind::Probs, false, Divergence::Kl) => B::Kl,
        (InputKind::Probs, false, Divergence::Ce) => B::CrossEntropy,
        (InputKind::Probs, false, Divergence::Gkl) => B::GeneralizedKl,
        (InputKind::Probs, false, Divergence::Jeffreys) => B::Jeffreys,
        (InputKind::Probs, false, Divergence::Js) => B::JsDivergence,
        (InputKind::Probs, false, Divergence::JsDistance) => B::JsDistance,
        (InputKind::Logprobs, _, Divergence::Kl) => B::KlLog,
        (InputKind::Logits, _, Divergence::Kl) => B::KlLogits {
            temperature: spec.temperature,
        },
        _ => return None,
    })
}

/// The divergence of one validated pair of rows.
pub fn pair<T: Elem>(spec: &Spec, p: &[T], q: &[T]) -> f64 {
    let (d, bits) = (spec.divergence, spec.bits);
    // The library kernel; on an error (which validation has ruled out) the reference below.
    if let Some(b) = batch_divergence(spec)
        && let Ok(v) = relent::batch::pair(b, p, q)
    {
        return match (bits, d) {
            (false, _) => v,
            // √(JS / ln 2): the distance in bits is the root of the divergence in bits.
            (true, Divergence::JsDistance) => v / std::f64::consts::LN_2.sqrt(),
            (true, _) => v / std::f64::consts::LN_2,
        };
    }
    match spec.input {
        InputKind::Probs if !spec.normalize => probs_fn(d, bits, p, q),
        InputKind::Probs => {
            if d == Divergence::Kl {
                return if bits {
                    rs::kl_normalized_bits(p, q)
                } else {
                    rs::kl_normalized(p, q)
                };
            }
            let norm = |x: &[T]| {
                let s: f64 = x.iter().map(|v| v.to_f64()).sum();
                x.iter().map(|v| v.to_f64() / s).collect::<Vec<f64>>()
            };
            probs_fn(d, bits, &norm(p), &norm(q))
        }
        InputKind::Logprobs if d == Divergence::Kl => {
            if bits {
                rs::kl_log_bits(p, q)
            } else {
                rs::kl_log(p, q)
            }
        }
        InputKind::Logprobs => {
            let exp = |x: &[T]| x.iter().map(|v| v.to_f64().exp()).collect::<Vec<f64>>();
            probs_fn(d, bits, &exp(p), &exp(q))
        }
        InputKind::Logits if d == Divergence::Kl => {
            if bits {
                rs::kl_logits_bits(p, q, spec.temperature)
            } else {
                rs::kl_logits(p, q, spec.temperature)
            }
        }
        InputKind::Logits => {
            let t = spec.temperature;
            probs_fn(d, bits, &softmax(p, t), &softmax(q, t))
        }
    }
}

/// Row-paired: `out[i] = D(p_i ‖ q_i)` for a block of rows starting at absolute row `row0`.
pub fn row_paired<T: Elem>(
    spec: &Spec,
    p: &[T],
    q: &[T],
    cols: usize,
    row0: usize,
    out: &mut [f64],
) -> Result<(), RowError> {
    debug_assert_eq!(p.len(), q.len());
    debug_assert_eq!(p.len(), out.len() * cols);
    // Each row is checked just before it is computed (one pass over memory); the lowest
    // offending row is reported (P before Q within a row).
    out.par_iter_mut()
        .zip(p.par_chunks(cols).zip(q.par_chunks(cols)))
        .enumerate()
        .filter_map(|(i, (o, (p, q)))| {
            let checked = check_row(spec, Side::P, row0 + i, p)
                .and_then(|()| check_row(spec, Side::Q, row0 + i, q));
            match checked {
                Ok(()) => {
                    *o = pair(spec, p, q);
                    None
                }
                Err(e) => Some(e),
            }
        })
        .min_by_key(key)
        .map_or(Ok(()), Err)
}

/// One-vs-many: `out[i] = D(query ‖ q_i)` (or `D(q_i ‖ query)` when `reverse`), for a
/// validated query row and a block of rows starting at `row0`.
pub fn one_vs_many<T: Elem>(
    spec: &Spec,
    query: &[T],
    block: &[T],
    row0: usize,
    reverse: bool,
    out: &mut [f64],
) -> Result<(), RowError> {
    let cols = query.len();
    out.par_iter_mut()
        .zip(block.par_chunks(cols))
        .enumerate()
        .filter_map(|(i, (o, x))| match check_row(spec, Side::Q, row0 + i, x) {
            Ok(()) => {
                *o = if reverse {
                    pair(spec, x, query)
                } else {
                    pair(spec, query, x)
                };
                None
            }
            Err(e) => Some(e),
        })
        .min_by_key(key)
        .map_or(Ok(()), Err)
}

/// All pairs of two validated blocks: `out[i * nq + j] = D(p_i ‖ q_j)`.
pub fn all_pairs<T: Elem>(spec: &Spec, p: &[T], q: &[T], cols: usize, out: &mut [f64]) {
    let nq = q.len() / cols;
    out.par_chunks_mut(nq.max(1))
        .zip(p.par_chunks(cols))
        .for_each(|(orow, p)| {
            for (o, q) in orow.iter_mut().zip(q.chunks(cols)) {
                *o = pair(spec, p, q);
            }
        });
}

/// The `k` smallest values per row, kept while blocks of candidates stream past.
#[derive(Clone, Debug)]
pub struct TopK {
    k: usize,
    /// Per row: (value, index), sorted ascending by (value, index).
    best: Vec<Vec<(f64, usize)>>,
}

impl TopK {
    /// Empty selections for `rows` rows.
    pub fn new(rows: usize, k: usize) -> TopK {
        TopK {
            k,
            best: vec![Vec::with_capacity(k + 1); rows],
        }
    }

    /// Offers the scores `scores[i * n + j]` of rows `row0 + i` against candidates `col0 + j`
    /// (skipping candidate `j == i` in absolute indices when `exclude_self`).
    pub fn offer(
        &mut self,
        row0: usize,
        scores: &[f64],
        n: usize,
        col0: usize,
        exclude_self: bool,
    ) {
        let k = self.k;
        let rows = scores.len() / n.max(1);
        self.best[row0..row0 + rows]
            .par_iter_mut()
            .zip(scores.par_chunks(n.max(1)))
            .enumerate()
            .for_each(|(i, (best, s))| {
                for (j, &v) in s.iter().enumerate() {
                    if exclude_self && row0 + i == col0 + j {
                        continue;
                    }
                    let cand = (v, col0 + j);
                    let worse = |a: &(f64, usize), b: &(f64, usize)| {
                        a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
                    };
                    if best.len() == k && worse(&cand, &best[k - 1]).is_ge() {
                        continue;
                    }
                    let pos = best.partition_point(|e| worse(e, &cand).is_lt());
                    best.insert(pos, cand);
                    best.truncate(k);
                }
            });
    }

    /// The selections, row by row (ascending by value, ties by index).
    pub fn into_rows(self) -> Vec<Vec<(f64, usize)>> {
        self.best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(d: Divergence, input: InputKind) -> Spec {
        Spec {
            divergence: d,
            input,
            temperature: 1.0,
            normalize: false,
            bits: false,
        }
    }

    #[test]
    fn reports_lowest_invalid_element() {
        let s = spec(Divergence::Kl, InputKind::Probs);
        let p = [0.5f64, 0.5, 0.2, -0.1, 0.3, f64::NAN];
        let q = [0.5f64, 0.5, 0.5, 0.5, f64::INFINITY, 0.5];
        let mut out = [0.0; 3];
        let e = row_paired(&s, &p, &q, 2, 10, &mut out).unwrap_err();
        assert_eq!((e.side, e.row, e.col), (Side::P, 11, Some(1)));
    }

    #[test]
    fn topk_keeps_smallest_with_index_ties() {
        let mut t = TopK::new(1, 2);
        t.offer(0, &[3.0, 1.0, 2.0], 3, 0, false);
        t.offer(0, &[1.0, 0.5], 2, 3, false);
        assert_eq!(t.into_rows(), vec![vec![(0.5, 4), (1.0, 1)]]);
    }

    #[test]
    fn logits_match_kl_logits() {
        let s = Spec {
            temperature: 2.0,
            ..spec(Divergence::Kl, InputKind::Logits)
        };
        let a = [1.0f64, f64::NEG_INFINITY, 3.0];
        let b = [0.0f64, 1.0, 2.0];
        assert_eq!(pair(&s, &a, &b), rs::kl_logits(&a, &b, 2.0));
    }
}
