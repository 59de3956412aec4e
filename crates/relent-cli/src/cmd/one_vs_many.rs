//! `relent one-vs-many QUERY CORPUS`: the divergence of one query distribution against every
//! row of a corpus, streamed in blocks of rows.

use std::ffi::OsString;

use anyhow::{Result, bail};

use super::common::{self, DivArgs, InputArgs, OutArgs, RunArgs, dispatch};
use crate::compute::{self, Side, Spec};
use crate::io::{Elem, Matrix};
use crate::output;

const EXAMPLES: &str = "\
Examples:
  # KL(query || row) for every row of a corpus of histograms
  relent one-vs-many query.npy corpus.npy --normalize -o scores.csv

  # Row 7 of a matrix as the query, reversed direction KL(row || query)
  relent one-vs-many topics.npy docs.safetensors:theta --row 7 --reverse

  # A query typed on stdin
  echo 0.2,0.3,0.5 | relent one-vs-many - corpus.csv -d js";

/// Arguments of `relent one-vs-many`.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The query: a vector, or a matrix with --row.
    #[arg(value_name = "QUERY")]
    pub query: OsString,
    /// The corpus: one distribution per row.
    #[arg(value_name = "CORPUS")]
    pub corpus: OsString,
    /// Use this row (0-based) of QUERY when it is a matrix.
    #[arg(long, value_name = "R")]
    pub row: Option<usize>,
    /// Compute D(row ‖ query) instead of D(query ‖ row).
    #[arg(long)]
    pub reverse: bool,
    /// Which divergence, on which kind of input.
    #[command(flatten)]
    pub div: DivArgs,
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

/// Runs `relent one-vs-many`.
pub fn run(args: Args) -> Result<()> {
    args.run.init()?;
    let spec = args.div.spec()?;
    let target = args.out.target()?;
    common::check_stdin(&[&args.query, &args.corpus])?;
    let opts = args.input.options()?;
    let mut query = common::open(&args.query, &opts)?;
    let mut corpus = common::open(&args.corpus, &opts)?;
    common::check_cols(&query, &corpus)?;
    let row = match (args.row, query.rows()) {
        (Some(r), n) if r >= n => bail!("--row {r} is out of range: {} has {n} rows", query.name()),
        (Some(r), _) => r,
        (None, 1) => 0,
        (None, n) => bail!(
            "{} has {n} rows; pick the query with --row R (or compare all rows with all-pairs / top-k)",
            query.name()
        ),
    };
    let dtype = crate::io::Dtype::common(query.dtype(), corpus.dtype());
    let values = dispatch!(
        dtype,
        typed(&spec, &mut query, row, &mut corpus, args.reverse, &args.run)
    )?;
    let name = common::column_name(&spec);
    target.write(|w| output::write_column(w, target.format, &name, &values))
}

fn typed<T: Elem>(
    spec: &Spec,
    query: &mut Matrix,
    row: usize,
    corpus: &mut Matrix,
    reverse: bool,
    run: &RunArgs,
) -> Result<Vec<f64>> {
    let cols = query.cols();
    let mut qv = crate::io::try_filled(cols, T::default(), query.name())?;
    query.read_rows(row, &mut qv)?;
    compute::validate(spec, Side::P, &qv, cols, row)
        .map_err(|e| common::row_error(e, query, corpus))?;
    let rows = corpus.rows();
    let block = run.block_rows(cols * size_of::<T>());
    let bar = common::progress(rows, rows as u64 * cols as u64 * size_of::<T>() as u64);
    let mut out = crate::io::try_filled(rows, 0.0, corpus.name())?;
    let (pn, qn) = (query.name().to_string(), corpus.name().to_string());
    common::stream_rows::<T, 1>([corpus], block, |start, [buf]| {
        let n = buf.len() / cols;
        compute::one_vs_many(spec, &qv, buf, start, reverse, &mut out[start..start + n])
            .map_err(|e| common::row_error_names(e, &pn, &qn))?;
        bar.set_position((start + n) as u64);
        Ok(())
    })?;
    bar.finish_and_clear();
    Ok(out)
}
