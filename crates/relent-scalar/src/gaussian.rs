//! Closed-form KL divergence between diagonal Gaussians (the VAE term).
use crate::Element;

/// KL(N(μp, diag σp²) ‖ N(μq, diag σq²)) = ½ Σ [ln(σq²/σp²) + (σp² + (μp−μq)²)/σq² − 1].
pub fn kl_diag<T: Element>(mu_p: &[T], var_p: &[T], mu_q: &[T], var_q: &[T]) -> f64 {
    let mut s = 0.0;
    for i in 0..mu_p.len() {
        let (mp, vp, mq, vq) = (
            mu_p[i].to_f64(),
            var_p[i].to_f64(),
            mu_q[i].to_f64(),
            var_q[i].to_f64(),
        );
        let d = mp - mq;
        s += (vq / vp).ln() + (vp + d * d) / vq - 1.0;
    }
    0.5 * s
}

/// [`kl_diag`] with log-variances ln σ² as inputs.
pub fn kl_diag_logvar<T: Element>(mu_p: &[T], logvar_p: &[T], mu_q: &[T], logvar_q: &[T]) -> f64 {
    let mut s = 0.0;
    for i in 0..mu_p.len() {
        let (mp, lp, mq, lq) = (
            mu_p[i].to_f64(),
            logvar_p[i].to_f64(),
            mu_q[i].to_f64(),
            logvar_q[i].to_f64(),
        );
        let d = mp - mq;
        s += lq - lp + (lp - lq).exp() + d * d * (-lq).exp() - 1.0;
    }
    0.5 * s
}
