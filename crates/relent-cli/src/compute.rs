//! All divergence computation of the CLI, over blocks of rows: row-paired, one-vs-many,
//! all-pairs and top-k.
//!
//! This is the one file that talks to the library. Every value is computed by one of relent's
//! checked functions (relent-simd's kernels on the run-time backend, [`relent::backend`]);
//! nothing here computes a divergence itself:
//!
//! | input | `kl` | `gkl` | `ce`, `jeffreys`, `js`, `js-distance` |
//! |---|---|---|---|
//! | probabilities | `relent::kl` | `relent::generalized_kl` | `relent::cross_entropy`, `jeffreys`, `js_divergence`, `js_distance` |
//! | `--normalize` | `relent::kl_normalized` | `relent::kl_normalized` ¹ | rows normalised, then as above |
//! | log-probabilities | `relent::kl_log` | rows e^lp, then as above | rows e^lp, then as above |
//! | logits | `relent::kl_logits` | `relent::kl_logits` ¹ | rows softmax(x/t), then as above |
//!
//! `--bits` calls each function's `_bits` twin. ¹ Both distributions sum to 1, so generalised
//! KL (Σ p·ln(p/q) − p + q) *is* KL: the exact identity, no transformation.
//!
//! Rows run in parallel with rayon. Row-paired and one-vs-many blocks of the combinations
//! computed directly go to `relent::batch::row_paired_into` / `one_vs_many_into` (not
//! `--reverse`) in one call: the library validates while it
//! computes (no second pass), and its typed error (operand, row, column, value) is turned into
//! the CLI's message naming the file, row and column. Elsewhere validation is the CLI's own,
//! just before the library sees a row. Either way the first invalid element — lowest row, then
//! P before Q, then lowest column — is reported. Every value depends only on its own row(s),
//! so results are identical for any thread count.
//!
//! # Accuracy
//!
//! Direct rows of the table carry the relent function's documented bound (ε·S with
//! ε = 2^-49 for `f64` inputs, 2^-21 for `f32`/`f16`/`bf16`; S per function, see the relent
//! crate docs).
//!
//! Transformed rows ("then as above") are computed in two steps. Each row is transformed in
//! `f64` by `relent::batch::transform` into a per-thread buffer (reused from row to row), and
//! the `f64` probability function runs on the two buffers: its own bound, with ε = 2^-49
//! whatever the input type, applies to the transformed rows. The transformation adds a relative
//! error ηᵢ to each probability, bounded in that module's `# Accuracy` (u = 2^-53, first
//! order): |ηᵢ| ≤ 3u for normalisation, 2u for e^lp (one ulp of the platform's `exp`), and
//! (2|αᵢ| + 2ᾱ + 7)·u ≤ 2987u for softmax, αᵢ = (xᵢ − max x)/t, ᾱ = Σⱼ p̂ⱼ·|αⱼ|.
//!
//! Relative errors ηᵢ in p̂ᵢ and ξᵢ in q̂ᵢ change a divergence D by at most
//! Σᵢ |ηᵢ·p̂ᵢ·∂D/∂p̂ᵢ| + |ξᵢ·q̂ᵢ·∂D/∂q̂ᵢ| ≤ max(|η|, |ξ|)·C, with (m = (p̂ + q̂)/2)
//!
//! | D | C = Σᵢ |p̂ᵢ·∂D/∂p̂ᵢ| + |q̂ᵢ·∂D/∂q̂ᵢ| |
//! |---|---|
//! | `ce` | Σ p̂·\|ln q̂\| + Σ p̂ |
//! | `gkl` (log-probabilities) | Σ p̂·\|ln(p̂/q̂)\| + Σ \|p̂ − q̂\| |
//! | `jeffreys` | Σ \|p̂·ln(p̂/q̂) + p̂ − q̂\| + \|q̂·ln(p̂/q̂) + p̂ − q̂\| ≤ Σ (p̂ + q̂)·\|ln(p̂/q̂)\| + 2·Σ \|p̂ − q̂\| |
//! | `js` | ½·Σ p̂·\|ln(p̂/m)\| + q̂·\|ln(q̂/m)\| |
//!
//! and `js-distance` = √JS moves by at most min(√δ, δ/(2√JS)) when JS moves by δ. The total
//! error of a transformed row is therefore ≤ 2^-49·S (the `f64` function on the transformed
//! rows) + max|η|·C. C is of the order of the value for well-separated distributions but not for
//! near-identical ones (Jeffreys ≈ Σ(p−q)²/p against C ≈ 2Σ|p−q|), so there the relative error
//! grows as the rows approach each other: the transformation is the price of a divergence that
//! the library has no log-domain or normalising kernel for. KL never takes this path.
//!
//! A limitation: a probability below the smallest `f64` (2^-1074) after the transformation is
//! 0 (the transform module's `# Special values`: log-probabilities below about −745, logits
//! more than 745·t below their row's maximum, counts below about 2^-1074·Σp). JS loses at
//! most that tiny mass; for `ce`, `gkl` and `jeffreys` such a zero against a positive
//! probability on the other side gives +∞, where the exact value is finite (though at least 745
//! times that probability). Log-probabilities above ln(f64::MAX) ≈ 709.78, whose e^lp
//! overflows, are refused for the transformed divergences (validation names the row and
//! column).

use std::fmt;

use rayon::prelude::*;

use relent::batch::transform::Transform;

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

/// A relent checked function of two slices.
type PairFn<T> = fn(&[T], &[T]) -> Result<f64, relent::Error>;

/// What the CLI maps one divergence of probabilities to (a row of [`Divergence::entry`]).
struct Entry<T> {
    /// The short name used in output headers.
    name: &'static str,
    /// The relent-batch divergence computing it, in nats (and through
    /// `relent::batch::Divergence::func`, relent-simd's function).
    batch: relent::batch::Divergence,
    /// The relent-batch divergence and the unit applied to its values for `--bits`, as the
    /// checked `_bits` twin does it.
    batch_bits: (relent::batch::Divergence, Unit),
    /// The name of relent's checked function.
    checked_name: &'static str,
    /// relent's checked function.
    nats: PairFn<T>,
    /// Its `_bits` twin.
    bits: PairFn<T>,
}

impl Divergence {
    /// Everything the CLI maps a divergence to, in one exhaustive `match` with no wildcard arm:
    /// a new divergence does not compile until it has its row here, and every other map of
    /// this file (names, the relent function, the relent-batch route) is read from it.
    fn entry<T: Elem>(self) -> Entry<T> {
        use relent::batch::Divergence as B;
        let row = |name, batch, checked_name, nats: PairFn<T>, bits: PairFn<T>| Entry {
            name,
            batch,
            batch_bits: (batch, Unit::Bits),
            checked_name,
            nats,
            bits,
        };
        match self {
            Divergence::Kl => row("kl", B::Kl, "kl", relent::kl, relent::kl_bits),
            Divergence::Ce => row(
                "ce",
                B::CrossEntropy,
                "cross_entropy",
                relent::cross_entropy,
                relent::cross_entropy_bits,
            ),
            Divergence::Gkl => row(
                "gkl",
                B::GeneralizedKl,
                "generalized_kl",
                relent::generalized_kl,
                relent::generalized_kl_bits,
            ),
            Divergence::Jeffreys => row(
                "jeffreys",
                B::Jeffreys,
                "jeffreys",
                relent::jeffreys,
                relent::jeffreys_bits,
            ),
            Divergence::Js => row(
                "js",
                B::JsDivergence,
                "js_divergence",
                relent::js_divergence,
                relent::js_divergence_bits,
            ),
            // In bits √(JS / ln 2), from the JS divergence (as `relent::js_distance_bits`).
            Divergence::JsDistance => Entry {
                batch_bits: (B::JsDivergence, Unit::SqrtBits),
                ..row(
                    "js_distance",
                    B::JsDistance,
                    "js_distance",
                    relent::js_distance,
                    relent::js_distance_bits,
                )
            },
        }
    }

    /// The short name used in output headers.
    pub fn name(self) -> &'static str {
        // The fields that do not depend on the element type, read from the `f64` row.
        self.entry::<f64>().name
    }

    /// The relent-batch divergence computing this one on probabilities (in nats).
    pub fn batch(self) -> relent::batch::Divergence {
        self.entry::<f64>().batch
    }

    /// The name of relent's checked function computing this divergence on probabilities.
    pub fn checked_name(self) -> &'static str {
        self.entry::<f64>().checked_name
    }

    /// relent's checked function (or its `_bits` twin) on probabilities.
    fn checked<T: Elem>(self, bits: bool) -> PairFn<T> {
        let e = self.entry::<T>();
        if bits { e.bits } else { e.nats }
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
        InputKind::Logprobs if !transformed(spec) => x.iter().fold(true, |ok, &v| ok & (v < inf)),
        // Transformed by e^v: NaN, +inf and v > 709 (near ln(f64::MAX), decided exactly by
        // the slow check) fail.
        InputKind::Logprobs => {
            let max = T::from_f64(709.0);
            x.iter().fold(true, |ok, &v| ok & (v <= max))
        }
        // Normalised probabilities (the sum is checked) and logits (a row may be all masked):
        // the detailed check.
        InputKind::Probs | InputKind::Logits => false,
    };
    if fine {
        return Ok(());
    }
    check_row_slow(spec, side, row, x)
}

/// What is wrong with the invalid element `v` of an input of kind `input` (the message of
/// every invalid-value error, whether the CLI's scan or the library found it).
fn problem(input: InputKind, v: f64) -> String {
    match input {
        InputKind::Probs if v.is_nan() => "NaN (probabilities must be finite and ≥ 0)".into(),
        InputKind::Probs if v.is_infinite() => format!("{v} (probabilities must be finite)"),
        InputKind::Probs => format!("negative value {v} (probabilities must be ≥ 0)"),
        InputKind::Logprobs | InputKind::Logits if v.is_nan() => "NaN".into(),
        InputKind::Logprobs | InputKind::Logits => {
            "+inf (only −inf, probability 0, is allowed)".into()
        }
    }
}

/// A row of logits without mass.
const ALL_MASKED: &str = "every logit is −inf (no probability mass)";

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
                if v.is_nan() || v.is_infinite() || v < 0.0 {
                    return Err(err(Some(c), problem(InputKind::Probs, v)));
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
                if v.is_nan() || v == f64::INFINITY {
                    return Err(err(Some(c), problem(spec.input, v)));
                }
                if spec.input == InputKind::Logprobs
                    && transformed(spec)
                    && v.exp() == f64::INFINITY
                {
                    return Err(err(
                        Some(c),
                        format!(
                            "log-probability {v}: e^{v} overflows f64 (above ln(f64::MAX) ≈ 709.78; only -d kl takes such values)"
                        ),
                    ));
                }
                all_masked &= v == f64::NEG_INFINITY;
            }
            if spec.input == InputKind::Logits && all_masked {
                return Err(err(None, ALL_MASKED.into()));
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

/// How a [`Spec`] is computed: the module docs' table as data.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Plan {
    /// relent's checked function of the divergence ([`Divergence::entry`]) on the rows as read.
    Probs,
    /// `relent::kl_normalized` on the rows as read.
    KlNormalized,
    /// `relent::kl_log` on the rows as read.
    KlLog,
    /// `relent::kl_logits` on the rows as read, at the temperature.
    KlLogits,
    /// Both rows transformed into `f64` probabilities, then relent's checked function of the
    /// divergence on them.
    Transformed(Transform),
}

/// The module docs' table: one exhaustive `match`, no wildcard arm.
fn plan(spec: &Spec) -> Plan {
    use Divergence::{Ce, Gkl, Jeffreys, Js, JsDistance, Kl};
    match spec.input {
        InputKind::Probs if !spec.normalize => Plan::Probs,
        InputKind::Probs => match spec.divergence {
            // Both normalised rows sum to 1, so Σp̂ − Σq̂ = 0 and generalised KL is KL.
            Kl | Gkl => Plan::KlNormalized,
            Ce | Jeffreys | Js | JsDistance => Plan::Transformed(Transform::Normalize),
        },
        InputKind::Logprobs => match spec.divergence {
            Kl => Plan::KlLog,
            Ce | Gkl | Jeffreys | Js | JsDistance => Plan::Transformed(Transform::Exp),
        },
        InputKind::Logits => match spec.divergence {
            // Softmax rows sum to 1: generalised KL is KL, as for normalised probabilities.
            Kl | Gkl => Plan::KlLogits,
            Ce | Jeffreys | Js | JsDistance => Plan::Transformed(Transform::Softmax {
                temperature: spec.temperature,
            }),
        },
    }
}

/// Whether `spec` transforms the rows before computing (see [`plan`]).
fn transformed(spec: &Spec) -> bool {
    matches!(plan(spec), Plan::Transformed(_))
}

/// A library error on rows the CLI has validated, which validation rules out (it is passed on
/// rather than trusted away): a relent checked function's or a relent-batch row transform's.
#[derive(Clone, Debug, PartialEq)]
pub enum LibraryError {
    /// From a relent checked function.
    Relent(relent::Error),
    /// From a row transform (`relent::batch::transform`).
    Transform(relent::batch::Error),
}

impl fmt::Display for LibraryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LibraryError::Relent(e) => e.fmt(f),
            LibraryError::Transform(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LibraryError {}

thread_local! {
    /// The transformed rows of the pair being computed on this thread (reused across rows, so
    /// the transformed routes allocate once per thread, not once per row).
    static ROWS: std::cell::RefCell<(Vec<f64>, Vec<f64>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// The divergence of one validated pair of rows, by the relent function the module docs'
/// table names for `spec`.
///
/// # Errors
///
/// The library's error, which validation ([`validate`], [`row_paired`], [`one_vs_many`])
/// rules out; it is passed on rather than trusted away.
pub fn pair<T: Elem>(spec: &Spec, p: &[T], q: &[T]) -> Result<f64, LibraryError> {
    let (bits, t) = (spec.bits, spec.temperature);
    let v = match plan(spec) {
        Plan::Probs => spec.divergence.checked(bits)(p, q),
        // KL and generalised KL (equal here, see `plan`).
        Plan::KlNormalized if bits => relent::kl_normalized_bits(p, q),
        Plan::KlNormalized => relent::kl_normalized(p, q),
        Plan::KlLog if bits => relent::kl_log_bits(p, q),
        Plan::KlLog => relent::kl_log(p, q),
        Plan::KlLogits if bits => relent::kl_logits_bits(p, q, t),
        Plan::KlLogits => relent::kl_logits(p, q, t),
        Plan::Transformed(how) => return pair_transformed(spec, how, p, q),
    };
    v.map_err(LibraryError::Relent)
}

/// [`pair`] of a transformed combination: both rows into `f64` probabilities (per-thread
/// buffers), then the checked probability function.
fn pair_transformed<T: Elem>(
    spec: &Spec,
    how: Transform,
    p: &[T],
    q: &[T],
) -> Result<f64, LibraryError> {
    let f = spec.divergence.checked::<f64>(spec.bits);
    // Taken out and put back (not borrowed): nothing can observe a half-used buffer, and a
    // re-entrant call on this thread would only allocate its own.
    let (mut tp, mut tq) = ROWS.take();
    tp.resize(p.len(), 0.0);
    tq.resize(q.len(), 0.0);
    let v = how
        .apply(p, &mut tp)
        .and_then(|()| how.apply(q, &mut tq))
        .map_err(LibraryError::Transform)
        .and_then(|()| f(&tp, &tq).map_err(LibraryError::Relent));
    ROWS.set((tp, tq));
    v
}

/// How a value of relent-batch's nats is turned into the unit asked for, exactly as the
/// checked `relent` functions' `_bits` twins do it (`v / ln 2`; √(JS / ln 2) for the JS
/// distance in bits, from the JS divergence clamped at 0 as `relent::js_distance_bits`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    /// As computed.
    Nats,
    /// Divided by ln 2.
    Bits,
    /// √(v / ln 2) of a JS divergence.
    SqrtBits,
}

/// The relent-batch divergence (and unit) that computes `spec` on the rows as read: every
/// combination of the module docs' table computed directly, except `--normalize` (relent has
/// no batch twin of `kl_normalized`). Its values are bit-identical to the checked function the
/// table names (relent-batch's contract: each batch value equals its single-pair kernel's,
/// which the checked functions call).
fn batch_route(spec: &Spec) -> Option<(relent::batch::Divergence, Unit)> {
    use relent::batch::Divergence as B;
    let unit = if spec.bits { Unit::Bits } else { Unit::Nats };
    match plan(spec) {
        Plan::Probs if spec.bits => Some(spec.divergence.entry::<f64>().batch_bits),
        Plan::Probs => Some((spec.divergence.batch(), Unit::Nats)),
        Plan::KlLog => Some((B::KlLog, unit)),
        Plan::KlLogits => Some((
            B::KlLogits {
                temperature: spec.temperature,
            },
            unit,
        )),
        Plan::KlNormalized | Plan::Transformed(_) => None,
    }
}

/// A library error on a validated row (should not happen), as a row error.
fn library_error(row: usize, e: impl fmt::Display) -> RowError {
    RowError {
        side: Side::P,
        row,
        col: None,
        problem: format!("the library refused the row pair: {e}"),
    }
}

/// relent-batch's error `e` on a block whose first row is `row0`, as the CLI's row error:
/// the library's invalid element (operand, row, column, value) or massless row, worded as the
/// CLI's own checks word them; `Err` for any other error (which the CLI's checks rule out).
fn from_batch(spec: &Spec, e: relent::batch::Error, row0: usize) -> Result<RowError, RowError> {
    use relent::batch::{Error as E, Operand};
    let side = |o| if o == Operand::P { Side::P } else { Side::Q };
    match e {
        E::InvalidElement {
            operand,
            row,
            col,
            value,
            ..
        } => Ok(RowError {
            side: side(operand),
            row: row0 + row,
            col: Some(col),
            problem: problem(spec.input, value),
        }),
        E::ZeroTotal { operand, row } => Ok(RowError {
            side: side(operand),
            row: row0 + row,
            col: None,
            problem: ALL_MASKED.into(),
        }),
        e => Err(library_error(row0, e)),
    }
}

/// The row error for relent-batch's error `e` on the block of rows `p`, `q` (`cols` per row,
/// first row `row0`). The library reports the first invalid element of P, then of Q, then
/// massless rows; the CLI reports the lowest row first (P before Q within a row), so the rows
/// up to the library's are scanned for an earlier problem (error path only).
fn batch_error<T: Elem>(
    spec: &Spec,
    e: relent::batch::Error,
    p: &[T],
    q: &[T],
    cols: usize,
    row0: usize,
) -> RowError {
    let found = match from_batch(spec, e, row0) {
        Ok(found) => found,
        Err(e) => return e,
    };
    let earlier = p
        .chunks(cols)
        .zip(q.chunks(cols))
        .take(found.row - row0 + 1)
        .enumerate()
        .find_map(|(i, (p, q))| {
            check_row(spec, Side::P, row0 + i, p)
                .and_then(|()| check_row(spec, Side::Q, row0 + i, q))
                .err()
        });
    match earlier {
        Some(e) if key(&e) < key(&found) => e,
        _ => found,
    }
}

/// Applies `unit` to values in nats (see [`Unit`]).
fn apply_unit(unit: Unit, out: &mut [f64]) {
    match unit {
        Unit::Nats => {}
        Unit::Bits => out.iter_mut().for_each(|v| *v /= std::f64::consts::LN_2),
        Unit::SqrtBits => out
            .iter_mut()
            .for_each(|v| *v = (*v / std::f64::consts::LN_2).sqrt()),
    }
}

/// Row-paired: `out[i] = D(p_i ‖ q_i)` for a block of rows starting at absolute row `row0`.
///
/// Direct combinations (see `batch_route`) are one call of
/// `relent::batch::row_paired_into` on the block (on the global rayon pool): the library
/// validates while it computes, and its typed error is turned into the CLI's row error. The
/// others check each row just before transforming and computing it.
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
    if let Some((div, unit)) = batch_route(spec)
        && cols > 0
    {
        use relent::batch::{MatRef, Options};
        let rows = out.len();
        let computed = MatRef::new(p, rows, cols).and_then(|pm| {
            let qm = MatRef::new(q, rows, cols)?;
            relent::batch::row_paired_into(div, pm, qm, out, &Options::new())
        });
        if let Err(e) = computed {
            return Err(batch_error(spec, e, p, q, cols, row0));
        }
        apply_unit(unit, out);
        return Ok(());
    }
    // Each row is checked just before it is computed (one pass over memory); the lowest
    // offending row is reported (P before Q within a row).
    out.par_iter_mut()
        .zip(p.par_chunks(cols).zip(q.par_chunks(cols)))
        .enumerate()
        .filter_map(|(i, (o, (p, q)))| {
            let row = row0 + i;
            let computed = check_row(spec, Side::P, row, p)
                .and_then(|()| check_row(spec, Side::Q, row, q))
                .and_then(|()| pair(spec, p, q).map_err(|e| library_error(row, e)));
            match computed {
                Ok(v) => {
                    *o = v;
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
    // D(query ‖ rowⱼ) of a direct combination: one relent-batch call (the library validates
    // the block while it computes; the query has been validated).
    if let Some((div, unit)) = batch_route(spec)
        && !reverse
        && cols > 0
    {
        use relent::batch::{MatRef, Options};
        let computed = MatRef::new(block, out.len(), cols)
            .and_then(|m| relent::batch::one_vs_many_into(div, query, m, out, &Options::new()));
        if let Err(e) = computed {
            let found = from_batch(spec, e, row0)?;
            // Massless rows are reported after invalid elements: the lowest row first.
            let earlier = block
                .chunks(cols)
                .take(found.row - row0 + 1)
                .enumerate()
                .find_map(|(i, x)| check_row(spec, Side::Q, row0 + i, x).err());
            return Err(match earlier {
                Some(e) if key(&e) < key(&found) => e,
                _ => found,
            });
        }
        apply_unit(unit, out);
        return Ok(());
    }
    out.par_iter_mut()
        .zip(block.par_chunks(cols))
        .enumerate()
        .filter_map(|(i, (o, x))| {
            let row = row0 + i;
            let computed = check_row(spec, Side::Q, row, x).and_then(|()| {
                let v = if reverse {
                    pair(spec, x, query)
                } else {
                    pair(spec, query, x)
                };
                v.map_err(|e| RowError {
                    side: Side::Q,
                    ..library_error(row, e)
                })
            });
            match computed {
                Ok(v) => {
                    *o = v;
                    None
                }
                Err(e) => Some(e),
            }
        })
        .min_by_key(key)
        .map_or(Ok(()), Err)
}

/// All pairs of two validated blocks: `out[i * nq + j] = D(p_i ‖ q_j)`, rows of P numbered
/// from `p_row0` in errors.
pub fn all_pairs<T: Elem>(
    spec: &Spec,
    p: &[T],
    q: &[T],
    cols: usize,
    p_row0: usize,
    out: &mut [f64],
) -> Result<(), RowError> {
    let nq = q.len() / cols;
    out.par_chunks_mut(nq.max(1))
        .zip(p.par_chunks(cols))
        .enumerate()
        .filter_map(|(i, (orow, p))| {
            for (o, q) in orow.iter_mut().zip(q.chunks(cols)) {
                match pair(spec, p, q) {
                    Ok(v) => *o = v,
                    Err(e) => return Some(library_error(p_row0 + i, e)),
                }
            }
            None
        })
        .min_by_key(key)
        .map_or(Ok(()), Err)
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
    fn library_errors_keep_the_lowest_row_first() {
        // relent-batch reports P's first invalid element before Q's and massless rows after
        // every invalid element; the CLI reports the lowest row (P before Q within a row).
        let s = spec(Divergence::Kl, InputKind::Probs);
        let p = [0.5f32, 0.5, 0.5, 0.5, 0.5, -1.0];
        let q = [0.5f32, 0.5, f32::INFINITY, 0.5, 0.5, 0.5];
        let mut out = [0.0; 3];
        let e = row_paired(&s, &p, &q, 2, 7, &mut out).unwrap_err();
        assert_eq!((e.side, e.row, e.col), (Side::Q, 8, Some(0)));
        assert!(e.problem.contains("inf"), "{e}");
        // Same row: P first, whatever the column.
        let p = [0.5f32, 0.5, 0.5, f32::NAN];
        let q = [0.5f32, 0.5, -0.5, 0.5];
        let mut out = [0.0; 2];
        let e = row_paired(&s, &p, &q, 2, 0, &mut out).unwrap_err();
        assert_eq!((e.side, e.row, e.col), (Side::P, 1, Some(1)));
        assert!(e.problem.starts_with("NaN"), "{e}");
        // Logits: a massless row of P before a NaN of Q.
        let s = spec(Divergence::Kl, InputKind::Logits);
        let ninf = f64::NEG_INFINITY;
        let p = [ninf, ninf, 0.0, 1.0];
        let q = [0.0, 1.0, f64::NAN, 1.0];
        let e = row_paired(&s, &p, &q, 2, 3, &mut out).unwrap_err();
        assert_eq!((e.side, e.row, e.col), (Side::P, 3, None));
        assert_eq!(e.problem, ALL_MASKED);
        // Only the library's error: its row, column and value.
        let q = [0.0, 1.0, 1.0, f64::INFINITY];
        let p = [0.0, 0.0, 0.0, 1.0];
        let e = row_paired(&s, &p, &q, 2, 3, &mut out).unwrap_err();
        assert_eq!((e.side, e.row, e.col), (Side::Q, 4, Some(1)));
        assert!(e.problem.starts_with("+inf"), "{e}");
    }

    #[test]
    fn one_vs_many_library_errors_keep_the_lowest_row_first() {
        let s = spec(Divergence::Kl, InputKind::Logits);
        let ninf = f64::NEG_INFINITY;
        let query = [0.0, 1.0];
        // A massless row (1) before a NaN (row 2): the library reports the NaN first.
        let block = [0.0, 1.0, ninf, ninf, f64::NAN, 0.0];
        let mut out = [0.0; 3];
        let e = one_vs_many(&s, &query, &block, 10, false, &mut out).unwrap_err();
        assert_eq!((e.side, e.row, e.col), (Side::Q, 11, None));
        let block = [0.0, 1.0, 0.0, 2.0, 0.0, f64::INFINITY];
        let e = one_vs_many(&s, &query, &block, 10, false, &mut out).unwrap_err();
        assert_eq!((e.side, e.row, e.col), (Side::Q, 12, Some(1)));
        assert!(e.problem.starts_with("+inf"), "{e}");
        // Values: the checked function's, in bits too, both directions.
        let block = [0.0, 1.0, 0.5, 2.0, -1.0, 3.0];
        for bits in [false, true] {
            let s = Spec { bits, ..s };
            for reverse in [false, true] {
                one_vs_many(&s, &query, &block, 0, reverse, &mut out).unwrap();
                for (j, v) in out.iter().enumerate() {
                    let row = &block[2 * j..2 * j + 2];
                    let (a, b) = if reverse {
                        (row, &query[..])
                    } else {
                        (&query[..], row)
                    };
                    assert_eq!(v.to_bits(), pair(&s, a, b).unwrap().to_bits());
                }
            }
        }
    }

    #[test]
    fn batch_route_values_are_the_checked_functions_bit_for_bit() {
        // f32 rows, every direct combination in nats and bits.
        let (rows, cols) = (5, 37);
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 40) as f32 / (1u64 << 24) as f32
        };
        let p: Vec<f32> = (0..rows * cols).map(|_| next()).collect();
        let mut q: Vec<f32> = (0..rows * cols).map(|_| next()).collect();
        q[3] = 0.0;
        for input in [InputKind::Probs, InputKind::Logprobs, InputKind::Logits] {
            for &d in <Divergence as clap::ValueEnum>::value_variants() {
                for bits in [false, true] {
                    let s = Spec {
                        bits,
                        ..spec(d, input)
                    };
                    if batch_route(&s).is_none() {
                        continue;
                    }
                    let mut out = vec![0.0; rows];
                    row_paired(&s, &p, &q, cols, 0, &mut out).unwrap();
                    for (r, v) in out.iter().enumerate() {
                        let (pr, qr) = (&p[r * cols..][..cols], &q[r * cols..][..cols]);
                        let want = pair(&s, pr, qr).unwrap();
                        assert_eq!(v.to_bits(), want.to_bits(), "{s:?} row {r}");
                    }
                }
            }
        }
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
        assert_eq!(
            pair(&s, &a, &b),
            relent::kl_logits(&a, &b, 2.0).map_err(LibraryError::Relent)
        );
    }

    #[test]
    fn generalized_kl_of_normalised_rows_is_kl_normalized() {
        let p = [3.0f32, 0.0, 5.0, 2.0];
        let q = [1.0f32, 4.0, 4.0, 1.0];
        for bits in [false, true] {
            let s = Spec {
                normalize: true,
                bits,
                ..spec(Divergence::Gkl, InputKind::Probs)
            };
            let want = if bits {
                relent::kl_normalized_bits(&p, &q)
            } else {
                relent::kl_normalized(&p, &q)
            };
            assert_eq!(pair(&s, &p, &q), want.map_err(LibraryError::Relent));
        }
    }

    #[test]
    fn logprobs_whose_exp_overflows_are_refused_for_transformed_divergences() {
        let lp = [0.0f64, 709.5, 710.0];
        let lq = [0.0f64, 0.0, 0.0];
        let s = spec(Divergence::Js, InputKind::Logprobs);
        let mut out = [0.0];
        let e = row_paired(&s, &lp, &lq, 3, 0, &mut out).unwrap_err();
        assert_eq!((e.side, e.row, e.col), (Side::P, 0, Some(2)));
        assert!(e.problem.contains("overflows"), "{e}");
        // 709.5 is fine (e^709.5 < f64::MAX) ...
        row_paired(&s, &lp[..2], &lq[..2], 2, 0, &mut out).unwrap();
        // ... and KL of log-probabilities is never transformed: 710 is a valid input.
        let s = spec(Divergence::Kl, InputKind::Logprobs);
        row_paired(&s, &lp, &lq, 3, 0, &mut out).unwrap();
        assert_eq!(out[0], relent::kl_log(&lp, &lq).unwrap());
    }
}
