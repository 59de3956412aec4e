//! The table of implementations that the benchmarks and the accuracy report run.
//!
//! For each function ([`Func`]) and element type ([`Dtype`]), [`all`] lists the named
//! implementations: relent's rows (one module, [`relent_rows`], the ONLY place that calls relent),
//! the peers (a plain scalar loop, the same kernel through `wide` alone, and with the `peers`
//! feature numkong, simsimd and ndarray-stats), and the streaming-read limit.
//!
//! An implementation is a *preparer*: given the two inputs it returns a ready-to-run closure.
//! Conversions a peer needs (e.g. `half::bf16` to numkong's own `bf16` newtype) happen while
//! preparing, never inside the timed closure.
//!
//! Every value is returned in relent's convention: natural log, JS as the divergence (the peers
//! that return the JS *distance* — numkong and simsimd — are squared here, and the report says so).

use relent_scalar::Element;
use relent_simd::{Kernels, Precision};

/// A prepared, ready-to-run computation.
pub type Run<'a> = Box<dyn Fn() -> f64 + 'a>;

/// Prepares a [`Run`] from the two inputs (the second is ignored by [`Func::Entropy`]).
pub type Prepare<T> = Box<dyn for<'a> Fn(&'a [T], &'a [T]) -> Run<'a> + Send + Sync>;

/// The functions benchmarked and measured: a subset of relent-simd's functions, named as the
/// benchmark ids and reports name them. [`Func::simd`] maps each to relent-simd's
/// [`relent_simd::Func`], the one list of functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Func {
    /// `kl(p, q)` = Σ p·ln(p/q).
    Kl,
    /// `js_divergence(p, q)`.
    Js,
    /// `cross_entropy(p, q)` = −Σ p·ln q.
    CrossEntropy,
    /// `entropy(p)` = −Σ p·ln p.
    Entropy,
    /// `kl_logits(a, b, 1.0)` = KL(softmax a ‖ softmax b).
    KlLogits,
}

impl Func {
    /// Every function, in report order.
    pub const ALL: [Func; 5] = [
        Func::Kl,
        Func::Js,
        Func::CrossEntropy,
        Func::Entropy,
        Func::KlLogits,
    ];

    /// The name used in benchmark ids and reports.
    pub fn name(self) -> &'static str {
        match self {
            Func::Kl => "kl",
            Func::Js => "js",
            Func::CrossEntropy => "cross_entropy",
            Func::Entropy => "entropy",
            Func::KlLogits => "kl_logits",
        }
    }

    /// The relent-simd function this one measures: one exhaustive `match` (no wildcard arm), so
    /// a new bench function does not compile until it names its kernel.
    ///
    /// ```
    /// use relent_benches::impls::Func;
    /// assert_eq!(Func::Js.simd(), relent_simd::Func::JsDivergence);
    /// ```
    pub fn simd(self) -> relent_simd::Func {
        match self {
            Func::Kl => relent_simd::Func::Kl,
            Func::Js => relent_simd::Func::JsDivergence,
            Func::CrossEntropy => relent_simd::Func::CrossEntropy,
            Func::Entropy => relent_simd::Func::Entropy,
            Func::KlLogits => relent_simd::Func::KlLogits,
        }
    }

    /// The function of that name.
    pub fn from_name(s: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == s)
    }

    /// Whether the inputs are logits (else probability vectors).
    pub fn takes_logits(self) -> bool {
        self == Func::KlLogits
    }

    /// How many input arrays the function reads (the streaming limit reads as many).
    pub fn arrays(self) -> usize {
        if self == Func::Entropy { 1 } else { 2 }
    }

    /// The scale relent's documented bound is relative to (relent's `# Accuracy` sections):
    /// KL `Σg + |KL|` (g = p·ln(p/q) − p + q; the value itself for normalised inputs), JS its
    /// value, cross-entropy and entropy `Σ |p·ln q|` (the value for probabilities), kl_logits
    /// [`crate::bounds::kl_logits_scale`]. A few digits suffice: plain `f64` where not exact.
    pub fn scale<T: Element>(self, x: &[T], y: &[T]) -> f64 {
        let f = |v: &[T]| v.iter().map(|e| e.to_f64()).collect::<Vec<f64>>();
        let abs_terms = |p: &[T], q: &[T]| -> f64 {
            p.iter()
                .zip(q)
                .map(|(a, b)| (a.to_f64(), b.to_f64()))
                .filter(|(a, _)| *a > 0.0)
                .map(|(a, b)| (a * b.ln()).abs())
                .sum()
        };
        match self {
            Func::Kl => relent_scalar::generalized_kl(x, y) + relent_scalar::kl(x, y).abs(),
            Func::Js => relent_scalar::js_divergence(x, y),
            Func::CrossEntropy => abs_terms(x, y),
            Func::Entropy => abs_terms(x, x),
            Func::KlLogits => crate::bounds::kl_logits_scale(&f(x), &f(y)),
        }
    }

    /// The oracle: relent-scalar (the exact double-double reference).
    pub fn oracle<T: Element>(self, x: &[T], y: &[T]) -> f64 {
        match self {
            Func::Kl => relent_scalar::kl(x, y),
            Func::Js => relent_scalar::js_divergence(x, y),
            Func::CrossEntropy => relent_scalar::cross_entropy(x, y),
            Func::Entropy => relent_scalar::entropy(x),
            Func::KlLogits => relent_scalar::kl_logits(x, y, 1.0),
        }
    }
}

/// What an implementation is, for the checks and the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// relent itself: asserted against the oracle within the documented bound.
    Relent,
    /// Another implementation: its error is recorded, never asserted.
    Peer,
    /// The streaming-read limit (not the function: a sum of the same bytes).
    Limit,
}

/// One named implementation of one function for one element type.
pub struct Impl<T> {
    /// The id used in benchmark names and reports (no spaces or slashes).
    pub name: String,
    /// relent, a peer or the limit.
    pub kind: Kind,
    /// Builds the ready-to-run closure.
    pub prepare: Prepare<T>,
}

impl<T> Impl<T> {
    fn new(name: impl Into<String>, kind: Kind, prepare: Prepare<T>) -> Self {
        Impl {
            name: name.into(),
            kind,
            prepare,
        }
    }
}

/// Wraps a plain function as a [`Prepare`].
fn direct<T: 'static>(f: fn(&[T], &[T]) -> f64) -> Prepare<T> {
    Box::new(move |x, y| Box::new(move || f(x, y)))
}

// ---------------------------------------------------------------------------------------------
// relent's rows: the one place that calls relent.
// ---------------------------------------------------------------------------------------------

/// The backend relent's rows run on (the cached choice of `relent_simd`, `RELENT_BACKEND`
/// honoured), printed by every benchmark group and the reports.
pub fn relent_backend() -> String {
    relent_simd::backend().name().to_string()
}

/// The suffix of the rows computed at [`Precision::High`] (f32/f16/bf16 inputs; f64 inputs are
/// always computed at high precision, so f64 has no such row). [`crate::bounds::for_impl`]
/// judges these rows against the high-precision bound.
pub const PRECISE_SUFFIX: &str = "-precise";

/// One relent-simd call for `func` on the given kernels, as `f64`; a result the kernel flagged
/// `invalid` is returned as NaN (the suite's inputs are all valid, so that is an error).
fn call<T: Element>(k: &Kernels, func: Func, prec: Precision, x: &[T], y: &[T]) -> f64 {
    let out = match func {
        Func::Kl => k.kl(x, y, prec),
        Func::Js => k.js_divergence(x, y, prec),
        Func::CrossEntropy => k.cross_entropy(x, y, prec),
        Func::Entropy => k.entropy(x, prec),
        Func::KlLogits => k.kl_logits(x, y, 1.0, prec),
    };
    if out.invalid { f64::NAN } else { out.value }
}

/// relent's rows for one function: `relent` (the dispatched default: [`relent_backend`] at
/// [`Precision::Default`]), then for each backend this CPU can run (`available_backends`,
/// fastest first) `relent-<backend>` (default precision) and, for 16/32-bit inputs,
/// `relent-<backend>-precise` ([`Precision::High`]).
///
/// This function and [`relent_backend`] are the only relent calls in the benches and the
/// accuracy report. Every `Kind::Relent` row is asserted within `bounds::for_impl` before it
/// is timed, and judged against it by the accuracy report.
pub fn relent_rows<T: Element>(func: Func) -> Vec<Impl<T>> {
    let row = |name: String, k: Kernels, prec: Precision| -> Impl<T> {
        Impl::new(
            name,
            Kind::Relent,
            Box::new(move |x, y| Box::new(move || call(&k, func, prec, x, y))),
        )
    };
    let default = relent_simd::for_backend(relent_simd::backend())
        .expect("the dispatched backend is available");
    let mut v = vec![row("relent".to_string(), default, Precision::Default)];
    for b in relent_simd::available_backends() {
        let k = relent_simd::for_backend(b).expect("listed as available");
        v.push(row(format!("relent-{b}"), k, Precision::Default));
        if T::NAME != "f64" {
            v.push(row(
                format!("relent-{b}{PRECISE_SUFFIX}"),
                k,
                Precision::High,
            ));
        }
    }
    v
}

// ---------------------------------------------------------------------------------------------
// The element types and their peers.
// ---------------------------------------------------------------------------------------------

/// An element type the benches cover, with its type-specific peers.
pub trait Dtype: Element + bytemuck::Pod {
    /// The plain scalar Rust loop, in the type's natural precision (`f32` math for `f32`,
    /// `f16`, `bf16`; `f64` for `f64`).
    fn scalar_loop(func: Func) -> Prepare<Self>;
    /// The same loop through `wide` alone (`wide`'s `ln`, baseline target features), where
    /// written (KL, cross-entropy, entropy).
    fn wide_loop(func: Func) -> Option<Prepare<Self>>;
    /// The heavy peers (numkong, simsimd, ndarray-stats) that implement `func` for this type.
    fn heavy_peers(func: Func) -> Vec<Impl<Self>>;
}

/// An environment variable whose value is appended to the heavy peers' names, to tell apart a
/// second build of them (e.g. `-noavx512` for numkong and simsimd built without their AVX-512
/// kernels, see `cargo xtask bench-report --peers-without-avx512`).
pub const PEER_SUFFIX_VAR: &str = "RELENT_PEER_SUFFIX";

/// Every implementation of `func` for `T`: relent's rows, the peers, then the limit.
pub fn all<T: Dtype>(func: Func) -> Vec<Impl<T>> {
    let mut v = relent_rows::<T>(func);
    v.push(Impl::new("scalar-loop", Kind::Peer, T::scalar_loop(func)));
    if let Some(w) = T::wide_loop(func) {
        v.push(Impl::new("wide", Kind::Peer, w));
    }
    let suffix = std::env::var(PEER_SUFFIX_VAR).unwrap_or_default();
    v.extend(T::heavy_peers(func).into_iter().map(|mut i| {
        i.name.push_str(&suffix);
        i
    }));
    v.push(Impl::new(
        "stream-limit",
        Kind::Limit,
        stream_limit::<T>(func),
    ));
    v
}

/// Only the rows that compute the function (no limit), for the accuracy report.
pub fn computing<T: Dtype>(func: Func) -> Vec<Impl<T>> {
    all::<T>(func)
        .into_iter()
        .filter(|i| i.kind != Kind::Limit)
        .collect()
}

macro_rules! scalar_loops {
    ($name:ident, $c:ty) => {
        /// The plain scalar loops, computing in the given precision.
        mod $name {
            use super::*;
            #[inline(always)]
            fn w<T: Element>(x: T) -> $c {
                x.to_f64() as $c
            }
            pub fn kl<T: Element>(p: &[T], q: &[T]) -> f64 {
                let mut s: $c = 0.0;
                for (&p, &q) in p.iter().zip(q) {
                    let (p, q) = (w(p), w(q));
                    if p > 0.0 {
                        s += p * (p / q).ln();
                    }
                }
                s as f64
            }
            pub fn js<T: Element>(p: &[T], q: &[T]) -> f64 {
                let mut s: $c = 0.0;
                for (&p, &q) in p.iter().zip(q) {
                    let (p, q) = (w(p), w(q));
                    let m = 0.5 * (p + q);
                    if p > 0.0 {
                        s += p * (p / m).ln();
                    }
                    if q > 0.0 {
                        s += q * (q / m).ln();
                    }
                }
                0.5 * s as f64
            }
            pub fn cross_entropy<T: Element>(p: &[T], q: &[T]) -> f64 {
                let mut s: $c = 0.0;
                for (&p, &q) in p.iter().zip(q) {
                    let (p, q) = (w(p), w(q));
                    if p > 0.0 {
                        s -= p * q.ln();
                    }
                }
                s as f64
            }
            pub fn entropy<T: Element>(p: &[T], _: &[T]) -> f64 {
                let mut s: $c = 0.0;
                for &p in p {
                    let p = w(p);
                    if p > 0.0 {
                        s -= p * p.ln();
                    }
                }
                s as f64
            }
            fn lse<T: Element>(a: &[T]) -> $c {
                let m = a.iter().map(|&x| w(x)).fold(<$c>::NEG_INFINITY, <$c>::max);
                m + a.iter().map(|&x| (w(x) - m).exp()).sum::<$c>().ln()
            }
            pub fn kl_logits<T: Element>(a: &[T], b: &[T]) -> f64 {
                let (la, lb) = (lse(a), lse(b));
                let mut s: $c = 0.0;
                for (&a, &b) in a.iter().zip(b) {
                    let (x, y) = (w(a) - la, w(b) - lb);
                    if x > <$c>::NEG_INFINITY {
                        s += x.exp() * (x - y);
                    }
                }
                s as f64
            }
            pub fn prepare<T: Element>(func: Func) -> Prepare<T> {
                direct(match func {
                    Func::Kl => kl::<T>,
                    Func::Js => js::<T>,
                    Func::CrossEntropy => cross_entropy::<T>,
                    Func::Entropy => entropy::<T>,
                    Func::KlLogits => kl_logits::<T>,
                })
            }
        }
    };
}
scalar_loops!(scalar32, f32);
scalar_loops!(scalar64, f64);

/// The KL-family loops through `wide` alone: `f32x8` for f32/f16/bf16 (the halves widened to
/// f32 eight at a time), `f64x4` for f64. Compiled for the build's target features (SSE2 on
/// baseline x86-64): this is the "portable through wide" design point.
mod wide_loops {
    use super::*;
    use wide::{f32x8, f64x4};

    #[inline(always)]
    fn load8<T: Element>(c: &[T]) -> f32x8 {
        f32x8::new(core::array::from_fn(|i| c[i].to_f64() as f32))
    }

    /// The term a `wide` loop computes: written for KL, cross-entropy and entropy only.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Term {
        Kl,
        CrossEntropy,
        Entropy,
    }

    /// The `wide` loop's term for `func`, if it has one.
    fn term_of(func: Func) -> Option<Term> {
        match func {
            Func::Kl => Some(Term::Kl),
            Func::CrossEntropy => Some(Term::CrossEntropy),
            Func::Entropy => Some(Term::Entropy),
            Func::Js | Func::KlLogits => None,
        }
    }

    #[inline(always)]
    fn term32(term: Term, p: f32x8, q: f32x8) -> f32x8 {
        let zero = f32x8::splat(0.0);
        let t = match term {
            Term::Kl => p * (p / q).ln(),
            Term::CrossEntropy => -(p * q.ln()),
            Term::Entropy => -(p * p.ln()),
        };
        p.simd_eq(zero).select(zero, t)
    }

    fn run32<T: Element>(term: Term, p: &[T], q: &[T]) -> f64 {
        let mut acc = [f32x8::splat(0.0); 2];
        let (pc, qc) = (p.chunks_exact(16), q.chunks_exact(16));
        let (pr, qr) = (pc.remainder(), qc.remainder());
        for (p, q) in pc.zip(qc) {
            acc[0] += term32(term, load8(&p[..8]), load8(&q[..8]));
            acc[1] += term32(term, load8(&p[8..]), load8(&q[8..]));
        }
        let mut s = (acc[0] + acc[1]).reduce_add();
        for (&p, &q) in pr.iter().zip(qr) {
            let (p, q) = (p.to_f64() as f32, q.to_f64() as f32);
            if p != 0.0 {
                s += match term {
                    Term::Kl => p * (p / q).ln(),
                    Term::CrossEntropy => -(p * q.ln()),
                    Term::Entropy => -(p * p.ln()),
                };
            }
        }
        s as f64
    }

    #[inline(always)]
    fn term64(term: Term, p: f64x4, q: f64x4) -> f64x4 {
        let zero = f64x4::splat(0.0);
        let t = match term {
            Term::Kl => p * (p / q).ln(),
            Term::CrossEntropy => -(p * q.ln()),
            Term::Entropy => -(p * p.ln()),
        };
        p.simd_eq(zero).select(zero, t)
    }

    fn run64(term: Term, p: &[f64], q: &[f64]) -> f64 {
        let mut acc = [f64x4::splat(0.0); 2];
        let (pc, qc) = (p.chunks_exact(8), q.chunks_exact(8));
        let (pr, qr) = (pc.remainder(), qc.remainder());
        let ld = |c: &[f64]| f64x4::new([c[0], c[1], c[2], c[3]]);
        for (p, q) in pc.zip(qc) {
            acc[0] += term64(term, ld(&p[..4]), ld(&q[..4]));
            acc[1] += term64(term, ld(&p[4..]), ld(&q[4..]));
        }
        let mut s = (acc[0] + acc[1]).reduce_add();
        for (&p, &q) in pr.iter().zip(qr) {
            if p != 0.0 {
                s += match term {
                    Term::Kl => p * (p / q).ln(),
                    Term::CrossEntropy => -(p * q.ln()),
                    Term::Entropy => -(p * p.ln()),
                };
            }
        }
        s
    }

    /// The f32-lane loop for f32, f16 and bf16.
    pub fn prepare32<T: Element>(func: Func) -> Option<Prepare<T>> {
        let term = term_of(func)?;
        let prepare: Prepare<T> = if term == Term::Entropy {
            Box::new(move |x, _| Box::new(move || run32(term, x, x)))
        } else {
            Box::new(move |x, y| Box::new(move || run32(term, x, y)))
        };
        Some(prepare)
    }

    /// The f64-lane loop.
    pub fn prepare64(func: Func) -> Option<Prepare<f64>> {
        let term = term_of(func)?;
        let prepare: Prepare<f64> = if term == Term::Entropy {
            Box::new(move |x, _| Box::new(move || run64(term, x, x)))
        } else {
            Box::new(move |x, y| Box::new(move || run64(term, x, y)))
        };
        Some(prepare)
    }
}

/// The streaming-read limit: a wrapping sum of the bytes of the arrays the function reads (both
/// inputs; only `p` for entropy), the aligned middle as 64-bit words through
/// `relent_simd::bench_baseline::sum_words` (dispatched to AVX-512F or AVX2 with four independent
/// accumulators, so it reaches the L1/L2 load rate on cache-sized inputs and memory bandwidth
/// beyond), the unaligned edges byte by byte. It does no arithmetic worth the name, so its time
/// is the cost of reading the data: every other row is shown as a fraction of it.
pub mod stream {
    fn words<T: bytemuck::Pod>(x: &[T]) -> (&[u8], &[u64], &[u8]) {
        let (head, mid, tail) = bytemuck::pod_align_to::<T, u64>(x);
        (bytemuck::cast_slice(head), mid, bytemuck::cast_slice(tail))
    }

    fn edge(b: &[u8]) -> u64 {
        b.iter().fold(0u64, |s, &x| s.wrapping_add(u64::from(x)))
    }

    /// The vectorised sum of the bytes of `x`.
    pub fn sum<T: bytemuck::Pod>(x: &[T]) -> u64 {
        let (head, mid, tail) = words(x);
        relent_simd::bench_baseline::sum_words(mid)
            .wrapping_add(edge(head))
            .wrapping_add(edge(tail))
    }

    /// The same sum, one word at a time (to check [`sum`]).
    pub fn sum_reference<T: bytemuck::Pod>(x: &[T]) -> u64 {
        let (head, mid, tail) = words(x);
        mid.iter()
            .fold(0u64, |s, &x| s.wrapping_add(x))
            .wrapping_add(edge(head))
            .wrapping_add(edge(tail))
    }
}

fn stream_limit<T: Dtype>(func: Func) -> Prepare<T> {
    if func.arrays() == 1 {
        Box::new(|x, _| Box::new(move || stream::sum(x) as f64))
    } else {
        Box::new(|x, y| Box::new(move || stream::sum(x).wrapping_add(stream::sum(y)) as f64))
    }
}

/// What the peers run on: `wide`'s compile-time target features, and with the `peers`
/// feature the kernels numkong and simsimd dispatch to on this CPU.
pub fn peer_info() -> Vec<(String, String)> {
    let mut tf = vec!["sse2"];
    if cfg!(target_feature = "avx") {
        tf.push("avx");
    }
    if cfg!(target_feature = "avx2") {
        tf.push("avx2");
    }
    if cfg!(target_feature = "fma") {
        tf.push("fma");
    }
    if cfg!(target_feature = "avx512f") {
        tf.push("avx512f");
    }
    let mut v = vec![("wide".to_string(), format!("compiled for {}", tf.join("+")))];
    v.extend(peers::info());
    v
}

/// The expected value of the limit row (a scalar sum of the same words).
pub fn stream_reference<T: Dtype>(func: Func, x: &[T], y: &[T]) -> f64 {
    if func.arrays() == 1 {
        stream::sum_reference(x) as f64
    } else {
        stream::sum_reference(x).wrapping_add(stream::sum_reference(y)) as f64
    }
}

impl Dtype for f32 {
    fn scalar_loop(func: Func) -> Prepare<Self> {
        scalar32::prepare(func)
    }
    fn wide_loop(func: Func) -> Option<Prepare<Self>> {
        wide_loops::prepare32(func)
    }
    fn heavy_peers(func: Func) -> Vec<Impl<Self>> {
        peers::f32_peers(func)
    }
}

impl Dtype for f64 {
    fn scalar_loop(func: Func) -> Prepare<Self> {
        scalar64::prepare(func)
    }
    fn wide_loop(func: Func) -> Option<Prepare<Self>> {
        wide_loops::prepare64(func)
    }
    fn heavy_peers(func: Func) -> Vec<Impl<Self>> {
        peers::f64_peers(func)
    }
}

impl Dtype for half::bf16 {
    fn scalar_loop(func: Func) -> Prepare<Self> {
        scalar32::prepare(func)
    }
    fn wide_loop(func: Func) -> Option<Prepare<Self>> {
        wide_loops::prepare32(func)
    }
    fn heavy_peers(func: Func) -> Vec<Impl<Self>> {
        peers::bf16_peers(func)
    }
}

impl Dtype for half::f16 {
    fn scalar_loop(func: Func) -> Prepare<Self> {
        scalar32::prepare(func)
    }
    fn wide_loop(func: Func) -> Option<Prepare<Self>> {
        wide_loops::prepare32(func)
    }
    fn heavy_peers(func: Func) -> Vec<Impl<Self>> {
        peers::f16_peers(func)
    }
}

/// The heavy peers, behind the `peers` feature (C builds).
#[cfg(feature = "peers")]
mod peers {
    use super::{Func, Impl, Kind, Prepare};
    use ndarray::ArrayView1;
    use ndarray_stats::EntropyExt;
    use numkong::{JensenShannon, KullbackLeibler};
    use simsimd::ProbabilitySimilarity;

    type Pair<T> = fn(&[T], &[T]) -> f64;

    fn nk<T: KullbackLeibler + JensenShannon>(func: Func) -> Option<Pair<T>>
    where
        <T as KullbackLeibler>::Output: Into<f64>,
        <T as JensenShannon>::Output: Into<f64>,
    {
        match func {
            Func::Kl => Some(|x, y| <T as KullbackLeibler>::kl(x, y).expect("lengths").into()),
            Func::Js => Some(|x, y| {
                let d: f64 = <T as JensenShannon>::js(x, y).expect("lengths").into();
                d * d
            }),
            Func::CrossEntropy | Func::Entropy | Func::KlLogits => None,
        }
    }

    fn ss<T: ProbabilitySimilarity>(func: Func) -> Option<Pair<T>> {
        match func {
            Func::Kl => Some(|x, y| T::kullbackleibler(x, y).expect("lengths")),
            Func::Js => Some(|x, y| {
                let d = T::jensenshannon(x, y).expect("lengths");
                d * d
            }),
            Func::CrossEntropy | Func::Entropy | Func::KlLogits => None,
        }
    }

    /// A half-precision peer over its own newtype: the inputs are converted (bit for bit)
    /// while preparing; the timed closure owns the copies and only calls the peer.
    fn via_bits<H: Copy + 'static, P: Copy + 'static>(
        f: Option<Pair<P>>,
        to_bits: fn(H) -> u16,
        from_bits: fn(u16) -> P,
    ) -> Option<Prepare<H>> {
        let f = f?;
        Some(Box::new(move |x: &[H], y: &[H]| -> super::Run<'_> {
            let cx: Vec<P> = x.iter().map(|&v| from_bits(to_bits(v))).collect();
            let cy: Vec<P> = y.iter().map(|&v| from_bits(to_bits(v))).collect();
            Box::new(move || f(&cx, &cy))
        }))
    }

    macro_rules! ndarray_stats_peer {
        ($name:ident, $t:ty) => {
            fn $name(func: Func) -> Option<Prepare<$t>> {
                let f: Pair<$t> = match func {
                    Func::Kl => |x, y| {
                        let (p, q) = (ArrayView1::from(x), ArrayView1::from(y));
                        f64::from(p.kl_divergence(&q).expect("shapes"))
                    },
                    Func::CrossEntropy => |x, y| {
                        let (p, q) = (ArrayView1::from(x), ArrayView1::from(y));
                        f64::from(p.cross_entropy(&q).expect("shapes"))
                    },
                    Func::Entropy => {
                        |x, _| f64::from(ArrayView1::from(x).entropy().expect("non-empty"))
                    }
                    Func::Js | Func::KlLogits => return None,
                };
                Some(super::direct(f))
            }
        };
    }
    ndarray_stats_peer!(ndarray_stats32, f32);
    ndarray_stats_peer!(ndarray_stats64, f64);

    fn collect<T>(rows: [(&str, Option<Prepare<T>>); 3]) -> Vec<Impl<T>> {
        rows.into_iter()
            .filter_map(|(n, p)| p.map(|p| Impl::new(n, Kind::Peer, p)))
            .collect()
    }

    /// numkong's and simsimd's dispatch on this CPU.
    pub fn info() -> Vec<(String, String)> {
        use numkong::cap;
        let caps = numkong::capabilities::available();
        let names = [
            (cap::SERIAL, "serial"),
            (cap::HASWELL, "haswell"),
            (cap::SKYLAKE, "skylake"),
            (cap::ICELAKE, "icelake"),
            (cap::GENOA, "genoa"),
            (cap::SAPPHIRE, "sapphire"),
            (cap::TURIN, "turin"),
            (cap::ALDER, "alder"),
        ];
        let nk: Vec<&str> = names
            .iter()
            .filter(|(b, _)| caps & b != 0)
            .map(|(_, n)| *n)
            .collect();
        use simsimd::capabilities as sc;
        let ss: Vec<&str> = [
            (sc::uses_haswell(), "haswell"),
            (sc::uses_skylake(), "skylake"),
            (sc::uses_ice(), "ice"),
            (sc::uses_genoa(), "genoa"),
            (sc::uses_sapphire(), "sapphire"),
            (sc::uses_turin(), "turin"),
            (sc::uses_sierra(), "sierra"),
        ]
        .iter()
        .filter(|(u, _)| *u)
        .map(|(_, n)| *n)
        .collect();
        vec![
            (
                "numkong".to_string(),
                format!("capabilities {}", nk.join("+")),
            ),
            (
                "simsimd".to_string(),
                format!(
                    "capabilities {}",
                    if ss.is_empty() {
                        "serial".to_string()
                    } else {
                        ss.join("+")
                    }
                ),
            ),
        ]
    }

    pub fn f32_peers(func: Func) -> Vec<Impl<f32>> {
        collect([
            ("numkong", nk::<f32>(func).map(super::direct)),
            ("simsimd", ss::<f32>(func).map(super::direct)),
            ("ndarray-stats", ndarray_stats32(func)),
        ])
    }

    pub fn f64_peers(func: Func) -> Vec<Impl<f64>> {
        collect([
            ("numkong", nk::<f64>(func).map(super::direct)),
            ("simsimd", ss::<f64>(func).map(super::direct)),
            ("ndarray-stats", ndarray_stats64(func)),
        ])
    }

    pub fn bf16_peers(func: Func) -> Vec<Impl<half::bf16>> {
        collect([
            (
                "numkong",
                via_bits(
                    nk::<numkong::bf16>(func),
                    half::bf16::to_bits,
                    numkong::bf16,
                ),
            ),
            (
                "simsimd",
                via_bits(
                    ss::<simsimd::bf16>(func),
                    half::bf16::to_bits,
                    simsimd::bf16,
                ),
            ),
            ("ndarray-stats", None),
        ])
    }

    pub fn f16_peers(func: Func) -> Vec<Impl<half::f16>> {
        collect([
            (
                "numkong",
                via_bits(nk::<numkong::f16>(func), half::f16::to_bits, numkong::f16),
            ),
            (
                "simsimd",
                via_bits(ss::<simsimd::f16>(func), half::f16::to_bits, simsimd::f16),
            ),
            ("ndarray-stats", None),
        ])
    }
}

/// Without the `peers` feature: no heavy peers.
#[cfg(not(feature = "peers"))]
mod peers {
    use super::{Func, Impl};

    pub fn info() -> Vec<(String, String)> {
        Vec::new()
    }

    pub fn f32_peers(_: Func) -> Vec<Impl<f32>> {
        Vec::new()
    }
    pub fn f64_peers(_: Func) -> Vec<Impl<f64>> {
        Vec::new()
    }
    pub fn bf16_peers(_: Func) -> Vec<Impl<half::bf16>> {
        Vec::new()
    }
    pub fn f16_peers(_: Func) -> Vec<Impl<half::f16>> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data;

    #[test]
    fn each_bench_function_is_one_relent_simd_function_and_one_name() {
        let simd: std::collections::HashSet<_> = Func::ALL.iter().map(|f| f.simd()).collect();
        assert_eq!(simd.len(), Func::ALL.len());
        for f in Func::ALL {
            assert_eq!(Func::from_name(f.name()), Some(f));
        }
    }

    #[test]
    fn xtask_bench_report_lists_the_bench_functions() {
        // xtask does not depend on this crate: its copy of the list is checked here.
        let src = include_str!("../../xtask/src/bench_report.rs");
        let names: Vec<String> = Func::ALL
            .iter()
            .map(|f| format!("{:?}", f.name()))
            .collect();
        let want = format!(
            "const FUNCS: [&str; {}] = [{}];",
            names.len(),
            names.join(", ")
        );
        assert!(
            src.contains(&want),
            "xtask/src/bench_report.rs: expected `{want}`"
        );
    }

    #[test]
    fn stream_sum_matches_the_word_by_word_sum_at_every_offset() {
        let v: Vec<f32> = (0..1000).map(|i| i as f32 * 0.37).collect();
        for off in 0..8 {
            for len in [0, 1, 7, 63, 64, 65, 200, 1000 - off] {
                let x = &v[off..off + len];
                assert_eq!(
                    stream::sum(x),
                    stream::sum_reference(x),
                    "off {off} len {len}"
                );
            }
        }
        // Every byte counts once: the sum of bytes of [1.0f32] is 0x80 + 0x3f.
        assert_eq!(stream::sum(&[1.0f32]), 0x80 + 0x3f);
    }

    #[test]
    fn f64_loops_agree_with_the_oracle_on_well_conditioned_data() {
        // n = 1000 random probability vectors: every result is O(1) with terms of one sign
        // (KL: mixed, but Σ|terms| ≤ ~3·|KL| here), so a naive f64 sum is within
        // n · 2^-53 · 3 ≈ 3.3e-13 relative; 1e-12 leaves room for ln's 1-ulp error per term.
        let mut r = data::rng(7);
        let p: Vec<f64> = data::dirichlet(1000, &mut r);
        let q: Vec<f64> = data::dirichlet(1000, &mut r);
        let (a, b) = (
            data::logits(1000, 2.0, &mut r),
            data::logits(1000, 2.0, &mut r),
        );
        for func in Func::ALL {
            let (x, y) = if func.takes_logits() {
                (&a, &b)
            } else {
                (&p, &q)
            };
            let want = func.oracle(x, y);
            for imp in all::<f64>(func) {
                let got = (imp.prepare)(x, y)();
                match imp.kind {
                    Kind::Limit => assert_eq!(got, stream_reference(func, x, y)),
                    Kind::Relent => assert!(((got - want) / want).abs() <= 1e-12),
                    Kind::Peer if imp.name == "scalar-loop" || imp.name == "wide" => assert!(
                        ((got - want) / want).abs() <= 1e-12,
                        "{} {}: {got} vs {want}",
                        func.name(),
                        imp.name
                    ),
                    Kind::Peer => {}
                }
            }
        }
    }

    #[test]
    fn tables_name_relent_first_and_the_limit_last() {
        for func in Func::ALL {
            let names: Vec<String> = all::<f32>(func).into_iter().map(|i| i.name).collect();
            assert_eq!(names.first().map(String::as_str), Some("relent"));
            assert_eq!(names.last().map(String::as_str), Some("stream-limit"));
            assert!(names.iter().all(|n| !n.contains(['/', ' '])));
            if cfg!(feature = "peers") && matches!(func, Func::Kl | Func::Js) {
                assert!(names.iter().any(|n| n == "numkong"));
                assert!(names.iter().any(|n| n == "simsimd"));
            }
        }
    }
}
