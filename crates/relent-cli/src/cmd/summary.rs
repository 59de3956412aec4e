//! `relent summary FILE`: statistics of a row-wise result, like llama.cpp's KLD statistics —
//! mean ± standard error, standard deviation, min and max with their rows, median and
//! quantiles (1, 5, 10, 90, 95, 99, 99.9 %). Quantiles interpolate linearly between the
//! closest ranks (NumPy's default method).

use std::ffi::OsString;
use std::io::Write;

use anyhow::{Result, bail};

use super::common::{self, InputArgs};
use crate::output::{self, Format, num_json, num_table};

const EXAMPLES: &str = "\
Examples:
  # Statistics of a per-row result written by `relent rows`
  relent rows p.npy q.npy -o kl.npy && relent summary kl.npy

  # The same straight from the row-wise command
  relent rows p.npy q.npy --summary

  # A column of a CSV file (by name or 0-based index), as JSON
  relent summary results.csv --column kl --format jsonl";

/// Arguments of `relent summary`.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Values: a 1-D .npy, a one-column matrix, or a CSV (last column unless --column).
    #[arg(value_name = "FILE")]
    pub file: OsString,
    /// Column to summarise, by 0-based index or by CSV header name (default: the last).
    #[arg(long, value_name = "COL")]
    pub column: Option<String>,
    /// How the input files are read.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output file (.csv, .tsv, .jsonl, .txt). Default: stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Output format (default: a table on a terminal, CSV otherwise).
    #[arg(short = 'f', long, value_enum)]
    pub format: Option<Format>,
}

/// Quantiles reported, as fractions.
pub const QUANTILES: [(f64, &str); 8] = [
    (0.01, "1%"),
    (0.05, "5%"),
    (0.10, "10%"),
    (0.50, "median"),
    (0.90, "90%"),
    (0.95, "95%"),
    (0.99, "99%"),
    (0.999, "99.9%"),
];

/// Summary statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Number of values.
    pub count: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation.
    pub std: f64,
    /// Standard error of the mean.
    pub sem: f64,
    /// Smallest value and its (first) row.
    pub min: (f64, usize),
    /// Largest value and its (first) row.
    pub max: (f64, usize),
    /// `QUANTILES` in order.
    pub quantiles: Vec<f64>,
    /// Rows with +inf.
    pub infinite: usize,
}

impl Stats {
    /// Computes the statistics; NaN values are an error, ±inf are allowed.
    pub fn compute(v: &[f64]) -> Result<Stats, String> {
        if v.is_empty() {
            return Err("no values to summarise".into());
        }
        if let Some(i) = v.iter().position(|x| x.is_nan()) {
            return Err(format!("row {i} is NaN"));
        }
        let n = v.len();
        let mut min = (v[0], 0);
        let mut max = (v[0], 0);
        for (i, &x) in v.iter().enumerate() {
            if x < min.0 {
                min = (x, i);
            }
            if x > max.0 {
                max = (x, i);
            }
        }
        let mean = v.iter().sum::<f64>() / n as f64;
        let std = if n > 1 && mean.is_finite() {
            (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else if n > 1 {
            f64::NAN
        } else {
            0.0
        };
        let mut s = v.to_vec();
        s.sort_unstable_by(f64::total_cmp);
        let quantiles = QUANTILES.iter().map(|&(q, _)| quantile(&s, q)).collect();
        Ok(Stats {
            count: n,
            mean,
            std,
            sem: std / (n as f64).sqrt(),
            min,
            max,
            quantiles,
            infinite: v.iter().filter(|x| **x == f64::INFINITY).count(),
        })
    }
}

/// Linear-interpolation quantile of sorted data.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = h - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    if frac == 0.0 || a == b {
        a
    } else {
        a + frac * (b - a)
    }
}

/// Writes the statistics of values named `name`.
pub fn write(w: &mut dyn Write, format: Format, name: &str, s: &Stats) -> Result<()> {
    let mut rows: Vec<(String, f64, Option<usize>)> = vec![
        ("count".into(), s.count as f64, None),
        ("mean".into(), s.mean, None),
        ("sem".into(), s.sem, None),
        ("std".into(), s.std, None),
        ("min".into(), s.min.0, Some(s.min.1)),
    ];
    for ((_, label), v) in QUANTILES.iter().zip(&s.quantiles) {
        rows.push(((*label).to_string(), *v, None));
    }
    rows.push(("max".into(), s.max.0, Some(s.max.1)));
    rows.push(("infinite".into(), s.infinite as f64, None));
    match format {
        Format::Table => {
            writeln!(w, "{name}: {} rows", s.count)?;
            writeln!(w, "  mean     {} ± {}", num_table(s.mean), num_table(s.sem))?;
            writeln!(w, "  std      {}", num_table(s.std))?;
            writeln!(w, "  min      {}  (row {})", num_table(s.min.0), s.min.1)?;
            for ((_, label), v) in QUANTILES.iter().zip(&s.quantiles) {
                writeln!(w, "  {label:<7}  {}", num_table(*v))?;
            }
            writeln!(w, "  max      {}  (row {})", num_table(s.max.0), s.max.1)?;
            if s.infinite > 0 {
                writeln!(w, "  {} rows are +inf (p > 0 where q = 0)", s.infinite)?;
            }
        }
        Format::Csv | Format::Tsv => {
            let d = if format == Format::Csv { ',' } else { '\t' };
            writeln!(w, "stat{d}{name}{d}row")?;
            for (k, v, r) in rows {
                let r = r.map(|r| r.to_string()).unwrap_or_default();
                writeln!(w, "{k}{d}{}{d}{r}", output::num(v))?;
            }
        }
        Format::Jsonl => {
            let mut fields = vec![format!("\"name\":\"{name}\"")];
            for (k, v, r) in rows {
                let key = match k.as_str() {
                    "median" => "median".to_string(),
                    k if k.ends_with('%') => format!("p{}", k.trim_end_matches('%')),
                    k => k.to_string(),
                };
                if key == "count" || key == "infinite" {
                    fields.push(format!("\"{key}\":{}", v as u64));
                } else {
                    fields.push(format!("\"{key}\":{}", num_json(v)));
                }
                if let Some(r) = r {
                    fields.push(format!("\"{key}_row\":{r}"));
                }
            }
            writeln!(w, "{{{}}}", fields.join(","))?;
        }
        Format::Npy => bail!("the summary cannot be written as .npy; use .csv, .jsonl or a table"),
    }
    Ok(())
}

/// Runs `relent summary`.
pub fn run(args: Args) -> Result<()> {
    let target = crate::output::Target::resolve(args.output.clone(), args.format)?;
    if target.format == Format::Npy {
        bail!("the summary cannot be written as .npy; use .csv, .jsonl or a table");
    }
    let opts = args.input.options()?;
    let spec = crate::io::InputSpec::parse(&args.file);
    // Column names come from the CSV header, which the matrix reader skips: read it here.
    let header_names: Option<Vec<String>> = header_of(&spec, &opts);
    let mut m = common::open(&args.file, &opts)?;
    let (rows, cols) = (m.rows(), m.cols());
    if cols == 0 {
        bail!("{}: no values to summarise (0 columns)", m.name());
    }
    let data: Vec<f64> = m.read_all()?;
    let col = match &args.column {
        None => cols.saturating_sub(1),
        Some(c) => match c.parse::<usize>() {
            Ok(i) if i < cols => i,
            Ok(i) => bail!("{}: no column {i} (it has {cols})", m.name()),
            Err(_) => match header_names
                .as_ref()
                .and_then(|h| h.iter().position(|n| n == c))
            {
                Some(i) if i < cols => i,
                _ => bail!("{}: no column named {c:?}", m.name()),
            },
        },
    };
    // A 1-D array is one row: summarise its values.
    let (values, name): (Vec<f64>, String) = if rows == 1 && args.column.is_none() {
        (data, "values".into())
    } else {
        let name = header_names
            .as_ref()
            .and_then(|h| h.get(col).cloned())
            .unwrap_or_else(|| format!("column {col}"));
        ((0..rows).map(|r| data[r * cols + col]).collect(), name)
    };
    let stats = Stats::compute(&values).map_err(|e| anyhow::anyhow!("{}: {e}", m.name()))?;
    target.write(|w| write(w, target.format, &name, &stats))
}

fn header_of(spec: &crate::io::InputSpec, opts: &crate::io::OpenOptions) -> Option<Vec<String>> {
    let ext = spec.path.extension()?.to_str()?.to_ascii_lowercase();
    if spec.is_stdin() || !(ext == "csv" || ext == "tsv") || opts.header == Some(false) {
        return None;
    }
    let text = std::fs::read_to_string(&spec.path).ok()?;
    let first = text.lines().find(|l| !l.trim().is_empty())?;
    let d = opts
        .delimiter
        .unwrap_or(if ext == "tsv" { b'\t' } else { b',' }) as char;
    let names: Vec<String> = first
        .split(d)
        .map(|s| s.trim().trim_matches('"').to_string())
        .collect();
    let is_header = opts.header == Some(true) || names.iter().any(|n| n.parse::<f64>().is_err());
    is_header.then_some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear() {
        let s = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(quantile(&s, 0.5), 3.0);
        assert!((quantile(&s, 0.9) - 7.6).abs() < 1e-12);
        assert_eq!(quantile(&[0.0, f64::INFINITY], 0.0), 0.0);
        let st = Stats::compute(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((st.min, st.max, st.mean), ((1.0, 1), (3.0, 0), 2.0));
    }
}
