//! On valid input the checked API returns exactly what the reference (`relent-scalar`)
//! computes; the functions whose exact value is never negative return `max(reference, 0)`.

use relent::Element;

/// A small seeded generator (SplitMix64), enough for varied valid inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A non-negative vector with some zeros, tiny values and subnormals.
fn masses<T: Element>(rng: &mut Rng, n: usize) -> Vec<T> {
    (0..n)
        .map(|_| {
            let x = match rng.below(10) {
                0 => 0.0,
                1 => 1e-300 * rng.unit(),
                2 => f64::MIN_POSITIVE * rng.unit(),
                3 => 1e-30 * rng.unit(),
                _ => rng.unit(),
            };
            T::from_f64(x)
        })
        .collect()
}

/// Log-probabilities or logits, some masked (−∞).
fn logs<T: Element>(rng: &mut Rng, n: usize) -> Vec<T> {
    (0..n)
        .map(|_| {
            if rng.below(8) == 0 {
                T::from_f64(f64::NEG_INFINITY)
            } else {
                T::from_f64(-20.0 * rng.unit() + 2.0)
            }
        })
        .collect()
}

fn same(checked: Result<f64, relent::Error>, expected: f64, what: &str) {
    let got = checked.unwrap_or_else(|e| panic!("{what}: unexpected error {e}"));
    assert!(
        got.to_bits() == expected.to_bits() || (got == 0.0 && expected == 0.0),
        "{what}: checked {got:e} != reference {expected:e}"
    );
}

fn check_all<T: Element>(seed: u64) {
    let mut rng = Rng(seed);
    for n in 1..=129usize {
        let (p, q) = (masses::<T>(&mut rng, n), masses::<T>(&mut rng, n));
        let what = |f: &str| format!("{f}<{}> n={n}", T::NAME);
        same(relent::kl(&p, &q), relent_scalar::kl(&p, &q), &what("kl"));
        same(
            relent::kl_bits(&p, &q),
            relent_scalar::kl_bits(&p, &q),
            &what("kl_bits"),
        );
        same(
            relent::cross_entropy(&p, &q),
            relent_scalar::cross_entropy(&p, &q),
            &what("ce"),
        );
        same(
            relent::cross_entropy_bits(&p, &q),
            relent_scalar::cross_entropy_bits(&p, &q),
            &what("ce_bits"),
        );
        same(
            relent::entropy(&p),
            relent_scalar::entropy(&p),
            &what("entropy"),
        );
        same(
            relent::entropy_bits(&p),
            relent_scalar::entropy_bits(&p),
            &what("entropy_bits"),
        );
        let nn = |v: f64| v.max(0.0);
        if p.iter().any(|x| x.to_f64() != 0.0) && q.iter().any(|x| x.to_f64() != 0.0) {
            same(
                relent::kl_normalized(&p, &q),
                nn(relent_scalar::kl_normalized(&p, &q)),
                &what("kl_normalized"),
            );
            same(
                relent::kl_normalized_bits(&p, &q),
                nn(relent_scalar::kl_normalized_bits(&p, &q)),
                &what("kl_normalized_bits"),
            );
        }
        same(
            relent::generalized_kl(&p, &q),
            nn(relent_scalar::generalized_kl(&p, &q)),
            &what("generalized_kl"),
        );
        same(
            relent::generalized_kl_bits(&p, &q),
            nn(relent_scalar::generalized_kl_bits(&p, &q)),
            &what("generalized_kl_bits"),
        );
        same(
            relent::jeffreys(&p, &q),
            nn(relent_scalar::jeffreys(&p, &q)),
            &what("jeffreys"),
        );
        same(
            relent::jeffreys_bits(&p, &q),
            nn(relent_scalar::jeffreys_bits(&p, &q)),
            &what("jeffreys_bits"),
        );
        same(
            relent::js_divergence(&p, &q),
            nn(relent_scalar::js_divergence(&p, &q)),
            &what("js"),
        );
        same(
            relent::js_divergence_bits(&p, &q),
            nn(relent_scalar::js_divergence_bits(&p, &q)),
            &what("js_bits"),
        );
        same(
            relent::js_distance(&p, &q),
            nn(relent_scalar::js_distance(&p, &q)),
            &what("jsd"),
        );
        same(
            relent::js_distance_bits(&p, &q),
            nn(relent_scalar::js_distance_bits(&p, &q)),
            &what("jsd_bits"),
        );

        let (a, b) = (logs::<T>(&mut rng, n), logs::<T>(&mut rng, n));
        same(
            relent::kl_log(&a, &b),
            relent_scalar::kl_log(&a, &b),
            &what("kl_log"),
        );
        same(
            relent::kl_log_bits(&a, &b),
            relent_scalar::kl_log_bits(&a, &b),
            &what("kl_log_bits"),
        );
        let masked = |v: &[T]| v.iter().all(|x| x.to_f64() == f64::NEG_INFINITY);
        if !masked(&a) && !masked(&b) {
            let t = 0.25 + 2.0 * rng.unit();
            same(
                relent::kl_logits(&a, &b, t),
                nn(relent_scalar::kl_logits(&a, &b, t)),
                &what("kl_logits"),
            );
            same(
                relent::kl_logits_bits(&a, &b, t),
                nn(relent_scalar::kl_logits_bits(&a, &b, t)),
                &what("kl_logits_bits"),
            );
        }

        let mu_p: Vec<T> = (0..n)
            .map(|_| T::from_f64(4.0 * rng.unit() - 2.0))
            .collect();
        let mu_q: Vec<T> = (0..n)
            .map(|_| T::from_f64(4.0 * rng.unit() - 2.0))
            .collect();
        let var_p: Vec<T> = (0..n)
            .map(|_| T::from_f64(0.01 + 3.0 * rng.unit()))
            .collect();
        let var_q: Vec<T> = (0..n)
            .map(|_| T::from_f64(0.01 + 3.0 * rng.unit()))
            .collect();
        same(
            relent::gaussian::kl_diag(&mu_p, &var_p, &mu_q, &var_q),
            relent_scalar::gaussian::kl_diag(&mu_p, &var_p, &mu_q, &var_q),
            &what("kl_diag"),
        );
        same(
            relent::gaussian::kl_diag_logvar(&mu_p, &mu_q, &mu_q, &mu_p),
            relent_scalar::gaussian::kl_diag_logvar(&mu_p, &mu_q, &mu_q, &mu_p),
            &what("kl_diag_logvar"),
        );
    }
}

#[test]
#[cfg_attr(miri, ignore = "sweeps thousands of generated cases: hours under Miri")]
fn f64_matches_reference() {
    check_all::<f64>(0x5EED_0001);
}

#[test]
#[cfg_attr(miri, ignore = "sweeps thousands of generated cases: hours under Miri")]
fn f32_matches_reference() {
    check_all::<f32>(0x5EED_0002);
}

#[cfg(feature = "half")]
#[test]
#[cfg_attr(miri, ignore = "sweeps thousands of generated cases: hours under Miri")]
fn f16_and_bf16_match_reference() {
    check_all::<half::f16>(0x5EED_0003);
    check_all::<half::bf16>(0x5EED_0004);
}
