//! `cargo xtask bench-report`: runs the single-pair benchmarks (or reads criterion's saved
//! results) and writes `docs/bench.md` (throughput tables, ratios against each peer and against
//! the streaming-read limit, the machine) and `docs/bench.svg` (throughput against n).
//!
//! ```text
//! cargo xtask bench-report                 # full run with the peers, then the report
//! cargo xtask bench-report --quick         # short measurement (proves the pipeline)
//! cargo xtask bench-report --from-saved    # (= --no-run) only read target/criterion
//! cargo xtask bench-report --no-peers      # without numkong/simsimd/ndarray-stats
//! cargo xtask bench-report --peers-without-avx512   # + numkong/simsimd as on AVX2-only CPUs
//! cargo xtask bench-report -- <criterion args, e.g. a filter>
//! ```
//!
//! Results are read from criterion's `*/new/benchmark.json` + `estimates.json` (median time per
//! call) under `$CRITERION_HOME`, `$CARGO_TARGET_DIR/criterion` or `target/criterion`, plus
//! `relent-meta.json` that the bench writes there (backend, peers' dispatch, checked values).

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The functions and element types of `benches/benches/single_pair.rs`, in report order
/// (`FUNCS` is `relent_benches::impls::Func::ALL`'s names, checked by a test there).
const FUNCS: [&str; 5] = ["kl", "js", "cross_entropy", "entropy", "kl_logits"];
const DTYPES: [&str; 4] = ["f32", "f64", "bf16", "f16"];
/// relent's cached-backend row and the limit row.
const RELENT: &str = "relent";
const LIMIT: &str = "stream-limit";

/// The workspace root (xtask lives one level below it).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}

/// The cargo target directory the commands here build into.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

fn criterion_dir() -> PathBuf {
    std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("criterion"))
}

/// One measured point: the median time of one call of `imp` on `n` elements.
#[derive(Clone, Debug)]
struct Point {
    func: String,
    dtype: String,
    imp: String,
    n: u64,
    /// Median nanoseconds per call.
    ns: f64,
}

impl Point {
    fn ns_per_elem(&self) -> f64 {
        self.ns / self.n as f64
    }
    fn gelem_per_s(&self) -> f64 {
        self.n as f64 / self.ns
    }
}

/// Options of `cargo xtask bench-report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Do not run the benchmarks: only read criterion's saved results.
    #[arg(long, visible_alias = "from-saved")]
    no_run: bool,
    /// Short measurement (0.2 s warm-up, 0.5 s measurement, 10 samples): proves the pipeline,
    /// indicative figures only.
    #[arg(long)]
    quick: bool,
    /// Without the heavy peers (numkong, simsimd, ndarray-stats).
    #[arg(long)]
    no_peers: bool,
    /// Criterion's output directory [default: $CRITERION_HOME, $CARGO_TARGET_DIR/criterion or
    /// target/criterion].
    #[arg(long)]
    criterion_dir: Option<PathBuf>,
    /// Where to write bench.md and bench.svg [default: docs/].
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// Also time numkong and simsimd rebuilt without their AVX-512 kernels (what an AVX2-only
    /// CPU runs; rows `numkong-noavx512`, `simsimd-noavx512`; a second build in
    /// target/peers-no-avx512). Only on a CPU with AVX-512.
    #[arg(long)]
    peers_without_avx512: bool,
    /// Passed to criterion (e.g. a filter), after `--`.
    #[arg(last = true)]
    criterion_args: Vec<String>,
}

struct Opts {
    no_avx512: bool,
    run: bool,
    quick: bool,
    peers: bool,
    criterion: PathBuf,
    out_dir: PathBuf,
    extra: Vec<String>,
}

impl From<&Args> for Opts {
    fn from(a: &Args) -> Self {
        Opts {
            no_avx512: a.peers_without_avx512 && !a.no_peers,
            run: !a.no_run,
            quick: a.quick,
            peers: !a.no_peers,
            criterion: a.criterion_dir.clone().unwrap_or_else(criterion_dir),
            out_dir: a
                .out_dir
                .clone()
                .unwrap_or_else(|| workspace_root().join("docs")),
            extra: a.criterion_args.clone(),
        }
    }
}

/// Entry point of `cargo xtask bench-report`.
pub fn run(args: &Args) -> Result<()> {
    let o = Opts::from(args);
    if o.run {
        run_benches(&o)?;
    }
    let points = load(&o.criterion)?;
    if points.is_empty() {
        bail!(
            "no single-pair results under {} (run without --from-saved first)",
            o.criterion.display()
        );
    }
    let meta = std::fs::read_to_string(o.criterion.join("relent-meta.json"))
        .ok()
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .unwrap_or(Value::Null);
    std::fs::create_dir_all(&o.out_dir)?;
    let settings = if !o.run {
        "as saved (read with --from-saved)".to_string()
    } else if o.quick {
        "QUICK run (--quick: 0.2 s warm-up, 0.5 s measurement, 10 samples): indicative only"
            .to_string()
    } else {
        "criterion defaults (3 s warm-up, 5 s measurement; 10 samples for n ≥ 4M)".to_string()
    };
    let md = render(&points, &meta, &settings);
    let md_path = o.out_dir.join("bench.md");
    std::fs::write(&md_path, md).with_context(|| format!("write {}", md_path.display()))?;
    let svg_path = o.out_dir.join("bench.svg");
    plot(&points, &svg_path)?;
    println!(
        "bench-report: wrote {} and {}",
        md_path.display(),
        svg_path.display()
    );
    Ok(())
}

fn run_benches(o: &Opts) -> Result<()> {
    // A full run replaces our earlier results, so stale rows cannot leak into the report.
    if o.extra.is_empty() {
        remove_saved(&o.criterion)?;
    }
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(workspace_root())
        .env("CRITERION_HOME", &o.criterion)
        .args(["bench", "-p", "relent-benches", "--bench", "single_pair"]);
    if o.peers {
        cmd.args(["--features", "peers"]);
    }
    cmd.arg("--");
    if o.quick {
        cmd.env("RELENT_BENCH_QUICK", "1");
        cmd.args(["--warm-up-time", "0.2", "--measurement-time", "0.5"]);
    }
    cmd.args(&o.extra);
    eprintln!("bench-report: running {cmd:?}");
    let st = cmd.status().context("run cargo bench")?;
    if !st.success() {
        bail!("cargo bench failed: {st}");
    }
    if o.no_avx512 {
        if !crate::accuracy_report::has_avx512() {
            eprintln!("bench-report: no AVX-512 on this CPU: the peers already run without it");
            return Ok(());
        }
        let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        c.current_dir(workspace_root())
            .env("CRITERION_HOME", &o.criterion)
            .env("CARGO_TARGET_DIR", target_dir().join("peers-no-avx512"))
            .env("RELENT_PEER_SUFFIX", "-noavx512");
        for v in crate::accuracy_report::NK_AVX512
            .iter()
            .chain(&crate::accuracy_report::SIMSIMD_AVX512)
        {
            c.env(v, "0");
        }
        c.args(["bench", "-p", "relent-benches", "--bench", "single_pair"])
            .args(["--features", "peers", "--"]);
        if o.quick {
            c.env("RELENT_BENCH_QUICK", "1");
            c.args(["--warm-up-time", "0.2", "--measurement-time", "0.5"]);
        }
        c.arg("/(numkong|simsimd)-noavx512/");
        eprintln!("bench-report: peers without AVX-512: {c:?}");
        let st = c
            .status()
            .context("run cargo bench (peers without AVX-512)")?;
        if !st.success() {
            bail!("cargo bench (peers without AVX-512) failed: {st}");
        }
    }
    Ok(())
}

fn is_our_group(name: &str) -> Option<(&'static str, &'static str)> {
    let (f, d) = name.rsplit_once('_')?;
    Some((
        *FUNCS.iter().find(|&&x| x == f)?,
        *DTYPES.iter().find(|&&x| x == d)?,
    ))
}

fn remove_saved(dir: &Path) -> Result<()> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if is_our_group(&name).is_some() && e.path().is_dir() {
            std::fs::remove_dir_all(e.path())?;
        }
    }
    let _ = std::fs::remove_file(dir.join("relent-meta.json"));
    Ok(())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.file_name().is_some_and(|n| n == "benchmark.json")
            && p.parent()
                .and_then(|d| d.file_name())
                .is_some_and(|n| n == "new")
        {
            out.push(p);
        }
    }
}

fn load(dir: &Path) -> Result<Vec<Point>> {
    let mut files = Vec::new();
    walk(dir, &mut files);
    let mut points = Vec::new();
    for f in files {
        let b: Value = serde_json::from_str(&std::fs::read_to_string(&f)?)
            .with_context(|| format!("parse {}", f.display()))?;
        let Some((func, dtype)) = b["group_id"].as_str().and_then(is_our_group) else {
            continue;
        };
        let imp = b["function_id"].as_str().unwrap_or_default().to_string();
        let Some(n) = b["value_str"].as_str().and_then(|s| s.parse::<u64>().ok()) else {
            continue;
        };
        let est_path = f.with_file_name("estimates.json");
        let e: Value = serde_json::from_str(&std::fs::read_to_string(&est_path)?)
            .with_context(|| format!("parse {}", est_path.display()))?;
        let ns = e["median"]["point_estimate"]
            .as_f64()
            .ok_or_else(|| anyhow!("no median in {}", est_path.display()))?;
        points.push(Point {
            func: func.to_string(),
            dtype: dtype.to_string(),
            imp,
            n,
            ns,
        });
    }
    Ok(points)
}

fn cmd_out(c: &str, args: &[&str]) -> String {
    Command::new(c)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The CPU model and the flags that matter here, from /proc/cpuinfo.
pub fn cpu() -> (String, String) {
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
    let cores = info.lines().filter(|l| l.starts_with("processor")).count();
    (format!("{model} ({cores} logical CPUs)"), rel.join(" "))
}

fn fmt_ns(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else if x >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

fn fmt_n(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{}Mi", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{}Ki", n >> 10),
        n => n.to_string(),
    }
}

/// Implementations in a stable order: relent rows, then the peers by name, the limit last.
fn order(imps: &BTreeSet<String>) -> Vec<String> {
    let mut v: Vec<String> = imps.iter().cloned().collect();
    v.sort_by_key(|s| {
        (
            if s == RELENT {
                0
            } else if s.starts_with(RELENT) {
                1
            } else if s == LIMIT {
                3
            } else {
                2
            },
            s.clone(),
        )
    });
    v
}

fn render(points: &[Point], meta: &Value, settings: &str) -> String {
    let mut s = String::new();
    let w = &mut s;
    let (model, flags) = cpu();
    let backend = meta["relent_backend"]
        .as_str()
        .unwrap_or("unknown (no relent-meta.json)");
    writeln!(w, "# Benchmarks: single pair\n").unwrap();
    writeln!(
        w,
        "Generated by `cargo xtask bench-report` from criterion's results of \
         `benches/benches/single_pair.rs`; do not edit by hand. The plot is \
         [`bench.svg`](bench.svg); accuracy is in [`accuracy.md`](accuracy.md).\n"
    )
    .unwrap();
    writeln!(w, "## Machine\n").unwrap();
    writeln!(w, "- CPU: {model}; flags: {flags}").unwrap();
    writeln!(w, "- `{}`", cmd_out("rustc", &["-V"])).unwrap();
    writeln!(w, "- relent backend: {backend}").unwrap();
    if let Some(peers) = meta["peers"].as_array() {
        for p in peers {
            if let (Some(k), Some(v)) = (p[0].as_str(), p[1].as_str()) {
                writeln!(w, "- {k}: {v}").unwrap();
            }
        }
    }
    writeln!(w, "- measurement: {settings}").unwrap();
    if let Some(b) = meta["settings"].as_str() {
        writeln!(w, "- bench run: {b}; median of the samples").unwrap();
    }
    if let Some(b) = meta["settings-noavx512"].as_str() {
        writeln!(
            w,
            "- `*-noavx512` rows: numkong and simsimd rebuilt with their AVX-512 kernels compiled \
             out; bench run: {b}"
        )
        .unwrap();
    }
    writeln!(
        w,
        "- generated: {}",
        cmd_out("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
    )
    .unwrap();
    writeln!(w, "\n## How to read\n").unwrap();
    writeln!(
        w,
        "- Time is criterion's median per call, divided by n: **ns/element**; throughput is \
         **G elements/s** (one element = one entry of each input).\n\
         - `{RELENT}` is relent's entry point (cached backend); `relent-<backend>` rows, if any, \
         force one backend. Peers: `scalar-loop` (a plain Rust loop in the input's precision), \
         `wide` (the same KL-family loop through `wide` alone, baseline target features), and with \
         the `peers` feature `numkong`, `simsimd` (KL and JS only) and `ndarray-stats` (KL, \
         cross-entropy, entropy; f32/f64; allocates a temporary); `*-noavx512` rows, if any: \
         numkong/simsimd rebuilt with their AVX-512 kernels compiled out (what an AVX2-only \
         CPU runs).\n\
         - `{LIMIT}` is not the function: it reads the same arrays (both inputs; only p for \
         entropy) and sums their bytes as 64-bit words, vectorised — the memory-bandwidth line. \
         \"% of stream\" = stream time / implementation time. It is compiled for the build's \
         target features (SSE2 on baseline x86-64, see `wide` above): beyond the caches it \
         saturates memory bandwidth, but on cache-resident sizes it understates the core's load \
         rate, so an AVX2/AVX-512 kernel can reach more than 100 %.\n\
         - Ratios: \"relent ×\" = peer time / relent time (> 1: relent is faster).\n\
         - Every row's result was checked before timing: relent's against relent-scalar within \
         the documented bound (asserted), the peers' recorded (last table of each section).\n"
    )
    .unwrap();

    for func in FUNCS {
        for dtype in DTYPES {
            let ps: Vec<&Point> = points
                .iter()
                .filter(|p| p.func == func && p.dtype == dtype)
                .collect();
            if ps.is_empty() {
                continue;
            }
            let imps = order(&ps.iter().map(|p| p.imp.clone()).collect());
            let ns: BTreeSet<u64> = ps.iter().map(|p| p.n).collect();
            let at: BTreeMap<(String, u64), &Point> =
                ps.iter().map(|p| ((p.imp.clone(), p.n), *p)).collect();
            writeln!(w, "## `{func}` — {dtype}\n").unwrap();
            writeln!(w, "ns/element (G elements/s):\n").unwrap();
            write!(w, "| n |").unwrap();
            for i in &imps {
                write!(w, " {i} |").unwrap();
            }
            write!(w, "\n|---:|").unwrap();
            for _ in &imps {
                write!(w, "---:|").unwrap();
            }
            writeln!(w).unwrap();
            for &n in &ns {
                write!(w, "| {} |", fmt_n(n)).unwrap();
                for i in &imps {
                    match at.get(&(i.clone(), n)) {
                        Some(p) => {
                            write!(w, " {} ({:.2}) |", fmt_ns(p.ns_per_elem()), p.gelem_per_s())
                                .unwrap()
                        }
                        None => write!(w, " — |").unwrap(),
                    }
                }
                writeln!(w).unwrap();
            }
            // Ratios against relent and the limit.
            let others: Vec<&String> = imps
                .iter()
                .filter(|i| *i != RELENT && *i != LIMIT)
                .collect();
            let computing: Vec<&String> = imps.iter().filter(|i| *i != LIMIT).collect();
            if imps.iter().any(|i| i == RELENT) {
                writeln!(w, "\nrelent × (peer time / relent time) and % of stream:\n").unwrap();
                write!(w, "| n |").unwrap();
                for i in &others {
                    write!(w, " relent × {i} |").unwrap();
                }
                for i in &computing {
                    write!(w, " {i} % of stream |").unwrap();
                }
                write!(w, "\n|---:|").unwrap();
                for _ in 0..others.len() + computing.len() {
                    write!(w, "---:|").unwrap();
                }
                writeln!(w).unwrap();
                for &n in &ns {
                    write!(w, "| {} |", fmt_n(n)).unwrap();
                    let r = at.get(&(RELENT.to_string(), n));
                    for i in &others {
                        match (r, at.get(&((*i).clone(), n))) {
                            (Some(r), Some(p)) => write!(w, " {:.2} |", p.ns / r.ns).unwrap(),
                            _ => write!(w, " — |").unwrap(),
                        }
                    }
                    let l = at.get(&(LIMIT.to_string(), n));
                    for i in &computing {
                        match (l, at.get(&((*i).clone(), n))) {
                            (Some(l), Some(p)) => {
                                write!(w, " {:.0}% |", 100.0 * l.ns / p.ns).unwrap()
                            }
                            _ => write!(w, " — |").unwrap(),
                        }
                    }
                    writeln!(w).unwrap();
                }
            }
            // Values checked before timing (from relent-meta.json).
            if let Some(checks) = meta["checks"].as_object() {
                let mut rows = Vec::new();
                for i in &computing {
                    let mut worst: Option<(f64, u64)> = None;
                    for &n in &ns {
                        let key = format!("{func}_{dtype}/{i}/{n}");
                        if let Some(e) = checks.get(&key).and_then(|c| c["relative_error"].as_f64())
                        {
                            if worst.is_none_or(|(m, _)| e > m) {
                                worst = Some((e, n));
                            }
                        } else if checks.get(&key).is_some() {
                            // JSON has no ∞: serde_json writes it as null.
                            worst = Some((f64::INFINITY, n));
                        }
                    }
                    if let Some((e, n)) = worst {
                        rows.push(format!("| {i} | {e:.2e} | {} |", fmt_n(n)));
                    }
                }
                if !rows.is_empty() {
                    writeln!(
                        w,
                        "\nValue checked before timing — max relative error against relent-scalar \
                         over the sizes above (these random inputs are well conditioned; see \
                         accuracy.md for the hard cases):\n\n| implementation | max rel. error | at n |\n|---|---:|---:|"
                    )
                    .unwrap();
                    for r in rows {
                        writeln!(w, "{r}").unwrap();
                    }
                }
            }
            writeln!(w).unwrap();
        }
    }
    s
}

const COLORS: [(u8, u8, u8); 10] = [
    (214, 39, 40),   // relent: red
    (31, 119, 180),  // blue
    (44, 160, 44),   // green
    (255, 127, 14),  // orange
    (148, 103, 189), // purple
    (140, 86, 75),   // brown
    (227, 119, 194), // pink
    (188, 189, 34),  // olive
    (23, 190, 207),  // cyan
    (127, 127, 127), // grey: the limit
];

fn plot(points: &[Point], path: &Path) -> Result<()> {
    use plotters::prelude::*;
    let panels: Vec<(&str, &str)> = FUNCS
        .iter()
        .flat_map(|&f| DTYPES.iter().map(move |&d| (f, d)))
        .filter(|(f, d)| points.iter().any(|p| p.func == *f && p.dtype == *d))
        .collect();
    let dtypes: Vec<&str> = DTYPES
        .iter()
        .copied()
        .filter(|d| panels.iter().any(|p| p.1 == *d))
        .collect();
    let funcs: Vec<&str> = FUNCS
        .iter()
        .copied()
        .filter(|f| panels.iter().any(|p| p.0 == *f))
        .collect();
    let all_imps = order(&points.iter().map(|p| p.imp.clone()).collect());
    let color = |imp: &str| {
        let k = if imp == LIMIT {
            COLORS.len() - 1
        } else {
            all_imps.iter().position(|i| i == imp).unwrap_or(0) % (COLORS.len() - 1)
        };
        RGBColor(COLORS[k].0, COLORS[k].1, COLORS[k].2)
    };
    let (cols, rows) = (dtypes.len().max(1), funcs.len().max(1));
    let root = SVGBackend::new(path, (520 * cols as u32, 380 * rows as u32)).into_drawing_area();
    let e = |e: &dyn std::fmt::Debug| anyhow!("plot: {e:?}");
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let areas = root.split_evenly((rows, cols));
    let (xmin, xmax) = points.iter().fold((f64::MAX, 0f64), |(a, b), p| {
        (a.min(p.n as f64), b.max(p.n as f64))
    });
    for (r, func) in funcs.iter().enumerate() {
        for (c, dtype) in dtypes.iter().enumerate() {
            let area = &areas[r * cols + c];
            let ps: Vec<&Point> = points
                .iter()
                .filter(|p| p.func == *func && p.dtype == *dtype)
                .collect();
            if ps.is_empty() {
                continue;
            }
            let (ymin, ymax) = ps.iter().fold((f64::MAX, 0f64), |(a, b), p| {
                (a.min(p.gelem_per_s()), b.max(p.gelem_per_s()))
            });
            let mut chart = ChartBuilder::on(area)
                .caption(format!("{func} — {dtype}"), ("sans-serif", 18))
                .margin(10)
                .x_label_area_size(35)
                .y_label_area_size(55)
                .build_cartesian_2d(
                    (xmin * 0.8..xmax * 1.25).log_scale(),
                    (ymin * 0.7..ymax * 1.5).log_scale(),
                )
                .map_err(|x| e(&x))?;
            chart
                .configure_mesh()
                .x_desc("n (elements)")
                .y_desc("G elements/s")
                .x_label_formatter(&|x| format!("{x:.0e}"))
                .y_label_formatter(&|y| format!("{y:.2}"))
                .draw()
                .map_err(|x| e(&x))?;
            let imps = order(&ps.iter().map(|p| p.imp.clone()).collect());
            for imp in &imps {
                let mut pts: Vec<(f64, f64)> = ps
                    .iter()
                    .filter(|p| &p.imp == imp)
                    .map(|p| (p.n as f64, p.gelem_per_s()))
                    .collect();
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                let col = color(imp);
                let width = if imp == RELENT { 3 } else { 2 };
                chart
                    .draw_series(LineSeries::new(pts, col.stroke_width(width)))
                    .map_err(|x| e(&x))?
                    .label(imp.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 16, y)], col.stroke_width(width))
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(("sans-serif", 11))
                .draw()
                .map_err(|x| e(&x))?;
        }
    }
    root.present().map_err(|x| e(&x))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names() {
        assert_eq!(is_our_group("kl_f32"), Some(("kl", "f32")));
        assert_eq!(is_our_group("kl_logits_bf16"), Some(("kl_logits", "bf16")));
        assert_eq!(
            is_our_group("cross_entropy_f64"),
            Some(("cross_entropy", "f64"))
        );
        assert_eq!(is_our_group("kernels_avx2"), None);
    }

    #[test]
    fn sizes_print_short() {
        assert_eq!(fmt_n(16), "16");
        assert_eq!(fmt_n(1536), "1536");
        assert_eq!(fmt_n(262_144), "256Ki");
        assert_eq!(fmt_n(16_777_216), "16Mi");
    }

    #[test]
    fn report_and_plot_from_points() {
        let mk = |imp: &str, n: u64, ns: f64| Point {
            func: "kl".into(),
            dtype: "f32".into(),
            imp: imp.into(),
            n,
            ns,
        };
        let pts = vec![
            mk("relent", 16, 20.0),
            mk("relent", 1024, 600.0),
            mk("numkong", 16, 40.0),
            mk("numkong", 1024, 1800.0),
            mk("stream-limit", 16, 5.0),
            mk("stream-limit", 1024, 300.0),
        ];
        let md = render(&pts, &Value::Null, "test");
        assert!(md.contains("| 1Ki | 0.586 (1.71) |"), "{md}");
        assert!(md.contains("| 1Ki | 3.00 | 50% | 17% |"), "{md}");
        let dir = std::env::temp_dir().join(format!("relent-xtask-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let svg = dir.join("t.svg");
        plot(&pts, &svg).unwrap();
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.starts_with("<svg") && text.contains("numkong"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
