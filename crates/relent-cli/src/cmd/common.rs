//! Arguments and plumbing shared by the computing commands: the divergence options, input
//! options, output options, threads, block sizing and the progress bar.

use std::ffi::{OsStr, OsString};
use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Result, bail};
use indicatif::{ProgressBar, ProgressStyle};

use crate::compute::{Divergence, InputKind, RowError, Side, Spec};
use crate::io::{self, InputSpec, Matrix, OpenOptions};
use crate::output::{Format, Target};

/// What to compute.
#[derive(clap::Args, Debug, Clone)]
pub struct DivArgs {
    /// Divergence to compute.
    #[arg(short = 'd', long, value_enum, default_value_t = Divergence::Kl)]
    pub divergence: Divergence,
    /// How to read the numbers: probabilities, natural-log probabilities, or logits.
    #[arg(long, value_enum, default_value_t = InputKind::Probs)]
    pub input: InputKind,
    /// Softmax temperature for --input logits: the distribution is softmax(x / T).
    #[arg(short = 't', long, default_value_t = 1.0)]
    pub temperature: f64,
    /// Normalise each probability row to sum 1 first (e.g. histograms of counts).
    #[arg(long)]
    pub normalize: bool,
    /// Report in bits (log base 2) instead of nats.
    #[arg(long)]
    pub bits: bool,
}

impl DivArgs {
    /// Checks the combination and builds the [`Spec`].
    pub fn spec(&self) -> Result<Spec> {
        let t = self.temperature;
        if !(t.is_finite() && t > 0.0) {
            bail!("--temperature must be a finite number > 0 (got {t})");
        }
        if t != 1.0 && self.input != InputKind::Logits {
            bail!("--temperature applies to --input logits only");
        }
        if self.normalize && self.input != InputKind::Probs {
            bail!("--normalize applies to --input probs only (logits are normalised by softmax)");
        }
        Ok(Spec {
            divergence: self.divergence,
            input: self.input,
            temperature: t,
            normalize: self.normalize,
            bits: self.bits,
        })
    }
}

/// How to read inputs.
#[derive(clap::Args, Debug, Clone)]
pub struct InputArgs {
    /// Tensor to read from .safetensors inputs named without a `:TENSOR` suffix.
    #[arg(long, value_name = "NAME")]
    pub tensor: Option<String>,
    /// CSV/TSV inputs have a header line (default: detected).
    #[arg(long, conflicts_with = "no_header")]
    pub header: bool,
    /// CSV/TSV inputs have no header line.
    #[arg(long)]
    pub no_header: bool,
    /// CSV field delimiter (default: tab for .tsv, comma otherwise).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<char>,
    /// Read .npy/.safetensors blocks with positioned reads, never through a memory map (by
    /// default rows stored as computed — C order, native byte order, same type — are mapped).
    #[arg(long, hide_short_help = true)]
    pub no_mmap: bool,
}

impl InputArgs {
    /// The reader options.
    pub fn options(&self) -> Result<OpenOptions> {
        let delimiter = match self.delimiter {
            None => None,
            Some(c) if c.is_ascii() && c != '\n' && c != '"' => Some(c as u8),
            Some(c) => bail!(
                "--delimiter must be one ASCII character other than newline or quote (got {c:?})"
            ),
        };
        Ok(OpenOptions {
            tensor: self.tensor.clone(),
            header: if self.header {
                Some(true)
            } else if self.no_header {
                Some(false)
            } else {
                None
            },
            delimiter,
            no_mmap: self.no_mmap,
        })
    }
}

/// Where results go.
#[derive(clap::Args, Debug, Clone)]
pub struct OutArgs {
    /// Output file; the format follows the extension (.npy, .csv, .tsv, .jsonl). Default: stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format (default: from -o's extension; else a table on a terminal, CSV otherwise).
    #[arg(short = 'f', long, value_enum)]
    pub format: Option<Format>,
}

impl OutArgs {
    /// The resolved target.
    pub fn target(&self) -> Result<Target> {
        Target::resolve(self.output.clone(), self.format)
    }
}

/// Execution options.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
    /// Rows per block read from disk (default: about 16 MiB per input per block).
    #[arg(long, value_name = "N", hide_short_help = true)]
    pub block_rows: Option<usize>,
}

impl RunArgs {
    /// Sets up the thread pool.
    pub fn init(&self) -> Result<()> {
        if let Some(n) = self.threads {
            if n == 0 {
                bail!("--threads must be at least 1");
            }
            // Fails only if a pool was already built (tests calling twice): harmless.
            let _ = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build_global();
        }
        Ok(())
    }

    /// Rows per block for rows of `row_bytes` bytes.
    pub fn block_rows(&self, row_bytes: usize) -> usize {
        match self.block_rows {
            Some(n) => n.max(1),
            None => (16 << 20) / row_bytes.max(1),
        }
        .max(1)
    }
}

/// Opens a command-line input.
pub fn open(arg: &OsStr, opts: &OpenOptions) -> Result<Matrix> {
    io::open(&InputSpec::parse(arg), opts)
}

/// Refuses two stdin inputs.
pub fn check_stdin(args: &[&OsString]) -> Result<()> {
    if args.iter().filter(|a| a.as_os_str() == "-").count() > 1 {
        bail!("only one input can be read from stdin (-)");
    }
    Ok(())
}

/// Checks that two inputs have rows of the same length.
pub fn check_cols(a: &Matrix, b: &Matrix) -> Result<()> {
    if a.cols() != b.cols() {
        bail!(
            "shape mismatch: {} has rows of {} values but {} has rows of {}",
            a.name(),
            a.cols(),
            b.name(),
            b.cols()
        );
    }
    if a.cols() == 0 {
        bail!(
            "{}: rows are empty (0 columns): a divergence needs at least one value",
            a.name()
        );
    }
    Ok(())
}

/// Turns a compute error into a message naming the file.
pub fn row_error(e: RowError, p: &Matrix, q: &Matrix) -> anyhow::Error {
    row_error_names(e, p.name(), q.name())
}

/// [`row_error`] from the names.
pub fn row_error_names(e: RowError, p: &str, q: &str) -> anyhow::Error {
    let file = if e.side == Side::P { p } else { q };
    anyhow::anyhow!("invalid input in {file}: {e}")
}

/// A progress bar on stderr for jobs over `bytes` bytes; hidden unless stderr is a terminal
/// and the job is large.
pub fn progress(rows: usize, bytes: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() || bytes < (256 << 20) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(rows as u64);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} rows ({eta} left)",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Calls `$f::<T>` with `T` the element type for dtype `$d`.
macro_rules! dispatch {
    ($d:expr, $f:ident ( $($a:expr),* )) => {
        match $d {
            $crate::io::Dtype::F32 => $f::<f32>($($a),*),
            $crate::io::Dtype::F64 => $f::<f64>($($a),*),
            $crate::io::Dtype::F16 => $f::<half::f16>($($a),*),
            $crate::io::Dtype::BF16 => $f::<half::bf16>($($a),*),
        }
    };
}
pub(crate) use dispatch;

/// The divergence's column name, with the unit when in bits.
pub fn column_name(spec: &Spec) -> String {
    if spec.bits {
        format!("{}_bits", spec.divergence.name())
    } else {
        spec.divergence.name().to_string()
    }
}

/// The largest block mapped at once, per matrix. A block's pages stay resident (file-backed,
/// reclaimable) until the block is done, and the next block is mapped ahead, so a bigger one —
/// a single row longer than this — is read instead, into a buffer that must be allocated (and
/// fails cleanly if it cannot be).
pub const MAX_MAPPED_BLOCK: usize = 1 << 30;

/// Streams the same rows of `K` matrices (equal row counts) in blocks of `block` rows to
/// `f(first_row, blocks)`. Stops at the first error.
///
/// When every matrix is [`mappable`](Matrix::mappable) as `T` and a block is at most
/// [`MAX_MAPPED_BLOCK`] bytes, each block is a slice of a fresh memory map of each file (no
/// copy), and a helper thread does the kernel's share of the work off the computing threads:
/// while `f` computes a block, it maps the next one (a map of each file, `MADV_WILLNEED` in
/// case it is not cached, its pages mapped into the process by
/// [`fault_in`](crate::io::MappedRows::fault_in): page faults) and unmaps the block before.
/// The resident set is about two blocks per matrix (file-backed pages of the page cache: the
/// block computed and the next). Otherwise blocks are read into buffers on a second thread
/// while `f` computes (double buffering: peak memory is two blocks per matrix).
///
/// Why: with a warm page cache, mapping a file's pages into the process and unmapping them
/// costs the kernel real time — a fault per 64 KiB, then per 4 KiB page a page-table entry, a
/// reference and a mapping count, each undone by the unmap: for f32 KL of 1 GiB files on a
/// 2-core VM, about half as much CPU time as the computation (much less where the page cache
/// holds large folios, which map by 2 MiB). Mapping and unmapping on the main thread between
/// blocks left the computing threads idle, and faults inside the computation stalled it; here
/// that work runs beside the computation. It does not shrink: the same pages are mapped and
/// unmapped.
pub fn stream_rows<T: crate::io::Elem, const K: usize>(
    mats: [&mut Matrix; K],
    block: usize,
    mut f: impl FnMut(usize, [&[T]; K]) -> Result<()>,
) -> Result<()> {
    let rows = mats.first().map_or(0, |m| m.rows());
    let cols = mats.first().map_or(0, |m| m.cols());
    let block_bytes = block
        .min(rows)
        .saturating_mul(cols.saturating_mul(size_of::<T>()));
    if cols > 0 && block_bytes <= MAX_MAPPED_BLOCK && mats.iter().all(|m| m.mappable::<T>()) {
        return stream_mapped(mats, block, f);
    }
    read_rows_ahead(mats, block, |start, bufs| {
        f(start, std::array::from_fn(|k| bufs[k].as_slice()))
    })
}

/// [`stream_rows`] through memory maps. A helper thread maps each block — a fresh map of each
/// file, `MADV_WILLNEED`, its pages faulted in — and hands it over when the block before is
/// done (a rendezvous), then unmaps that block before it maps the next: the block computed and
/// the one ready are mapped. This thread only computes (and reads a block whose map failed).
fn stream_mapped<T: crate::io::Elem, const K: usize>(
    mut mats: [&mut Matrix; K],
    block: usize,
    mut f: impl FnMut(usize, [&[T]; K]) -> Result<()>,
) -> Result<()> {
    use crate::io::MappedRows;
    use std::sync::mpsc::{channel, sync_channel};
    let rows = mats.first().map_or(0, |m| m.rows());
    let cols = mats.first().map_or(0, |m| m.cols());
    // Mappers hold their own file handles: `mats` stays here for the reads of a failed map.
    let Some(mappers) = mats
        .iter()
        .map(|m| m.mapper::<T>())
        .collect::<Option<Vec<_>>>()
    else {
        return read_rows_ahead(mats, block, |start, bufs| {
            f(start, std::array::from_fn(|k| bufs[k].as_slice()))
        });
    };
    std::thread::scope(|s| -> Result<()> {
        let (ready_tx, ready_rx) = sync_channel::<Option<[MappedRows<T>; K]>>(0);
        let (done_tx, done_rx) = channel::<[MappedRows<T>; K]>();
        s.spawn(move || {
            let mut start = 0;
            while start < rows {
                // Unmap the blocks done first: the one before the block just handed over.
                done_rx.try_iter().for_each(drop);
                let n = block.min(rows - start);
                let maps: [Option<_>; K] = std::array::from_fn(|k| mappers[k].map_rows(start, n));
                let maps = if maps.iter().all(Option::is_some) {
                    let maps = maps.map(|m| m.expect("checked"));
                    for m in &maps {
                        m.prefetch();
                        std::hint::black_box(m.fault_in());
                    }
                    Some(maps)
                } else {
                    None
                };
                if ready_tx.send(maps).is_err() {
                    return; // The consumer stopped (an error): it reports.
                }
                start += n;
            }
            done_rx.iter().for_each(drop);
        });
        let mut bufs: [Vec<T>; K] = std::array::from_fn(|_| Vec::new());
        let mut start = 0;
        while start < rows {
            let n = block.min(rows - start);
            let maps = ready_rx
                .recv()
                .map_err(|_| anyhow::anyhow!("the thread mapping blocks failed"))?;
            match maps {
                Some(maps) => {
                    f(start, std::array::from_fn(|k| maps[k].as_slice()))?;
                    // The helper lives until `done_tx` is dropped, so this cannot fail.
                    let _ = done_tx.send(maps);
                }
                None => {
                    // A map failed (the file changed, or its file system has no maps): read.
                    for (m, b) in mats.iter_mut().zip(bufs.iter_mut()) {
                        crate::io::try_resize(b, n * cols, T::default(), m.name())?;
                        m.read_rows(start, b)?;
                    }
                    f(start, std::array::from_fn(|k| bufs[k].as_slice()))?;
                }
            }
            start += n;
        }
        Ok(())
    })
}

/// [`stream_rows`] by positioned reads, the next blocks read on a second thread while `f`
/// computes.
fn read_rows_ahead<T: crate::io::Elem, const K: usize>(
    mats: [&mut Matrix; K],
    block: usize,
    mut f: impl FnMut(usize, &[Vec<T>; K]) -> Result<()>,
) -> Result<()> {
    use std::sync::mpsc::sync_channel;
    let rows = mats.first().map_or(0, |m| m.rows());
    let cols = mats.first().map_or(0, |m| m.cols());
    std::thread::scope(|s| {
        let (full_tx, full_rx) = sync_channel::<(usize, [Vec<T>; K])>(1);
        let (empty_tx, empty_rx) = sync_channel::<[Vec<T>; K]>(2);
        for _ in 0..2 {
            empty_tx
                .send(std::array::from_fn(|_| Vec::new()))
                .expect("channel open");
        }
        let reader = s.spawn(move || -> Result<()> {
            let mut mats = mats;
            let mut start = 0;
            while start < rows {
                // The consumer hung up (it failed): stop quietly, it reports.
                let Ok(mut bufs) = empty_rx.recv() else {
                    return Ok(());
                };
                let n = block.min(rows - start);
                for (m, b) in mats.iter_mut().zip(bufs.iter_mut()) {
                    crate::io::try_resize(b, n * cols, T::default(), m.name())?;
                    m.read_rows(start, b)?;
                }
                if full_tx.send((start, bufs)).is_err() {
                    return Ok(());
                }
                start += n;
            }
            Ok(())
        });
        let consumed = (|| -> Result<()> {
            for (start, bufs) in full_rx.iter() {
                f(start, &bufs)?;
                // The reader may have finished: then nobody needs the buffers back.
                let _ = empty_tx.send(bufs);
            }
            Ok(())
        })();
        drop(full_rx);
        drop(empty_tx);
        let read = reader
            .join()
            .map_err(|_| anyhow::anyhow!("reader thread failed"))?;
        // A read error ends the stream early; report it first (the consumer saw no error).
        read.and(consumed)
    })
}
