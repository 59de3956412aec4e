//! CSV/TSV reader: one row per line, numbers only (after an optional header line). Values are
//! parsed as `f64`; `nan`, `inf` and `-inf` are accepted (the computation reports invalid
//! ones). Blank lines are skipped. The header is detected when not stated: a first line with a
//! field that is not a number is a header.

use anyhow::{Result, bail};

use super::Matrix;

/// Parses CSV text into a matrix.
pub fn parse(name: &str, text: &[u8], header: Option<bool>, delim: u8) -> Result<Matrix> {
    let text = match std::str::from_utf8(text) {
        Ok(t) => t,
        Err(e) => bail!(
            "{name}: not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delim = delim as char;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    let has_header = match header {
        Some(h) => h,
        None => lines
            .peek()
            .is_some_and(|(_, l)| l.split(delim).any(|f| parse_num(f).is_none())),
    };
    if has_header {
        lines.next();
    }
    let mut data = Vec::new();
    let mut cols = None;
    let mut rows = 0usize;
    for (lineno, line) in lines {
        let mut n = 0;
        for field in line.split(delim) {
            let Some(v) = parse_num(field) else {
                bail!(
                    "{name}: line {}, column {}: {:?} is not a number{}",
                    lineno + 1,
                    n + 1,
                    field.trim(),
                    if lineno == 0 {
                        " (if this line is a header, pass --header)"
                    } else {
                        ""
                    }
                );
            };
            data.push(v);
            n += 1;
        }
        match cols {
            None => cols = Some(n),
            Some(c) if c != n => {
                bail!(
                    "{name}: line {} has {n} fields, expected {c} like the first row",
                    lineno + 1
                )
            }
            _ => {}
        }
        rows += 1;
    }
    Ok(Matrix::from_memory(
        name.to_string(),
        rows,
        cols.unwrap_or(0),
        data,
    ))
}

fn parse_num(s: &str) -> Option<f64> {
    let s = s.trim();
    let s = s
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(s);
    s.parse::<f64>().ok()
}
