//! `relent rows P Q`: the divergence of every row of P against the same row of Q.

use std::ffi::OsString;

use anyhow::Result;

use super::common::{self, DivArgs, InputArgs, OutArgs, RunArgs, dispatch};
use super::summary;
use crate::compute::{self, Spec};
use crate::io::{Elem, Matrix};
use crate::output::{self, Format, Target};

const EXAMPLES: &str = "\
Examples:
  # Per-token KL between a model's and a reference's probabilities (rows = tokens)
  relent rows model.npy reference.npy -o kl.npy

  # From logits in safetensors (bf16 is fine), at temperature 2, with llama.cpp-style statistics
  relent rows run.safetensors:logits ref.safetensors:logits --input logits -t 2 --summary

  # Jensen-Shannon distance in bits between histograms of counts in CSV
  relent rows a.csv b.csv -d js-distance --normalize --bits

  # Read P from stdin (CSV)
  cat p.csv | relent rows - q.csv --format jsonl";

/// Arguments of `relent rows`.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// First operand P (.npy, .safetensors[:TENSOR], .csv, .tsv, or - for CSV on stdin).
    #[arg(value_name = "P")]
    pub p: OsString,
    /// Second operand Q, with as many rows as P.
    #[arg(value_name = "Q")]
    pub q: OsString,
    /// Which divergence, on which kind of input.
    #[command(flatten)]
    pub div: DivArgs,
    /// Print summary statistics (mean, median, quantiles, min/max with their rows). Alone, it
    /// replaces the per-row output; with -o the rows go to the file and the summary to stdout.
    #[arg(long)]
    pub summary: bool,
    /// How the input files are read.
    #[command(flatten)]
    pub input: InputArgs,
    /// Where and how the results are written.
    #[command(flatten)]
    pub out: OutArgs,
    /// Threads and block size.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Runs `relent rows`.
pub fn run(args: Args) -> Result<()> {
    args.run.init()?;
    let spec = args.div.spec()?;
    let target = if args.summary {
        Target::resolve(None, None)?
    } else {
        args.out.target()?
    };
    common::check_stdin(&[&args.p, &args.q])?;
    let opts = args.input.options()?;
    let mut p = common::open(&args.p, &opts)?;
    let mut q = common::open(&args.q, &opts)?;
    common::check_cols(&p, &q)?;
    if p.rows() != q.rows() {
        anyhow::bail!(
            "shape mismatch: {} has {} rows but {} has {} (use one-vs-many or all-pairs to compare different row counts)",
            p.name(),
            p.rows(),
            q.name(),
            q.rows()
        );
    }
    let dtype = crate::io::Dtype::common(p.dtype(), q.dtype());
    let values = dispatch!(dtype, rows_typed(&spec, &mut p, &mut q, &args.run))?;
    let name = common::column_name(&spec);
    if args.summary {
        // With -o the rows go to the file (format from its extension) and --format applies
        // to the summary on stdout.
        if args.out.output.is_some() {
            let file = Target::resolve(args.out.output.clone(), None)?;
            file.write(|w| output::write_column(w, file.format, &name, &values))?;
        }
        let stats = summary::Stats::compute(&values).map_err(|e| anyhow::anyhow!("{e}"))?;
        let st = Target::resolve(None, args.out.format)?;
        if st.format == Format::Npy {
            anyhow::bail!("the summary cannot be written as .npy; use csv, jsonl or table");
        }
        st.write(|w| summary::write(w, st.format, &name, &stats))
    } else {
        target.write(|w| output::write_column(w, target.format, &name, &values))
    }
}

/// Row-paired divergences, streamed in blocks of rows.
fn rows_typed<T: Elem>(
    spec: &Spec,
    p: &mut Matrix,
    q: &mut Matrix,
    run: &RunArgs,
) -> Result<Vec<f64>> {
    let (rows, cols) = (p.rows(), p.cols());
    let block = run.block_rows(cols * size_of::<T>());
    let bar = common::progress(
        rows,
        (rows as u64) * (cols as u64) * 2 * size_of::<T>() as u64,
    );
    let mut out = crate::io::try_filled(rows, 0.0, p.name())?;
    let (pn, qn) = (p.name().to_string(), q.name().to_string());
    common::stream_rows::<T, 2>([p, q], block, |start, [pb, qb]| {
        let n = pb.len() / cols;
        compute::row_paired(spec, pb, qb, cols, start, &mut out[start..start + n])
            .map_err(|e| common::row_error_names(e, &pn, &qn))?;
        bar.set_position((start + n) as u64);
        Ok(())
    })?;
    bar.finish_and_clear();
    Ok(out)
}
