//! The chunk driver — chunked log-ratio accumulation: the one loop every `f64`-lane term runs
//! (`run_chunk`, `run_all`), and the fold of fixed chunks that every fast path shares
//! (`fold_chunks!`).
//!
//! The input is cut into fixed chunks of [`CHUNK`] elements (boundaries at multiples of
//! `CHUNK` from the start, so they depend only on the index). Inside a chunk, each vector of
//! `W` lanes produces up to three term vectors:
//! - stream `a` — the main terms (for KL the non-negative `p·ln(p/q) − p + q`), accumulated with
//!   *blocked compensation*: plain lane sums over a block of [`BLOCK`] vectors (relative error
//!   ≤ (BLOCK−1)·2^-53 for non-negative terms), each block sum folded into a per-lane
//!   double-double with TwoSum;
//! - streams `b`, `c` — terms that must be summed exactly (for KL `p − q`, exact by Sterbenz
//!   where it matters; for the normalised KL `p` and `q`): TwoSum per vector into per-lane
//!   double-doubles.
//!
//! One dependency chain per stream is enough: each iteration is ~60 independent operations
//! (log-ratio, polynomial, division), so the 3-cycle latency of the accumulating add is hidden.
//! At the end of the chunk the lanes are combined in lane order into scalar double-doubles, and
//! chunks are folded left to right with [`Partial::combine`]. Tails are padded with
//! zero-contribution values and go through the same arithmetic. Validation rides along:
//! running lane minima and an `x·0` sum flag negative / NaN / infinite elements.

use crate::dd::{reduce, two_sum_acc};
use crate::func::{CHUNK, Func, Partial};
use crate::lanes::{Lanes, Load};

/// Vectors per compensation block.
pub(crate) const BLOCK: usize = 8;

/// Folds `$part` — an expression of the chunk range `$r` giving that chunk's [`Partial`] —
/// over the fixed [`CHUNK`]-sized chunks of `0..$n` in index order (one chunk of everything
/// when `!$whole`; one empty range when `$n = 0`). Every path's chunk loop is this one. A
/// macro, not a function taking a closure: a closure would not inherit the caller's target
/// features.
macro_rules! fold_chunks {
    ($func:expr, $n:expr, $whole:expr, |$r:ident| $part:expr) => {{
        let n: usize = $n;
        let step = if $whole { crate::func::CHUNK } else { n.max(1) };
        let mut acc = crate::func::Partial::new($func);
        let mut start = 0;
        loop {
            let end = (start + step).min(n);
            let $r = start..end;
            acc = acc.combine($part);
            start = end;
            if start >= n {
                break acc;
            }
        }
    }};
}
pub(crate) use fold_chunks;

/// A fast path's chunk, or — where it returns `None` — the `f64`-lane term `F`'s (the same
/// for a chunk whichever way the input was split, so batch folds give the same bits): the
/// fallback of [`crate::route::Path::F64Divided`], `F32Ratio`, `F32Exp` and `F32Gaussian`.
macro_rules! or_term {
    ($fast:expr, $lanes:ty, $l:expr, $elt:ty, $f:ty, $ins:expr) => {
        match $fast {
            Some(part) => part,
            None => crate::driver::run_chunk::<$lanes, $elt, $f>($l, $ins, 1.0),
        }
    };
}
pub(crate) use or_term;

/// [`crate::route::Path::F64Term`]: the whole input ([`run_all`]) or one chunk
/// ([`run_chunk`]).
#[inline(always)]
pub(crate) fn run<L: Lanes, T: Load, F: Term>(
    l: L,
    ins: [&[T]; 4],
    aux: f64,
    whole: bool,
) -> Partial {
    if whole {
        run_all::<L, T, F>(l, ins, aux)
    } else {
        run_chunk::<L, T, F>(l, ins, aux)
    }
}

/// The domain an input is validated against.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Domain {
    /// Probabilities / masses: finite and ≥ 0 (−0 allowed).
    Prob,
    /// Log-probabilities / logits: not NaN, not +∞ (−∞ allowed).
    Log,
    /// Any finite value.
    Real,
    /// Finite and > 0 (variances).
    Pos,
}

/// One function's per-vector terms. The defaults are the common case (probabilities, zero
/// padding, stream `a` only); a term states only what differs.
pub(crate) trait Term {
    /// The function.
    const FUNC: Func;
    /// Number of inputs (1, 2 or 4).
    const ARITY: usize = Self::FUNC.arity();
    /// Domain of each input.
    const DOMAIN: [Domain; 4] = [Domain::Prob; 4];
    /// Padding value of each input (contributes exactly 0 to every stream).
    const PAD: [f64; 4] = [0.0; 4];
    /// Whether stream b is used (summed exactly).
    const USE_B: bool = false;
    /// Whether stream c is used (summed exactly).
    const USE_C: bool = false;
    /// Terms of the three streams for one vector of inputs; `aux` is a per-call parameter.
    fn term<L: Lanes>(l: L, x: [L::V; 4], aux: L::V) -> [L::V; 3];
}

struct Check<L: Lanes> {
    neg: L::V,
    pos: L::V,
    nf: L::V,
    logok: L::M,
}

impl<L: Lanes> Check<L> {
    #[inline(always)]
    fn new(l: L) -> Self {
        let z = l.splat(0.0);
        Check {
            neg: z,
            pos: l.splat(f64::INFINITY),
            nf: z,
            logok: l.eq(z, z),
        }
    }
    #[inline(always)]
    fn update(&mut self, l: L, d: Domain, x: L::V) {
        let z = l.splat(0.0);
        match d {
            Domain::Prob => {
                self.neg = l.min(x, self.neg);
                self.nf = l.fma(x, z, self.nf);
            }
            Domain::Real => self.nf = l.fma(x, z, self.nf),
            Domain::Pos => {
                self.pos = l.min(x, self.pos);
                self.nf = l.fma(x, z, self.nf);
            }
            Domain::Log => self.logok = l.and(self.logok, l.lt(x, l.splat(f64::INFINITY))),
        }
    }
    #[inline(always)]
    fn invalid(&self, l: L) -> bool {
        let z = l.splat(0.0);
        l.any(l.lt(self.neg, z))
            || l.any(l.le(self.pos, z))
            || l.any(l.not(l.eq(self.nf, self.nf)))
            || l.any(l.not(self.logok))
    }
}

/// The accumulators of one chunk.
struct Acc<L: Lanes> {
    blk: L::V,
    a: (L::V, L::V),
    b: (L::V, L::V),
    c: (L::V, L::V),
    chk: Check<L>,
}

/// One vector of inputs through the term and into the accumulators (a function, not a
/// closure: closures do not inherit `#[target_feature]`).
#[inline(always)]
fn step<L: Lanes, F: Term>(l: L, x: [L::V; 4], aux: L::V, acc: &mut Acc<L>) {
    for (i, d) in F::DOMAIN.iter().enumerate().take(F::ARITY) {
        acc.chk.update(l, *d, x[i]);
    }
    let t = F::term(l, x, aux);
    acc.blk = l.add(acc.blk, t[0]);
    if F::USE_B {
        two_sum_acc(l, &mut acc.b.0, &mut acc.b.1, t[1]);
    }
    if F::USE_C {
        two_sum_acc(l, &mut acc.c.0, &mut acc.c.1, t[2]);
    }
}

/// One chunk (`ins[i].len()` equal, at most [`CHUNK`] in the public uses) of function `F`.
#[inline(always)]
pub(crate) fn run_chunk<L: Lanes, T: Load, F: Term>(l: L, ins: [&[T]; 4], aux: f64) -> Partial {
    let n = ins[0].len();
    let w = L::W;
    let zero = l.splat(0.0);
    let auxv = l.splat(aux);
    let mut acc = Acc {
        blk: zero,
        a: (zero, zero),
        b: (zero, zero),
        c: (zero, zero),
        chk: Check::new(l),
    };
    let nv = n / w;
    let mut v = 0;
    while v < nv {
        let end = (v + BLOCK).min(nv);
        acc.blk = zero;
        while v < end {
            let off = v * w;
            let mut x = [zero; 4];
            for (i, xi) in x.iter_mut().enumerate().take(F::ARITY) {
                *xi = T::load(l, &ins[i][off..off + w]);
            }
            step::<L, F>(l, x, auxv, &mut acc);
            v += 1;
        }
        two_sum_acc(l, &mut acc.a.0, &mut acc.a.1, acc.blk);
    }
    let rest = n - nv * w;
    if rest > 0 {
        let mut x = [zero; 4];
        for (i, xi) in x.iter_mut().enumerate().take(F::ARITY) {
            let mut buf = [T::from_f64(F::PAD[i]); 16];
            buf[..rest].copy_from_slice(&ins[i][nv * w..n]);
            *xi = T::load(l, &buf);
        }
        acc.blk = zero;
        step::<L, F>(l, x, auxv, &mut acc);
        two_sum_acc(l, &mut acc.a.0, &mut acc.a.1, acc.blk);
    }
    let mut out = Partial::filled(F::FUNC);
    out.s[0] = reduce(l, acc.a.0, acc.a.1);
    if F::USE_B {
        out.s[1] = reduce(l, acc.b.0, acc.b.1);
    }
    if F::USE_C {
        out.s[2] = reduce(l, acc.c.0, acc.c.1);
    }
    out.invalid = acc.chk.invalid(l);
    out
}

/// The whole input: [`run_chunk`] over the fixed chunks, folded in order.
#[inline(always)]
pub(crate) fn run_all<L: Lanes, T: Load, F: Term>(l: L, ins: [&[T]; 4], aux: f64) -> Partial {
    let n = ins[0].len();
    let mut acc = Partial::new(F::FUNC);
    let mut start = 0;
    loop {
        let end = (start + CHUNK).min(n);
        let part: [&[T]; 4] = core::array::from_fn(|i| &ins[i][start..end]);
        acc = acc.combine(run_chunk::<L, T, F>(l, part, aux));
        start = end;
        if start >= n {
            return acc;
        }
    }
}
