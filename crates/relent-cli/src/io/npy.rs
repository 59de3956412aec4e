//! `.npy` reader: the header is parsed by hand with strict validation (magic, version, a
//! Python dict literal with exactly `descr`, `fortran_order` and `shape`), checked against the
//! file size, and rows are then read on demand. Accepts `f2`/`f4`/`f8` in either byte order,
//! C or Fortran order.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::{Dtype, Matrix, check_data_size, open_file};

/// Largest header accepted (numpy itself refuses headers over 10 000 bytes by default).
const MAX_HEADER: usize = 1 << 20;

/// A parsed `.npy` header.
#[derive(Debug, PartialEq)]
pub struct Header {
    /// Element type.
    pub dtype: Dtype,
    /// Whether the data is big-endian.
    pub big_endian: bool,
    /// Column-major data.
    pub fortran: bool,
    /// The array's shape.
    pub shape: Vec<usize>,
}

/// Opens a `.npy` file.
pub fn open(path: &Path) -> Result<Matrix> {
    let name = path.display().to_string();
    let (mut file, len) = open_file(path)?;
    let mut pre = [0u8; 10];
    let got = read_up_to(&mut file, &mut pre).with_context(|| format!("cannot read {name}"))?;
    if got < 8 || &pre[..6] != b"\x93NUMPY" {
        bail!("{name}: not a .npy file (bad magic bytes)");
    }
    let major = pre[6];
    let (header_len, prefix) = match major {
        1 => {
            if got < 10 {
                bail!("{name}: truncated .npy header");
            }
            (u16::from_le_bytes([pre[8], pre[9]]) as usize, 10usize)
        }
        2 | 3 => {
            let mut more = [0u8; 2];
            if got < 10 || read_up_to(&mut file, &mut more)? < 2 {
                bail!("{name}: truncated .npy header");
            }
            (
                u32::from_le_bytes([pre[8], pre[9], more[0], more[1]]) as usize,
                12usize,
            )
        }
        v => bail!("{name}: unsupported .npy format version {v}.{}", pre[7]),
    };
    if header_len > MAX_HEADER {
        bail!("{name}: corrupt .npy: header length {header_len} is absurd (limit {MAX_HEADER})");
    }
    let data_offset = (prefix + header_len) as u64;
    if data_offset > len {
        bail!("{name}: truncated .npy: the header runs past the end of the file");
    }
    let mut text = vec![0u8; header_len];
    file.read_exact(&mut text)
        .with_context(|| format!("{name}: truncated .npy header"))?;
    let text = if major == 3 {
        String::from_utf8(text).map_err(|_| anyhow::anyhow!("{name}: .npy header is not UTF-8"))?
    } else {
        if !text.is_ascii() {
            bail!("{name}: .npy header is not ASCII");
        }
        String::from_utf8(text).expect("ascii")
    };
    let header = parse_header(&text).with_context(|| format!("{name}: corrupt .npy header"))?;
    check_data_size(&name, &header.shape, header.dtype, len - data_offset)?;
    Matrix::from_file(
        name,
        path,
        &header.shape,
        header.dtype,
        file,
        data_offset,
        header.big_endian,
        header.fortran && header.shape.len() > 1,
    )
}

fn read_up_to(file: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Parses the header dict, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
pub fn parse_header(text: &str) -> Result<Header> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    p.ws();
    p.expect(b'{')?;
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    loop {
        p.ws();
        if p.eat(b'}') {
            break;
        }
        let key = p.string()?;
        p.ws();
        p.expect(b':')?;
        p.ws();
        match key.as_str() {
            "descr" if descr.is_none() => descr = Some(p.string()?),
            "fortran_order" if fortran.is_none() => fortran = Some(p.boolean()?),
            "shape" if shape.is_none() => shape = Some(p.tuple()?),
            k => bail!("unexpected or repeated key {k:?}"),
        }
        p.ws();
        if !p.eat(b',') {
            p.ws();
            p.expect(b'}')?;
            break;
        }
    }
    p.ws();
    if p.i != p.s.len() {
        bail!("unexpected text after the header dict");
    }
    let descr = descr.context("missing 'descr'")?;
    let fortran = fortran.context("missing 'fortran_order'")?;
    let shape = shape.context("missing 'shape'")?;
    let (big_endian, dtype) = parse_descr(&descr)?;
    Ok(Header {
        dtype,
        big_endian,
        fortran,
        shape,
    })
}

fn parse_descr(d: &str) -> Result<(bool, Dtype)> {
    let (order, kind) = match d.as_bytes().first() {
        Some(b'<') => (Some(false), &d[1..]),
        Some(b'>') => (Some(true), &d[1..]),
        Some(b'=') => (Some(cfg!(target_endian = "big")), &d[1..]),
        Some(b'|') => (None, &d[1..]),
        _ => (None, d),
    };
    let dtype = match kind {
        "f2" | "e" => Dtype::F16,
        "f4" | "f" => Dtype::F32,
        "f8" | "d" => Dtype::F64,
        _ => bail!(
            "unsupported dtype {d:?}: relent reads floating-point arrays (f16 '<f2', f32 '<f4', f64 '<f8')"
        ),
    };
    let big = match order {
        Some(b) => b,
        None => bail!("dtype {d:?} has no byte order"),
    };
    Ok((big, dtype))
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\n' | b'\t' | b'\r') {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, c: u8) -> Result<()> {
        if !self.eat(c) {
            bail!("expected {:?} at byte {}", c as char, self.i);
        }
        Ok(())
    }
    fn string(&mut self) -> Result<String> {
        let q = match self.s.get(self.i) {
            Some(&q @ (b'\'' | b'"')) => q,
            _ => bail!("expected a quoted string at byte {}", self.i),
        };
        self.i += 1;
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i] != q {
            if self.s[self.i] == b'\\' {
                bail!("escapes are not supported in header strings");
            }
            self.i += 1;
        }
        if self.i >= self.s.len() {
            bail!("unterminated string");
        }
        let out = std::str::from_utf8(&self.s[start..self.i])?.to_string();
        self.i += 1;
        Ok(out)
    }
    fn boolean(&mut self) -> Result<bool> {
        if self.s[self.i..].starts_with(b"True") {
            self.i += 4;
            Ok(true)
        } else if self.s[self.i..].starts_with(b"False") {
            self.i += 5;
            Ok(false)
        } else {
            bail!("expected True or False at byte {}", self.i)
        }
    }
    fn tuple(&mut self) -> Result<Vec<usize>> {
        self.expect(b'(')?;
        let mut dims = Vec::new();
        loop {
            self.ws();
            if self.eat(b')') {
                break;
            }
            let start = self.i;
            while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                self.i += 1;
            }
            if start == self.i {
                bail!(
                    "expected a non-negative integer dimension at byte {}",
                    self.i
                );
            }
            // Also accept the `3L` long suffix of Python 2 writers.
            let digits = std::str::from_utf8(&self.s[start..self.i])?;
            self.eat(b'L');
            let d: usize = digits.parse().map_err(|_| {
                anyhow::anyhow!("dimension {digits} is absurd (does not fit in usize)")
            })?;
            dims.push(d);
            if dims.len() > 32 {
                bail!("more than 32 dimensions");
            }
            self.ws();
            if !self.eat(b',') {
                self.ws();
                self.expect(b')')?;
                break;
            }
        }
        Ok(dims)
    }
}

/// Writes a `.npy` header (version 1.0, or 2.0 when needed) for a C-order array of `descr`.
pub fn write_header(
    w: &mut impl std::io::Write,
    descr: &str,
    shape: &[usize],
) -> std::io::Result<()> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_s = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_s}, }}");
    let v1 = dict.len() + 1 + 10 <= u16::MAX as usize;
    let prefix = if v1 { 10 } else { 12 };
    let total = (prefix + dict.len() + 1).div_ceil(64) * 64;
    while prefix + dict.len() + 1 < total {
        dict.push(' ');
    }
    dict.push('\n');
    if v1 {
        w.write_all(b"\x93NUMPY\x01\x00")?;
        w.write_all(&(dict.len() as u16).to_le_bytes())?;
    } else {
        w.write_all(b"\x93NUMPY\x02\x00")?;
        w.write_all(&(dict.len() as u32).to_le_bytes())?;
    }
    w.write_all(dict.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numpy_headers() {
        let h = parse_header("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }      \n")
            .unwrap();
        assert_eq!(
            h,
            Header {
                dtype: Dtype::F32,
                big_endian: false,
                fortran: false,
                shape: vec![3, 4]
            }
        );
        let h = parse_header("{'descr': '>f8', 'fortran_order': True, 'shape': (5,)}").unwrap();
        assert_eq!(h.shape, vec![5]);
        assert!(h.big_endian && h.fortran);
        assert!(parse_header("{'descr': '<i4', 'fortran_order': False, 'shape': (5,)}").is_err());
        assert!(parse_header("{'descr': '<f4', 'shape': (5,)}").is_err());
        assert!(
            parse_header(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,)}"
            )
            .is_err()
        );
        assert!(parse_header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}").is_err());
    }

    #[test]
    fn header_round_trip() {
        let mut buf = Vec::new();
        write_header(&mut buf, "<f8", &[7, 3]).unwrap();
        assert_eq!(buf.len() % 64, 0);
        let text = std::str::from_utf8(&buf[10..]).unwrap();
        assert_eq!(parse_header(text).unwrap().shape, vec![7, 3]);
    }
}
