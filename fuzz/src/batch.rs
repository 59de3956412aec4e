//! Target `batch`: the batch API (`relent::batch`) — one pair, one long pair, row-paired,
//! one-vs-many, all-pairs and top-k — on small matrices with arbitrary shapes, strides and
//! elements, serial or on a rayon pool of 1 or 2 threads.
//!
//! # Input format
//!
//! Every byte string decodes (missing bytes read as 0):
//!
//! | byte(s) | meaning |
//! |---|---|
//! | 0 | operation: index into [`OPS`] (mod its length) |
//! | 1 | divergence: index into [`DIVERGENCES`] (mod 8) |
//! | 2 (+8) | temperature of `KlLogits`: as in `checked_single` (< 200 common, < 240 special, else raw `f64` bits) |
//! | 3 | element type: `f32`, `f64`, `f16`, `bf16` (mod 4) |
//! | 4 | execution: bits 0–1 serial / current pool / pool of 1 thread / pool of 2 threads; bit 2 a progress callback; bits 3–4 the method of all-pairs and top-k (exact, GEMM, auto) |
//! | 5 | columns: `b % 41`; for the two slice operations, `b ≥ 192` gives a length of one to three of relent-simd's chunks (± a few) |
//! | 6, 7 | rows of P (`b % 6`) and of Q (`b % 7`) |
//! | 8, 9 | layout of P and Q (see [`layout`]): stride = cols + 0..2, or a stride below cols, or a buffer too short |
//! | 10 | k of top-k (`b % 8`) |
//! | 11 | `≥ 240`: a mismatch — Q's columns (or q's length, or the query's) ± 1, or an output slice of the wrong length |
//! | then | the elements: row after row (P, then Q), each row from a tag (`≥ 224` a copy of an earlier row of the same matrix, `208..224` for Q a copy of a row of P, else fresh elements, see [`crate::single::element`]); gaps between rows and past the last row hold NaN, which must never be read |
//!
//! # Oracle
//!
//! - Invalid views give exactly the documented [`Error`] (zero columns, stride below the
//!   columns, data too short, with the numbers), computed independently.
//! - Every call's error is predicted in the documented precedence: the temperature, then the
//!   shapes (rows, columns, output length), then an unsupported method, then the first invalid
//!   element of P in row-major order, else of Q, then (`KlLogits`) the first row of P, else of
//!   Q, whose logits are all masked — also when the other operand has no rows (input is
//!   checked whatever the amount of work).
//! - On valid input each value is **bit-identical** to the checked single-pair function
//!   (`relent::kl`, `relent::kl_logits`, … on the same two rows), for every thread count;
//!   top-k returns the `min(k, rows)` smallest of those values, ties broken by the smaller
//!   index. All-pairs by GEMM is within its documented absolute bound of the exact reference
//!   (`relent_scalar`), with the same infinities.
//! - With a progress callback: one total, `done ≤ total`, exactly one call reports
//!   `done == total` (none when the total is 0).

use std::sync::{Mutex, OnceLock};

use relent::Element;
use relent::batch::{
    self as b, Divergence, Error, InvalidKind, MatRef, Method, Neighbor, Operand, Options,
};

use crate::bytes::Reader;
use crate::single::{self, Dom, Elem};

/// The operations, in input-format order (append only).
pub const OPS: &[&str] = &[
    "pair",
    "long_pair",
    "row_paired",
    "row_paired_into",
    "one_vs_many",
    "one_vs_many_into",
    "all_pairs",
    "top_k",
    "top_k_rows",
];

/// The divergences' names, in input-format order (`KlLogits` takes the temperature).
pub const DIVERGENCES: &[&str] = &[
    "Kl",
    "CrossEntropy",
    "GeneralizedKl",
    "Jeffreys",
    "JsDivergence",
    "JsDistance",
    "KlLog",
    "KlLogits",
];

/// Elements read from the input per vector; longer vectors continue from a generator seeded
/// by the input (so a few bytes describe a vector of several chunks).
const DIRECT: usize = 48;

fn divergence(sel: u8, t: f64) -> Divergence {
    match sel % 8 {
        0 => Divergence::Kl,
        1 => Divergence::CrossEntropy,
        2 => Divergence::GeneralizedKl,
        3 => Divergence::Jeffreys,
        4 => Divergence::JsDivergence,
        5 => Divergence::JsDistance,
        6 => Divergence::KlLog,
        _ => Divergence::KlLogits { temperature: t },
    }
}

fn temperature(r: &mut Reader<'_>) -> f64 {
    let ts = r.u8();
    match ts {
        0..=199 => single::TEMPERATURES[usize::from(ts) % single::TEMPERATURES.len()],
        200..=239 => {
            single::SPECIAL_TEMPERATURES[usize::from(ts - 200) % single::SPECIAL_TEMPERATURES.len()]
        }
        _ => f64::from_bits(r.u64()),
    }
}

fn dom(div: Divergence) -> Dom {
    if div.is_log_domain() {
        Dom::Log
    } else {
        Dom::Prob
    }
}

/// The checked single-pair function of `relent` that `div` names.
pub fn checked<E: Element>(div: Divergence, p: &[E], q: &[E]) -> Result<f64, relent::Error> {
    match div {
        Divergence::Kl => relent::kl(p, q),
        Divergence::CrossEntropy => relent::cross_entropy(p, q),
        Divergence::GeneralizedKl => relent::generalized_kl(p, q),
        Divergence::Jeffreys => relent::jeffreys(p, q),
        Divergence::JsDivergence => relent::js_divergence(p, q),
        Divergence::JsDistance => relent::js_distance(p, q),
        Divergence::KlLog => relent::kl_log(p, q),
        Divergence::KlLogits { temperature } => relent::kl_logits(p, q, temperature),
        other => panic!("divergence {other:?} has no oracle"),
    }
}

/// The exact reference (`relent_scalar`) of a divergence the GEMM path computes.
fn reference<E: Element>(div: Divergence, p: &[E], q: &[E]) -> f64 {
    match div {
        Divergence::Kl => relent_scalar::kl(p, q),
        Divergence::CrossEntropy => relent_scalar::cross_entropy(p, q),
        Divergence::GeneralizedKl => relent_scalar::generalized_kl(p, q),
        other => panic!("{other:?} has no GEMM path"),
    }
}

/// The magnitude M of the GEMM path's bound (crate docs of relent-batch): Σ p·|ln q| (+ Σ
/// p·|ln p| for KL and generalised KL, + Σp + Σq for generalised KL).
fn gemm_magnitude<E: Element>(div: Divergence, p: &[E], q: &[E]) -> f64 {
    let mut m = 0.0;
    for (x, y) in p.iter().zip(q) {
        let (x, y) = (x.to_f64(), y.to_f64());
        if div == Divergence::GeneralizedKl {
            m += x + y;
        }
        if x == 0.0 || y == 0.0 {
            // p = 0 terms are 0; p > 0 with q = 0 is +∞ (checked apart).
            continue;
        }
        m += x * y.ln().abs();
        if div != Divergence::CrossEntropy {
            m += x * x.ln().abs();
        }
    }
    m
}

/// A small deterministic generator (64-bit LCG, high bits).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u8 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 56) as u8
    }
}

/// `len` elements: the first [`DIRECT`] from the input, the rest from a generator seeded by
/// the next 8 input bytes (mostly typical values, one in 64 a special).
fn vector<E: Elem>(r: &mut Reader<'_>, d: Dom, len: usize) -> Vec<E> {
    let direct = len.min(DIRECT);
    let mut v: Vec<E> = (0..direct).map(|_| single::element(r, d)).collect();
    if len > direct {
        let mut g = Lcg(r.u64());
        let tags: Vec<u8> = (direct..len)
            .map(|_| {
                let t = g.next();
                if t >= 252 { 128 + t % 64 } else { t % 128 }
            })
            .collect();
        let mut gr = Reader::new(&tags);
        v.extend((direct..len).map(|_| single::element::<E>(&mut gr, d)));
    }
    v
}

/// A matrix buffer with its claimed shape, and the error its view must give.
struct Mat<E> {
    data: Vec<E>,
    rows: usize,
    cols: usize,
    stride: usize,
    /// The rows (`cols` elements each), as generated.
    content: Vec<Vec<E>>,
}

/// Stride and buffer length from a layout byte: `< 208` stride = cols + b % 3 and a buffer of
/// exactly the needed length (+ 0..1 slack), `208..240` the same stride with a buffer 1..3
/// elements short, `≥ 240` a stride 1 or 2 below cols.
fn layout(b: u8, rows: usize, cols: usize) -> (usize, usize) {
    let stride = if b >= 240 {
        cols.saturating_sub(1 + usize::from(b % 2))
    } else {
        cols + usize::from(b % 3)
    };
    let needed = if rows == 0 {
        0
    } else {
        (rows - 1) * stride + cols
    };
    let len = match b {
        0..=207 => needed + usize::from((b >> 2) % 2),
        208..=239 => needed.saturating_sub(1 + usize::from(b % 3)),
        _ => needed,
    };
    (stride, len)
}

/// The error [`MatRef::with_stride`] must give, if any.
fn view_error(data_len: usize, rows: usize, cols: usize, stride: usize) -> Option<Error> {
    if cols == 0 {
        return Some(Error::ZeroColumns);
    }
    if stride < cols {
        return Some(Error::StrideTooSmall { stride, cols });
    }
    let needed = if rows == 0 {
        0
    } else {
        (rows - 1) * stride + cols
    };
    (data_len < needed).then_some(Error::DataTooShort {
        needed,
        len: data_len,
    })
}

/// Builds a matrix: rows from the input (fresh, or copies of earlier rows of itself or of
/// `other`), written at their stride into a NaN-filled buffer of the layout's length.
fn matrix<E: Elem>(
    r: &mut Reader<'_>,
    d: Dom,
    rows: usize,
    cols: usize,
    lay: u8,
    other: Option<&Mat<E>>,
) -> Mat<E> {
    let (stride, len) = layout(lay, rows, cols);
    let mut content: Vec<Vec<E>> = Vec::with_capacity(rows);
    for i in 0..rows {
        let tag = r.u8();
        let row = match (tag, other) {
            (224..=255, _) if i > 0 => content[usize::from(tag) % i].clone(),
            (208..=223, Some(o)) if o.rows > 0 => {
                let src = &o.content[usize::from(tag) % o.rows];
                let mut row: Vec<E> = src.iter().copied().take(cols).collect();
                while row.len() < cols {
                    row.push(single::element(r, d));
                }
                row
            }
            _ => vector(r, d, cols),
        };
        content.push(row);
    }
    let mut data = vec![E::from_f64(f64::NAN); len];
    for (i, row) in content.iter().enumerate() {
        for (k, &x) in row.iter().enumerate() {
            if let Some(slot) = data.get_mut(i * stride + k) {
                *slot = x;
            }
        }
    }
    Mat {
        data,
        rows,
        cols,
        stride,
        content,
    }
}

impl<E: Elem> Mat<E> {
    fn view(&self) -> Result<MatRef<'_, E>, Error> {
        MatRef::with_stride(&self.data, self.rows, self.cols, self.stride)
    }
}

/// The first element of `rows` outside the domain, as the batch error for `operand`.
fn first_invalid<E: Element>(d: Dom, operand: Operand, rows: &[Vec<E>]) -> Option<Error> {
    rows.iter().enumerate().find_map(|(row, r)| {
        r.iter().enumerate().find_map(|(col, x)| {
            let value = x.to_f64();
            single::kind(d, value).map(|k| Error::InvalidElement {
                operand,
                row,
                col,
                value,
                kind: match k {
                    relent::InvalidKind::Negative => InvalidKind::Negative,
                    relent::InvalidKind::NaN => InvalidKind::NaN,
                    relent::InvalidKind::Infinite => InvalidKind::Infinite,
                    other => panic!("no batch kind for {other:?}"),
                },
            })
        })
    })
}

/// The first row of `rows` whose logits are all masked, for `KlLogits` (its softmax does not
/// exist), as the batch error for `operand`.
fn first_massless<E: Element>(div: Divergence, operand: Operand, rows: &[Vec<E>]) -> Option<Error> {
    if !matches!(div, Divergence::KlLogits { .. }) {
        return None;
    }
    rows.iter()
        .position(|r| r.iter().all(|x| x.to_f64() == f64::NEG_INFINITY))
        .map(|row| Error::ZeroTotal { operand, row })
}

/// The temperature error, if any.
fn param_error(div: Divergence) -> Option<Error> {
    match div {
        Divergence::KlLogits { temperature } if !(temperature.is_finite() && temperature > 0.0) => {
            Some(Error::InvalidParameter {
                name: "temperature",
                value: temperature,
            })
        }
        _ => None,
    }
}

/// Errors equal field by field, values by bits (any two NaNs are equal).
fn same_error(a: &Error, b: &Error) -> bool {
    let same = |x: f64, y: f64| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
    match (a, b) {
        (
            Error::InvalidElement {
                operand,
                row,
                col,
                value,
                kind,
            },
            Error::InvalidElement {
                operand: o2,
                row: r2,
                col: c2,
                value: v2,
                kind: k2,
            },
        ) => (operand, row, col, kind) == (o2, r2, c2, k2) && same(*value, *v2),
        (
            Error::InvalidParameter { name, value },
            Error::InvalidParameter {
                name: n2,
                value: v2,
            },
        ) => name == n2 && same(*value, *v2),
        _ => a == b,
    }
}

/// Checks a call's result against the predicted error; `Some(value)` when it must be `Ok`.
fn outcome<T: std::fmt::Debug>(
    what: &dyn Fn() -> String,
    got: Result<T, Error>,
    want: Option<Error>,
) -> Option<T> {
    match (got, want) {
        (Err(g), Some(w)) => {
            assert!(
                same_error(&g, &w),
                "{}: got Err({g:?}), want Err({w:?})",
                what()
            );
            None
        }
        (Err(g), None) => panic!("{}: got Err({g:?}) on valid input", what()),
        (Ok(v), Some(w)) => panic!("{}: got Ok({v:?}), want Err({w:?})", what()),
        (Ok(v), None) => Some(v),
    }
}

/// The value every batch result for the pair `(p, q)` must equal, bit for bit.
fn expected_value<E: Element>(div: Divergence, p: &[E], q: &[E], what: &dyn Fn() -> String) -> f64 {
    match checked(div, p, q) {
        Ok(v) => {
            assert!(
                !v.is_nan(),
                "{}: checked value NaN (p = {:?}, q = {:?})",
                what(),
                p.iter().map(|x| x.to_f64()).collect::<Vec<_>>(),
                q.iter().map(|x| x.to_f64()).collect::<Vec<_>>()
            );
            v
        }
        Err(e) => panic!(
            "{}: the batch call accepted a pair that the checked API refuses: {e:?} \
             (p = {:?}, q = {:?})",
            what(),
            p.iter().map(|x| x.to_f64()).collect::<Vec<_>>(),
            q.iter().map(|x| x.to_f64()).collect::<Vec<_>>()
        ),
    }
}

fn same_bits(got: f64, want: f64) -> bool {
    got.to_bits() == want.to_bits()
}

/// Top-k by the definition: all values, sorted by (value, index), the first `k`.
fn top_k_of(values: &[f64], k: usize) -> Vec<Neighbor> {
    let mut all: Vec<Neighbor> = values
        .iter()
        .enumerate()
        .map(|(index, &value)| Neighbor { index, value })
        .collect();
    all.sort_by(|a, b| {
        a.value
            .partial_cmp(&b.value)
            .expect("no NaN on valid input")
            .then(a.index.cmp(&b.index))
    });
    all.truncate(k);
    all
}

fn check_neighbors(got: &[Neighbor], want: &[Neighbor], what: &dyn Fn() -> String) {
    let ok = got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(g, w)| g.index == w.index && same_bits(g.value, w.value));
    assert!(ok, "{}: top-k {got:?}, want {want:?}", what());
}

/// The two explicit pools (1 and 2 threads), built once per process.
fn pools() -> &'static [rayon::ThreadPool; 2] {
    static POOLS: OnceLock<[rayon::ThreadPool; 2]> = OnceLock::new();
    POOLS.get_or_init(|| {
        [1, 2].map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("a rayon pool")
        })
    })
}

/// Checks the progress calls of a successful call (`total`: the documented count, or `None`
/// where the unit is not documented — then only the calls' consistency).
fn check_progress(calls: &[(usize, usize)], total: Option<usize>, what: &dyn Fn() -> String) {
    let t = match (total, calls.first()) {
        (Some(t), _) => t,
        (None, Some(&(_, t))) => t,
        (None, None) => return,
    };
    assert!(
        calls.iter().all(|&(d, tt)| tt == t && d <= t),
        "{}: progress calls {calls:?}, total {t}",
        what()
    );
    let finals = calls.iter().filter(|&&(d, _)| d == t).count();
    assert!(
        finals == usize::from(t > 0),
        "{}: progress calls {calls:?}: {finals} report done == total {t}",
        what()
    );
}

/// The decoded header.
struct Header {
    op: usize,
    div: Divergence,
    exec: u8,
    n: usize,
    p_rows: usize,
    q_rows: usize,
    p_lay: u8,
    q_lay: u8,
    k: usize,
    delta: u8,
}

fn header(r: &mut Reader<'_>) -> (Header, u8) {
    let op = usize::from(r.u8()) % OPS.len();
    let ds = r.u8();
    let t = temperature(r);
    let dtype = r.u8() % 4;
    let exec = r.u8();
    let nb = r.u8();
    let n = if nb >= 192 && op <= 1 {
        let c = relent_simd_chunk();
        c * (1 + usize::from(nb % 3)) + usize::from((nb / 3) % 7) - 3
    } else {
        usize::from(nb) % 41
    };
    let h = Header {
        op,
        div: divergence(ds, t),
        exec,
        n,
        p_rows: usize::from(r.u8()) % 6,
        q_rows: usize::from(r.u8()) % 7,
        p_lay: r.u8(),
        q_lay: r.u8(),
        k: usize::from(r.u8()) % 8,
        delta: r.u8(),
    };
    (h, dtype)
}

/// relent-simd's chunk length (the long pair's unit of work).
fn relent_simd_chunk() -> usize {
    relent_simd::CHUNK
}

/// A length changed by the mismatch byte: `≥ 240` gives `n + 1` or `n − 1` (or 0).
fn mismatched(n: usize, delta: u8) -> usize {
    match delta {
        0..=239 => n,
        240..=247 => n + 1,
        _ => n.saturating_sub(1),
    }
}

/// Runs one decoded input and checks the oracle.
fn run<E: Elem>(h: &Header, r: &mut Reader<'_>) {
    let d = dom(h.div);
    let calls: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());
    let record = |done: usize, total: usize| calls.lock().unwrap().push((done, total));
    let pools = pools();
    let mut opts = match h.exec & 3 {
        0 => Options::serial(),
        1 => Options::new(),
        2 => Options::pool(&pools[0]),
        _ => Options::pool(&pools[1]),
    };
    let progress = h.exec & 4 != 0;
    if progress {
        opts = opts.with_progress(&record);
    }
    let method = match (h.exec >> 3) % 3 {
        0 => Method::Exact,
        1 => Method::Gemm,
        _ => Method::Auto,
    };
    let div = h.div;
    let op = OPS[h.op];
    let unsupported =
        (method == Method::Gemm && !Method::Gemm.supports(div)).then_some(Error::Unsupported {
            divergence: div,
            method,
        });
    let progress_total = |total: Option<usize>, what: &dyn Fn() -> String| {
        if progress {
            check_progress(&calls.lock().unwrap(), total, what);
        }
    };

    match op {
        "pair" | "long_pair" => {
            let p: Vec<E> = vector(r, d, h.n);
            let q: Vec<E> = vector(r, d, mismatched(h.n, h.delta));
            let what = || {
                format!(
                    "{op}<{}>({div:?}, n = {}/{}, {opts:?})",
                    E::NAME,
                    p.len(),
                    q.len()
                )
            };
            let want = param_error(div)
                .or_else(|| {
                    (p.len() != q.len()).then_some(Error::ColumnMismatch {
                        p_cols: p.len(),
                        q_cols: q.len(),
                    })
                })
                .or_else(|| p.is_empty().then_some(Error::Empty))
                .or_else(|| first_invalid(d, Operand::P, std::slice::from_ref(&p)))
                .or_else(|| first_invalid(d, Operand::Q, std::slice::from_ref(&q)))
                .or_else(|| first_massless(div, Operand::P, std::slice::from_ref(&p)))
                .or_else(|| first_massless(div, Operand::Q, std::slice::from_ref(&q)));
            let got = if op == "pair" {
                b::pair(div, &p, &q)
            } else {
                b::long_pair(div, &p, &q, &opts)
            };
            if let Some(v) = outcome(&what, got, want) {
                let w = expected_value(div, &p, &q, &what);
                assert!(same_bits(v, w), "{}: {v:?}, checked {w:?}", what());
                if op == "long_pair" {
                    progress_total(Some(p.len().div_ceil(relent_simd_chunk()).max(1)), &what);
                }
            }
        }
        _ => {
            let p_cols = h.n;
            // Only matrix operations get here: the mismatch byte changes Q's columns, except
            // for the *_into operations (the output length) and the query of one-vs-many and
            // top-k (its length).
            let query_op = matches!(op, "one_vs_many" | "one_vs_many_into" | "top_k");
            let into = op.ends_with("_into");
            let q_cols = if into || query_op {
                p_cols
            } else {
                mismatched(p_cols, h.delta)
            };
            let p_rows = if query_op { 1 } else { h.p_rows };
            let pm: Mat<E> = matrix(r, d, p_rows, p_cols, h.p_lay, None);
            let qm: Mat<E> = matrix(r, d, h.q_rows, q_cols, h.q_lay, Some(&pm));
            // The query of one-vs-many and top-k is a slice (P's only row, resized).
            let query: Vec<E> = if query_op {
                let mut v = pm.content[0].clone();
                v.resize(mismatched(p_cols, h.delta), E::from_f64(0.25));
                v
            } else {
                Vec::new()
            };
            let what = || {
                format!(
                    "{op}<{}>({div:?}, P {}×{} stride {} len {}, Q {}×{} stride {} len {}, \
                     query {}, k {}, {method:?}, {opts:?})",
                    E::NAME,
                    pm.rows,
                    pm.cols,
                    pm.stride,
                    pm.data.len(),
                    qm.rows,
                    qm.cols,
                    qm.stride,
                    qm.data.len(),
                    query.len(),
                    h.k
                )
            };
            // The views.
            let q_view = qm.view();
            let q_view_err = view_error(qm.data.len(), qm.rows, qm.cols, qm.stride);
            let Some(qv) = outcome(&what, q_view, q_view_err) else {
                return;
            };
            let pv = if query_op {
                None
            } else {
                let p_view_err = view_error(pm.data.len(), pm.rows, pm.cols, pm.stride);
                match outcome(&what, pm.view(), p_view_err) {
                    Some(v) => Some(v),
                    None => return,
                }
            };
            let p_invalid = || {
                if query_op {
                    first_invalid(d, Operand::P, std::slice::from_ref(&query))
                } else {
                    first_invalid(d, Operand::P, &pm.content)
                }
            };
            let q_invalid = || {
                first_invalid(d, Operand::Q, &qm.content)
                    .or_else(|| {
                        if query_op {
                            first_massless(div, Operand::P, std::slice::from_ref(&query))
                        } else {
                            first_massless(div, Operand::P, &pm.content)
                        }
                    })
                    .or_else(|| first_massless(div, Operand::Q, &qm.content))
            };
            let col_err = |pc: usize, qc: usize| {
                (pc != qc).then_some(Error::ColumnMismatch {
                    p_cols: pc,
                    q_cols: qc,
                })
            };
            // Every pair's value, as the checked API computes it.
            let table = |prow: &[E]| -> Vec<f64> {
                qm.content
                    .iter()
                    .map(|qr| expected_value(div, prow, qr, &what))
                    .collect()
            };
            match op {
                "row_paired" | "row_paired_into" => {
                    let pv = pv.expect("a matrix");
                    let out_len = if into {
                        mismatched(pm.rows, h.delta)
                    } else {
                        pm.rows
                    };
                    let want = param_error(div)
                        .or_else(|| {
                            (pm.rows != qm.rows).then_some(Error::RowMismatch {
                                p_rows: pm.rows,
                                q_rows: qm.rows,
                            })
                        })
                        .or_else(|| col_err(pm.cols, qm.cols))
                        .or_else(|| {
                            (out_len != pm.rows).then_some(Error::OutputLength {
                                needed: pm.rows,
                                len: out_len,
                            })
                        })
                        .or_else(p_invalid)
                        .or_else(q_invalid);
                    let got = if into {
                        let mut out = vec![f64::NAN; out_len];
                        b::row_paired_into(div, pv, qv, &mut out, &opts).map(|()| out)
                    } else {
                        b::row_paired(div, pv, qv, &opts)
                    };
                    if let Some(v) = outcome(&what, got, want) {
                        assert_eq!(v.len(), pm.rows, "{}", what());
                        for (i, &x) in v.iter().enumerate() {
                            let w = expected_value(div, &pm.content[i], &qm.content[i], &what);
                            assert!(same_bits(x, w), "{}: row {i}: {x:?}, checked {w:?}", what());
                        }
                        progress_total(Some(pm.rows), &what);
                    }
                }
                "one_vs_many" | "one_vs_many_into" => {
                    let out_len = if into {
                        mismatched(qm.rows, h.delta)
                    } else {
                        qm.rows
                    };
                    // The *_into variant keeps the query's length (the mismatch byte is the
                    // output's); the other resizes the query.
                    let query: Vec<E> = if into {
                        pm.content[0].clone()
                    } else {
                        query.clone()
                    };
                    let want = param_error(div)
                        .or_else(|| col_err(query.len(), qm.cols))
                        .or_else(|| {
                            (out_len != qm.rows).then_some(Error::OutputLength {
                                needed: qm.rows,
                                len: out_len,
                            })
                        })
                        .or_else(|| first_invalid(d, Operand::P, std::slice::from_ref(&query)))
                        .or_else(|| first_invalid(d, Operand::Q, &qm.content))
                        .or_else(|| first_massless(div, Operand::P, std::slice::from_ref(&query)))
                        .or_else(|| first_massless(div, Operand::Q, &qm.content));
                    let got = if into {
                        let mut out = vec![f64::NAN; out_len];
                        b::one_vs_many_into(div, &query, qv, &mut out, &opts).map(|()| out)
                    } else {
                        b::one_vs_many(div, &query, qv, &opts)
                    };
                    if let Some(v) = outcome(&what, got, want) {
                        let w = table(&query);
                        assert_eq!(v.len(), w.len(), "{}", what());
                        for (j, (&x, &y)) in v.iter().zip(&w).enumerate() {
                            assert!(same_bits(x, y), "{}: row {j}: {x:?}, checked {y:?}", what());
                        }
                        progress_total(Some(qm.rows), &what);
                    }
                }
                "all_pairs" => {
                    let pv = pv.expect("a matrix");
                    let want = param_error(div)
                        .or_else(|| col_err(pm.cols, qm.cols))
                        .or_else(|| unsupported.clone())
                        .or_else(p_invalid)
                        .or_else(q_invalid);
                    let got = b::all_pairs(div, pv, qv, method, &opts);
                    if let Some(m) = outcome(&what, got, want) {
                        assert_eq!((m.rows(), m.cols()), (pm.rows, qm.rows), "{}", what());
                        let gemm = method == Method::Gemm
                            || (method == Method::Auto && Method::Gemm.supports(div));
                        for (i, prow) in pm.content.iter().enumerate() {
                            let w = table(prow);
                            for (j, qrow) in qm.content.iter().enumerate() {
                                let x = m[(i, j)];
                                if !gemm {
                                    assert!(
                                        same_bits(x, w[j]),
                                        "{}: ({i}, {j}): {x:?}, checked {:?}",
                                        what(),
                                        w[j]
                                    );
                                    continue;
                                }
                                let exact = reference(div, prow, qrow);
                                let ctx = || {
                                    format!(
                                        "{}: GEMM ({i}, {j}): {x:?}, exact {exact:?} \
                                         (p = {:?}, q = {:?})",
                                        what(),
                                        prow.iter().map(|v| v.to_f64()).collect::<Vec<_>>(),
                                        qrow.iter().map(|v| v.to_f64()).collect::<Vec<_>>()
                                    )
                                };
                                // Mass where q has none: +∞ exactly, on both paths.
                                let zero_support = prow
                                    .iter()
                                    .zip(qrow)
                                    .any(|(a, b)| a.to_f64() > 0.0 && b.to_f64() == 0.0);
                                if zero_support {
                                    assert!(x == f64::INFINITY, "{}", ctx());
                                    continue;
                                }
                                let mag = gemm_magnitude(div, prow, qrow);
                                if !mag.is_finite() {
                                    // The documented bound is infinite: nothing to check.
                                    continue;
                                }
                                let u = f64::EPSILON / 2.0;
                                let bound =
                                    b::gemm_error_bound(pm.cols, mag, x.abs().max(exact.abs()))
                                        + 4.0 * u * exact.abs();
                                assert!(
                                    x.is_finite() && (x - exact).abs() <= bound,
                                    "{} (bound {bound:e})",
                                    ctx()
                                );
                            }
                        }
                        progress_total(Some(pm.rows), &what);
                    }
                }
                "top_k" => {
                    let want = param_error(div)
                        .or_else(|| col_err(query.len(), qm.cols))
                        .or_else(|| unsupported.clone())
                        .or_else(p_invalid)
                        .or_else(q_invalid);
                    let got = b::top_k(div, &query, qv, h.k, method, &opts);
                    if let Some(v) = outcome(&what, got, want) {
                        check_neighbors(&v, &top_k_of(&table(&query), h.k), &what);
                        progress_total(None, &what);
                    }
                }
                "top_k_rows" => {
                    let pv = pv.expect("a matrix");
                    let want = param_error(div)
                        .or_else(|| col_err(pm.cols, qm.cols))
                        .or_else(|| unsupported.clone())
                        .or_else(p_invalid)
                        .or_else(q_invalid);
                    let got = b::top_k_rows(div, pv, qv, h.k, method, &opts);
                    if let Some(v) = outcome(&what, got, want) {
                        assert_eq!(v.len(), pm.rows, "{}", what());
                        for (i, prow) in pm.content.iter().enumerate() {
                            check_neighbors(&v[i], &top_k_of(&table(prow), h.k), &what);
                        }
                        progress_total(Some(pm.rows), &what);
                    }
                }
                other => unreachable!("operation {other}"),
            }
        }
    }
}

/// The fuzz entry point: decodes `data` and checks the oracle.
pub fn check(data: &[u8]) {
    let mut r = Reader::new(data);
    let (h, dtype) = header(&mut r);
    match dtype {
        0 => run::<f32>(&h, &mut r),
        1 => run::<f64>(&h, &mut r),
        2 => run::<half::f16>(&h, &mut r),
        _ => run::<half::bf16>(&h, &mut r),
    }
}
