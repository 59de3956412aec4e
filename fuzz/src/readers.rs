//! Target `readers`: the CLI's file readers (`relent_cli::io::{npy, safetensors, csv}`).
//!
//! # Input format
//!
//! Byte 0 chooses the mode (mod 4):
//!
//! | mode | the rest of the input |
//! |---|---|
//! | 0 | the bytes of a `.npy` file |
//! | 1 | byte 1 chooses the tensor (0: none named; else the next `b % 16` bytes, lossy UTF-8), then the bytes of a `.safetensors` file |
//! | 2 | byte 1 the header option (detect / yes / no), byte 2 the delimiter, then the CSV text |
//! | 3 | a round trip (see [`round_trip`]): a matrix (shape, element type, raw element bits) and an encoding, written by a known encoder and read back |
//!
//! # Oracle
//!
//! - Arbitrary bytes: the reader returns `Ok` or an error that names the input — never a
//!   panic, never an allocation beyond what the file holds (libFuzzer's `-malloc_limit_mb`
//!   aborts on one: lying headers must be refused before anything is allocated for them).
//! - An accepted binary file: the shape fits the file exactly; the values read (whole, in
//!   blocks of rows, as `f64` and in the file's own type) equal an independent decoding of the
//!   data bytes; for `.safetensors`, the `safetensors` crate's view of the same tensor where
//!   that crate accepts the file — and a file the crate accepts (a float tensor of at least
//!   one dimension) must be accepted.
//! - A round trip: the matrix read back has the written shape and the written values, bit for
//!   bit (CSV: the `f64` values; NaN as NaN).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use half::{bf16, f16};
use relent_cli::io::{Dtype, Elem, Matrix, csv, npy, safetensors as st};

use crate::bytes::Reader;

/// A file of this process and thread, rewritten for each input (removed after use).
fn with_file<R>(ext: &str, bytes: &[u8], f: impl FnOnce(&std::path::Path) -> R) -> R {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static DIR: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
    }
    let base = DIR.with(|d| {
        d.borrow_mut()
            .get_or_insert_with(|| {
                let dir = if std::path::Path::new("/dev/shm").is_dir() {
                    PathBuf::from("/dev/shm")
                } else {
                    std::env::temp_dir()
                };
                dir.join(format!(
                    "relent-fuzz-{}-{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed)
                ))
            })
            .clone()
    });
    let path = base.with_extension(ext);
    std::fs::write(&path, bytes).expect("writing the fuzz input file");
    let r = f(&path);
    let _ = std::fs::remove_file(&path);
    r
}

/// Equal as numbers read from a file: same bits, or both NaN (payloads need not survive a
/// widening conversion).
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Decodes one element of `dtype` at the start of `b`.
fn decode(dtype: Dtype, big: bool, b: &[u8]) -> f64 {
    match (dtype, big) {
        (Dtype::F16, false) => f16::from_le_bytes([b[0], b[1]]).to_f64(),
        (Dtype::F16, true) => f16::from_be_bytes([b[0], b[1]]).to_f64(),
        (Dtype::BF16, false) => bf16::from_le_bytes([b[0], b[1]]).to_f64(),
        (Dtype::BF16, true) => bf16::from_be_bytes([b[0], b[1]]).to_f64(),
        (Dtype::F32, false) => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        (Dtype::F32, true) => f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        (Dtype::F64, false) => f64::from_le_bytes(b[..8].try_into().unwrap()),
        (Dtype::F64, true) => f64::from_be_bytes(b[..8].try_into().unwrap()),
    }
}

/// Reads the whole matrix as `T`, returned widened to `f64`.
fn read_as<T: Elem>(m: &mut Matrix) -> Vec<f64> {
    let name = m.name().to_string();
    let v: Vec<T> = m
        .read_all()
        .unwrap_or_else(|e| panic!("{name}: read_all::<{}> failed: {e:#}", T::NAME));
    v.iter().map(|x| x.to_f64()).collect()
}

/// Everything readable from an accepted matrix agrees: `read_all` as `f64` and in the file's
/// own type, and block reads of 1 and 3 rows. Returns the `f64` values (row-major).
fn read_everything(m: &mut Matrix) -> Vec<f64> {
    let (rows, cols) = (m.rows(), m.cols());
    let n = rows
        .checked_mul(cols)
        .expect("an accepted shape has rows × cols in range");
    let all = read_as::<f64>(m);
    assert_eq!(all.len(), n, "{}: read_all length", m.name());
    let native = match m.dtype() {
        Dtype::F16 => read_as::<f16>(m),
        Dtype::BF16 => read_as::<bf16>(m),
        Dtype::F32 => read_as::<f32>(m),
        Dtype::F64 => read_as::<f64>(m),
    };
    assert!(
        all.len() == native.len() && all.iter().zip(&native).all(|(&a, &b)| same(a, b)),
        "{}: read as f64 and as {} differ",
        m.name(),
        m.dtype()
    );
    // (No rows: nothing to read in blocks — and a block buffer for a header's absurd column
    // count would be the harness's own 8 GiB allocation; fuzzer.)
    if cols > 0 && rows > 0 {
        for block in [1usize, 3] {
            let mut buf = vec![0.0f64; block * cols];
            let mut start = 0;
            while start < rows {
                let k = block.min(rows - start);
                let out = &mut buf[..k * cols];
                m.read_rows(start, out)
                    .unwrap_or_else(|e| panic!("{}: read_rows failed: {e:#}", m.name()));
                let want = &all[start * cols..(start + k) * cols];
                assert!(
                    out.iter().zip(want).all(|(&a, &b)| same(a, b)),
                    "{}: rows {start}..{} read in blocks of {block} differ",
                    m.name(),
                    start + k
                );
                start += k;
            }
        }
    }
    all
}

/// The error of a refused input must name it.
fn check_error(e: &impl std::fmt::Display, path: &std::path::Path) {
    let msg = format!("{e:#}");
    let shown = path.display().to_string();
    assert!(
        msg.contains(&shown),
        "the error does not name the input {shown}: {msg}"
    );
}

/// The `.npy` values as the header says they are laid out: (rows, cols, values).
fn npy_expected(bytes: &[u8], m: &Matrix) -> Vec<f64> {
    let size = m.dtype().size();
    let n = m.rows() * m.cols();
    let data_len = n * size;
    assert!(data_len <= bytes.len(), "shape larger than the file");
    let off = bytes.len() - data_len;
    let prefix = if bytes[6] == 1 { 10 } else { 12 };
    let text = std::str::from_utf8(&bytes[prefix..off]).expect("an accepted header is text");
    let h = npy::parse_header(text).expect("an accepted header parses");
    assert_eq!(h.dtype, m.dtype());
    let fortran = h.fortran && h.shape.len() > 1;
    let (rows, cols) = (m.rows(), m.cols());
    let mut out = Vec::with_capacity(n);
    for i in 0..rows {
        for c in 0..cols {
            let idx = if fortran { c * rows + i } else { i * cols + c };
            out.push(decode(h.dtype, h.big_endian, &bytes[off + idx * size..]));
        }
    }
    out
}

fn check_npy(bytes: &[u8]) {
    with_file("npy", bytes, |path| match npy::open(path) {
        Err(e) => check_error(&e, path),
        Ok(mut m) => {
            let got = read_everything(&mut m);
            let want = npy_expected(bytes, &m);
            assert!(
                got.iter().zip(&want).all(|(&a, &b)| same(a, b)),
                "{m:?}: values differ from the data bytes"
            );
        }
    })
}

fn st_dtype(d: safetensors::Dtype) -> Option<Dtype> {
    match d {
        safetensors::Dtype::F16 => Some(Dtype::F16),
        safetensors::Dtype::BF16 => Some(Dtype::BF16),
        safetensors::Dtype::F32 => Some(Dtype::F32),
        safetensors::Dtype::F64 => Some(Dtype::F64),
        _ => None,
    }
}

fn check_safetensors(bytes: &[u8], tensor: Option<&str>) {
    // The reference decoder's view of the tensor relent should read.
    let reference = safetensors::SafeTensors::deserialize(bytes)
        .ok()
        .and_then(|s| {
            let names = s.names();
            let chosen = match tensor {
                Some(t) => t.to_string(),
                None if names.len() == 1 => names[0].to_string(),
                None => return None,
            };
            let v = s.tensor(&chosen).ok()?;
            let dtype = st_dtype(v.dtype())?;
            if v.shape().is_empty() {
                return None;
            }
            let shape = v.shape().to_vec();
            let size = dtype.size();
            let values: Vec<f64> = v
                .data()
                .chunks_exact(size)
                .map(|c| decode(dtype, false, c))
                .collect();
            Some((dtype, shape, values))
        });
    with_file("safetensors", bytes, |path| {
        match (st::open(path, tensor), reference) {
            (Err(e), None) => check_error(&e, path),
            (Err(e), Some((dtype, shape, _))) => {
                panic!("a tensor the safetensors crate reads ({dtype} {shape:?}) is refused: {e:#}")
            }
            (Ok(mut m), reference) => {
                let got = read_everything(&mut m);
                if let Some((dtype, shape, values)) = reference {
                    let cols = *shape.last().unwrap();
                    let rows: usize = shape[..shape.len() - 1].iter().product();
                    assert_eq!(
                        (m.dtype(), m.rows(), m.cols()),
                        (dtype, if shape.len() == 1 { 1 } else { rows }, cols),
                        "{m:?} vs the safetensors crate's {dtype} {shape:?}"
                    );
                    assert!(
                        got.len() == values.len()
                            && got.iter().zip(&values).all(|(&a, &b)| same(a, b)),
                        "{m:?}: values differ from the safetensors crate's"
                    );
                }
            }
        }
    })
}

fn check_csv(name: &str, text: &[u8], header: Option<bool>, delim: u8) -> Option<Matrix> {
    match csv::parse(name, text, header, delim) {
        Err(e) => {
            let msg = format!("{e:#}");
            assert!(msg.contains(name), "CSV error without the name: {msg}");
            None
        }
        Ok(mut m) => {
            assert!(m.rows() == 0 || m.cols() > 0, "{m:?}: rows without columns");
            if m.rows() == 0 {
                assert_eq!(m.cols(), 0, "{m:?}: columns without rows");
            }
            let all = read_everything(&mut m);
            let f32s = read_as::<f32>(&mut m);
            assert!(
                all.iter()
                    .zip(&f32s)
                    .all(|(&a, &b)| same(f64::from(a as f32), b)),
                "{m:?}: f32 reads are not the f64 values rounded"
            );
            Some(m)
        }
    }
}

const DELIMS: [u8; 4] = [b',', b'\t', b';', b' '];

/// Round trip: a matrix written by a known encoder, read back.
///
/// Bytes: format (npy / safetensors / csv), element type, number of dimensions (1–3), the
/// dimensions (leading `b % 5`, last `b % 9`; CSV: rows `b % 6`, columns `1 + b % 8`), an
/// encoding flags byte, then the elements' raw bits (CSV: `f64` from a tag, see
/// [`crate::single::element`]).
pub fn round_trip(r: &mut Reader<'_>) {
    let format = r.u8() % 3;
    let dt = r.u8() % 4;
    let ndims = 1 + usize::from(r.u8() % 3);
    let mut shape: Vec<usize> = (0..ndims - 1).map(|_| usize::from(r.u8() % 5)).collect();
    shape.push(usize::from(r.u8() % 9));
    let flags = r.u8();
    let cols = shape[ndims - 1];
    let rows: usize = shape[..ndims - 1].iter().product();
    let n = rows * cols;
    match format {
        0 => {
            // .npy: f16 / f32 / f64 (numpy has no bf16).
            let dtype = [Dtype::F16, Dtype::F32, Dtype::F64, Dtype::F32][usize::from(dt)];
            let big = flags & 1 != 0;
            let fortran = flags & 2 != 0 && ndims == 2;
            let size = dtype.size();
            let raw: Vec<Vec<u8>> = (0..n)
                .map(|_| (0..size).map(|_| r.u8()).collect())
                .collect();
            // Values in row-major order (as little-endian bytes).
            let values: Vec<f64> = raw.iter().map(|b| decode(dtype, false, b)).collect();
            let mut file = Vec::new();
            let kind = match dtype {
                Dtype::F16 => ["f2", "e"],
                Dtype::F32 => ["f4", "f"],
                _ => ["f8", "d"],
            }[usize::from(flags >> 7)];
            let order = if big {
                ">"
            } else if flags & 0x40 != 0 {
                "="
            } else {
                "<"
            };
            let descr = format!("{order}{kind}");
            if flags & 0x10 != 0 && !fortran {
                npy::write_header(&mut file, &descr, &shape).unwrap();
            } else {
                let q = if flags & 0x20 != 0 { '"' } else { '\'' };
                let l = if flags & 0x08 != 0 { "L" } else { "" };
                let dims: Vec<String> = shape.iter().map(|d| format!("{d}{l}")).collect();
                let shape_s = if dims.len() == 1 {
                    format!("({},)", dims[0])
                } else {
                    format!("({})", dims.join(", "))
                };
                let f = if fortran { "True" } else { "False" };
                let entries = [
                    format!("{q}descr{q}: {q}{descr}{q}"),
                    format!("{q}fortran_order{q}:{f}"),
                    format!("{q}shape{q}: {shape_s}"),
                ];
                let rot = usize::from(flags >> 2) % 3;
                let mut dict = String::from("{");
                for k in 0..3 {
                    dict.push_str(&entries[(k + rot) % 3]);
                    dict.push_str(if k < 2 { ", " } else { "," });
                }
                dict.push_str("}\n");
                let version = 1 + (flags >> 2) % 3;
                file.extend_from_slice(b"\x93NUMPY");
                file.push(version);
                file.push(0);
                if version == 1 {
                    file.extend((dict.len() as u16).to_le_bytes());
                } else {
                    file.extend((dict.len() as u32).to_le_bytes());
                }
                file.extend_from_slice(dict.as_bytes());
            }
            for idx in 0..n {
                // The element at file position idx.
                let src = if fortran {
                    let (c, i) = (idx / rows.max(1), idx % rows.max(1));
                    i * cols + c
                } else {
                    idx
                };
                let mut b = raw[src].clone();
                if big {
                    b.reverse();
                }
                file.extend_from_slice(&b);
            }
            with_file("npy", &file, |path| {
                let mut m = npy::open(path).unwrap_or_else(|e| {
                    panic!("a valid .npy ({descr} {shape:?}) is refused: {e:#}")
                });
                let want_rows = if ndims == 1 { 1 } else { rows };
                assert_eq!(
                    (m.dtype(), m.rows(), m.cols()),
                    (dtype, want_rows, cols),
                    "{descr} {shape:?}, fortran {fortran}"
                );
                let got = read_everything(&mut m);
                assert!(
                    got.iter().zip(&values).all(|(&a, &b)| same(a, b)),
                    "{descr} {shape:?} fortran {fortran}: values differ: {got:?} vs {values:?}"
                );
            });
        }
        1 => {
            let (dtype, sdt) = [
                (Dtype::F16, safetensors::Dtype::F16),
                (Dtype::BF16, safetensors::Dtype::BF16),
                (Dtype::F32, safetensors::Dtype::F32),
                (Dtype::F64, safetensors::Dtype::F64),
            ][usize::from(dt)];
            let size = dtype.size();
            let data: Vec<u8> = (0..n * size).map(|_| r.u8()).collect();
            let values: Vec<f64> = data
                .chunks_exact(size)
                .map(|c| decode(dtype, false, c))
                .collect();
            let name_len = usize::from(r.u8() % 6);
            let name_bytes: Vec<u8> = (0..name_len).map(|_| r.u8()).collect();
            let mut name = String::from_utf8_lossy(&name_bytes).into_owned();
            if name == "__metadata__" {
                name.push('x');
            }
            let extras = usize::from(flags % 3);
            let extra: Vec<(String, safetensors::Dtype, Vec<usize>, Vec<u8>)> = (0..extras)
                .map(|i| {
                    let d = [
                        safetensors::Dtype::F32,
                        safetensors::Dtype::U8,
                        safetensors::Dtype::I64,
                        safetensors::Dtype::BF16,
                    ][usize::from(r.u8() % 4)];
                    let len = usize::from(r.u8() % 4);
                    let bytes = (0..len * d.bitsize() / 8).map(|_| r.u8()).collect();
                    (format!("extra{i}"), d, vec![len], bytes)
                })
                .filter(|(e, ..)| *e != name)
                .collect();
            let mut views = vec![(
                name.clone(),
                safetensors::tensor::TensorView::new(sdt, shape.clone(), &data).unwrap(),
            )];
            for (e, d, s, b) in &extra {
                views.push((
                    e.clone(),
                    safetensors::tensor::TensorView::new(*d, s.clone(), b).unwrap(),
                ));
            }
            let meta =
                (flags & 4 != 0).then(|| HashMap::from([("format".to_string(), "pt".to_string())]));
            let file = safetensors::serialize(views, meta).unwrap();
            let tensor = (!(extra.is_empty() && flags & 8 != 0)).then_some(name.as_str());
            with_file("safetensors", &file, |path| {
                let mut m = st::open(path, tensor).unwrap_or_else(|e| {
                    panic!("a valid .safetensors ({dtype} {shape:?}) is refused: {e:#}")
                });
                let want_rows = if ndims == 1 { 1 } else { rows };
                assert_eq!(
                    (m.dtype(), m.rows(), m.cols()),
                    (dtype, want_rows, cols),
                    "{shape:?}"
                );
                let got = read_everything(&mut m);
                assert!(
                    got.iter().zip(&values).all(|(&a, &b)| same(a, b)),
                    "{dtype} {shape:?}: values differ: {got:?} vs {values:?}"
                );
            });
        }
        _ => {
            let rows = usize::from(shape[0] % 6);
            let cols = 1 + cols % 8;
            let values: Vec<f64> = (0..rows * cols)
                .map(|_| {
                    if r.u8() < 128 {
                        f64::from(r.u8()) / 16.0 - 4.0
                    } else {
                        f64::from_bits(r.u64())
                    }
                })
                .collect();
            let delim = DELIMS[usize::from(flags % 4)];
            let d = delim as char;
            let header = match (flags >> 2) % 3 {
                0 => None,
                1 => Some(true),
                _ => Some(false),
            };
            let crlf = flags & 0x20 != 0;
            let eol = if crlf { "\r\n" } else { "\n" };
            let quote = flags & 0x40 != 0;
            let mut text = String::new();
            if flags & 0x80 != 0 {
                text.push('\u{feff}');
            }
            if header != Some(false) {
                let names: Vec<String> = (0..cols).map(|c| format!("c{c}")).collect();
                text.push_str(&names.join(&d.to_string()));
                text.push_str(eol);
            }
            for i in 0..rows {
                let fields: Vec<String> = values[i * cols..(i + 1) * cols]
                    .iter()
                    .enumerate()
                    .map(|(k, v)| {
                        let s = match (i + k) % 3 {
                            0 => format!("{v}"),
                            1 => format!("{v:?}"),
                            _ => format!("{v:e}"),
                        };
                        if quote { format!("\"{s}\"") } else { s }
                    })
                    .collect();
                text.push_str(&fields.join(&d.to_string()));
                text.push_str(eol);
                if flags & 0x10 != 0 {
                    text.push_str(eol);
                }
            }
            let Some(mut m) = check_csv("roundtrip.csv", text.as_bytes(), header, delim) else {
                panic!("valid CSV refused: {text:?}");
            };
            let want = if rows == 0 { (0, 0) } else { (rows, cols) };
            assert_eq!((m.rows(), m.cols()), want, "{text:?}");
            let got = read_as::<f64>(&mut m);
            assert!(
                got.iter().zip(&values).all(|(&a, &b)| same(a, b)),
                "{text:?}: values differ: {got:?} vs {values:?}"
            );
        }
    }
}

/// The fuzz entry point: decodes `data` and checks the oracle.
pub fn check(data: &[u8]) {
    let mut r = Reader::new(data);
    match r.u8() % 4 {
        0 => check_npy(data.get(1..).unwrap_or_default()),
        1 => {
            let sel = r.u8();
            let (tensor, skip) = if sel == 0 {
                (None, 2)
            } else {
                let k = usize::from(sel % 16);
                let end = (2 + k).min(data.len());
                let name = String::from_utf8_lossy(data.get(2..end).unwrap_or_default());
                (Some(name.into_owned()), 2 + k)
            };
            check_safetensors(data.get(skip..).unwrap_or_default(), tensor.as_deref());
        }
        2 => {
            let header = match r.u8() % 3 {
                0 => None,
                1 => Some(true),
                _ => Some(false),
            };
            let db = r.u8();
            let delim = if db < 200 {
                DELIMS[usize::from(db) % 4]
            } else {
                db
            };
            let text = data.get(3..).unwrap_or_default();
            check_csv("fuzz.csv", text, header, delim);
        }
        _ => round_trip(&mut r),
    }
}
