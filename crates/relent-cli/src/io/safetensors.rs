//! `.safetensors` reader: only the JSON header is read and validated (8-byte little-endian
//! length, UTF-8 JSON, the chosen tensor's dtype, shape and data offsets checked against the
//! file size, and every tensor's data inside the file, so a truncated file is refused);
//! the chosen tensor's rows are then read on demand. Accepts F16, BF16, F32 and F64 tensors.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::{Dtype, Matrix, check_data_size, open_file};

/// Largest header accepted (the `safetensors` crate's own limit).
const MAX_HEADER: u64 = 100_000_000;

/// Opens tensor `tensor` of a `.safetensors` file (the only tensor when `None` and there is one).
pub fn open(path: &Path, tensor: Option<&str>) -> Result<Matrix> {
    let shown = path.display().to_string();
    let (mut file, len) = open_file(path)?;
    let mut pre = [0u8; 8];
    if len < 8 {
        bail!("{shown}: truncated .safetensors file (shorter than its 8-byte header length)");
    }
    file.read_exact(&mut pre)
        .with_context(|| format!("cannot read {shown}"))?;
    let n = u64::from_le_bytes(pre);
    if n > MAX_HEADER {
        bail!("{shown}: corrupt .safetensors: header length {n} is absurd (limit {MAX_HEADER})");
    }
    if 8 + n > len {
        bail!(
            "{shown}: truncated .safetensors: header length {n} runs past the end of the file ({len} bytes)"
        );
    }
    let mut text = vec![0u8; n as usize];
    file.read_exact(&mut text)
        .with_context(|| format!("{shown}: truncated header"))?;
    let text = std::str::from_utf8(&text)
        .map_err(|_| anyhow::anyhow!("{shown}: corrupt .safetensors: header is not UTF-8"))?;
    let header: Value = serde_json::from_str(text.trim_end_matches(' '))
        .with_context(|| format!("{shown}: corrupt .safetensors: header is not valid JSON"))?;
    let Value::Object(map) = header else {
        bail!("{shown}: corrupt .safetensors: header is not a JSON object");
    };
    let data_len = len - 8 - n;
    let names: Vec<&String> = map.keys().filter(|k| *k != "__metadata__").collect();
    let chosen: &str = match tensor {
        Some(t) => t,
        None if names.len() == 1 => names[0],
        None if names.is_empty() => bail!("{shown}: holds no tensors"),
        None => bail!(
            "{shown}: holds {} tensors; choose one with {shown}:NAME or --tensor NAME (tensors: {})",
            names.len(),
            list(&names)
        ),
    };
    let Some(info) = map.get(chosen).filter(|_| chosen != "__metadata__") else {
        bail!(
            "{shown}: no tensor named {chosen:?} (tensors: {})",
            list(&names)
        );
    };
    let name = format!("{shown}:{chosen}");
    let dtype = match info.get("dtype").and_then(Value::as_str) {
        Some("F16") => Dtype::F16,
        Some("BF16") => Dtype::BF16,
        Some("F32") => Dtype::F32,
        Some("F64") => Dtype::F64,
        Some(other) => bail!(
            "{name}: unsupported dtype {other}: relent reads floating-point tensors (F16, BF16, F32, F64)"
        ),
        None => bail!("{name}: corrupt header: missing or non-string 'dtype'"),
    };
    let shape: Vec<usize> = info
        .get("shape")
        .and_then(Value::as_array)
        .with_context(|| format!("{name}: corrupt header: missing 'shape'"))?
        .iter()
        .map(|d| {
            d.as_u64()
                .and_then(|d| usize::try_from(d).ok())
                .with_context(|| format!("{name}: corrupt header: bad dimension {d}"))
        })
        .collect::<Result<_>>()?;
    let offsets: Vec<u64> = info
        .get("data_offsets")
        .and_then(Value::as_array)
        .filter(|a| a.len() == 2)
        .and_then(|a| a.iter().map(Value::as_u64).collect::<Option<Vec<u64>>>())
        .with_context(|| format!("{name}: corrupt header: 'data_offsets' must be [begin, end]"))?;
    let (begin, end) = (offsets[0], offsets[1]);
    if begin > end || end > data_len {
        bail!(
            "{name}: truncated or corrupt: data_offsets [{begin}, {end}] lie outside the {data_len} bytes of data"
        );
    }
    check_data_size(&name, &shape, dtype, end - begin)?;
    // The chosen tensor is intact, but a file cut short elsewhere (another tensor's data
    // missing) is corrupt as a whole: refuse it rather than read from a damaged file.
    let needed = map
        .iter()
        .filter(|(k, _)| *k != "__metadata__")
        .filter_map(|(_, v)| v.get("data_offsets")?.as_array()?.get(1)?.as_u64())
        .max()
        .unwrap_or(0);
    if needed > data_len {
        bail!(
            "{shown}: truncated .safetensors: its tensors need {needed} bytes of data but the file has {data_len}"
        );
    }
    Matrix::from_file(name, path, &shape, dtype, file, 8 + n + begin, false, false)
}

fn list(names: &[&String]) -> String {
    let mut v: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    v.sort_unstable();
    if v.len() > 20 {
        format!("{}, … ({} in all)", v[..20].join(", "), v.len())
    } else {
        v.join(", ")
    }
}
