//! Row-wise operations: one pair, row-paired, one-vs-many, and one long pair split across
//! threads.

use std::sync::atomic::{AtomicBool, Ordering};

use relent_scalar::Element;

use crate::exec::{self, Ticker};
use crate::kernel;
use crate::{Divergence, Error, MatRef, Operand, Options};

/// Target number of elements per parallel task for row-wise work (progress granularity).
const TASK_ELEMS: usize = 1 << 15;

/// The first invalid element of a matrix in row-major order, as an error.
pub(crate) fn first_invalid<T: Element>(
    div: Divergence,
    operand: Operand,
    m: MatRef<'_, T>,
) -> Option<Error> {
    m.iter_rows().enumerate().find_map(|(row, r)| {
        kernel::find_invalid(div, r).map(|(col, value, kind)| Error::InvalidElement {
            operand,
            row,
            col,
            value,
            kind,
        })
    })
}

/// The first row of a matrix without mass for `div` (see [`kernel::massless`]), as an error.
pub(crate) fn first_massless<T: Element>(
    div: Divergence,
    operand: Operand,
    m: MatRef<'_, T>,
) -> Option<Error> {
    m.iter_rows()
        .position(|r| kernel::massless(div, r))
        .map(|row| Error::ZeroTotal { operand, row })
}

/// The error for a call whose kernel flagged invalid input: the first invalid element of P
/// (row-major), else of Q; then the first row of P, else of Q, without mass.
pub(crate) fn locate<T: Element>(div: Divergence, p: MatRef<'_, T>, q: MatRef<'_, T>) -> Error {
    first_invalid(div, Operand::P, p)
        .or_else(|| first_invalid(div, Operand::Q, q))
        .or_else(|| first_massless(div, Operand::P, p))
        .or_else(|| first_massless(div, Operand::Q, q))
        .expect("the kernel flagged an invalid element that the scan cannot find")
}

/// Checks both operands of a call that computes no pair (an operand without rows, or k = 0):
/// the same errors, in the same order, as [`locate`] would give.
pub(crate) fn validate_both<T: Element>(
    div: Divergence,
    p: MatRef<'_, T>,
    q: MatRef<'_, T>,
    opts: &Options<'_>,
) -> Result<(), Error> {
    validate(div, Operand::P, p, opts)?;
    validate(div, Operand::Q, q, opts)?;
    match first_massless(div, Operand::P, p).or_else(|| first_massless(div, Operand::Q, q)) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Checks a whole matrix up front (in parallel), reporting the first invalid element in
/// row-major order.
pub(crate) fn validate<T: Element>(
    div: Divergence,
    operand: Operand,
    m: MatRef<'_, T>,
    opts: &Options<'_>,
) -> Result<(), Error> {
    let bad = exec::map_range(opts, m.rows(), |i| {
        kernel::find_invalid(div, m.row(i)).is_some()
    });
    match bad.iter().position(|&b| b) {
        None => Ok(()),
        Some(row) => Err(first_invalid(div, operand, m.slice_rows(row..row + 1))
            .map(|e| match e {
                Error::InvalidElement {
                    operand,
                    col,
                    value,
                    kind,
                    ..
                } => Error::InvalidElement {
                    operand,
                    row,
                    col,
                    value,
                    kind,
                },
                e => e,
            })
            .expect("row flagged invalid")),
    }
}

pub(crate) fn rows_per_task(cols: usize) -> usize {
    (TASK_ELEMS / cols.max(1)).max(1)
}

/// One pair: `div(p, q)` by the single-pair kernel that every batch operation uses, so each
/// batch result equals (bit for bit) `pair` on the same two rows.
///
/// # Errors
/// [`Error::ColumnMismatch`] for different lengths, [`Error::Empty`],
/// [`Error::InvalidParameter`] for a bad temperature, [`Error::InvalidElement`] (operand `P`
/// for `p`, `Q` for `q`, row 0); then [`Error::ZeroTotal`] for a `KlLogits` row that is all masked.
///
/// # Accuracy
/// That of the single-pair kernel, relent-simd at `Precision::Default`: ≤ 2⁻⁴⁹ relative for
/// `f64`, ≤ 2⁻²¹ for `f32`/`f16`/`bf16` (see the crate docs' `# Accuracy`).
///
/// # Special values
/// See [`Divergence`].
///
/// ```
/// use relent_batch::{Divergence, pair};
/// let p = [0.5f32, 0.5, 0.0];
/// let q = [0.25f32, 0.25, 0.5];
/// // f32 inputs at the default precision: within 2^-21 relative.
/// let ln2 = std::f64::consts::LN_2;
/// assert!((pair(Divergence::Kl, &p, &q)? - ln2).abs() <= relent_simd::bounds::DEFAULT_NARROW * ln2);
/// assert_eq!(pair(Divergence::Kl, &q, &p)?, f64::INFINITY);
/// # Ok::<(), relent_batch::Error>(())
/// ```
pub fn pair<T: Element>(div: Divergence, p: &[T], q: &[T]) -> Result<f64, Error> {
    div.check()?;
    if p.len() != q.len() {
        return Err(Error::ColumnMismatch {
            p_cols: p.len(),
            q_cols: q.len(),
        });
    }
    if p.is_empty() {
        return Err(Error::Empty);
    }
    let out = kernel::pair(div, p, q, crate::Precision::Default);
    if out.invalid {
        return Err(locate(div, MatRef::from_row(p)?, MatRef::from_row(q)?));
    }
    Ok(out.value)
}

/// Row-paired: `out[i] = div(P[i], Q[i])` for every row `i`.
///
/// Each value equals [`pair`] on the same rows, bit for bit, for any [`Options`].
///
/// # Errors
/// [`Error::RowMismatch`], [`Error::ColumnMismatch`], [`Error::OutputLength`],
/// [`Error::InvalidParameter`], [`Error::InvalidElement`] (the first invalid element of P in
/// row-major order, else of Q; `out` is then unspecified); then [`Error::ZeroTotal`] for a `KlLogits` row that is all masked.
///
/// # Accuracy
/// That of [`pair`].
///
/// ```
/// use relent_batch::{Divergence, MatRef, Options, row_paired_into};
/// let p = MatRef::new(&[0.5f32, 0.5, 1.0, 0.0], 2, 2)?;
/// let q = MatRef::new(&[0.5f32, 0.5, 0.5, 0.5], 2, 2)?;
/// let mut out = [0.0; 2];
/// row_paired_into(Divergence::Kl, p, q, &mut out, &Options::serial())?;
/// assert_eq!(out[0], 0.0);
/// assert!((out[1] - std::f64::consts::LN_2).abs() <= relent_simd::bounds::DEFAULT_NARROW); // f32: 2^-21
/// # Ok::<(), relent_batch::Error>(())
/// ```
pub fn row_paired_into<T: Element>(
    div: Divergence,
    p: MatRef<'_, T>,
    q: MatRef<'_, T>,
    out: &mut [f64],
    opts: &Options<'_>,
) -> Result<(), Error> {
    div.check()?;
    if p.rows() != q.rows() {
        return Err(Error::RowMismatch {
            p_rows: p.rows(),
            q_rows: q.rows(),
        });
    }
    if p.cols() != q.cols() {
        return Err(Error::ColumnMismatch {
            p_cols: p.cols(),
            q_cols: q.cols(),
        });
    }
    if out.len() != p.rows() {
        return Err(Error::OutputLength {
            needed: p.rows(),
            len: out.len(),
        });
    }
    let invalid = AtomicBool::new(false);
    let ticker = Ticker::new(opts, p.rows());
    exec::for_each_chunk_mut(opts, out, rows_per_task(p.cols()), |start, chunk| {
        let mut bad = false;
        for (k, o) in chunk.iter_mut().enumerate() {
            let r = kernel::pair(div, p.row(start + k), q.row(start + k), opts.precision);
            *o = r.value;
            bad |= r.invalid;
        }
        if bad {
            invalid.store(true, Ordering::Relaxed);
        }
        ticker.tick(chunk.len());
    });
    if invalid.load(Ordering::Relaxed) {
        return Err(locate(div, p, q));
    }
    Ok(())
}

/// Row-paired into a new vector: `div(P[i], Q[i])` for every row `i`.
///
/// See [`row_paired_into`] (errors, accuracy, determinism).
///
/// ```
/// use relent_batch::{Divergence, MatRef, Options, row_paired};
/// let p = MatRef::new(&[0.0f64, 1.0, 2.0, 0.5], 2, 2)?; // logits
/// let q = MatRef::new(&[0.0f64, 1.0, 0.0, 0.0], 2, 2)?;
/// let kl = row_paired(Divergence::KlLogits { temperature: 1.0 }, p, q, &Options::new())?;
/// assert_eq!(kl[0], 0.0);
/// assert!(kl[1] > 0.0);
/// # Ok::<(), relent_batch::Error>(())
/// ```
pub fn row_paired<T: Element>(
    div: Divergence,
    p: MatRef<'_, T>,
    q: MatRef<'_, T>,
    opts: &Options<'_>,
) -> Result<Vec<f64>, Error> {
    let mut out = vec![0.0; p.rows()];
    row_paired_into(div, p, q, &mut out, opts)?;
    Ok(out)
}

/// One-vs-many: `out[j] = div(p, Q[j])` for every row `j` of Q.
///
/// Each value equals [`pair`]`(div, p, Q[j])`, bit for bit, for any [`Options`].
///
/// # Errors
/// [`Error::ColumnMismatch`] (`p.len()` vs Q's columns), [`Error::OutputLength`],
/// [`Error::InvalidParameter`], [`Error::InvalidElement`] (`p` is operand P, row 0; checked
/// before Q, also when Q has no rows); then [`Error::ZeroTotal`] for a `KlLogits` row that is all masked.
///
/// # Accuracy
/// That of [`pair`].
///
/// ```
/// use relent_batch::{Divergence, MatRef, Options, one_vs_many_into};
/// let query = [0.5f32, 0.5];
/// let corpus = MatRef::new(&[0.5f32, 0.5, 0.9, 0.1, 1.0, 0.0], 3, 2)?;
/// let mut out = [0.0; 3];
/// one_vs_many_into(Divergence::Kl, &query, corpus, &mut out, &Options::new())?;
/// assert_eq!(out[0], 0.0);
/// assert_eq!(out[2], f64::INFINITY);
/// # Ok::<(), relent_batch::Error>(())
/// ```
pub fn one_vs_many_into<T: Element>(
    div: Divergence,
    p: &[T],
    q: MatRef<'_, T>,
    out: &mut [f64],
    opts: &Options<'_>,
) -> Result<(), Error> {
    div.check()?;
    if p.len() != q.cols() {
        return Err(Error::ColumnMismatch {
            p_cols: p.len(),
            q_cols: q.cols(),
        });
    }
    if out.len() != q.rows() {
        return Err(Error::OutputLength {
            needed: q.rows(),
            len: out.len(),
        });
    }
    let pm = MatRef::from_row(p)?;
    if q.rows() == 0 {
        // No pair to compute, but the query is still checked.
        return validate_both(div, pm, q, opts);
    }
    let invalid = AtomicBool::new(false);
    let ticker = Ticker::new(opts, q.rows());
    exec::for_each_chunk_mut(opts, out, rows_per_task(q.cols()), |start, chunk| {
        let mut bad = false;
        for (k, o) in chunk.iter_mut().enumerate() {
            let r = kernel::pair(div, p, q.row(start + k), opts.precision);
            *o = r.value;
            bad |= r.invalid;
        }
        if bad {
            invalid.store(true, Ordering::Relaxed);
        }
        ticker.tick(chunk.len());
    });
    if invalid.load(Ordering::Relaxed) {
        return Err(locate(div, pm, q));
    }
    Ok(())
}

/// One-vs-many into a new vector: `div(p, Q[j])` for every row `j` of Q.
///
/// See [`one_vs_many_into`].
///
/// ```
/// use relent_batch::{Divergence, MatRef, Options, one_vs_many};
/// let query = [0.25f64, 0.75];
/// let corpus = MatRef::new(&[0.25f64, 0.75, 0.75, 0.25], 2, 2)?;
/// let js = one_vs_many(Divergence::JsDivergence, &query, corpus, &Options::serial())?;
/// assert_eq!(js[0], 0.0);
/// assert!(js[1] > 0.0 && js[1] <= std::f64::consts::LN_2);
/// # Ok::<(), relent_batch::Error>(())
/// ```
pub fn one_vs_many<T: Element>(
    div: Divergence,
    p: &[T],
    q: MatRef<'_, T>,
    opts: &Options<'_>,
) -> Result<Vec<f64>, Error> {
    let mut out = vec![0.0; q.rows()];
    one_vs_many_into(div, p, q, &mut out, opts)?;
    Ok(out)
}

/// One very long pair (n in the millions) split across threads: the fixed chunks of the
/// single-pair kernel are computed in parallel and combined in index order, so the result is
/// bit-identical to [`pair`] on the same vectors, for any [`Options`]. Progress counts chunks
/// (of `relent_simd::CHUNK` elements).
///
/// # Errors
/// As [`pair`].
///
/// # Accuracy
/// That of [`pair`].
///
/// ```
/// use relent_batch::{Divergence, Options, long_pair, pair};
/// let n = 100_000;
/// let p: Vec<f32> = (0..n).map(|i| (1 + i % 7) as f32 / (4.0 * n as f32)).collect();
/// let q: Vec<f32> = (0..n).map(|i| (1 + i % 5) as f32 / (3.0 * n as f32)).collect();
/// let v = long_pair(Divergence::Kl, &p, &q, &Options::new())?;
/// assert_eq!(v.to_bits(), pair(Divergence::Kl, &p, &q)?.to_bits());
/// # Ok::<(), relent_batch::Error>(())
/// ```
pub fn long_pair<T: Element>(
    div: Divergence,
    p: &[T],
    q: &[T],
    opts: &Options<'_>,
) -> Result<f64, Error> {
    div.check()?;
    if p.len() != q.len() {
        return Err(Error::ColumnMismatch {
            p_cols: p.len(),
            q_cols: q.len(),
        });
    }
    if p.is_empty() {
        return Err(Error::Empty);
    }
    let nc = kernel::n_chunks(p.len());
    let ticker = Ticker::new(opts, nc);
    let parts = exec::map_range(opts, nc, |c| {
        let x = kernel::partial(
            div,
            kernel::chunk(p, c),
            kernel::chunk(q, c),
            opts.precision,
        );
        ticker.tick(1);
        x
    });
    let out = kernel::finish(div, p, q, parts);
    if out.invalid {
        return Err(locate(div, MatRef::from_row(p)?, MatRef::from_row(q)?));
    }
    Ok(out.value)
}
