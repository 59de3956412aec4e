//! The reference against an independent arbitrary-precision evaluation.
//!
//! The fixtures in `tests/fixtures/` were written by `scripts/gen_fixtures.py` (mpmath at
//! ≥ 256 bits, precision-checked, on the numbers exactly as stored); regenerate them with
//! `python3 scripts/gen_fixtures.py` from the repository root. Each expected value is stored
//! as a double-double `hi + lo`, so the measured error is the error against the exact value.
//!
//! Bound: every function must be within 4 ulp of `f64`, i.e. relative error ≤ 4·2^-52 =
//! 2^-50, of the exact value; exact zeros must be exactly 0 and +∞ exactly +∞. The table of
//! the maximum relative error per function and dtype is printed (`--nocapture` to see it).
//!
//! `cargo test -p relent-scalar --test fixtures -- --nocapture`

use std::collections::BTreeMap;

use relent_scalar::{Element, gaussian};

const BOUND: f64 = 1.0 / (1u64 << 50) as f64;

struct Case {
    name: String,
    dtype: String,
    kind: String,
    vecs: Vec<Vec<f64>>,
    temperature: f64,
    expect: Vec<(String, f64, f64)>,
}

fn load() -> Vec<Case> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let blob = std::fs::read(format!("{dir}/inputs.bin")).expect("inputs.bin");
    let text = std::fs::read_to_string(format!("{dir}/cases.txt")).expect("cases.txt");
    let hex = |s: &str| f64::from_bits(u64::from_str_radix(s, 16).expect("hex"));
    let mut cases: Vec<Case> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f[0] {
            "case" => {
                let (off, n, nv): (usize, usize, usize) = (
                    f[4].parse().unwrap(),
                    f[5].parse().unwrap(),
                    f[6].parse().unwrap(),
                );
                let w = if f[2] == "f32" { 4 } else { 8 };
                let vecs = (0..nv)
                    .map(|k| {
                        (0..n)
                            .map(|i| {
                                let at = off + (k * n + i) * w;
                                if w == 4 {
                                    f64::from(f32::from_le_bytes(
                                        blob[at..at + 4].try_into().unwrap(),
                                    ))
                                } else {
                                    f64::from_le_bytes(blob[at..at + 8].try_into().unwrap())
                                }
                            })
                            .collect()
                    })
                    .collect();
                cases.push(Case {
                    name: f[1].into(),
                    dtype: f[2].into(),
                    kind: f[3].into(),
                    vecs,
                    temperature: hex(f[7]),
                    expect: Vec::new(),
                });
            }
            "expect" => cases
                .last_mut()
                .unwrap()
                .expect
                .push((f[1].into(), hex(f[2]), hex(f[3]))),
            _ => panic!("bad fixture line {line}"),
        }
    }
    cases
}

fn eval<T: Element>(kind: &str, func: &str, v: &[Vec<T>], t: f64) -> f64 {
    use relent_scalar as r;
    match (kind, func) {
        ("prob", "kl") => r::kl(&v[0], &v[1]),
        ("prob", "kl_bits") => r::kl_bits(&v[0], &v[1]),
        ("prob", "kl_normalized") => r::kl_normalized(&v[0], &v[1]),
        ("prob", "kl_normalized_bits") => r::kl_normalized_bits(&v[0], &v[1]),
        ("prob", "cross_entropy") => r::cross_entropy(&v[0], &v[1]),
        ("prob", "cross_entropy_bits") => r::cross_entropy_bits(&v[0], &v[1]),
        ("prob", "entropy") => r::entropy(&v[0]),
        ("prob", "entropy_bits") => r::entropy_bits(&v[0]),
        ("prob", "generalized_kl") => r::generalized_kl(&v[0], &v[1]),
        ("prob", "generalized_kl_bits") => r::generalized_kl_bits(&v[0], &v[1]),
        ("prob", "jeffreys") => r::jeffreys(&v[0], &v[1]),
        ("prob", "jeffreys_bits") => r::jeffreys_bits(&v[0], &v[1]),
        ("prob", "js_divergence") => r::js_divergence(&v[0], &v[1]),
        ("prob", "js_divergence_bits") => r::js_divergence_bits(&v[0], &v[1]),
        ("prob", "js_distance") => r::js_distance(&v[0], &v[1]),
        ("prob", "js_distance_bits") => r::js_distance_bits(&v[0], &v[1]),
        ("log", "kl_log") => r::kl_log(&v[0], &v[1]),
        ("log", "kl_log_bits") => r::kl_log_bits(&v[0], &v[1]),
        ("logits", "kl_logits") => r::kl_logits(&v[0], &v[1], t),
        ("logits", "kl_logits_bits") => r::kl_logits_bits(&v[0], &v[1], t),
        ("gauss", "kl_diag") => gaussian::kl_diag(&v[0], &v[1], &v[2], &v[3]),
        ("gausslv", "kl_diag_logvar") => gaussian::kl_diag_logvar(&v[0], &v[1], &v[2], &v[3]),
        _ => panic!("unknown fixture function {kind}/{func}"),
    }
}

/// Relative error of `got` against the exact `hi + lo` (`None` when the check is exact-only).
fn rel_err(got: f64, hi: f64, lo: f64) -> f64 {
    if hi == 0.0 {
        return if got == 0.0 { 0.0 } else { f64::INFINITY };
    }
    if hi.is_infinite() {
        return if got == hi { 0.0 } else { f64::INFINITY };
    }
    ((got - hi) - lo).abs() / hi.abs()
}

#[test]
#[cfg_attr(
    miri,
    ignore = "reads fixture files and evaluates hundreds of long cases: hours under Miri"
)]
fn fixtures_within_4_ulp() {
    let cases = load();
    assert!(cases.len() > 80, "fixture set incomplete");
    let mut table: BTreeMap<(String, String), (f64, String, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for c in &cases {
        let (v32, v64): (Vec<Vec<f32>>, Vec<Vec<f64>>) = (
            c.vecs
                .iter()
                .map(|v| v.iter().map(|&x| x as f32).collect())
                .collect(),
            c.vecs.clone(),
        );
        for (func, hi, lo) in &c.expect {
            let got = if c.dtype == "f32" {
                eval(&c.kind, func, &v32, c.temperature)
            } else {
                eval(&c.kind, func, &v64, c.temperature)
            };
            let err = rel_err(got, *hi, *lo);
            let e = table
                .entry((func.clone(), c.dtype.clone()))
                .or_insert((0.0, String::new(), 0));
            e.2 += 1;
            if err > e.0 {
                e.0 = err;
                e.1 = c.name.clone();
            }
            if err.is_nan() || err > BOUND {
                failures.push(format!(
                    "{}/{} {func}: got {got:e}, exact {hi:e}, rel err {err:e}",
                    c.dtype, c.name
                ));
            }
        }
    }
    println!(
        "\nmax relative error against the mpmath evaluation (≥ 256 bits) (bound 2^-50 = {BOUND:.3e})"
    );
    println!(
        "{:<22} {:<5} {:>6} {:>12} {:>8}  worst case",
        "function", "dtype", "cases", "max rel err", "log2"
    );
    for ((func, dtype), (err, worst, n)) in &table {
        let l2 = if *err > 0.0 {
            format!("{:.1}", err.log2())
        } else {
            "-inf".into()
        };
        println!("{func:<22} {dtype:<5} {n:>6} {err:>12.3e} {l2:>8}  {worst}");
    }
    assert!(
        failures.is_empty(),
        "{} fixture checks above 2^-50:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
