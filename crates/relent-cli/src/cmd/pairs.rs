//! `relent all-pairs` and `relent top-k`: every row of P against every row of Q (Q defaults to
//! P). Both stream Q in blocks for each block of P, so memory is two blocks plus the result.

use std::ffi::OsString;

use anyhow::{Result, bail};

use super::common::{self, DivArgs, InputArgs, OutArgs, RunArgs, dispatch};
use crate::compute::{self, Side, Spec, TopK};
use crate::io::{Elem, Matrix};
use crate::output::{self, Format, num, num_json, num_table};

const ALL_PAIRS_EXAMPLES: &str = "\
Examples:
  # The full matrix D(p_i || p_j) of a set of distributions, as .npy
  relent all-pairs topics.npy -o dist.npy

  # Jensen-Shannon distances between two sets, readable
  relent all-pairs a.csv b.csv -d js-distance --format table";

const TOP_K_EXAMPLES: &str = "\
Examples:
  # For each query, the 10 corpus rows with the smallest KL(query || row)
  relent top-k queries.npy corpus.npy -k 10 -o nearest.csv

  # Nearest neighbours within one set, leaving each row's match with itself out
  relent top-k docs.safetensors:theta -k 5 --exclude-self -d js

  # .npy output writes values to FILE.npy and the indices to FILE.indices.npy
  relent top-k q.npy corpus.npy -k 3 -o nn.npy";

/// Arguments of `relent all-pairs`.
#[derive(clap::Args, Debug)]
#[command(after_help = ALL_PAIRS_EXAMPLES)]
pub struct AllPairsArgs {
    /// First operand P: one distribution per row.
    #[arg(value_name = "P")]
    pub p: OsString,
    /// Second operand Q (default: P itself).
    #[arg(value_name = "Q")]
    pub q: Option<OsString>,
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

/// Arguments of `relent top-k`.
#[derive(clap::Args, Debug)]
#[command(after_help = TOP_K_EXAMPLES)]
pub struct TopKArgs {
    /// Queries P: one distribution per row.
    #[arg(value_name = "P")]
    pub p: OsString,
    /// Candidates Q (default: P itself).
    #[arg(value_name = "Q")]
    pub q: Option<OsString>,
    /// Number of nearest candidates per query (smallest divergence first).
    #[arg(short = 'k', long, default_value_t = 10)]
    pub k: usize,
    /// Skip candidate j = i (for neighbours within one set).
    #[arg(long)]
    pub exclude_self: bool,
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

fn open_pair(p: &OsString, q: Option<&OsString>, input: &InputArgs) -> Result<(Matrix, Matrix)> {
    if let Some(q) = q {
        common::check_stdin(&[p, q])?;
    }
    let opts = input.options()?;
    let pm = common::open(p, &opts)?;
    let qm = match q {
        Some(q) => common::open(q, &opts)?,
        None => pm.try_clone()?,
    };
    common::check_cols(&pm, &qm)?;
    Ok((pm, qm))
}

/// Streams every (P block, Q block) pair through `f(p_row0, q_row0, scores, n_q)`.
fn stream<T: Elem>(
    spec: &Spec,
    p: &mut Matrix,
    q: &mut Matrix,
    run: &RunArgs,
    mut f: impl FnMut(usize, usize, &[f64], usize),
) -> Result<()> {
    let cols = p.cols();
    // Two operand blocks of about 8 MiB each.
    let block = run.block_rows(2 * cols * size_of::<T>());
    let bar = common::progress(p.rows(), p.rows() as u64 * q.rows() as u64 * cols as u64);
    let (mut pb, mut qb, mut scores): (Vec<T>, Vec<T>, Vec<f64>) =
        (Vec::new(), Vec::new(), Vec::new());
    let mut ps = 0;
    while ps < p.rows() {
        let pn = block.min(p.rows() - ps);
        crate::io::try_resize(&mut pb, pn * cols, T::default(), p.name())?;
        p.read_rows(ps, &mut pb)?;
        compute::validate(spec, Side::P, &pb, cols, ps).map_err(|e| common::row_error(e, p, q))?;
        let mut qs = 0;
        while qs < q.rows() {
            let qn = block.min(q.rows() - qs);
            crate::io::try_resize(&mut qb, qn * cols, T::default(), q.name())?;
            q.read_rows(qs, &mut qb)?;
            compute::validate(spec, Side::Q, &qb, cols, qs)
                .map_err(|e| common::row_error(e, p, q))?;
            crate::io::try_resize(&mut scores, pn * qn, 0.0, "scores")?;
            compute::all_pairs(spec, &pb, &qb, cols, ps, &mut scores)
                .map_err(|e| common::row_error(e, p, q))?;
            f(ps, qs, &scores, qn);
            qs += qn;
        }
        ps += pn;
        bar.set_position(ps as u64);
    }
    bar.finish_and_clear();
    Ok(())
}

/// Runs `relent all-pairs`.
pub fn run_all_pairs(args: AllPairsArgs) -> Result<()> {
    args.run.init()?;
    let spec = args.div.spec()?;
    let target = args.out.target()?;
    let (mut p, mut q) = open_pair(&args.p, args.q.as_ref(), &args.input)?;
    let (m, n) = (p.rows(), q.rows());
    let total = m.checked_mul(n).filter(|&t| t <= 1 << 30).ok_or_else(|| {
        anyhow::anyhow!(
            "all-pairs of {m} × {n} rows is too large to hold (over 2^30 results); use top-k"
        )
    })?;
    let mut out = crate::io::try_filled(total, 0.0, "all-pairs result")?;
    let dtype = crate::io::Dtype::common(p.dtype(), q.dtype());
    dispatch!(
        dtype,
        stream(&spec, &mut p, &mut q, &args.run, |ps, qs, s: &[f64], qn| {
            for (i, r) in s.chunks(qn).enumerate() {
                out[(ps + i) * n + qs..(ps + i) * n + qs + qn].copy_from_slice(r);
            }
        })
    )?;
    target.write(|w| output::write_matrix(w, target.format, m, n, &out))
}

/// Runs `relent top-k`.
pub fn run_top_k(args: TopKArgs) -> Result<()> {
    args.run.init()?;
    let spec = args.div.spec()?;
    let target = args.out.target()?;
    if args.k == 0 {
        bail!("-k must be at least 1");
    }
    if target.format == Format::Npy && target.path.is_none() {
        bail!("top-k .npy output writes two files (values and indices): use -o FILE.npy");
    }
    let (mut p, mut q) = open_pair(&args.p, args.q.as_ref(), &args.input)?;
    let exclude = args.exclude_self;
    let avail = q.rows().saturating_sub(usize::from(exclude));
    let k = args.k.min(avail);
    if p.rows().checked_mul(k).is_none_or(|t| t > 1 << 30) {
        bail!(
            "top-k of {} rows × k = {k} is too large to hold (over 2^30 results)",
            p.rows()
        );
    }
    let mut top = TopK::new(p.rows(), k.max(1));
    let dtype = crate::io::Dtype::common(p.dtype(), q.dtype());
    if k > 0 {
        dispatch!(
            dtype,
            stream(&spec, &mut p, &mut q, &args.run, |ps, qs, s: &[f64], qn| {
                top.offer(ps, s, qn, qs, exclude);
            })
        )?;
    }
    let rows = if k > 0 {
        top.into_rows()
    } else {
        vec![Vec::new(); p.rows()]
    };
    let name = common::column_name(&spec);
    write_top_k(&target, &name, k, &rows)
}

fn write_top_k(
    target: &output::Target,
    name: &str,
    k: usize,
    rows: &[Vec<(f64, usize)>],
) -> Result<()> {
    if target.format == Format::Npy {
        return target.write_with_siblings(&[".indices.npy"], |w, others| {
            let vals: Vec<f64> = rows.iter().flatten().map(|e| e.0).collect();
            let idx: Vec<i64> = rows.iter().flatten().map(|e| e.1 as i64).collect();
            output::write_npy_f64(w, &[rows.len(), k], &vals)?;
            output::write_npy_i64(&mut *others[0], &[rows.len(), k], &idx)
        });
    }
    target.write(|w| {
        match target.format {
            Format::Csv | Format::Tsv => {
                let d = if target.format == Format::Csv {
                    ','
                } else {
                    '\t'
                };
                writeln!(w, "row{d}rank{d}index{d}{name}")?;
                for (i, r) in rows.iter().enumerate() {
                    for (rank, (v, j)) in r.iter().enumerate() {
                        writeln!(w, "{i}{d}{rank}{d}{j}{d}{}", num(*v))?;
                    }
                }
            }
            Format::Jsonl => {
                for (i, r) in rows.iter().enumerate() {
                    let idx: Vec<String> = r.iter().map(|e| e.1.to_string()).collect();
                    let val: Vec<String> = r.iter().map(|e| num_json(e.0)).collect();
                    writeln!(
                        w,
                        "{{\"row\":{i},\"index\":[{}],\"{name}\":[{}]}}",
                        idx.join(","),
                        val.join(",")
                    )?;
                }
            }
            Format::Table => {
                let rw = rows.len().saturating_sub(1).to_string().len().max(3);
                writeln!(w, "{:>rw$}  {:>4}  {:>8}  {name}", "row", "rank", "index")?;
                for (i, r) in rows.iter().enumerate() {
                    for (rank, (v, j)) in r.iter().enumerate() {
                        writeln!(w, "{i:>rw$}  {rank:>4}  {j:>8}  {}", num_table(*v))?;
                    }
                }
            }
            Format::Npy => unreachable!("handled above"),
        }
        Ok(())
    })
}
