//! Writers: results go to `.npy`, `.csv`/`.tsv`, JSON lines, or a readable table, to stdout or
//! to a file chosen with `-o` (format by extension unless `--format` says). Files are written
//! to a temporary file in the same directory and renamed into place only when complete, so an
//! error never leaves a partial output file.
//!
//! Non-finite values: CSV/TSV and tables write `inf`/`NaN`; JSON lines write the strings
//! `"inf"`, `"-inf"`, `"nan"` (JSON has no infinity); `.npy` stores them as they are.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::io::npy::write_header;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for reading (default on a terminal).
    Table,
    /// Comma-separated values (default when stdout is not a terminal).
    Csv,
    /// Tab-separated values.
    Tsv,
    /// One JSON object per line.
    Jsonl,
    /// NumPy `.npy` (float64; top-k also writes `<stem>.indices.npy`).
    Npy,
}

/// Where and how to write.
#[derive(Clone, Debug)]
pub struct Target {
    /// `None` is stdout.
    pub path: Option<PathBuf>,
    /// The format.
    pub format: Format,
}

impl Target {
    /// Picks the format: `--format`, else the extension of `-o`, else table on a terminal and
    /// CSV otherwise.
    pub fn resolve(path: Option<PathBuf>, format: Option<Format>) -> Result<Target> {
        let path = path.filter(|p| p.as_os_str() != "-");
        let format = match (format, &path) {
            (Some(f), _) => f,
            (None, Some(p)) => {
                let ext = p
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                match ext.as_str() {
                    "npy" => Format::Npy,
                    "csv" => Format::Csv,
                    "tsv" | "tab" => Format::Tsv,
                    "jsonl" | "ndjson" | "json" => Format::Jsonl,
                    "txt" => Format::Table,
                    _ => bail!(
                        "{}: cannot tell the output format from the extension (use .npy, .csv, .tsv, .jsonl or --format)",
                        p.display()
                    ),
                }
            }
            (None, None) if io::stdout().is_terminal() => Format::Table,
            (None, None) => Format::Csv,
        };
        if format == Format::Npy && path.is_none() && io::stdout().is_terminal() {
            bail!("refusing to write binary .npy to a terminal; use -o FILE.npy");
        }
        Ok(Target { path, format })
    }

    /// Writes through `f` atomically (file) or to stdout. `extra` names sibling files written
    /// alongside (same atomicity: all are persisted only after every one succeeded).
    pub fn write(&self, f: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
        self.write_with_siblings(&[], |w, _| f(w))
    }

    /// Like [`Target::write`], plus sibling files `<stem><suffix>` handed to `f` in order.
    pub fn write_with_siblings(
        &self,
        suffixes: &[&str],
        f: impl FnOnce(&mut dyn Write, &mut [&mut dyn Write]) -> Result<()>,
    ) -> Result<()> {
        match &self.path {
            None => {
                let stdout = io::stdout();
                let mut w = io::BufWriter::new(stdout.lock());
                let mut sinks: Vec<Vec<u8>> = vec![Vec::new(); suffixes.len()];
                if !suffixes.is_empty() {
                    bail!("this output needs -o FILE (it writes more than one file)");
                }
                let mut refs: Vec<&mut dyn Write> =
                    sinks.iter_mut().map(|s| s as &mut dyn Write).collect();
                let r = f(&mut w, &mut refs).and_then(|()| w.flush().map_err(Into::into));
                match r {
                    Err(e) if is_broken_pipe(&e) => Ok(()),
                    r => r,
                }
            }
            Some(path) => {
                let mut main = Temp::new(path)?;
                let mut others = suffixes
                    .iter()
                    .map(|s| Temp::new(&sibling(path, s)))
                    .collect::<Result<Vec<_>>>()?;
                {
                    let mut refs: Vec<&mut dyn Write> = others
                        .iter_mut()
                        .map(|t| &mut t.w as &mut dyn Write)
                        .collect();
                    f(&mut main.w, &mut refs)?;
                }
                main.finish()?;
                for t in others {
                    t.finish()?;
                }
                Ok(())
            }
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// `dir/stem.npy` + `.indices.npy` → `dir/stem.indices.npy`.
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_os_string())
        .unwrap_or_default();
    let mut name = stem;
    name.push(suffix);
    path.with_file_name(name)
}

struct Temp {
    path: PathBuf,
    w: io::BufWriter<tempfile::NamedTempFile>,
}

impl Temp {
    fn new(path: &Path) -> Result<Temp> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".relent-")
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        Ok(Temp {
            path: path.to_path_buf(),
            w: io::BufWriter::new(tmp),
        })
    }

    fn finish(self) -> Result<()> {
        let shown = self.path.display().to_string();
        let tmp = self
            .w
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("writing {shown}"))?;
        tmp.as_file()
            .sync_all()
            .with_context(|| format!("writing {shown}"))?;
        tmp.persist(&self.path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {shown}"))?;
        Ok(())
    }
}

/// Formats a number for CSV: shortest round-trip representation (exponent form for very
/// small or large magnitudes, `inf`, `NaN`).
pub fn num(v: f64) -> String {
    format!("{v:?}")
}

/// Formats a number for a table: 6 significant digits.
pub fn num_table(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-4..1e6).contains(&v.abs()) {
        let s = format!("{v:.6}");
        if v.is_finite() { s } else { format!("{v}") }
    } else {
        format!("{v:.5e}")
    }
}

/// A number as a JSON value (non-finite as strings).
pub fn num_json(v: f64) -> String {
    if v.is_finite() {
        format!("{v:?}")
    } else if v.is_nan() {
        "\"nan\"".into()
    } else if v > 0.0 {
        "\"inf\"".into()
    } else {
        "\"-inf\"".into()
    }
}

/// Writes a C-order float64 `.npy` array.
pub fn write_npy_f64(w: &mut dyn Write, shape: &[usize], data: &[f64]) -> Result<()> {
    let mut w = w;
    write_header(&mut w, "<f8", shape)?;
    for chunk in data.chunks(8192) {
        let bytes: Vec<u8> = chunk.iter().flat_map(|v| v.to_le_bytes()).collect();
        w.write_all(&bytes)?;
    }
    Ok(())
}

/// Writes a C-order int64 `.npy` array.
pub fn write_npy_i64(w: &mut dyn Write, shape: &[usize], data: &[i64]) -> Result<()> {
    let mut w = w;
    write_header(&mut w, "<i8", shape)?;
    for chunk in data.chunks(8192) {
        let bytes: Vec<u8> = chunk.iter().flat_map(|v| v.to_le_bytes()).collect();
        w.write_all(&bytes)?;
    }
    Ok(())
}

/// Writes one value per row: `row,<name>` columns.
pub fn write_column(w: &mut dyn Write, format: Format, name: &str, values: &[f64]) -> Result<()> {
    match format {
        Format::Npy => write_npy_f64(w, &[values.len()], values)?,
        Format::Csv | Format::Tsv => {
            let d = if format == Format::Csv { ',' } else { '\t' };
            writeln!(w, "row{d}{name}")?;
            for (i, v) in values.iter().enumerate() {
                writeln!(w, "{i}{d}{}", num(*v))?;
            }
        }
        Format::Jsonl => {
            for (i, v) in values.iter().enumerate() {
                writeln!(w, "{{\"row\":{i},\"{name}\":{}}}", num_json(*v))?;
            }
        }
        Format::Table => {
            let width = values.len().saturating_sub(1).to_string().len().max(3);
            writeln!(w, "{:>width$}  {name}", "row")?;
            for (i, v) in values.iter().enumerate() {
                writeln!(w, "{i:>width$}  {}", num_table(*v))?;
            }
        }
    }
    Ok(())
}

/// Writes a rows × cols matrix (all-pairs).
pub fn write_matrix(
    w: &mut dyn Write,
    format: Format,
    rows: usize,
    cols: usize,
    m: &[f64],
) -> Result<()> {
    match format {
        Format::Npy => write_npy_f64(w, &[rows, cols], m)?,
        Format::Csv | Format::Tsv => {
            let d = if format == Format::Csv { "," } else { "\t" };
            for r in m.chunks(cols.max(1)).take(rows) {
                let line: Vec<String> = r.iter().map(|v| num(*v)).collect();
                writeln!(w, "{}", line.join(d))?;
            }
        }
        Format::Jsonl => {
            for (i, r) in m.chunks(cols.max(1)).take(rows).enumerate() {
                let vals: Vec<String> = r.iter().map(|v| num_json(*v)).collect();
                writeln!(w, "{{\"row\":{i},\"values\":[{}]}}", vals.join(","))?;
            }
        }
        Format::Table => {
            let cells: Vec<String> = m.iter().map(|v| num_table(*v)).collect();
            let width = cells
                .iter()
                .map(|s| s.len())
                .max()
                .unwrap_or(1)
                .max(cols.to_string().len());
            let rw = rows.to_string().len().max(1);
            write!(w, "{:>rw$}", "")?;
            for j in 0..cols {
                write!(w, "  {j:>width$}")?;
            }
            writeln!(w)?;
            for (i, r) in cells.chunks(cols.max(1)).take(rows).enumerate() {
                write!(w, "{i:>rw$}")?;
                for c in r {
                    write!(w, "  {c:>width$}")?;
                }
                writeln!(w)?;
            }
        }
    }
    Ok(())
}
