//! `accuracy`: measures every implementation (relent's rows and the peers) on the seeded
//! accuracy suite against the oracle and writes `docs/accuracy.md`.
//!
//! Run by `cargo xtask accuracy-report`, or directly:
//! `cargo run --release -p relent-benches --features peers --bin accuracy -- --out docs/accuracy.md`
//!
//! Options:
//! - `--out PATH`: write the Markdown report there (else print it);
//! - `--json PATH`: also write the measured rows as JSON;
//! - `--include PATH`: add the rows of an earlier `--json` run (e.g. the peers built with their
//!   AVX-512 kernels compiled out) to this report;
//! - `--label TEXT`: append ` TEXT` to every implementation's name (for such a run);
//! - `--only NAME,NAME`: measure only these implementations (e.g. `numkong,simsimd`);
//! - `--note TEXT`: a line added under "Machine" (used by xtask to describe the extra run);
//! - `--check`: exit with status 1 if a relent row exceeds its documented bound.
#![forbid(unsafe_code)]

use relent_benches::accuracy::{Row, measure};
use relent_benches::impls::{self, Dtype, Func};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// A measured row in plain data, as stored in JSON (floats as strings: JSON has no ∞ or NaN).
#[derive(Clone, Debug)]
struct Flat {
    func: String,
    dtype: String,
    imp: String,
    is_relent: bool,
    max_rel: f64,
    max_scaled: f64,
    median_rel: f64,
    worst: String,
    regular: usize,
    special: usize,
    special_wrong: Vec<(String, f64, f64)>,
    bound: Option<(f64, String)>,
    violates: bool,
}

fn flat(r: &Row, label: &str) -> Flat {
    Flat {
        func: r.func.name().to_string(),
        dtype: r.dtype.to_string(),
        imp: if label.is_empty() {
            r.imp.clone()
        } else {
            format!("{} {label}", r.imp)
        },
        is_relent: r.is_relent,
        max_rel: r.max_rel,
        max_scaled: r.max_scaled,
        median_rel: r.median_rel,
        worst: r.worst.clone(),
        regular: r.regular,
        special: r.special,
        special_wrong: r.special_wrong.clone(),
        bound: r
            .bound
            .filter(|_| r.is_relent)
            .map(|b| (b.relative, b.text.to_string())),
        violates: r.violates_bound(),
    }
}

fn f(x: f64) -> Value {
    json!(format!("{x:e}"))
}

fn unf(v: &Value) -> f64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)
}

fn to_json(r: &Flat) -> Value {
    json!({
        "func": r.func, "dtype": r.dtype, "imp": r.imp, "is_relent": r.is_relent,
        "max_rel": f(r.max_rel), "max_scaled": f(r.max_scaled), "median_rel": f(r.median_rel), "worst": r.worst,
        "regular": r.regular, "special": r.special,
        "special_wrong": r.special_wrong.iter().map(|(c, g, w)| json!([c, f(*g), f(*w)])).collect::<Vec<_>>(),
        "bound": r.bound.as_ref().map(|(b, t)| json!([f(*b), t])),
        "violates": r.violates,
    })
}

fn from_json(v: &Value) -> Flat {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    Flat {
        func: s("func"),
        dtype: s("dtype"),
        imp: s("imp"),
        is_relent: v["is_relent"].as_bool().unwrap_or(false),
        max_rel: unf(&v["max_rel"]),
        max_scaled: unf(&v["max_scaled"]),
        median_rel: unf(&v["median_rel"]),
        worst: s("worst"),
        regular: v["regular"].as_u64().unwrap_or(0) as usize,
        special: v["special"].as_u64().unwrap_or(0) as usize,
        special_wrong: v["special_wrong"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|t| {
                        (
                            t[0].as_str().unwrap_or_default().to_string(),
                            unf(&t[1]),
                            unf(&t[2]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        bound: v["bound"]
            .as_array()
            .map(|a| (unf(&a[0]), a[1].as_str().unwrap_or_default().to_string())),
        violates: v["violates"].as_bool().unwrap_or(false),
    }
}

const DTYPES: [&str; 4] = ["f32", "f64", "f16", "bf16"];

fn measure_all(only: &Option<Vec<String>>, label: &str) -> Vec<Flat> {
    fn one<T: Dtype>(func: Func) -> Vec<Row> {
        measure::<T>(func)
    }
    let mut out = Vec::new();
    for func in Func::ALL {
        for dt in DTYPES {
            eprintln!("accuracy: {} {dt}", func.name());
            let rows = match dt {
                "f32" => one::<f32>(func),
                "f64" => one::<f64>(func),
                "f16" => one::<half::f16>(func),
                _ => one::<half::bf16>(func),
            };
            out.extend(
                rows.iter()
                    .filter(|r| only.as_ref().is_none_or(|o| o.contains(&r.imp)))
                    .map(|r| flat(r, label)),
            );
        }
    }
    out
}

fn sci(x: f64) -> String {
    if x == 0.0 {
        "0".to_string()
    } else if x.is_infinite() {
        "∞".to_string()
    } else if x.is_nan() {
        "NaN".to_string()
    } else {
        format!("{x:.2e}")
    }
}

fn cmd(c: &str, args: &[&str]) -> String {
    std::process::Command::new(c)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

fn cpu() -> (String, String) {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let flags: Vec<&str> = info
        .lines()
        .find(|l| l.starts_with("flags"))
        .map(|l| l.split_whitespace().collect())
        .unwrap_or_default();
    let rel: Vec<&str> = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "f16c"]
        .into_iter()
        .filter(|f| flags.contains(f))
        .collect();
    (model, rel.join(" "))
}

fn render(rows: &[Flat], notes: &[String]) -> String {
    let mut s = String::new();
    let w = &mut s;
    let (model, flags) = cpu();
    writeln!(w, "# Accuracy report\n").unwrap();
    writeln!(
        w,
        "Generated by `cargo xtask accuracy-report` (the `accuracy` binary of `benches/`); do not \
         edit by hand.\n"
    )
    .unwrap();
    writeln!(w, "## Machine\n").unwrap();
    writeln!(w, "- CPU: {model} (flags: {flags})").unwrap();
    writeln!(w, "- `{}`", cmd("rustc", &["-V"])).unwrap();
    writeln!(w, "- relent backend: {}", impls::relent_backend()).unwrap();
    for (k, v) in impls::peer_info() {
        writeln!(w, "- {k}: {v}").unwrap();
    }
    for n in notes {
        writeln!(w, "- {n}").unwrap();
    }
    writeln!(w, "\n## Method\n").unwrap();
    writeln!(
        w,
        "- **Oracle**: `relent-scalar`, the exact double-double reference (validated against \
         mpmath fixtures in its own tests). Every implementation gets exactly the same inputs, \
         rounded once to the element type; the oracle computes on those rounded inputs.\n\
         - **Relative error** = |computed − exact| / |exact| over the *regular* cases (exact \
         value finite and non-zero); max and median over those cases. A NaN or infinite result \
         on a regular case counts as ∞.\n\
         - **Special cases** (exact value 0 or +∞: identical inputs, q = 0 where p > 0, masked \
         logits) must be returned exactly; the table counts those answered wrongly.\n\
         - JS is the divergence. numkong and simsimd return the JS *distance*; their result is \
         squared here.\n\
         - relent's rows are checked against the documented bounds (`benches/src/bounds.rs`); \
         peers are recorded, not judged.\n"
    )
    .unwrap();

    let violations: Vec<&Flat> = rows.iter().filter(|r| r.violates).collect();
    writeln!(w, "## Documented bounds vs measured (relent)\n").unwrap();
    if violations.is_empty() {
        writeln!(w, "Every relent row is within its documented bound. ✅\n").unwrap();
    } else {
        writeln!(
            w,
            "**{} relent row(s) exceed the documented bound** (marked ❌ below). ❌\n",
            violations.len()
        )
        .unwrap();
    }
    writeln!(
        w,
        "The bound is relative to each function's documented *scale* (KL: Σg + |KL|, g = p·ln(p/q) − p + q; JS: its value; cross-entropy/entropy: Σ|p·ln q|; kl_logits: Σp·|ln p − ln q| + |lse a| + |lse b|), after the documented absolute allowance of 8·2^-1074 for underflowing terms; for probability inputs that sum to 1 the scale is the value. Both the error relative to the value and relative to the scale are shown.\n\n| function | dtype | implementation | documented bound | max error / value | max error / scale | special wrong | status |\n|---|---|---|---|---|---|---|---|"
    )
    .unwrap();
    for r in rows.iter().filter(|r| r.is_relent) {
        let (b, t) = r.bound.clone().unwrap_or((f64::NAN, "—".into()));
        writeln!(
            w,
            "| {} | {} | {} | {t} ({}) | {} | {} | {}/{} | {} |",
            r.func,
            r.dtype,
            r.imp,
            sci(b),
            sci(r.max_rel),
            sci(r.max_scaled),
            r.special_wrong.len(),
            r.special,
            if r.violates { "❌ above bound" } else { "✅" }
        )
        .unwrap();
    }

    for func in Func::ALL {
        let fr: Vec<&Flat> = rows.iter().filter(|r| r.func == func.name()).collect();
        if fr.is_empty() {
            continue;
        }
        writeln!(w, "\n## `{}`\n", func.name()).unwrap();
        writeln!(
            w,
            "| dtype | implementation | max rel. error | median rel. error | worst case | special cases wrong |\n|---|---|---|---|---|---|"
        )
        .unwrap();
        for dt in DTYPES {
            for r in fr.iter().filter(|r| r.dtype == dt) {
                let flag = if r.violates { " ❌" } else { "" };
                writeln!(
                    w,
                    "| {} | {}{} | {} | {} | {} | {}/{} |",
                    r.dtype,
                    if r.is_relent {
                        format!("**{}**", r.imp)
                    } else {
                        r.imp.clone()
                    },
                    flag,
                    sci(r.max_rel),
                    sci(r.median_rel),
                    if r.worst.is_empty() { "—" } else { &r.worst },
                    r.special_wrong.len(),
                    r.special
                )
                .unwrap();
            }
        }
    }

    let wrong: Vec<&Flat> = rows
        .iter()
        .filter(|r| !r.special_wrong.is_empty())
        .collect();
    if !wrong.is_empty() {
        writeln!(w, "\n## Special values answered wrongly\n").unwrap();
        writeln!(w, "| function | dtype | implementation | case | returned | exact |\n|---|---|---|---|---|---|").unwrap();
        for r in wrong {
            for (c, g, e) in &r.special_wrong {
                writeln!(
                    w,
                    "| {} | {} | {} | {c} | {} | {} |",
                    r.func,
                    r.dtype,
                    r.imp,
                    sci(*g),
                    sci(*e)
                )
                .unwrap();
            }
        }
    }

    writeln!(w, "\n## The suite\n").unwrap();
    writeln!(
        w,
        "Seeded and fixed (`benches/src/accuracy.rs`). Probability cases (KL, JS, \
         cross-entropy, entropy): {}. Logit cases (KL from logits): {}.",
        relent_benches::accuracy::probability_cases::<f64>(0xacc0_0001)
            .iter()
            .map(|c| format!("`{}`", c.name))
            .collect::<Vec<_>>()
            .join(", "),
        relent_benches::accuracy::logit_cases::<f64>(0xacc0_0002)
            .iter()
            .map(|c| format!("`{}`", c.name))
            .collect::<Vec<_>>()
            .join(", "),
    )
    .unwrap();
    s
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = None;
    let mut json_out = None;
    let mut includes = Vec::new();
    let mut label = String::new();
    let mut notes = Vec::new();
    let mut only: Option<Vec<String>> = None;
    let mut check = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || {
            it.next()
                .cloned()
                .unwrap_or_else(|| panic!("{a} needs a value"))
        };
        match a.as_str() {
            "--out" => out = Some(val()),
            "--json" => json_out = Some(val()),
            "--include" => includes.push(val()),
            "--label" => label = val(),
            "--note" => notes.push(val()),
            "--only" => only = Some(val().split(',').map(str::to_string).collect()),
            "--check" => check = true,
            "-h" | "--help" => {
                println!(
                    "accuracy [--out PATH] [--json PATH] [--include PATH]... [--label TEXT] \
                     [--note TEXT]... [--only NAME,NAME] [--check]"
                );
                return;
            }
            other => panic!("unknown argument {other}"),
        }
    }
    let mut rows = measure_all(&only, &label);
    if let Some(p) = &json_out {
        let v: Vec<Value> = rows.iter().map(to_json).collect();
        std::fs::write(p, serde_json::to_string_pretty(&v).unwrap()).expect("write --json");
    }
    for p in &includes {
        let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("read {p}: {e}"));
        let v: Vec<Value> = serde_json::from_str(&text).expect("--include: rows JSON");
        rows.extend(v.iter().map(from_json));
    }
    // Keep a stable order: function, dtype, relent first, then by name.
    rows.sort_by_key(|r| {
        (
            Func::from_name(&r.func).map(|f| Func::ALL.iter().position(|&g| g == f)),
            DTYPES.iter().position(|&d| d == r.dtype),
            !r.is_relent,
            r.imp.clone(),
        )
    });
    let md = render(&rows, &notes);
    let bad = rows.iter().filter(|r| r.violates).count();
    match out {
        Some(p) => {
            std::fs::write(&p, md).expect("write --out");
            eprintln!("accuracy: wrote {p}");
        }
        None => print!("{md}"),
    }
    if bad > 0 {
        eprintln!("accuracy: {bad} relent row(s) exceed their documented bound");
        if check {
            std::process::exit(1);
        }
    }
}
