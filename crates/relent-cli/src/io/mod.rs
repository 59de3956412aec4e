//! Readers: every input format becomes a [`Matrix`] — a rows × cols array of floats that can be
//! read back in blocks of whole rows, converted to the element type the computation runs in.
//!
//! `.npy` and `.safetensors` files are never loaded whole: their headers are parsed and
//! validated against the file size up front, and rows are then read on demand, by blocks of
//! rows, in one of two ways:
//!
//! - **memory-mapped** ([`Matrix::map_rows`]): when the rows are stored exactly as the
//!   computation reads them — C order, native byte order, the element type computed in, data
//!   aligned for it — a block is a slice of a read-only map of the file (the `filebuffer`
//!   crate, whose constructor is safe: this crate has no `unsafe`), cast with `bytemuck`. No
//!   copy; each block maps the file anew and drops the map when done, so the pages a block
//!   touched leave the process (they stay in the page cache) and the resident set stays about
//!   two blocks per input (the block computed and the next, mapped ahead: see
//!   `cmd::common::stream_rows`), whatever the file size;
//! - **read** ([`Matrix::read_rows`]): positioned reads into a caller-owned block buffer,
//!   converting (byte order, widening to `f64`, Fortran order) on the way. Used for every
//!   other layout, when a map fails, and with `--no-mmap`.
//!
//! Both give the same numbers. CSV/TSV (and stdin) are text: they are parsed once into
//! memory (as `f64`).
//!
//! Arrays with more than two dimensions (C order) are read as (product of leading dims) × last
//! dim, e.g. (batch, seq, vocab) logits become batch·seq rows of vocab columns. A 1-D array is
//! one row.

pub mod csv;
pub mod npy;
pub mod safetensors;

use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use half::{bf16, f16};
use relent::Element;

/// The on-disk element type of an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    /// IEEE half precision.
    F16,
    /// bfloat16.
    BF16,
    /// IEEE single precision.
    F32,
    /// IEEE double precision.
    F64,
}

impl Dtype {
    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            Dtype::F16 | Dtype::BF16 => 2,
            Dtype::F32 => 4,
            Dtype::F64 => 8,
        }
    }

    /// The element type two inputs are computed in: their common type, or `f64` (exact).
    pub fn common(a: Dtype, b: Dtype) -> Dtype {
        if a == b { a } else { Dtype::F64 }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dtype::F16 => "f16",
            Dtype::BF16 => "bf16",
            Dtype::F32 => "f32",
            Dtype::F64 => "f64",
        })
    }
}

/// An element type the CLI computes in: a relent [`Element`] that is also plain bytes.
pub trait Elem: Element + bytemuck::Pod + Default {
    /// The matching on-disk dtype.
    const DTYPE: Dtype;
}
impl Elem for f32 {
    const DTYPE: Dtype = Dtype::F32;
}
impl Elem for f64 {
    const DTYPE: Dtype = Dtype::F64;
}
impl Elem for f16 {
    const DTYPE: Dtype = Dtype::F16;
}
impl Elem for bf16 {
    const DTYPE: Dtype = Dtype::BF16;
}

/// Where a matrix's numbers live.
enum Storage {
    /// Row-major (`fortran == false`) or column-major data at `offset` in `file`.
    File {
        file: File,
        /// The path it was opened from (for maps where `/proc/self/fd` is not available).
        path: PathBuf,
        offset: u64,
        big_endian: bool,
        fortran: bool,
    },
    /// Parsed text, row-major.
    Memory(Vec<f64>),
}

/// A rows × cols array readable by blocks of rows.
pub struct Matrix {
    name: String,
    rows: usize,
    cols: usize,
    dtype: Dtype,
    storage: Storage,
    scratch: Vec<u8>,
    /// Whether blocks may be memory-mapped (`--no-mmap` turns it off).
    mmap: bool,
}

impl fmt::Debug for Matrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} × {} {})",
            self.name, self.rows, self.cols, self.dtype
        )
    }
}

/// Options that apply to every input.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Tensor to read from a `.safetensors` file named without a `:tensor` suffix.
    pub tensor: Option<String>,
    /// CSV header: `Some(true)` there is one, `Some(false)` none, `None` detect.
    pub header: Option<bool>,
    /// CSV field delimiter (default: tab for `.tsv`, comma otherwise).
    pub delimiter: Option<u8>,
    /// Never memory-map: read every block with positioned reads.
    pub no_mmap: bool,
}

/// An input as named on the command line: a path (or `-`) and an optional tensor name.
#[derive(Clone, Debug)]
pub struct InputSpec {
    /// The file, or `-` for stdin.
    pub path: PathBuf,
    /// The tensor, for `.safetensors` files (`file.safetensors:name`).
    pub tensor: Option<String>,
}

impl InputSpec {
    /// Parses `path` or `path.safetensors:tensor`. A path that exists as given wins.
    pub fn parse(arg: &std::ffi::OsStr) -> InputSpec {
        let path = PathBuf::from(arg);
        if path.exists() {
            return InputSpec { path, tensor: None };
        }
        if let Some(s) = arg.to_str() {
            let lower = s.to_ascii_lowercase();
            if let Some(i) = lower.find(".safetensors:") {
                let split = i + ".safetensors".len();
                return InputSpec {
                    path: PathBuf::from(&s[..split]),
                    tensor: Some(s[split + 1..].to_string()),
                };
            }
        }
        InputSpec { path, tensor: None }
    }

    /// Whether this is stdin.
    pub fn is_stdin(&self) -> bool {
        self.path.as_os_str() == "-"
    }
}

impl std::str::FromStr for InputSpec {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(InputSpec::parse(std::ffi::OsStr::new(s)))
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Opens an input, choosing the reader by extension (`-` is CSV on stdin).
pub fn open(spec: &InputSpec, opts: &OpenOptions) -> Result<Matrix> {
    if spec.is_stdin() {
        let mut text = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut text)
            .context("reading stdin")?;
        return csv::parse(
            "<stdin>",
            &text,
            opts.header,
            opts.delimiter.unwrap_or(b','),
        );
    }
    let shown = spec.path.display().to_string();
    let ext = extension(&spec.path);
    if spec.tensor.is_some() && ext != "safetensors" {
        bail!("{shown}: a tensor name is only meaningful for .safetensors files");
    }
    let mut m = match ext.as_str() {
        "npy" => npy::open(&spec.path)?,
        "safetensors" => {
            let tensor = spec.tensor.clone().or_else(|| opts.tensor.clone());
            safetensors::open(&spec.path, tensor.as_deref())?
        }
        "csv" | "tsv" | "txt" => {
            let text = std::fs::read(&spec.path).with_context(|| format!("cannot read {shown}"))?;
            let delim = opts
                .delimiter
                .unwrap_or(if ext == "tsv" { b'\t' } else { b',' });
            csv::parse(&shown, &text, opts.header, delim)?
        }
        "npz" => bail!("{shown}: .npz archives are not supported; extract the .npy inside"),
        _ => bail!(
            "{shown}: unknown input format (expected .npy, .safetensors, .csv, .tsv, or - for CSV on stdin)"
        ),
    };
    m.mmap = !opts.no_mmap;
    Ok(m)
}

/// Rows and columns of a shape: leading dimensions flattened into rows.
fn rows_cols(shape: &[usize], name: &str) -> Result<(usize, usize)> {
    match shape {
        [] => bail!("{name}: is a scalar (0-dimensional); expected a vector or a matrix"),
        [n] => Ok((1, *n)),
        [lead @ .., last] => {
            let rows = lead
                .iter()
                .try_fold(1usize, |a, &d| a.checked_mul(d))
                .with_context(|| format!("{name}: shape {shape:?} overflows"))?;
            Ok((rows, *last))
        }
    }
}

/// Checks that `shape` of `dtype` fits exactly in `available` bytes; returns the data size.
fn check_data_size(name: &str, shape: &[usize], dtype: Dtype, available: u64) -> Result<u64> {
    let count = shape
        .iter()
        .try_fold(1u64, |a, &d| a.checked_mul(d as u64))
        .and_then(|n| n.checked_mul(dtype.size() as u64))
        .with_context(|| {
            format!(
                "{name}: corrupt header: shape {shape:?} is absurd (its size overflows 64 bits)"
            )
        })?;
    if count > available {
        bail!(
            "{name}: truncated or corrupt: the header promises shape {shape:?} of {dtype} \
             ({count} bytes of data) but the file holds only {available} bytes of data"
        );
    }
    if count < available {
        bail!(
            "{name}: corrupt: shape {shape:?} of {dtype} needs {count} bytes of data but the file \
             has {available} (trailing bytes)"
        );
    }
    Ok(count)
}

impl Matrix {
    #[allow(clippy::too_many_arguments)]
    fn from_file(
        name: String,
        path: &Path,
        shape: &[usize],
        dtype: Dtype,
        file: File,
        offset: u64,
        big_endian: bool,
        fortran: bool,
    ) -> Result<Matrix> {
        let (rows, cols) = rows_cols(shape, &name)?;
        if fortran && shape.len() > 2 {
            bail!("{name}: Fortran-order arrays with more than 2 dimensions are not supported");
        }
        Ok(Matrix {
            name,
            rows,
            cols,
            dtype,
            storage: Storage::File {
                file,
                path: path.to_path_buf(),
                offset,
                big_endian,
                fortran,
            },
            scratch: Vec::new(),
            mmap: true,
        })
    }

    fn from_memory(name: String, rows: usize, cols: usize, data: Vec<f64>) -> Matrix {
        debug_assert_eq!(data.len(), rows * cols);
        Matrix {
            name,
            rows,
            cols,
            dtype: Dtype::F64,
            storage: Storage::Memory(data),
            scratch: Vec::new(),
            mmap: false,
        }
    }

    /// A second handle on the same data (for comparing an input with itself).
    pub fn try_clone(&self) -> Result<Matrix> {
        let storage = match &self.storage {
            Storage::File {
                file,
                path,
                offset,
                big_endian,
                fortran,
            } => Storage::File {
                file: file
                    .try_clone()
                    .with_context(|| format!("cannot reopen {}", self.name))?,
                path: path.clone(),
                offset: *offset,
                big_endian: *big_endian,
                fortran: *fortran,
            },
            Storage::Memory(v) => Storage::Memory(v.clone()),
        };
        Ok(Matrix {
            name: self.name.clone(),
            rows: self.rows,
            cols: self.cols,
            dtype: self.dtype,
            storage,
            scratch: Vec::new(),
            mmap: self.mmap,
        })
    }

    /// The input's name as shown in messages (`file` or `file:tensor`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Number of columns (the length of each distribution).
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// The on-disk element type.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// Whether [`map_rows`](Self::map_rows) can give blocks of `T` without a copy: a file in C
    /// order and native byte order, of element type `T`, whose data is aligned for `T` (the map
    /// starts on a page boundary, so the data offset decides), and maps not turned off.
    pub fn mappable<T: Elem>(&self) -> bool {
        match &self.storage {
            Storage::File {
                offset,
                big_endian,
                fortran,
                ..
            } => {
                self.mmap
                    && !*fortran
                    && *big_endian == cfg!(target_endian = "big")
                    && T::DTYPE == self.dtype
                    && offset % (align_of::<T>() as u64) == 0
            }
            Storage::Memory(_) => false,
        }
    }

    /// Rows `start .. start + n` as a slice of a fresh read-only map of the file, or `None`
    /// when the matrix is not [`mappable`](Self::mappable) as `T` or the map fails (then
    /// [`read_rows`](Self::read_rows) reads them). The map lives as long as the returned
    /// block: dropping it unmaps the file, so the pages the block touched no longer count in
    /// the process's resident set (they stay in the page cache). The data must not change
    /// while mapped (as for reading: a file rewritten under the command gives inconsistent
    /// rows; truncating it while mapped ends the process with SIGBUS).
    pub fn map_rows<T: Elem>(&self, start: usize, n: usize) -> Option<MappedRows<T>> {
        if !self.mappable::<T>() {
            return None;
        }
        let Storage::File {
            file, path, offset, ..
        } = &self.storage
        else {
            return None;
        };
        map_block(file, path, *offset, self.cols, start, n)
    }

    /// A [`Mapper`] of this matrix's blocks, for another thread (it holds its own handle on
    /// the file), or `None` when the matrix is not [`mappable`](Self::mappable) as `T` or the
    /// file cannot be reopened.
    pub fn mapper<T: Elem>(&self) -> Option<Mapper<T>> {
        if !self.mappable::<T>() {
            return None;
        }
        let Storage::File {
            file, path, offset, ..
        } = &self.storage
        else {
            return None;
        };
        Some(Mapper {
            file: file.try_clone().ok()?,
            path: path.clone(),
            offset: *offset,
            cols: self.cols,
            _elem: std::marker::PhantomData,
        })
    }

    /// Reads rows `start .. start + out.len() / cols` into `out` (row-major), converting to `T`.
    /// Conversion is exact: `T` is the file's own type or `f64`.
    pub fn read_rows<T: Elem>(&mut self, start: usize, out: &mut [T]) -> Result<()> {
        let cols = self.cols;
        if cols == 0 {
            return Ok(());
        }
        let n = out.len() / cols;
        assert!(
            out.len() == n * cols && start + n <= self.rows,
            "read_rows out of range"
        );
        let isz = self.dtype.size();
        let dtype = self.dtype;
        match &mut self.storage {
            Storage::Memory(data) => {
                for (o, &v) in out.iter_mut().zip(&data[start * cols..(start + n) * cols]) {
                    *o = T::from_f64(v);
                }
            }
            Storage::File {
                file,
                offset,
                big_endian,
                fortran: false,
                ..
            } => {
                let pos = *offset + (start as u64) * (cols as u64) * (isz as u64);
                file.seek(SeekFrom::Start(pos))
                    .with_context(|| format!("{}: seek failed", self.name))?;
                let native = *big_endian == cfg!(target_endian = "big");
                if T::DTYPE == dtype && native {
                    file.read_exact(bytemuck::cast_slice_mut(out))
                        .with_context(|| format!("{}: read failed (file truncated?)", self.name))?;
                } else {
                    try_resize(&mut self.scratch, out.len() * isz, 0, &self.name)?;
                    file.read_exact(&mut self.scratch)
                        .with_context(|| format!("{}: read failed (file truncated?)", self.name))?;
                    decode(dtype, *big_endian, &self.scratch, out);
                }
            }
            Storage::File {
                file,
                offset,
                big_endian,
                fortran: true,
                ..
            } => {
                // Column-major: column c of rows start..start+n is contiguous.
                try_resize(&mut self.scratch, n * isz, 0, &self.name)?;
                let mut col = try_filled(n, T::default(), &self.name)?;
                for c in 0..cols {
                    let pos =
                        *offset + ((c as u64) * (self.rows as u64) + start as u64) * isz as u64;
                    file.seek(SeekFrom::Start(pos))
                        .with_context(|| format!("{}: seek failed", self.name))?;
                    file.read_exact(&mut self.scratch)
                        .with_context(|| format!("{}: read failed (file truncated?)", self.name))?;
                    decode(dtype, *big_endian, &self.scratch, &mut col);
                    for (r, &v) in col.iter().enumerate() {
                        out[r * cols + c] = v;
                    }
                }
            }
        }
        Ok(())
    }

    /// Reads the whole matrix (for small inputs: a query vector, a summary column).
    pub fn read_all<T: Elem>(&mut self) -> Result<Vec<T>> {
        let len = self
            .rows
            .checked_mul(self.cols)
            .with_context(|| format!("{}: too large", self.name))?;
        let mut out = try_filled(len, T::default(), &self.name)?;
        self.read_rows(0, &mut out)?;
        Ok(out)
    }
}

/// Maps blocks of rows of a [`mappable`](Matrix::mappable) matrix, as
/// [`Matrix::map_rows`] does, from any thread (made by [`Matrix::mapper`]).
pub struct Mapper<T> {
    file: File,
    path: PathBuf,
    offset: u64,
    cols: usize,
    _elem: std::marker::PhantomData<fn() -> T>,
}

impl<T: Elem> Mapper<T> {
    /// Rows `start .. start + n`, as [`Matrix::map_rows`].
    pub fn map_rows(&self, start: usize, n: usize) -> Option<MappedRows<T>> {
        map_block(&self.file, &self.path, self.offset, self.cols, start, n)
    }
}

/// Rows `start .. start + n` of `cols` values of `T` from data at `offset` in `file`, in a
/// fresh map of the file, or `None` if the map fails or does not hold them.
fn map_block<T: Elem>(
    file: &File,
    path: &Path,
    offset: u64,
    cols: usize,
    start: usize,
    n: usize,
) -> Option<MappedRows<T>> {
    let row_bytes = cols.checked_mul(size_of::<T>())?;
    let begin = usize::try_from(offset)
        .ok()?
        .checked_add(start.checked_mul(row_bytes)?)?;
    let len = n.checked_mul(row_bytes)?;
    let buf = map_file(file, path).ok()?;
    // The file may have changed since its header was read: the map must hold the rows.
    if begin.checked_add(len)? > buf.len() {
        return None;
    }
    bytemuck::try_cast_slice::<u8, T>(&buf[begin..begin + len]).ok()?;
    Some(MappedRows {
        buf,
        begin,
        len,
        _elem: std::marker::PhantomData,
    })
}

/// A block of rows in a read-only map of its file (see [`Matrix::map_rows`]).
pub struct MappedRows<T> {
    buf: filebuffer::FileBuffer,
    begin: usize,
    len: usize,
    _elem: std::marker::PhantomData<T>,
}

impl<T: Elem> MappedRows<T> {
    /// The rows, row-major.
    pub fn as_slice(&self) -> &[T] {
        // Checked in `map_rows` (bounds, size and alignment of the same bytes).
        bytemuck::cast_slice(&self.buf[self.begin..self.begin + self.len])
    }

    /// Asks the kernel to read this block into the page cache if it is not there
    /// (`madvise(MADV_WILLNEED)`; returns at once, and costs little when it is cached).
    pub fn prefetch(&self) {
        if self.len > 0 {
            self.buf.prefetch(self.begin, self.len);
        }
    }

    /// Maps the block's pages into the process ahead of use: reads one byte every
    /// [`FAULT_STRIDE`] pages (and the last byte), each read of an unmapped page a page fault
    /// in which Linux maps the cached pages around it too ("fault-around", 64 KiB by default),
    /// so that the threads that later read the block find its pages mapped. Pages a fault did
    /// not map are faulted in by those threads as usual: this only moves work. Returns a value
    /// computed from the bytes read (pass it to `black_box` so the reads are kept).
    pub fn fault_in(&self) -> u8 {
        let bytes = &self.buf[self.begin..self.begin + self.len];
        let step = FAULT_STRIDE * self.buf.chunk_len_hint().max(1);
        let x = bytes.iter().step_by(step).fold(0u8, |a, &b| a ^ b);
        x ^ bytes.last().copied().unwrap_or(0)
    }
}

/// Pages between the reads of [`MappedRows::fault_in`]: Linux's default fault-around window
/// (`fault_around_bytes`, 64 KiB) of 4 KiB pages. Reading every page instead costs a cache miss
/// per page for pages that the fault before already mapped.
pub const FAULT_STRIDE: usize = 16;

/// A read-only map of the whole of `file`: through `/proc/self/fd` on Linux, so that it is
/// the file already opened (and checked), not whatever `path` names now; by `path` elsewhere.
fn map_file(file: &File, path: &Path) -> std::io::Result<filebuffer::FileBuffer> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let _ = path;
        filebuffer::FileBuffer::open(format!("/proc/self/fd/{}", file.as_raw_fd()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        filebuffer::FileBuffer::open(path)
    }
}

/// Decodes `bytes` of `dtype` (with the given byte order) into `out`, exactly.
fn decode<T: Elem>(dtype: Dtype, big_endian: bool, bytes: &[u8], out: &mut [T]) {
    macro_rules! go {
        ($n:literal, $conv:expr) => {
            for (o, b) in out.iter_mut().zip(bytes.chunks_exact($n)) {
                let arr: [u8; $n] = b.try_into().expect("chunk size");
                *o = T::from_f64($conv(arr));
            }
        };
    }
    match (dtype, big_endian) {
        (Dtype::F16, false) => go!(2, |a| f16::from_le_bytes(a).to_f64()),
        (Dtype::F16, true) => go!(2, |a| f16::from_be_bytes(a).to_f64()),
        (Dtype::BF16, false) => go!(2, |a| bf16::from_le_bytes(a).to_f64()),
        (Dtype::BF16, true) => go!(2, |a| bf16::from_be_bytes(a).to_f64()),
        (Dtype::F32, false) => go!(4, |a| f64::from(f32::from_le_bytes(a))),
        (Dtype::F32, true) => go!(4, |a| f64::from(f32::from_be_bytes(a))),
        (Dtype::F64, false) => go!(8, f64::from_le_bytes),
        (Dtype::F64, true) => go!(8, f64::from_be_bytes),
    }
}

/// Opens a file for reading and returns it with its size.
fn open_file(path: &Path) -> Result<(File, u64)> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let len = file
        .metadata()
        .with_context(|| format!("cannot stat {}", path.display()))?
        .len();
    Ok((file, len))
}

/// Resizes `v` to `len`, reporting an allocation failure as an error instead of aborting
/// (hostile or enormous shapes must fail cleanly).
pub fn try_resize<T: Clone>(v: &mut Vec<T>, len: usize, value: T, what: &str) -> Result<()> {
    if len > v.len() {
        let bytes = len.saturating_mul(size_of::<T>());
        v.try_reserve_exact(len - v.len()).map_err(|_| {
            anyhow::anyhow!(
                "{what}: cannot allocate {bytes} bytes (too large for this machine's memory)"
            )
        })?;
    }
    v.resize(len, value);
    Ok(())
}

/// A vector of `len` copies of `value`, or an error if it cannot be allocated.
pub fn try_filled<T: Clone>(len: usize, value: T, what: &str) -> Result<Vec<T>> {
    let mut v = Vec::new();
    try_resize(&mut v, len, value, what)?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2-D .npy of `descr` with `data`, its data at `data_offset` (≡ 10 + header mod 4).
    fn npy(dir: &Path, name: &str, descr: &str, fortran: bool, skew: usize, data: &[u8]) -> Matrix {
        let mut dict = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': (2, 3), }}",
            if fortran { "True" } else { "False" }
        );
        while (10 + dict.len() + 1) % 16 != skew {
            dict.push(' ');
        }
        dict.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        out.extend_from_slice(dict.as_bytes());
        out.extend_from_slice(data);
        let path = dir.join(name);
        std::fs::write(&path, out).unwrap();
        npy::open(&path).unwrap()
    }

    #[test]
    fn maps_only_rows_stored_as_computed() {
        let dir = tempfile::tempdir().unwrap();
        let v = [0.5f32, 0.25, 0.25, 1.0, 0.0, 0.0];
        let le: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        let be: Vec<u8> = v.iter().flat_map(|x| x.to_be_bytes()).collect();
        let m = npy(dir.path(), "a.npy", "<f4", false, 0, &le);
        assert!(m.mappable::<f32>() && !m.mappable::<f64>());
        let block = m.map_rows::<f32>(1, 1).expect("mapped");
        assert_eq!(block.as_slice(), &v[3..]);
        // A mapper (its own file handle) maps the same rows, from another thread too.
        let mapper = m.mapper::<f32>().expect("mappable");
        assert!(m.mapper::<f64>().is_none());
        std::thread::scope(|s| {
            s.spawn(|| assert_eq!(mapper.map_rows(1, 1).unwrap().as_slice(), &v[3..]));
        });
        let mut read = vec![0.0f32; 6];
        let mut m2 = m.try_clone().unwrap();
        assert!(m2.mappable::<f32>());
        m2.read_rows(0, &mut read).unwrap();
        assert_eq!(m.map_rows::<f32>(0, 2).unwrap().as_slice(), &read[..]);
        // Misaligned data, big-endian, Fortran order: read (the same numbers).
        for (name, descr, fortran, skew, data) in [
            ("b.npy", "<f4", false, 2, &le),
            ("c.npy", ">f4", false, 0, &be),
            ("d.npy", "<f4", true, 0, &le),
        ] {
            let mut m = npy(dir.path(), name, descr, fortran, skew, data);
            assert!(!m.mappable::<f32>(), "{name}");
            assert!(m.map_rows::<f32>(0, 1).is_none(), "{name}");
            assert!(m.mapper::<f32>().is_none(), "{name}");
            let mut got = vec![0.0f32; 6];
            m.read_rows(0, &mut got).unwrap();
            if !fortran {
                assert_eq!(got, v, "{name}");
            }
        }
        // Faulting a block in reads its first and last bytes (a block shorter than a stride).
        let b = m.map_rows::<f32>(0, 1).unwrap();
        let bytes: &[u8] = bytemuck::cast_slice(b.as_slice());
        assert_eq!((bytes[0], bytes[11]), (0x00, 0x3e));
        assert_eq!(b.fault_in(), 0x3e);
        b.prefetch();
        // --no-mmap.
        let mut m = npy(dir.path(), "e.npy", "<f4", false, 0, &le);
        m.mmap = false;
        assert!(!m.mappable::<f32>() && m.map_rows::<f32>(0, 1).is_none());
        assert!(m.mapper::<f32>().is_none());
    }
}
