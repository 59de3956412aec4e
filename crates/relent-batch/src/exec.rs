//! Running work serially or on rayon, and reporting progress.
//!
//! The helpers mirror each other: the serial and the parallel branch visit the same items and
//! write each result to its own place, so the results never depend on the thread count.
//! Reductions over floats are never done here; callers collect ordered partials and fold them
//! in index order.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::{Options, Parallelism};

/// Counts completed work units and forwards them to the caller's callback.
pub(crate) struct Ticker<'a> {
    progress: Option<crate::Progress<'a>>,
    done: AtomicUsize,
    total: usize,
}

impl<'a> Ticker<'a> {
    pub(crate) fn new(opts: &Options<'a>, total: usize) -> Self {
        Self {
            progress: opts.progress,
            done: AtomicUsize::new(0),
            total,
        }
    }

    /// Records `n` more completed units.
    pub(crate) fn tick(&self, n: usize) {
        if let Some(f) = self.progress
            && n > 0
        {
            let d = self.done.fetch_add(n, Ordering::Relaxed) + n;
            f(d, self.total);
        }
    }
}

/// Runs `f` where the options say (inside the pool for `Pool`).
pub(crate) fn install<R: Send>(opts: &Options<'_>, f: impl FnOnce() -> R + Send) -> R {
    match opts.parallelism {
        Parallelism::Pool(pool) => pool.install(f),
        Parallelism::Serial | Parallelism::Current => f(),
    }
}

/// Calls `f(start, chunk)` for each `block`-sized chunk of `out` (`start` = index of the
/// chunk's first element).
pub(crate) fn for_each_chunk_mut<U: Send>(
    opts: &Options<'_>,
    out: &mut [U],
    block: usize,
    f: impl Fn(usize, &mut [U]) + Sync + Send,
) {
    let block = block.max(1);
    match opts.parallelism {
        Parallelism::Serial => out
            .chunks_mut(block)
            .enumerate()
            .for_each(|(b, c)| f(b * block, c)),
        _ => install(opts, || {
            out.par_chunks_mut(block)
                .enumerate()
                .for_each(|(b, c)| f(b * block, c))
        }),
    }
}

/// `(0..n).map(f).collect()`, in parallel unless serial; the order of the results is the
/// index order.
pub(crate) fn map_range<R: Send>(
    opts: &Options<'_>,
    n: usize,
    f: impl Fn(usize) -> R + Sync + Send,
) -> Vec<R> {
    match opts.parallelism {
        Parallelism::Serial => (0..n).map(f).collect(),
        _ => install(opts, || (0..n).into_par_iter().map(f).collect()),
    }
}
