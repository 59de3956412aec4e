//! KL divergence between Gaussians with diagonal covariance (the VAE term), checked.
//!
//! Both functions take four equal-length slices: the means and the variances (or
//! log-variances) of p, then of q.
//!
//! ```
//! let kl = relent::gaussian::kl_diag(&[0.0f64], &[1.0], &[1.0], &[1.0])?;
//! assert!((kl - 0.5).abs() < 1e-15); // ½ (μp − μq)² for unit variances
//! # Ok::<(), relent::Error>(())
//! ```

use crate::validate::{self, Arg, Domain, Totals};
use crate::{Element, Error, Precision, kernel};

/// The kernel (`relent-simd`) for both functions: variances, or log-variances if `logvar`.
fn compute<T: Element>(
    precision: Precision,
    logvar: bool,
    [a, b, c, d]: [&[T]; 4],
) -> relent_simd::Output {
    let k = kernel::kernels();
    let out = if logvar {
        k.gaussian_kl_diag_logvar(a, b, c, d, precision)
    } else {
        k.gaussian_kl_diag(a, b, c, d, precision)
    };
    // NaN or ±∞ on valid input (intermediates beyond the f64 range) goes to the exact
    // reference: the one non-finite policy, `relent_simd::settle`.
    let func = if logvar {
        relent_simd::Func::GaussianKlDiagLogvar
    } else {
        relent_simd::Func::GaussianKlDiag
    };
    relent_simd::settle(func, &[a, b, c, d], 1.0, out)
}

/// A checked call of either function at `precision`. Every term is ≥ 0, so the result is
/// clamped at 0 (the contract's "never negative").
pub(crate) fn checked<T: Element>(
    precision: Precision,
    logvar: bool,
    args: [&[T]; 4],
) -> Result<f64, Error> {
    let [mu_p, v_p, mu_q, v_q] = args;
    let (names, var) = if logvar {
        (["mu_p", "logvar_p", "mu_q", "logvar_q"], Domain::Finite)
    } else {
        (["mu_p", "var_p", "mu_q", "var_q"], Domain::Positive)
    };
    validate::run(
        &[
            Arg::new(names[0], mu_p, Domain::Finite),
            Arg::new(names[1], v_p, var),
            Arg::new(names[2], mu_q, Domain::Finite),
            Arg::new(names[3], v_q, var),
        ],
        &[],
        Totals::Any,
        || compute(precision, logvar, args),
    )
    .map(crate::range::non_negative)
}

/// An unchecked call (at `Precision::Default`): bit-identical to [`checked`]'s `Ok` value.
pub(crate) fn unchecked<T: Element>(logvar: bool, args: [&[T]; 4]) -> f64 {
    crate::range::non_negative(compute(Precision::Default, logvar, args).value)
}

/// KL(N(μp, diag σp²) ‖ N(μq, diag σq²)) = ½ Σ [ln(σq²/σp²) + (σp² + (μp−μq)²)/σq² − 1].
///
/// # Special values
///
/// - identical Gaussians give 0; the result is ≥ 0;
/// - every input is finite and every variance > 0, so there are no special inputs; the
///   result may still overflow to +∞ for extreme ratios of variances or distances of means.
///
/// # Accuracy
///
/// Within ε relative of the exact value of the definition on the numbers as stored (every
/// term is ≥ 0), with ε = 2^-49 for `f64` inputs and ε = 2^-21 for `f32`, `f16` and `bf16`
/// inputs ([`crate::precise::gaussian`] gives 2^-49 for every type). See the crate-level
/// [Accuracy](crate#accuracy) section.
///
/// # Errors
///
/// - [`Error::LengthMismatch`] if `var_p`, `mu_q` or `var_q` differs in length from `mu_p`;
///   [`Error::Empty`] if they are empty;
/// - [`Error::InvalidElement`] for the first element (arguments in the order `mu_p`, `var_p`,
///   `mu_q`, `var_q`) that is NaN or ±∞, or a variance that is negative or zero.
///
/// # Example
///
/// ```
/// use relent::gaussian::kl_diag;
/// // N(0, 1) against N(0, 4): ½ (ln 4 + 1/4 − 1)
/// let v = kl_diag(&[0.0f64], &[1.0], &[0.0], &[4.0])?;
/// assert!((v - 0.5 * (4.0f64.ln() + 0.25 - 1.0)).abs() < 1e-15);
///
/// let err = kl_diag(&[0.0f64], &[1.0], &[0.0], &[0.0]).unwrap_err();
/// assert_eq!(err.to_string(), "invalid element: `var_q[0]` = 0.0 is zero (a variance must be greater than 0)");
/// # Ok::<(), relent::Error>(())
/// ```
pub fn kl_diag<T: Element>(mu_p: &[T], var_p: &[T], mu_q: &[T], var_q: &[T]) -> Result<f64, Error> {
    checked(Precision::Default, false, [mu_p, var_p, mu_q, var_q])
}

/// [`kl_diag`] with log-variances ln σ² as inputs (what a VAE encoder outputs):
/// ½ Σ [lvq − lvp + e^(lvp−lvq) + (μp−μq)²·e^(−lvq) − 1].
///
/// # Special values
///
/// - identical Gaussians give 0; the result is ≥ 0;
/// - every input is finite, so there are no special inputs; the result may still overflow
///   to +∞ for extreme log-variances.
///
/// # Accuracy
///
/// Within ε relative of the exact value of the definition on the numbers as stored (every
/// term is ≥ 0), with ε = 2^-49 for `f64` inputs and ε = 2^-21 for `f32`, `f16` and `bf16`
/// inputs ([`crate::precise::gaussian`] gives 2^-49 for every type). See the crate-level
/// [Accuracy](crate#accuracy) section.
///
/// # Errors
///
/// - [`Error::LengthMismatch`] if `logvar_p`, `mu_q` or `logvar_q` differs in length from
///   `mu_p`; [`Error::Empty`] if they are empty;
/// - [`Error::InvalidElement`] for the first element (arguments in the order `mu_p`,
///   `logvar_p`, `mu_q`, `logvar_q`) that is NaN or ±∞.
///
/// # Example
///
/// ```
/// use relent::gaussian::{kl_diag, kl_diag_logvar};
/// let v = kl_diag_logvar(&[0.0f64], &[0.0], &[0.0], &[4.0f64.ln()])?;
/// let w = kl_diag(&[0.0f64], &[1.0], &[0.0], &[4.0])?;
/// assert!((v - w).abs() < 1e-15);
/// # Ok::<(), relent::Error>(())
/// ```
pub fn kl_diag_logvar<T: Element>(
    mu_p: &[T],
    logvar_p: &[T],
    mu_q: &[T],
    logvar_q: &[T],
) -> Result<f64, Error> {
    checked(Precision::Default, true, [mu_p, logvar_p, mu_q, logvar_q])
}
