//! All-pairs and top-k: every row of P against every row of Q.

use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering};

use relent_scalar::Element;

use crate::exec::{self, Ticker};
use crate::rows::{locate, validate, validate_both};
use crate::{Divergence, Error, MatRef, Matrix, Method, Operand, Options, gemm, kernel};

/// A row of Q and its divergence from the query: an entry of a [`top_k`] result.
///
/// ```
/// let n = relent_batch::Neighbor { index: 3, value: 0.25 };
/// assert_eq!(n.index, 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Neighbor {
    /// The row of Q.
    pub index: usize,
    /// `div(query, Q[index])`, the single-pair kernel's value.
    pub value: f64,
}

/// Smallest value first, ties (and −0 vs +0) by index; NaN last.
fn order(a: &Neighbor, b: &Neighbor) -> CmpOrdering {
    match a.value.partial_cmp(&b.value) {
        Some(CmpOrdering::Equal) => a.index.cmp(&b.index),
        Some(o) => o,
        None => a
            .value
            .is_nan()
            .cmp(&b.value.is_nan())
            .then(a.index.cmp(&b.index)),
    }
}

/// The k best of `v` in order.
fn select(mut v: Vec<Neighbor>, k: usize) -> Vec<Neighbor> {
    if k == 0 {
        return Vec::new();
    }
    if v.len() > k {
        v.select_nth_unstable_by(k - 1, order);
        v.truncate(k);
    }
    v.sort_unstable_by(order);
    v
}

fn check_pair_shapes<T: Element>(
    div: Divergence,
    p: MatRef<'_, T>,
    q: MatRef<'_, T>,
) -> Result<(), Error> {
    div.check()?;
    if p.cols() != q.cols() {
        return Err(Error::ColumnMismatch {
            p_cols: p.cols(),
            q_cols: q.cols(),
        });
    }
    Ok(())
}

/// All pairs: the `P.rows() × Q.rows()` matrix of `div(P[i], Q[j])`.
///
/// With [`Method::Exact`] each entry equals [`pair`](crate::pair) on the same rows, bit for bit.
/// With [`Method::Gemm`] (KL, cross-entropy, generalised KL) the entries come from a matrix
/// product and carry the absolute error bound of the crate docs' *Accuracy of the GEMM path*;
/// they are deterministic (independent of the thread count) but not equal to `pair`.
/// Progress counts rows of P.
///
/// # Errors
/// [`Error::ColumnMismatch`], [`Error::Unsupported`], [`Error::InvalidParameter`],
/// [`Error::InvalidElement`] (the first invalid element of P in row-major order, else of Q,
/// also when either has no rows); then [`Error::ZeroTotal`] for a `KlLogits` row that is all masked.
///
/// # Accuracy
/// Exact: that of [`pair`](crate::pair). GEMM: |error| ≤ 1.01·(γ_{d+2} + 2u)·M + 2u·|value| + (2d + 2)·2⁻¹⁰⁷⁴,
/// M = Σₖ p·|ln p| + Σₖ p·|ln q| (see the crate docs).
///
/// # Special values
/// p > 0 where q = 0 gives +∞ on both paths; p = 0 terms contribute 0.
///
/// ```
/// use relent_batch::{Divergence, MatRef, Method, Options, all_pairs};
/// let p = MatRef::new(&[0.5f32, 0.5, 1.0, 0.0], 2, 2)?;
/// let q = MatRef::new(&[0.5f32, 0.5, 0.0, 1.0, 0.9, 0.1], 3, 2)?;
/// let exact = all_pairs(Divergence::Kl, p, q, Method::Exact, &Options::new())?;
/// let fast = all_pairs(Divergence::Kl, p, q, Method::Gemm, &Options::new())?;
/// assert_eq!((exact.rows(), exact.cols()), (2, 3));
/// assert_eq!(exact[(0, 0)], 0.0);
/// assert_eq!(fast[(1, 1)], f64::INFINITY); // p = (1, 0) against q = (0, 1)
/// assert!((exact[(1, 2)] - fast[(1, 2)]).abs() < 1e-6); // f32 inputs: both within 2^-21
/// # Ok::<(), relent_batch::Error>(())
/// ```
pub fn all_pairs<T: Element>(
    div: Divergence,
    p: MatRef<'_, T>,
    q: MatRef<'_, T>,
    method: Method,
    opts: &Options<'_>,
) -> Result<Matrix, Error> {
    check_pair_shapes(div, p, q)?;
    let method = method.resolve(div)?;
    let (n, m) = (p.rows(), q.rows());
    let mut out = Matrix::zeros(n, m);
    let ticker = Ticker::new(opts, n);
    if n == 0 || m == 0 {
        // No pair to compute, but the input is still checked.
        validate_both(div, p, q, opts)?;
        ticker.tick(n);
        return Ok(out);
    }
    match method {
        Method::Gemm => {
            validate(div, Operand::P, p, opts)?;
            validate(div, Operand::Q, q, opts)?;
            gemm::all_pairs(div, p, q, out.as_mut_slice(), opts, &ticker);
        }
        _ => {
            let invalid = AtomicBool::new(false);
            exec::for_each_chunk_mut(opts, out.as_mut_slice(), m, |start, row| {
                let pi = p.row(start / m);
                let mut bad = false;
                for (j, o) in row.iter_mut().enumerate() {
                    let r = kernel::pair(div, pi, q.row(j), opts.precision);
                    *o = r.value;
                    bad |= r.invalid;
                }
                if bad {
                    invalid.store(true, Ordering::Relaxed);
                }
                ticker.tick(1);
            });
            if invalid.load(Ordering::Relaxed) {
                return Err(locate(div, p, q));
            }
        }
    }
    Ok(out)
}

/// Top-k: the `k` rows of Q nearest to `query` (smallest divergence first, ties broken by the
/// smaller index). Returns `min(k, Q.rows())` neighbours.
///
/// The values are those of [`pair`](crate::pair) and the result is the same for every
/// [`Method`] and every [`Options`]: [`Method::Gemm`] only selects candidates (with a safety
/// margin from its error bound plus the kernel's) and re-scores them with the kernel. For a
/// single query the GEMM path saves little (it still takes the logarithms of Q); it pays off in
/// [`top_k_rows`].
///
/// # Errors
/// As [`one_vs_many`](crate::one_vs_many), plus [`Error::Unsupported`].
///
/// # Accuracy
/// That of [`pair`](crate::pair).
///
/// ```
/// use relent_batch::{Divergence, MatRef, Method, Neighbor, Options, top_k};
/// let corpus = MatRef::new(&[0.9f64, 0.1, 0.5, 0.5, 0.5, 0.5, 0.6, 0.4], 4, 2)?;
/// let best = top_k(Divergence::Kl, &[0.5, 0.5], corpus, 3, Method::Exact, &Options::new())?;
/// let idx: Vec<usize> = best.iter().map(|n| n.index).collect();
/// assert_eq!(idx, [1, 2, 3]); // 1 and 2 tie at 0: by index
/// assert_eq!(best[0], Neighbor { index: 1, value: 0.0 });
/// # Ok::<(), relent_batch::Error>(())
/// ```
pub fn top_k<T: Element>(
    div: Divergence,
    query: &[T],
    q: MatRef<'_, T>,
    k: usize,
    method: Method,
    opts: &Options<'_>,
) -> Result<Vec<Neighbor>, Error> {
    if query.len() != q.cols() {
        div.check()?;
        return Err(Error::ColumnMismatch {
            p_cols: query.len(),
            q_cols: q.cols(),
        });
    }
    div.check()?;
    let p = MatRef::from_row(query)?;
    match method.resolve(div)? {
        Method::Gemm => Ok(top_k_rows(div, p, q, k, Method::Gemm, opts)?
            .pop()
            .unwrap_or_default()),
        _ => {
            let values = crate::one_vs_many(div, query, q, opts)?;
            Ok(select(
                values
                    .into_iter()
                    .enumerate()
                    .map(|(index, value)| Neighbor { index, value })
                    .collect(),
                k,
            ))
        }
    }
}

/// Top-k for each row of P: `result[i]` is [`top_k`] of `P[i]` against Q.
///
/// Same guarantees as [`top_k`] (values of the kernel; the same result for every method and
/// thread count). Progress counts rows of P.
///
/// # Errors
/// As [`all_pairs`].
///
/// # Accuracy
/// That of [`pair`](crate::pair).
///
/// ```
/// use relent_batch::{Divergence, MatRef, Method, Options, top_k_rows};
/// let p = MatRef::new(&[0.5f32, 0.5, 0.9, 0.1], 2, 2)?;
/// let q = MatRef::new(&[0.9f32, 0.1, 0.5, 0.5, 0.6, 0.4], 3, 2)?;
/// let nn = top_k_rows(Divergence::Kl, p, q, 1, Method::Gemm, &Options::new())?;
/// assert_eq!(nn[0][0].index, 1);
/// assert_eq!(nn[1][0].index, 0);
/// assert_eq!(nn[1][0].value, 0.0);
/// # Ok::<(), relent_batch::Error>(())
/// ```
pub fn top_k_rows<T: Element>(
    div: Divergence,
    p: MatRef<'_, T>,
    q: MatRef<'_, T>,
    k: usize,
    method: Method,
    opts: &Options<'_>,
) -> Result<Vec<Vec<Neighbor>>, Error> {
    check_pair_shapes(div, p, q)?;
    let method = method.resolve(div)?;
    let (n, m) = (p.rows(), q.rows());
    let mut out: Vec<Vec<Neighbor>> = vec![Vec::new(); n];
    let ticker = Ticker::new(opts, n);
    if n == 0 || m == 0 || k == 0 {
        // Still report invalid input.
        validate_both(div, p, q, opts)?;
        ticker.tick(n);
        return Ok(out);
    }
    match method {
        Method::Gemm => {
            validate(div, Operand::P, p, opts)?;
            validate(div, Operand::Q, q, opts)?;
            let qs = gemm::prepare_q(q, opts);
            exec::for_each_chunk_mut(opts, &mut out, gemm::PB, |r0, chunk| {
                let pb = gemm::prepare_p(p, r0, r0 + chunk.len(), &qs);
                gemm_candidates(div, p, q, &pb, &qs, k, r0, chunk, opts);
                ticker.tick(chunk.len());
            });
        }
        _ => {
            let invalid = AtomicBool::new(false);
            exec::for_each_chunk_mut(opts, &mut out, 1, |i, slot| {
                let pi = p.row(i);
                let mut bad = false;
                let all = (0..m)
                    .map(|j| {
                        let r = kernel::pair(div, pi, q.row(j), opts.precision);
                        bad |= r.invalid;
                        Neighbor {
                            index: j,
                            value: r.value,
                        }
                    })
                    .collect();
                slot[0] = select(all, k);
                if bad {
                    invalid.store(true, Ordering::Relaxed);
                }
                ticker.tick(1);
            });
            if invalid.load(Ordering::Relaxed) {
                return Err(locate(div, p, q));
            }
        }
    }
    Ok(out)
}

/// f64 with a total order, for the heap of the k smallest upper bounds.
struct Key(f64);
impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == CmpOrdering::Equal
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.0.total_cmp(&other.0)
    }
}

/// Tiles of Q computed at once per block of P (bounds the memory in flight).
const TILES_PER_GROUP: usize = 8;

/// GEMM candidate selection and exact re-scoring for the rows `r0..` of P (one block).
///
/// For each Q row j: lower/upper = v̂ ∓ (E_gemm + E_kernel). Candidates are the j with
/// lower ≤ τ, τ the k-th smallest upper bound; every j of the kernel's top-k satisfies this
/// (its kernel value lies in [lower, upper] and is ≤ the k-th smallest kernel value ≤ τ).
/// The indicator's +∞ is exact; any other GEMM value that is not finite (an overflow: NaN
/// from ∞ − ∞, or ±∞) gets [−∞, +∞].
#[allow(clippy::too_many_arguments)]
fn gemm_candidates<T: Element>(
    div: Divergence,
    p: MatRef<'_, T>,
    q: MatRef<'_, T>,
    pb: &gemm::PBlock,
    qs: &gemm::QSide,
    k: usize,
    r0: usize,
    out: &mut [Vec<Neighbor>],
    opts: &Options<'_>,
) {
    let (rows, m) = (pb.rows(), qs.rows());
    let mut heaps: Vec<BinaryHeap<Key>> = (0..rows)
        .map(|_| BinaryHeap::with_capacity(k + 1))
        .collect();
    let mut cands: Vec<Vec<(usize, f64)>> = vec![Vec::new(); rows];
    let n_tiles = m.div_ceil(gemm::QB);
    let mut t0 = 0;
    while t0 < n_tiles {
        let t1 = (t0 + TILES_PER_GROUP).min(n_tiles);
        let tiles = exec::map_range(opts, t1 - t0, |t| {
            let j0 = (t0 + t) * gemm::QB;
            let j1 = (j0 + gemm::QB).min(m);
            let w = j1 - j0;
            let (mut v, mut e, mut g) = (
                vec![0.0; rows * w],
                vec![0.0; rows * w],
                vec![0.0; rows * w],
            );
            gemm::tile(div, pb, qs, j0, j1, &mut v, w, Some((&mut e, &mut g)));
            (j0, w, v, e, g)
        });
        for (i, (heap, cand)) in heaps.iter_mut().zip(cands.iter_mut()).enumerate() {
            for (j0, w, v, e, g) in &tiles {
                for jj in 0..*w {
                    let (v, e, g) = (v[i * w + jj], e[i * w + jj], g[i * w + jj]);
                    let (lo, hi) = if v == f64::INFINITY && e == 0.0 {
                        // Mass where q has none (the indicator GEMM): exactly +∞.
                        (v, v)
                    } else if !(v.is_finite() && e.is_finite()) {
                        // An overflow (NaN, ±∞ or an unbounded error): the pair's value is
                        // unknown, so it stays a candidate without lowering the threshold.
                        (f64::NEG_INFINITY, f64::INFINITY)
                    } else {
                        let margin = e + kernel::error_bound::<T>(g, v.abs() + e);
                        (v - margin, v + margin)
                    };
                    if heap.len() < k {
                        heap.push(Key(hi));
                    } else if hi < heap.peek().map_or(f64::INFINITY, |x| x.0) {
                        heap.pop();
                        heap.push(Key(hi));
                    }
                    let tau = if heap.len() < k {
                        f64::INFINITY
                    } else {
                        heap.peek().map_or(f64::INFINITY, |x| x.0)
                    };
                    if lo <= tau {
                        cand.push((j0 + jj, lo));
                    }
                }
            }
            // Prune what the (only decreasing) threshold now excludes.
            let tau = if heap.len() < k {
                f64::INFINITY
            } else {
                heap.peek().map_or(f64::INFINITY, |x| x.0)
            };
            cand.retain(|&(_, lo)| lo <= tau);
        }
        t0 = t1;
    }
    for (i, (slot, cand)) in out.iter_mut().zip(cands).enumerate() {
        let pi = p.row(r0 + i);
        let scored = cand
            .into_iter()
            .map(|(j, _)| Neighbor {
                index: j,
                value: kernel::pair(div, pi, q.row(j), opts.precision).value,
            })
            .collect();
        *slot = select(scored, k);
    }
}
