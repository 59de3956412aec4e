//! Single-pair benchmarks: KL, JS, cross-entropy, entropy and KL from logits, for f32, f64 and
//! bf16 inputs, at n = 16 … 16 777 216, with every peer and the streaming-read limit in the
//! same run (see `relent_benches::impls`).
//!
//! Before timing, every benchmark checks its result: relent's rows are asserted against the
//! oracle (relent-scalar) within the documented bound, the limit against a scalar sum of the
//! same words; the peers' errors are recorded (in `relent-meta.json` next to criterion's
//! results, for `cargo xtask bench-report`), never asserted.
//!
//! Environment (all optional):
//! - `RELENT_BENCH_SIZES=16,1536`: only these sizes;
//! - `RELENT_BENCH_MAX_N`: drop larger sizes (default in test mode, `--test` or
//!   `cargo test --benches`: 262 144, so CI stays quick);
//! - `RELENT_BENCH_FUNCS=kl,js`, `RELENT_BENCH_DTYPES=f32,bf16`: only these;
//! - `RELENT_BENCH_QUICK=1`: 10 samples per benchmark (set by `cargo xtask bench-report --quick`).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use relent_benches::bounds;
use relent_benches::data::{Inputs, inputs};
use relent_benches::impls::{self, Dtype, Func, Kind};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

/// The sizes of the issue: a tiny vector, a cache line's worth, an embedding, an LLM
/// vocabulary, a large vocabulary, and two sizes well beyond the last-level cache.
const SIZES: [usize; 7] = [16, 128, 1536, 32_000, 262_144, 4_194_304, 16_777_216];

/// Largest size run in test mode unless `RELENT_BENCH_MAX_N` says otherwise.
const TEST_MODE_MAX_N: usize = 262_144;

fn test_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let has = |f: &str| args.iter().any(|a| a == f);
    has("--test") || !has("--bench")
}

fn env_list(name: &str) -> Option<Vec<String>> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
}

fn sizes() -> Vec<usize> {
    let mut v: Vec<usize> = match env_list("RELENT_BENCH_SIZES") {
        Some(l) => l
            .iter()
            .map(|s| {
                s.parse()
                    .expect("RELENT_BENCH_SIZES: comma-separated sizes")
            })
            .collect(),
        None => SIZES.to_vec(),
    };
    let max = std::env::var("RELENT_BENCH_MAX_N")
        .ok()
        .map(|s| s.parse::<usize>().expect("RELENT_BENCH_MAX_N: a size"))
        .or(test_mode().then_some(TEST_MODE_MAX_N));
    if let Some(max) = max {
        v.retain(|&n| n <= max);
    }
    v
}

fn wanted(var: &str, name: &str) -> bool {
    env_list(var).is_none_or(|l| l.iter().any(|s| s == name))
}

/// Where criterion writes its results (and we write `relent-meta.json`): `$CRITERION_HOME`,
/// `$CARGO_TARGET_DIR/criterion`, or `criterion/` in the target directory this bench binary
/// was built in (`target/release/deps/single_pair-…`).
fn criterion_home() -> Option<PathBuf> {
    if let Some(h) = std::env::var_os("CRITERION_HOME") {
        return Some(PathBuf::from(h));
    }
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(t).join("criterion"));
    }
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.parent()?.parent()?.join("criterion"))
}

/// The checks of this run, merged into `relent-meta.json` (keyed by benchmark id).
#[derive(Default)]
struct Meta {
    checks: Vec<(String, Value)>,
}

impl Meta {
    fn write(&self) {
        // Test mode times nothing: leave the saved run's metadata alone.
        if test_mode() {
            return;
        }
        let Some(home) = criterion_home() else { return };
        let path = home.join("relent-meta.json");
        let mut root: Value = std::fs::read_to_string(&path)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_else(|| json!({}));
        if !root.is_object() {
            root = json!({});
        }
        let settings = json!(format!(
            "criterion args [{}]{}; sizes {:?}",
            std::env::args().skip(1).collect::<Vec<_>>().join(" "),
            if std::env::var_os("RELENT_BENCH_QUICK").is_some() {
                ", RELENT_BENCH_QUICK (10 samples)"
            } else {
                ""
            },
            sizes()
        ));
        match std::env::var(impls::PEER_SUFFIX_VAR) {
            // A second build of the peers (e.g. without AVX-512): keep the main run's settings.
            Ok(suffix) => root[format!("settings{suffix}")] = settings,
            Err(_) => {
                root["relent_backend"] = json!(impls::relent_backend());
                root["peers"] = json!(impls::peer_info());
                root["peers_feature"] = json!(cfg!(feature = "peers"));
                root["settings"] = settings;
            }
        }
        if !root["checks"].is_object() {
            root["checks"] = json!({});
        }
        for (k, v) in &self.checks {
            root["checks"][k] = v.clone();
        }
        let _ = std::fs::create_dir_all(&home);
        if let Err(e) = std::fs::write(&path, serde_json::to_string_pretty(&root).unwrap()) {
            eprintln!("relent-benches: could not write {}: {e}", path.display());
        }
    }
}

fn bench_dtype<T: Dtype>(c: &mut Criterion) {
    if !wanted("RELENT_BENCH_DTYPES", T::NAME) {
        return;
    }
    let data: Vec<(usize, Inputs<T>)> = sizes().into_iter().map(|n| (n, inputs(n))).collect();
    let mut meta = Meta::default();
    let quick = std::env::var_os("RELENT_BENCH_QUICK").is_some();
    for func in Func::ALL {
        if !wanted("RELENT_BENCH_FUNCS", func.name()) {
            continue;
        }
        let gid = format!("{}_{}", func.name(), T::NAME);
        println!(
            "relent-benches: group {gid}: relent backend = {}; peers: {}",
            impls::relent_backend(),
            impls::peer_info()
                .iter()
                .map(|(k, v)| format!("{k} [{v}]"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut group = c.benchmark_group(&gid);
        for (n, inp) in &data {
            let (x, y) = if func.takes_logits() {
                (&inp.a[..], &inp.b[..])
            } else {
                (&inp.p[..], &inp.q[..])
            };
            let want = func.oracle(x, y);
            group.throughput(Throughput::Elements(*n as u64));
            if *n >= 1 << 22 || quick {
                group.sample_size(10);
                group.warm_up_time(Duration::from_millis(500));
            } else {
                group.sample_size(50);
            }
            for imp in impls::all::<T>(func) {
                let run = (imp.prepare)(x, y);
                let got = run();
                let err = if bounds::is_special(want) {
                    if bounds::agrees(got, want, 0.0) {
                        0.0
                    } else {
                        f64::INFINITY
                    }
                } else {
                    bounds::relative_error(got, want)
                };
                match imp.kind {
                    Kind::Relent => {
                        let bound =
                            bounds::for_impl(func, T::NAME, &imp.name).expect("a documented bound");
                        // kl_logits' bound is documented relative to its scale, not its value.
                        let relative = if func == Func::KlLogits {
                            let wide = |v: &[T]| v.iter().map(|e| e.to_f64()).collect::<Vec<_>>();
                            let scale = bounds::kl_logits_scale(&wide(x), &wide(y));
                            bounds::relative_to_value(bound.relative, scale, want)
                        } else {
                            bound.relative
                        };
                        assert!(
                            bounds::agrees(got, want, relative),
                            "{gid}/{}/{n}: {got:e} vs oracle {want:e}: relative error {err:e} \
                         above the documented bound {} ({:e})",
                            imp.name,
                            bound.text,
                            bound.relative
                        )
                    }
                    Kind::Limit => assert_eq!(
                        got,
                        impls::stream_reference(func, x, y),
                        "{gid}/stream-limit/{n}"
                    ),
                    Kind::Peer => {}
                }
                if imp.kind != Kind::Limit {
                    meta.checks.push((
                        format!("{gid}/{}/{n}", imp.name),
                        json!({
                            "value": got, "oracle": want, "relative_error": err,
                            "kind": format!("{:?}", imp.kind),
                        }),
                    ));
                }
                group.bench_function(BenchmarkId::new(&imp.name, n), |b| b.iter(&run));
            }
        }
        group.finish();
    }
    meta.write();
}

fn f32s(c: &mut Criterion) {
    bench_dtype::<f32>(c);
}
fn f64s(c: &mut Criterion) {
    bench_dtype::<f64>(c);
}
fn bf16s(c: &mut Criterion) {
    bench_dtype::<half::bf16>(c);
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = f32s, f64s, bf16s
}
criterion_main!(benches);
