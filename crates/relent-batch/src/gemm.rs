//! All-pairs KL, cross-entropy and generalised KL as a matrix product.
//!
//! KL(pᵢ‖qⱼ) = Σₖ pᵢₖ·ln pᵢₖ − Σₖ pᵢₖ·ln qⱼₖ: the logarithms of Q are taken once (m·d of them),
//! the cross terms C = P·(ln Q)ᵀ come from an f64 GEMM (faer, `Par::Seq` inside each task), and
//! the entropy terms once per row of P. q = 0 is handled exactly: ln 0 is replaced by 0 in the
//! GEMM operand, and a second, small indicator GEMM over the columns where Q has a zero counts
//! the k with pᵢₖ > 0 ∧ qⱼₖ = 0 (an exact integer in f64); a positive count gives +∞. Terms with
//! p = 0 contribute 0 (0·finite).
//!
//! Work is split into fixed blocks of [`PB`] rows of P and tiles of [`QB`] rows of Q; the
//! blocks depend only on the shapes, so the values never depend on the thread count. See the
//! crate docs (`# Accuracy` of the GEMM path) for the error bound computed by [`tile`].

use faer::{Accum, Par};
use relent_scalar::Element;

use crate::exec;
use crate::kernel::{U, gamma};
use crate::{Divergence, MatRef, Options};

/// Rows of P per block (one parallel task).
pub(crate) const PB: usize = 64;
/// Rows of Q per tile (one GEMM call).
pub(crate) const QB: usize = 2048;

/// The Q side, prepared once.
pub(crate) struct QSide {
    d: usize,
    m: usize,
    /// m×d: ln q, 0 where q = 0.
    lnq: Vec<f64>,
    /// m×d: max(ln q, 0), present only when some q > 1 (then Σp·|ln q| ≠ −Σp·ln q).
    pos: Option<Vec<f64>>,
    /// Columns where some q is 0.
    zcols: Vec<usize>,
    /// m×zcols.len(): 1 where q = 0 in that column.
    zind: Vec<f64>,
    /// Σₖ qⱼₖ (for generalised KL).
    sum_q: Vec<f64>,
}

impl QSide {
    pub(crate) fn rows(&self) -> usize {
        self.m
    }
}

fn ln0(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x.ln() }
}

/// Takes the logarithms of Q (in parallel). Q must be valid (finite, ≥ 0).
pub(crate) fn prepare_q<T: Element>(q: MatRef<'_, T>, opts: &Options<'_>) -> QSide {
    let (m, d) = (q.rows(), q.cols());
    let mut lnq = vec![0.0; m * d];
    let rows = crate::rows::rows_per_task(d);
    exec::for_each_chunk_mut(opts, &mut lnq, rows * d, |start, chunk| {
        for (r, out) in chunk.chunks_mut(d).enumerate() {
            for (o, x) in out.iter_mut().zip(q.row(start / d + r)) {
                *o = ln0(x.to_f64());
            }
        }
    });
    // Per row: its sum, whether it has an entry > 1, and its zero columns (usually none).
    let info = exec::map_range(opts, m, |j| {
        let row = q.row(j);
        let sum: f64 = row.iter().map(|x| x.to_f64()).sum();
        let gt1 = row.iter().any(|x| x.to_f64() > 1.0);
        let zeros: Vec<usize> = row
            .iter()
            .enumerate()
            .filter(|(_, x)| x.to_f64() == 0.0)
            .map(|(k, _)| k)
            .collect();
        (sum, gt1, zeros)
    });
    let mut is_zero_col = vec![false; d];
    for (_, _, z) in &info {
        for &k in z {
            is_zero_col[k] = true;
        }
    }
    let zcols: Vec<usize> = (0..d).filter(|&k| is_zero_col[k]).collect();
    let mut slot = vec![usize::MAX; d];
    for (c, &k) in zcols.iter().enumerate() {
        slot[k] = c;
    }
    let z = zcols.len();
    let mut zind = vec![0.0; m * z];
    if z > 0 {
        for (j, (_, _, zs)) in info.iter().enumerate() {
            for &k in zs {
                zind[j * z + slot[k]] = 1.0;
            }
        }
    }
    let pos = info
        .iter()
        .any(|x| x.1)
        .then(|| lnq.iter().map(|&l| l.max(0.0)).collect());
    let sum_q = info.iter().map(|x| x.0).collect();
    QSide {
        d,
        m,
        lnq,
        pos,
        zcols,
        zind,
        sum_q,
    }
}

/// A block of rows of P, widened to f64, with its per-row terms.
pub(crate) struct PBlock {
    rows: usize,
    /// rows×d.
    p: Vec<f64>,
    /// Σ p·ln p (naive f64 sum, p = 0 → 0).
    h: Vec<f64>,
    /// Σ p·|ln p|.
    hmag: Vec<f64>,
    /// Σ p.
    sum_p: Vec<f64>,
    /// rows×zcols: 1 where p > 0.
    pind: Vec<f64>,
}

impl PBlock {
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }
}

/// Prepares rows `r0..r1` of P. P must be valid.
pub(crate) fn prepare_p<T: Element>(p: MatRef<'_, T>, r0: usize, r1: usize, qs: &QSide) -> PBlock {
    let (rows, d, z) = (r1 - r0, qs.d, qs.zcols.len());
    let mut pb = PBlock {
        rows,
        p: Vec::with_capacity(rows * d),
        h: Vec::with_capacity(rows),
        hmag: Vec::with_capacity(rows),
        sum_p: Vec::with_capacity(rows),
        pind: Vec::with_capacity(rows * z),
    };
    for i in r0..r1 {
        let row = p.row(i);
        let (mut h, mut hm, mut s) = (0.0, 0.0, 0.0);
        for x in row {
            let x = x.to_f64();
            pb.p.push(x);
            let t = x * ln0(x);
            h += t;
            hm += t.abs();
            s += x;
        }
        pb.h.push(h);
        pb.hmag.push(hm);
        pb.sum_p.push(s);
        pb.pind.extend(
            qs.zcols
                .iter()
                .map(|&k| if row[k].to_f64() > 0.0 { 1.0 } else { 0.0 }),
        );
    }
    pb
}

/// C (rows×w, column-major, contiguous: `C[i + jj·rows]`) = A (rows×k, row-major) · B(rows
/// j0..j1 of a row-major m×k)ᵀ.
///
/// Every operand is a contiguous view of the same memory in the layout faer packs fastest: A
/// as the transpose of a column-major k×rows, B's rows as the columns of a column-major k×w,
/// and a column-major destination (76 GFLOP/s here against 47 for the transposed formulation
/// Cᵀ = B·Aᵀ at 64 rows). faer 0.24.4's x86 kernels corrupt memory for a row-major destination
/// of some shapes (e.g. 64×90 with k = 70); this formulation is checked over a sweep of shapes,
/// with canaries, by `tests::gemm_shapes`. faer's AVX-512 microkernels return with the upper
/// vector state dirty, which slows every SSE instruction after them (glibc's `log`, our scalar
/// loops) ~8×: [`relent_simd::clear_upper_vector_state`] resets it.
fn gemm_nt(c: &mut [f64], a: &[f64], rows: usize, b: &[f64], k: usize, j0: usize, j1: usize) {
    let w = j1 - j0;
    debug_assert_eq!(c.len(), rows * w);
    let dst = faer::MatMut::from_column_major_slice_mut(c, rows, w);
    let lhs = faer::MatRef::from_column_major_slice(a, k, rows);
    let rhs = faer::MatRef::from_column_major_slice(&b[j0 * k..j1 * k], k, w);
    faer::linalg::matmul::matmul(dst, Accum::Replace, lhs.transpose(), rhs, 1.0, Par::Seq);
    relent_simd::clear_upper_vector_state();
}

/// The relative factor of the bound: 1.01·(γ_{d+2} + 2u).
pub(crate) fn bound_factor(d: usize) -> f64 {
    1.01 * (gamma(d + 2) + 2.0 * U)
}

/// The absolute part of the bound: products and sums whose results are subnormal are
/// rounded to a multiple of 2^-1074, not to a relative precision — at most 2^-1075 each, over
/// the d products of the cross term, the d of the entropy term and the final operations;
/// (2d + 2)·2^-1074 leaves a factor 2.
pub(crate) fn underflow_bound(d: usize) -> f64 {
    (2.0 * d as f64 + 2.0) * f64::from_bits(1)
}

/// The values (and optionally their error bounds and the kernel's magnitudes, Σ|terms| + Σp + Σq) for the block `pb` against Q
/// rows `j0..j1`, written at `vals[i * ld + (j − j0)]` (and the same in `bounds`, `mags`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn tile(
    div: Divergence,
    pb: &PBlock,
    qs: &QSide,
    j0: usize,
    j1: usize,
    vals: &mut [f64],
    ld: usize,
    mut extra: Option<(&mut [f64], &mut [f64])>,
) {
    let (d, w, z) = (qs.d, j1 - j0, qs.zcols.len());
    let mut cross = vec![0.0; pb.rows * w];
    gemm_nt(&mut cross, &pb.p, pb.rows, &qs.lnq, d, j0, j1);
    let cpos = qs.pos.as_ref().map(|pos| {
        let mut c = vec![0.0; pb.rows * w];
        gemm_nt(&mut c, &pb.p, pb.rows, pos, d, j0, j1);
        c
    });
    let count = (z > 0).then(|| {
        let mut c = vec![0.0; pb.rows * w];
        gemm_nt(&mut c, &pb.pind, pb.rows, &qs.zind, z, j0, j1);
        c
    });
    let factor = bound_factor(d);
    let underflow = underflow_bound(d);
    for i in 0..pb.rows {
        for jj in 0..w {
            let j = j0 + jj;
            let c = cross[jj * pb.rows + i];
            let v = if count.as_ref().is_some_and(|n| n[jj * pb.rows + i] > 0.0) {
                f64::INFINITY
            } else {
                match div {
                    Divergence::CrossEntropy => -c,
                    Divergence::GeneralizedKl => (pb.h[i] - c) + (qs.sum_q[j] - pb.sum_p[i]),
                    _ => pb.h[i] - c,
                }
            };
            vals[i * ld + jj] = v;
            if let Some((bounds, mags)) = extra.as_mut() {
                // Σ p·|ln q| = −Σ p·ln q + 2·Σ p·max(ln q, 0).
                let a = (-c + 2.0 * cpos.as_ref().map_or(0.0, |cp| cp[jj * pb.rows + i])).max(0.0);
                let mag = match div {
                    Divergence::CrossEntropy => a,
                    Divergence::GeneralizedKl => a + pb.hmag[i] + pb.sum_p[i] + qs.sum_q[j],
                    _ => a + pb.hmag[i],
                };
                // The kernel's magnitude (its error bound, `kernel::error_bound`) also counts
                // Σp + Σq (already in `mag` for generalised KL).
                let kmag = match div {
                    Divergence::GeneralizedKl => mag,
                    _ => mag + pb.sum_p[i] + qs.sum_q[j],
                };
                // +∞ from the indicator is exact (error 0). A value that is not finite
                // otherwise comes from an overflow (e.g. p·ln p − p·ln q with p = q = MAX gives
                // ∞ − ∞): it says nothing about the pair, its error is unbounded.
                let exact_inf =
                    v == f64::INFINITY && count.as_ref().is_some_and(|n| n[jj * pb.rows + i] > 0.0);
                let (e, mag) = if exact_inf {
                    (0.0, f64::INFINITY)
                } else if !v.is_finite() {
                    (f64::INFINITY, f64::INFINITY)
                } else {
                    (factor * mag + 2.0 * U * v.abs() + underflow, kmag)
                };
                bounds[i * ld + jj] = e;
                mags[i * ld + jj] = mag;
            }
        }
    }
}

/// All pairs by GEMM into `out` (n×m, row-major). P and Q must be valid.
pub(crate) fn all_pairs<T: Element>(
    div: Divergence,
    p: MatRef<'_, T>,
    q: MatRef<'_, T>,
    out: &mut [f64],
    opts: &Options<'_>,
    ticker: &exec::Ticker<'_>,
) {
    let qs = prepare_q(q, opts);
    let m = qs.m;
    if m == 0 {
        ticker.tick(p.rows());
        return;
    }
    exec::for_each_chunk_mut(opts, out, PB * m, |start, chunk| {
        let r0 = start / m;
        let rows = chunk.len() / m;
        let pb = prepare_p(p, r0, r0 + rows, &qs);
        let mut j0 = 0;
        while j0 < m {
            let j1 = (j0 + QB).min(m);
            tile(div, &pb, &qs, j0, j1, &mut chunk[j0..], m, None);
            j0 = j1;
        }
        ticker.tick(rows);
    });
}

#[cfg(test)]
mod tests {
    /// The GEMM formulation over a sweep of shapes against a naive product, with canaries
    /// around the destination (guards against the faer bug noted at `gemm_nt`).
    #[test]
    fn gemm_shapes() {
        let shapes = [1usize, 2, 3, 5, 8, 17, 31, 48, 63, 64]
            .into_iter()
            .flat_map(|r| {
                [1usize, 2, 4, 5, 13, 47, 49, 90, 130]
                    .into_iter()
                    .flat_map(move |w| {
                        [1usize, 3, 8, 17, 70, 257]
                            .into_iter()
                            .map(move |k| (r, w, k))
                    })
            });
        // Plus the benchmark's tile shape.
        for (rows, w, k) in shapes.chain([(64, 2000, 1024), (16, 2000, 1024)]) {
            let a: Vec<f64> = (0..rows * k).map(|i| (i % 13) as f64 - 6.0).collect();
            let b: Vec<f64> = (0..(w + 3) * k).map(|i| (i % 7) as f64 * 0.5).collect();
            let pad = 16;
            let mut buf = vec![f64::NAN; rows * w + 2 * pad];
            super::gemm_nt(&mut buf[pad..pad + rows * w], &a, rows, &b, k, 2, 2 + w);
            let canaries = buf[..pad].iter().chain(&buf[pad + rows * w..]);
            assert!(
                canaries.into_iter().all(|x| x.is_nan()),
                "{rows}x{w}x{k}: wrote outside"
            );
            for i in 0..rows {
                for j in 0..w {
                    // Small integers and halves: every product and sum is exact.
                    let s: f64 = (0..k).map(|t| a[i * k + t] * b[(j + 2) * k + t]).sum();
                    assert_eq!(buf[pad + j * rows + i], s, "{rows}x{w}x{k} at ({i}, {j})");
                }
            }
        }
    }
}
