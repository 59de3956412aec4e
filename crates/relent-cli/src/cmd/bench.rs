//! `relent bench`: a quick benchmark on this machine — the backend in use and the throughput
//! of one divergence per vector size and element type, single-pair and row-paired batch.
//! Numbers are indicative (a few hundred milliseconds per measurement); use the criterion
//! benches for careful comparisons.

use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use super::common::{RunArgs, dispatch};
use crate::compute::{self, Divergence, InputKind, Spec};
use crate::io::{Dtype, Elem};

const EXAMPLES: &str = "\
Examples:
  # Default sizes (1k, 32k, 1M) for f32 and f64
  relent bench

  # Jensen-Shannon on bf16 vocabularies of 128k, single-threaded
  relent bench -d js --dtype bf16 --sizes 131072 --threads 1";

/// Arguments of `relent bench`.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Divergence to time.
    #[arg(short = 'd', long, value_enum, default_value_t = Divergence::Kl)]
    pub divergence: Divergence,
    /// Vector lengths, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1_000usize, 32_768, 1_000_000])]
    pub sizes: Vec<usize>,
    /// Element types, comma-separated (f16, bf16, f32, f64).
    #[arg(long, value_delimiter = ',', default_values = ["f32", "f64"])]
    pub dtype: Vec<String>,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 0.3)]
    pub seconds: f64,
    /// Threads and block size.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Runs `relent bench`.
pub fn run(args: Args) -> Result<()> {
    args.run.init()?;
    if !(args.seconds > 0.0 && args.seconds <= 60.0) {
        bail!("--seconds must be in (0, 60]");
    }
    let dtypes = args
        .dtype
        .iter()
        .map(|d| match d.to_ascii_lowercase().as_str() {
            "f16" => Ok(Dtype::F16),
            "bf16" => Ok(Dtype::BF16),
            "f32" => Ok(Dtype::F32),
            "f64" => Ok(Dtype::F64),
            _ => bail!("--dtype: unknown type {d:?} (f16, bf16, f32, f64)"),
        })
        .collect::<Result<Vec<_>>>()?;
    if args.sizes.iter().any(|&n| n == 0 || n > 1 << 26) {
        bail!("--sizes must be between 1 and 2^26");
    }
    let spec = Spec {
        divergence: args.divergence,
        input: InputKind::Probs,
        temperature: 1.0,
        normalize: false,
        bits: false,
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "backend: {}", relent::backend())?;
    // An invalid RELENT_BACKEND was already reported on stderr by main (the one warning).
    writeln!(out, "threads: {}", rayon::current_num_threads())?;
    writeln!(
        out,
        "divergence: {} of probabilities",
        args.divergence.name()
    )?;
    writeln!(
        out,
        "one pair: relent::{} (checked); rows (batch): relent::batch::row_paired_into",
        args.divergence.checked_name()
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<6} {:>10}  {:>12}  {:>10}  {:>10}  {:>14}",
        "dtype", "n", "mode", "ns/elem", "GB/s", "Melem/s"
    )?;
    for &dt in &dtypes {
        for &n in &args.sizes {
            for batch in [false, true] {
                let (secs, elems) = dispatch!(dt, measure(&spec, n, batch, args.seconds))?;
                let per = secs / elems as f64;
                let bytes = 2.0 * elems as f64 * dt.size() as f64;
                writeln!(
                    out,
                    "{:<6} {:>10}  {:>12}  {:>10.3}  {:>10.3}  {:>14.1}",
                    dt.to_string(),
                    n,
                    if batch { "rows (batch)" } else { "one pair" },
                    per * 1e9,
                    bytes / secs / 1e9,
                    elems as f64 / secs / 1e6
                )?;
            }
        }
    }
    Ok(())
}

/// Deterministic probability vector (xorshift; no dependency on a RNG crate's API).
fn probs<T: Elem>(n: usize, seed: u64) -> Vec<T> {
    let mut s = seed | 1;
    let raw: Vec<f64> = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 11) as f64 / (1u64 << 53) as f64) + 1e-3
        })
        .collect();
    let sum: f64 = raw.iter().sum();
    raw.iter().map(|v| T::from_f64(v / sum)).collect()
}

/// Runs the computation until `seconds` pass; returns (seconds, elements processed).
/// One pair: the checked single-pair function (`compute::pair`, which for probabilities is
/// `relent::kl` and friends). Rows: `relent::batch::row_paired_into` over the whole matrix
/// on the global rayon pool (`--threads`), validation included.
fn measure<T: Elem>(spec: &Spec, n: usize, batch: bool, seconds: f64) -> Result<(f64, u64)> {
    let budget = Duration::from_secs_f64(seconds);
    // Batch mode: about 64 MiB per operand (out of cache, like real batches), at most 4096 rows.
    let rows = if batch {
        ((64 << 20) / (n * size_of::<T>())).clamp(1, 4096)
    } else {
        1
    };
    let p: Vec<T> = (0..rows)
        .flat_map(|r| probs::<T>(n, 2 * r as u64 + 1))
        .collect();
    let q: Vec<T> = (0..rows)
        .flat_map(|r| probs::<T>(n, 2 * r as u64 + 2))
        .collect();
    let (pm, qm) = (
        relent::batch::MatRef::new(&p, rows, n)?,
        relent::batch::MatRef::new(&q, rows, n)?,
    );
    let div = spec.divergence.batch();
    let opts = relent::batch::Options::new();
    let mut out = vec![0.0; rows];
    let start = Instant::now();
    let mut elems = 0u64;
    while start.elapsed() < budget || elems == 0 {
        if batch {
            relent::batch::row_paired_into(div, black_box(pm), black_box(qm), &mut out, &opts)?;
        } else {
            out[0] = compute::pair(spec, black_box(&p), black_box(&q))?;
        }
        black_box(&out);
        elems += (rows * n) as u64;
    }
    Ok((start.elapsed().as_secs_f64(), elems))
}
