//! The non-finite-result policy: what a kernel value that is not finite means, shared by
//! relent's checked functions and relent-batch (so that their values stay bit-identical).
//!
//! The kernels compute in `f64` with intermediates (Σg and Σ(p − q) for KL, e^lp, shifted
//! logits divided by a tiny temperature, …) that can overflow on valid input whose exact value
//! is finite — or give NaN (∞ − ∞) where it is +∞. So a kernel value that is not finite (NaN,
//! ±∞) on valid input is a *suspect*: it is kept as +∞ only when an element shows that the
//! exact value is +∞ (a scan that stops at the first witness, e.g. p > 0 with q = 0), and is
//! otherwise replaced by the exact reference (`relent-scalar`), which carries its own exponent
//! and rounds a value beyond `f64::MAX` to ±∞ correctly. Finite values — the normal path —
//! and values flagged `invalid` are returned untouched, with no extra pass.
//!
//! | function | +∞ is exact when |
//! |---|---|
//! | KL, normalised KL, cross-entropy, generalised KL | some p > 0 where q = 0 |
//! | Jeffreys | exactly one of p, q is 0 |
//! | entropy, Jensen–Shannon, Gaussian KL (both forms) | never (the reference decides: for the Gaussians, log-variances in the thousands overflow the kernel's exponentials, and sums can pass `f64::MAX` before the final halving) |
//! | KL from log-probabilities, from logits | some lq = −∞ where lp > −∞ |

use relent_scalar::Element;

use crate::{Func, Output};

/// `out` of `func` on `inputs` (argument order; `param` the temperature of
/// [`Func::KlLogits`]), with a non-finite value on valid input settled as the module says.
///
/// # Panics
/// If fewer inputs than `func` takes are given (only on the non-finite path).
///
/// ```
/// use relent_simd::{settle, Func, Output};
/// let p = [1e303f64, 1e303];
/// let q = [f64::MAX, 1e-5];
/// // A kernel whose Σg overflowed: the exact KL is finite, the reference gives it.
/// let out = settle(Func::Kl, &[&p[..], &q[..]], 1.0, Output { value: f64::INFINITY, invalid: false });
/// assert_eq!(out.value, relent_scalar::kl(&p, &q));
/// // Mass where q has none: +∞ is the answer.
/// let out = settle(Func::Kl, &[&[1.0f64][..], &[0.0][..]], 1.0, Output { value: f64::NAN, invalid: false });
/// assert_eq!(out.value, f64::INFINITY);
/// ```
pub fn settle<T: Element>(func: Func, inputs: &[&[T]], param: f64, out: Output) -> Output {
    if out.invalid || out.value.is_finite() {
        return out;
    }
    let any = |f: fn(f64, f64) -> bool| {
        inputs[0]
            .iter()
            .zip(inputs[1])
            .any(|(x, y)| f(x.to_f64(), y.to_f64()))
    };
    let mass_without_support = |x: f64, y: f64| x > 0.0 && y == 0.0;
    let log_mass_without_support = |x: f64, y: f64| x > f64::NEG_INFINITY && y == f64::NEG_INFINITY;
    let value = match func {
        Func::Kl | Func::KlNormalized | Func::CrossEntropy | Func::GeneralizedKl
            if any(mass_without_support) =>
        {
            f64::INFINITY
        }
        Func::Jeffreys if any(|x, y| (x == 0.0) != (y == 0.0)) => f64::INFINITY,
        Func::KlLog | Func::KlLogits if any(log_mass_without_support) => f64::INFINITY,
        Func::Kl => relent_scalar::kl(inputs[0], inputs[1]),
        Func::KlNormalized => relent_scalar::kl_normalized(inputs[0], inputs[1]),
        Func::CrossEntropy => relent_scalar::cross_entropy(inputs[0], inputs[1]),
        Func::GeneralizedKl => relent_scalar::generalized_kl(inputs[0], inputs[1]),
        Func::Jeffreys => relent_scalar::jeffreys(inputs[0], inputs[1]),
        Func::Entropy => relent_scalar::entropy(inputs[0]),
        Func::JsDivergence => relent_scalar::js_divergence(inputs[0], inputs[1]),
        Func::KlLog => relent_scalar::kl_log(inputs[0], inputs[1]),
        Func::KlLogits => relent_scalar::kl_logits(inputs[0], inputs[1], param),
        Func::GaussianKlDiag => {
            relent_scalar::gaussian::kl_diag(inputs[0], inputs[1], inputs[2], inputs[3])
        }
        Func::GaussianKlDiagLogvar => {
            relent_scalar::gaussian::kl_diag_logvar(inputs[0], inputs[1], inputs[2], inputs[3])
        }
    };
    Output {
        value,
        invalid: false,
    }
}
