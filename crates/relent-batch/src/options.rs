//! How a batch call runs: on which threads, with which progress callback, by which method.

use rayon::ThreadPool;
pub use relent_simd::Precision;

/// Where the work of a batch call runs.
///
/// The results never depend on this choice (see the crate's determinism guarantee).
///
/// ```
/// use relent_batch::Parallelism;
/// let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
/// let _ = Parallelism::Pool(&pool);
/// let _ = Parallelism::Serial;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub enum Parallelism<'a> {
    /// On the calling thread only.
    Serial,
    /// On the rayon pool the call runs in (the global pool, or the pool of an enclosing
    /// `ThreadPool::install`).
    #[default]
    Current,
    /// On this rayon pool.
    Pool(&'a ThreadPool),
}

/// A progress callback: called with `(done, total)` work units as the work advances, possibly
/// from several threads at once and not necessarily in increasing order of `done`; exactly one
/// call reports `done == total` (none when `total == 0`).
///
/// ```
/// use relent_batch::{Divergence, MatRef, Options, Progress, row_paired};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let last = AtomicUsize::new(0);
/// let bar = |done: usize, total: usize| {
///     assert_eq!(total, 3);
///     last.fetch_max(done, Ordering::Relaxed);
/// };
/// let progress: Progress<'_> = &bar;
/// let p = MatRef::new(&[0.5f32; 6], 3, 2)?;
/// row_paired(Divergence::Kl, p, p, &Options::new().with_progress(progress))?;
/// assert_eq!(last.load(Ordering::Relaxed), 3);
/// # Ok::<(), relent_batch::Error>(())
/// ```
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// Options of a batch call: parallelism, an optional progress callback and the kernels'
/// [`Precision`] (`f32`/`f16`/`bf16` inputs: ≤ 2^-21 by default, ≤ 2^-49 with
/// [`Precision::High`]; `f64` inputs always 2^-49).
///
/// ```
/// use relent_batch::Options;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
/// let seen = AtomicUsize::new(0);
/// let report = |done: usize, _total: usize| { seen.fetch_max(done, Ordering::Relaxed); };
/// let opts = Options::pool(&pool).with_progress(&report);
/// # let _ = opts;
/// ```
#[derive(Clone, Copy, Default)]
pub struct Options<'a> {
    /// Where the work runs.
    pub parallelism: Parallelism<'a>,
    /// Called as work units complete.
    pub progress: Option<Progress<'a>>,
    /// Accuracy of the kernels for `f32`/`f16`/`bf16` inputs (see [`Precision`]).
    pub precision: Precision,
}

impl core::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Options")
            .field("parallelism", &self.parallelism)
            .field("progress", &self.progress.map(|_| "<callback>"))
            .field("precision", &self.precision)
            .finish()
    }
}

impl<'a> Options<'a> {
    /// Runs on the current rayon pool, no progress callback (the default).
    ///
    /// ```
    /// let opts = relent_batch::Options::new();
    /// assert!(opts.progress.is_none());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs on the calling thread only.
    ///
    /// ```
    /// let opts = relent_batch::Options::serial();
    /// assert!(matches!(opts.parallelism, relent_batch::Parallelism::Serial));
    /// ```
    pub fn serial() -> Self {
        Self {
            parallelism: Parallelism::Serial,
            progress: None,
            precision: Precision::Default,
        }
    }

    /// Runs on the given rayon pool.
    ///
    /// ```
    /// let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    /// let opts = relent_batch::Options::pool(&pool);
    /// assert!(matches!(opts.parallelism, relent_batch::Parallelism::Pool(_)));
    /// ```
    pub fn pool(pool: &'a ThreadPool) -> Self {
        Self {
            parallelism: Parallelism::Pool(pool),
            progress: None,
            precision: Precision::Default,
        }
    }

    /// Adds a progress callback `(done, total)`.
    ///
    /// ```
    /// let cb = |done: usize, total: usize| assert!(done <= total);
    /// let opts = relent_batch::Options::serial().with_progress(&cb);
    /// assert!(opts.progress.is_some());
    /// ```
    pub fn with_progress(mut self, progress: Progress<'a>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Sets the kernels' [`Precision`]: [`Precision::High`] gives ≤ 2^-49 relative error for
    /// `f32`/`f16`/`bf16` inputs too (about 2.4× slower for `f32` KL on AVX-512).
    ///
    /// ```
    /// use relent_batch::{Divergence, MatRef, Options, Precision, row_paired};
    /// let p = MatRef::new(&[0.5f32, 0.5], 1, 2)?;
    /// let q = MatRef::new(&[0.25f32, 0.75], 1, 2)?;
    /// let high = row_paired(Divergence::Kl, p, q, &Options::serial().with_precision(Precision::High))?;
    /// let exact = 0.5 * (0.5f64 / 0.25).ln() + 0.5 * (0.5f64 / 0.75).ln();
    /// assert!((high[0] - exact).abs() <= relent_simd::bounds::HIGH * exact); // 2^-49
    /// # Ok::<(), relent_batch::Error>(())
    /// ```
    pub fn with_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }
}

/// How all-pairs and top-k compute.
///
/// ```
/// use relent_batch::{Divergence, Method};
/// assert!(Method::Gemm.supports(Divergence::Kl));
/// assert!(!Method::Gemm.supports(Divergence::JsDivergence));
/// assert!(Method::Exact.supports(Divergence::JsDivergence));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Method {
    /// The single-pair kernel on every pair: O(n·m·d) logarithms, the kernel's accuracy.
    #[default]
    Exact,
    /// A matrix product (see the crate docs, *All-pairs as a matrix product*): O((n+m)·d)
    /// logarithms and an f64 GEMM. All-pairs values carry the documented absolute error bound;
    /// top-k re-scores its candidates with the exact kernel, so its values and order are those
    /// of [`Method::Exact`]. Available for [`Kl`](crate::Divergence::Kl),
    /// [`CrossEntropy`](crate::Divergence::CrossEntropy) and
    /// [`GeneralizedKl`](crate::Divergence::GeneralizedKl).
    Gemm,
    /// [`Method::Gemm`] where available, otherwise [`Method::Exact`].
    Auto,
}

impl Method {
    /// Whether this method can compute the divergence.
    ///
    /// ```
    /// use relent_batch::{Divergence, Method};
    /// assert!(Method::Gemm.supports(Divergence::CrossEntropy));
    /// assert!(!Method::Gemm.supports(Divergence::KlLogits { temperature: 1.0 }));
    /// ```
    pub fn supports(self, div: crate::Divergence) -> bool {
        use crate::Divergence as D;
        match self {
            Method::Exact | Method::Auto => true,
            Method::Gemm => matches!(div, D::Kl | D::CrossEntropy | D::GeneralizedKl),
        }
    }

    /// Resolves `Auto`; errors for an unsupported combination.
    pub(crate) fn resolve(self, div: crate::Divergence) -> Result<Method, crate::Error> {
        match self {
            Method::Auto => Ok(if Method::Gemm.supports(div) {
                Method::Gemm
            } else {
                Method::Exact
            }),
            m if m.supports(div) => Ok(m),
            m => Err(crate::Error::Unsupported {
                divergence: div,
                method: m,
            }),
        }
    }
}
