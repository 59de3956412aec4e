//! # relent-scalar — the reference
//!
//! Plain-Rust definitions of every function of relent's contract. This crate is the oracle the
//! fast kernels are tested against. Functions take equal-length slices and return the value
//! directly; checking input belongs to the `relent` crate.
//!
//! NOTE: interim straightforward implementation (f64 arithmetic, naive sums); being replaced
//! by the exact double-double reference.
#![forbid(unsafe_code)]

mod element;
pub mod gaussian;

pub use element::{Element, Slice};

/// ln 2, to convert nats into bits.
pub const LN_2: f64 = core::f64::consts::LN_2;

#[inline]
fn xlogy(x: f64, y: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x * y.ln() }
}

/// Kullback–Leibler divergence Σ p·ln(p/q) over the numbers as given (SciPy `rel_entr(p, q).sum()`).
pub fn kl<T: Element>(p: &[T], q: &[T]) -> f64 {
    p.iter()
        .zip(q)
        .map(|(&p, &q)| {
            let (p, q) = (p.to_f64(), q.to_f64());
            if p == 0.0 {
                0.0
            } else if q == 0.0 {
                f64::INFINITY
            } else {
                p * (p.ln() - q.ln())
            }
        })
        .sum()
}

/// KL(p/Σp ‖ q/Σq) without materialising the normalised vectors (SciPy `entropy(p, q)`).
pub fn kl_normalized<T: Element>(p: &[T], q: &[T]) -> f64 {
    let sp: f64 = p.iter().map(|x| x.to_f64()).sum();
    let sq: f64 = q.iter().map(|x| x.to_f64()).sum();
    kl(p, q) / sp + (sq / sp).ln()
}

/// Cross-entropy −Σ p·ln q.
pub fn cross_entropy<T: Element>(p: &[T], q: &[T]) -> f64 {
    -p.iter()
        .zip(q)
        .map(|(&p, &q)| xlogy(p.to_f64(), q.to_f64()))
        .sum::<f64>()
}

/// Shannon entropy −Σ p·ln p.
pub fn entropy<T: Element>(p: &[T]) -> f64 {
    -p.iter()
        .map(|&p| xlogy(p.to_f64(), p.to_f64()))
        .sum::<f64>()
}

/// Generalised KL Σ p·ln(p/q) − p + q (SciPy `kl_div` summed).
pub fn generalized_kl<T: Element>(p: &[T], q: &[T]) -> f64 {
    let s: f64 = p
        .iter()
        .zip(q)
        .map(|(&p, &q)| q.to_f64() - p.to_f64())
        .sum();
    kl(p, q) + s
}

/// Jeffreys divergence KL(p‖q) + KL(q‖p) = Σ (p−q)·ln(p/q).
pub fn jeffreys<T: Element>(p: &[T], q: &[T]) -> f64 {
    kl(p, q) + kl(q, p)
}

/// Jensen–Shannon divergence ½KL(p‖m) + ½KL(q‖m), m = (p+q)/2.
pub fn js_divergence<T: Element>(p: &[T], q: &[T]) -> f64 {
    let mut s = 0.0;
    for (&p, &q) in p.iter().zip(q) {
        let (p, q) = (p.to_f64(), q.to_f64());
        let m = 0.5 * (p + q);
        s += 0.5 * (xlogy(p, p) - xlogy(p, m) + xlogy(q, q) - xlogy(q, m));
    }
    s.max(0.0)
}

/// Jensen–Shannon distance √JS.
pub fn js_distance<T: Element>(p: &[T], q: &[T]) -> f64 {
    js_divergence(p, q).sqrt()
}

/// KL from natural-log probabilities: Σ e^lp·(lp − lq).
pub fn kl_log<T: Element>(lp: &[T], lq: &[T]) -> f64 {
    lp.iter()
        .zip(lq)
        .map(|(&a, &b)| {
            let (a, b) = (a.to_f64(), b.to_f64());
            if a == f64::NEG_INFINITY {
                0.0
            } else {
                a.exp() * (a - b)
            }
        })
        .sum()
}

/// KL(softmax(a/t) ‖ softmax(b/t)), fused and stable.
pub fn kl_logits<T: Element>(a: &[T], b: &[T], temperature: f64) -> f64 {
    let lse = |v: &[T]| {
        let m = v
            .iter()
            .map(|x| x.to_f64() / temperature)
            .fold(f64::NEG_INFINITY, f64::max);
        m + v
            .iter()
            .map(|x| (x.to_f64() / temperature - m).exp())
            .sum::<f64>()
            .ln()
    };
    let (la, lb) = (lse(a), lse(b));
    let lp: Vec<f64> = a.iter().map(|x| x.to_f64() / temperature - la).collect();
    let lq: Vec<f64> = b.iter().map(|x| x.to_f64() / temperature - lb).collect();
    kl_log(&lp, &lq)
}

macro_rules! bits {
    ($($(#[$m:meta])* $name:ident => $base:ident($($a:ident),*);)*) => {$(
        $(#[$m])*
        pub fn $name<T: Element>($($a: &[T]),*) -> f64 { $base($($a),*) / LN_2 }
    )*};
}
bits! {
    /// [`kl`] in bits.
    kl_bits => kl(p, q);
    /// [`kl_normalized`] in bits.
    kl_normalized_bits => kl_normalized(p, q);
    /// [`cross_entropy`] in bits.
    cross_entropy_bits => cross_entropy(p, q);
    /// [`entropy`] in bits.
    entropy_bits => entropy(p);
    /// [`generalized_kl`] in bits.
    generalized_kl_bits => generalized_kl(p, q);
    /// [`jeffreys`] in bits.
    jeffreys_bits => jeffreys(p, q);
    /// [`js_divergence`] in bits.
    js_divergence_bits => js_divergence(p, q);
    /// [`kl_log`] in bits.
    kl_log_bits => kl_log(lp, lq);
}

/// [`js_distance`] in bits: √(JS in bits).
pub fn js_distance_bits<T: Element>(p: &[T], q: &[T]) -> f64 {
    js_divergence_bits(p, q).sqrt()
}

/// [`kl_logits`] in bits.
pub fn kl_logits_bits<T: Element>(a: &[T], b: &[T], temperature: f64) -> f64 {
    kl_logits(a, b, temperature) / LN_2
}
