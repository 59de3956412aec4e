//! `relent demo`: every divergence on a small, realistic, seeded example, with a line on
//! what each number means.
//!
//! The example has three parts, all generated from one seed:
//!
//! - **drift**: a reference token distribution (Zipf over a vocabulary) and today's traffic,
//!   drifted from it (a flatter Zipf times log-normal noise);
//! - **distillation**: a teacher's and a student's logit rows over the classes, with the
//!   padding classes masked (−∞), compared at a temperature;
//! - **VAE**: a diagonal Gaussian posterior (means and log-variances) against the N(0, I)
//!   prior.
//!
//! [`Data::generate`] builds the data, [`rows`] computes the table through the `relent` API,
//! [`run`] prints it.

use std::io::Write;

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, Normal};

/// Options of `relent demo`.
#[derive(Clone, Debug, clap::Args)]
pub struct Args {
    /// Seed of the generated example (the same seed prints the same numbers).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Size of the token vocabulary of the drift example.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(2..=10_000_000))]
    pub vocab: u64,
}

/// Zipf exponent of the reference token distribution.
pub const REFERENCE_ZIPF: f64 = 1.1;
/// Zipf exponent of today's (drifted) token distribution, before noise.
pub const TODAY_ZIPF: f64 = 1.0;
/// σ of the log-normal noise applied to today's token weights.
pub const TODAY_NOISE: f64 = 0.25;
/// Number of classes of the logit rows.
pub const CLASSES: usize = 512;
/// Number of masked (padding) classes at the end of the logit rows.
pub const MASKED: usize = 16;
/// Distillation temperature.
pub const TEMPERATURE: f64 = 2.0;
/// Dimensions of the Gaussian posterior.
pub const LATENT: usize = 16;

/// The generated example.
#[derive(Clone, Debug)]
pub struct Data {
    /// The seed it was generated from.
    pub seed: u64,
    /// Reference token distribution (normalised).
    pub reference: Vec<f64>,
    /// Today's token distribution (normalised).
    pub today: Vec<f64>,
    /// Today's unnormalised token weights (`today` is these divided by their sum).
    pub today_weights: Vec<f64>,
    /// The reference's unnormalised Zipf weights k^-s.
    pub reference_weights: Vec<f64>,
    /// Teacher logits; the last [`MASKED`] are −∞.
    pub teacher: Vec<f32>,
    /// Student logits; the last [`MASKED`] are −∞.
    pub student: Vec<f32>,
    /// Posterior means.
    pub mu: Vec<f32>,
    /// Posterior log-variances.
    pub logvar: Vec<f32>,
}

impl Data {
    /// Generates the example for `seed` with a vocabulary of `vocab` tokens.
    ///
    /// ```
    /// let d = relent_cli::cmd::demo::Data::generate(42, 1000);
    /// assert_eq!(d.today.len(), 1000);
    /// assert!((d.today.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    /// ```
    pub fn generate(seed: u64, vocab: usize) -> Data {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let normal = |mean: f64, sd: f64| Normal::new(mean, sd).expect("valid normal");

        let zipf = |s: f64| -> Vec<f64> { (1..=vocab).map(|k| (k as f64).powf(-s)).collect() };
        let reference_weights = zipf(REFERENCE_ZIPF);
        let noise = normal(0.0, TODAY_NOISE);
        let today_weights: Vec<f64> = zipf(TODAY_ZIPF)
            .into_iter()
            .map(|w| w * noise.sample(&mut rng).exp())
            .collect();
        let normalise = |w: &[f64]| {
            let total: f64 = w.iter().sum();
            w.iter().map(|x| x / total).collect::<Vec<f64>>()
        };

        let teacher_dist = normal(0.0, 2.5);
        let student_noise = normal(0.0, 1.0);
        let mut teacher = Vec::with_capacity(CLASSES);
        let mut student = Vec::with_capacity(CLASSES);
        for i in 0..CLASSES {
            if i >= CLASSES - MASKED {
                teacher.push(f32::NEG_INFINITY);
                student.push(f32::NEG_INFINITY);
            } else {
                let t = teacher_dist.sample(&mut rng);
                teacher.push(t as f32);
                student.push((t + student_noise.sample(&mut rng)) as f32);
            }
        }

        let mu_dist = normal(0.0, 0.5);
        let logvar_dist = normal(-1.0, 0.3);
        let mu = (0..LATENT)
            .map(|_| mu_dist.sample(&mut rng) as f32)
            .collect();
        let logvar = (0..LATENT)
            .map(|_| logvar_dist.sample(&mut rng) as f32)
            .collect();

        Data {
            seed,
            reference: normalise(&reference_weights),
            today: normalise(&today_weights),
            today_weights,
            reference_weights,
            teacher,
            student,
            mu,
            logvar,
        }
    }
}

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Row {
    /// What was computed, e.g. `kl(today ‖ reference)`.
    pub label: String,
    /// The value in nats.
    pub nats: f64,
    /// The value in bits (from the `_bits` twin).
    pub bits: f64,
    /// One line on what the number means.
    pub meaning: String,
}

/// Computes the table through the `relent` API.
///
/// # Errors
///
/// A [`relent::Error`] if the data violate a function's domain (the generated data never do).
///
/// ```
/// use relent_cli::cmd::demo::{rows, Data};
/// let d = Data::generate(1, 100);
/// let table = rows(&d)?;
/// assert_eq!(table[0].nats, relent::kl(&d.today, &d.reference)?);
/// # Ok::<(), relent::Error>(())
/// ```
pub fn rows(d: &Data) -> Result<Vec<Row>, relent::Error> {
    let (p, q) = (&d.today, &d.reference);
    let zeros = vec![0.0f32; d.mu.len()];
    let row = |label: &str, nats: f64, bits: f64, meaning: String| Row {
        label: label.to_owned(),
        nats,
        bits,
        meaning,
    };
    Ok(vec![
        row(
            "kl(today ‖ reference)",
            relent::kl(p, q)?,
            relent::kl_bits(p, q)?,
            "extra cost per token of coding today's traffic with the reference model".into(),
        ),
        row(
            "kl(reference ‖ today)",
            relent::kl(q, p)?,
            relent::kl_bits(q, p)?,
            "the other direction: KL is not symmetric".into(),
        ),
        row(
            "kl_normalized(weights)",
            relent::kl_normalized(&d.today_weights, &d.reference_weights)?,
            relent::kl_normalized_bits(&d.today_weights, &d.reference_weights)?,
            "the first line again, straight from unnormalised weights".into(),
        ),
        row(
            "jeffreys(today, reference)",
            relent::jeffreys(p, q)?,
            relent::jeffreys_bits(p, q)?,
            "KL both ways, the population stability index (rule of thumb: > 0.25 nats = shifted)"
                .into(),
        ),
        row(
            "js_divergence(today, reference)",
            relent::js_divergence(p, q)?,
            relent::js_divergence_bits(p, q)?,
            "symmetric and bounded: 0 = identical, ln 2 nats = 1 bit = disjoint".into(),
        ),
        row(
            "js_distance(today, reference)",
            relent::js_distance(p, q)?,
            relent::js_distance_bits(p, q)?,
            "√JS, a metric between distributions".into(),
        ),
        row(
            "entropy(today)",
            relent::entropy(p)?,
            relent::entropy_bits(p)?,
            format!(
                "uncertainty of today's next token (at most ln {} = {:.3} nats)",
                p.len(),
                (p.len() as f64).ln()
            ),
        ),
        row(
            "cross_entropy(today, reference)",
            relent::cross_entropy(p, q)?,
            relent::cross_entropy_bits(p, q)?,
            "= entropy + KL: cost per token of today's traffic under the reference model".into(),
        ),
        row(
            "kl_logits(teacher ‖ student)",
            relent::kl_logits(&d.teacher, &d.student, TEMPERATURE)?,
            relent::kl_logits_bits(&d.teacher, &d.student, TEMPERATURE)?,
            format!(
                "distillation loss at temperature {TEMPERATURE}, {MASKED} padding logits masked (−∞)"
            ),
        ),
        row(
            "gaussian::kl_diag_logvar",
            relent::gaussian::kl_diag_logvar(&d.mu, &d.logvar, &zeros, &zeros)?,
            relent::gaussian::kl_diag_logvar(&d.mu, &d.logvar, &zeros, &zeros)?
                / std::f64::consts::LN_2,
            format!(
                "VAE term: the {}-dim posterior against the N(0, I) prior",
                d.mu.len()
            ),
        ),
    ])
}

/// Writes the demo for `args` to `out`.
///
/// # Errors
///
/// An I/O error from `out`, or a [`relent::Error`] (which the generated data never cause).
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<()> {
    let vocab = usize::try_from(args.vocab)?;
    let d = Data::generate(args.seed, vocab);
    let table = rows(&d)?;
    writeln!(out, "relent demo (seed {})", d.seed)?;
    writeln!(out)?;
    writeln!(out, "data")?;
    writeln!(
        out,
        "  drift         reference: Zipf(s = {REFERENCE_ZIPF}) over {vocab} tokens; today: \
         Zipf(s = {TODAY_ZIPF}) × log-normal noise (σ = {TODAY_NOISE})"
    )?;
    writeln!(
        out,
        "  distillation  teacher logits ~ N(0, 2.5²) over {CLASSES} classes, student = teacher \
         + N(0, 1), last {MASKED} masked"
    )?;
    writeln!(
        out,
        "  VAE           posterior μ ~ N(0, 0.5²), ln σ² ~ N(−1, 0.3²) in {LATENT} dims; \
         prior N(0, I)"
    )?;
    writeln!(out)?;
    let width = table
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0);
    writeln!(
        out,
        "{:<width$}  {:>10}  {:>10}  meaning",
        "function", "nats", "bits"
    )?;
    writeln!(out, "{:-<width$}  {:->10}  {:->10}  {:-<7}", "", "", "", "")?;
    for r in &table {
        writeln!(
            out,
            "{:<width$}  {:>10.6}  {:>10.6}  {}",
            r.label, r.nats, r.bits, r.meaning
        )?;
    }
    Ok(())
}
