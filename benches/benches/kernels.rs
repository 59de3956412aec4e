//! Kernel benchmarks (per backend, against the baseline): KL (f32, f64) at n = 16 … 16 777 216
//! on every available backend (default precision, and `-precise` for f32), the straightforward
//! AVX2 baseline (`relent_simd::bench_baseline`), and two streaming-read lines: `sum2-avx2` (Σp + Σq
//! with AVX2, what the baseline reads) and `stream-limit` (the dispatched AVX-512/AVX2 word sum
//! of both arrays, the bandwidth line of `single_pair`); then the other functions on the
//! dispatched backend. Each result is checked against relent-scalar before it is timed.
//!
//! relent against the peers is `single_pair`; this target compares relent's backends.
//!
//! `cargo bench -p relent-benches --bench kernels -- <filter>`; set `RELENT_BENCH_QUICK=1` for
//! short measurements. In test mode (`-- --test`, as CI runs it) sizes above 262 144 are skipped.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use relent_benches::impls::stream;
use relent_benches::probabilities;
use relent_simd::bench_baseline as baseline;
use relent_simd::{Backend, Func, Kernels, Output, Precision, available_backends, for_backend};
use std::hint::black_box;
use std::time::Duration;

const SIZES: [usize; 5] = [16, 128, 1536, 32_000, 16_777_216];

/// Largest size run in test mode (`--test`, or `cargo test --benches`).
const TEST_MODE_MAX_N: usize = 262_144;

fn sizes() -> Vec<usize> {
    let args: Vec<String> = std::env::args().collect();
    let test_mode = args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench");
    SIZES
        .into_iter()
        .filter(|&n| !test_mode || n <= TEST_MODE_MAX_N)
        .collect()
}

fn check(name: &str, got: f64, want: f64, tol: f64) {
    let rel = ((got - want) / want).abs();
    assert!(
        rel <= tol || (got - want).abs() <= tol * 1e-12,
        "{name}: got {got:e}, reference {want:e} (rel {rel:e})"
    );
}

fn data(n: usize) -> (Vec<f64>, Vec<f64>) {
    (probabilities(n, 1), probabilities(n, 2))
}

fn bench_kl(c: &mut Criterion) {
    println!(
        "relent-simd backend: {} (available: {:?})",
        relent_simd::backend(),
        available_backends()
    );
    for ty in ["f32", "f64"] {
        let mut g = c.benchmark_group(format!("kl_{ty}"));
        for n in sizes() {
            let (p64, q64) = data(n);
            let p32: Vec<f32> = p64.iter().map(|&x| x as f32).collect();
            let q32: Vec<f32> = q64.iter().map(|&x| x as f32).collect();
            let want = if ty == "f32" {
                relent_scalar::kl(&p32, &q32)
            } else {
                relent_scalar::kl(&p64, &q64)
            };
            g.throughput(Throughput::Elements(n as u64));
            for b in available_backends() {
                let k = for_backend(b).unwrap();
                if ty == "f32" {
                    check(
                        &format!("kl {ty} {b} n={n}"),
                        k.kl(&p32, &q32, Precision::Default).value,
                        want,
                        relent_benches::bounds::DEFAULT_F32,
                    );
                    g.bench_with_input(BenchmarkId::new(b.name(), n), &n, |bch, _| {
                        bch.iter(|| k.kl(black_box(&p32), black_box(&q32), Precision::Default))
                    });
                    check(
                        &format!("kl {ty} {b}-precise n={n}"),
                        k.kl(&p32, &q32, Precision::High).value,
                        want,
                        relent_benches::bounds::HIGH_F64,
                    );
                    g.bench_with_input(
                        BenchmarkId::new(format!("{b}-precise"), n),
                        &n,
                        |bch, _| {
                            bch.iter(|| k.kl(black_box(&p32), black_box(&q32), Precision::High))
                        },
                    );
                } else {
                    check(
                        &format!("kl {ty} {b} n={n}"),
                        k.kl(&p64, &q64, Precision::Default).value,
                        want,
                        relent_benches::bounds::HIGH_F64,
                    );
                    g.bench_with_input(BenchmarkId::new(b.name(), n), &n, |bch, _| {
                        bch.iter(|| k.kl(black_box(&p64), black_box(&q64), Precision::Default))
                    });
                }
            }
            if ty == "f32" {
                if let Some(v) = baseline::kl_f32(&p32, &q32) {
                    check(&format!("baseline {ty} n={n}"), v, want, 1e-3);
                    g.bench_with_input(BenchmarkId::new("baseline-avx2", n), &n, |bch, _| {
                        bch.iter(|| baseline::kl_f32(black_box(&p32), black_box(&q32)))
                    });
                    g.bench_with_input(BenchmarkId::new("sum2-avx2", n), &n, |bch, _| {
                        bch.iter(|| baseline::sum2_f32(black_box(&p32), black_box(&q32)))
                    });
                }
                stream_line(&mut g, n, &p32, &q32);
            } else if let Some(v) = baseline::kl_f64(&p64, &q64) {
                check(&format!("baseline {ty} n={n}"), v, want, 1e-9);
                g.bench_with_input(BenchmarkId::new("baseline-avx2", n), &n, |bch, _| {
                    bch.iter(|| baseline::kl_f64(black_box(&p64), black_box(&q64)))
                });
                g.bench_with_input(BenchmarkId::new("sum2-avx2", n), &n, |bch, _| {
                    bch.iter(|| baseline::sum2_f64(black_box(&p64), black_box(&q64)))
                });
            }
            if ty == "f64" {
                stream_line(&mut g, n, &p64, &q64);
            }
        }
        g.finish();
    }
}

/// The bandwidth line: the dispatched word sum of both arrays (checked against a scalar sum).
fn stream_line<T: bytemuck::Pod>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    n: usize,
    p: &[T],
    q: &[T],
) {
    let both = |p: &[T], q: &[T]| stream::sum(p).wrapping_add(stream::sum(q));
    assert_eq!(
        both(p, q),
        stream::sum_reference(p).wrapping_add(stream::sum_reference(q)),
        "stream-limit n={n}"
    );
    g.bench_with_input(BenchmarkId::new("stream-limit", n), &n, |bch, _| {
        bch.iter(|| both(black_box(p), black_box(q)))
    });
}

/// `f` on the backend `k` (the Gaussian functions on (μ, σ²) = (p, q) and (q, p)).
fn run<T: relent_simd::Element>(k: &Kernels, f: Func, p: &[T], q: &[T]) -> Output {
    let pr = Precision::Default;
    match f {
        Func::Kl => k.kl(p, q, pr),
        Func::KlNormalized => k.kl_normalized(p, q, pr),
        Func::CrossEntropy => k.cross_entropy(p, q, pr),
        Func::Entropy => k.entropy(p, pr),
        Func::GeneralizedKl => k.generalized_kl(p, q, pr),
        Func::Jeffreys => k.jeffreys(p, q, pr),
        Func::JsDivergence => k.js_divergence(p, q, pr),
        Func::KlLog => k.kl_log(p, q, pr),
        Func::KlLogits => k.kl_logits(p, q, 1.0, pr),
        Func::GaussianKlDiag => k.gaussian_kl_diag(p, q, q, p, pr),
        Func::GaussianKlDiagLogvar => k.gaussian_kl_diag_logvar(p, q, q, p, pr),
    }
}

/// relent-scalar's exact value of what [`run`] computes.
fn reference<T: relent_scalar::Element>(f: Func, p: &[T], q: &[T]) -> f64 {
    use relent_scalar as s;
    match f {
        Func::Kl => s::kl(p, q),
        Func::KlNormalized => s::kl_normalized(p, q),
        Func::CrossEntropy => s::cross_entropy(p, q),
        Func::Entropy => s::entropy(p),
        Func::GeneralizedKl => s::generalized_kl(p, q),
        Func::Jeffreys => s::jeffreys(p, q),
        Func::JsDivergence => s::js_divergence(p, q),
        Func::KlLog => s::kl_log(p, q),
        Func::KlLogits => s::kl_logits(p, q, 1.0),
        Func::GaussianKlDiag => s::gaussian::kl_diag(p, q, q, p),
        Func::GaussianKlDiagLogvar => s::gaussian::kl_diag_logvar(p, q, q, p),
    }
}

fn bench_others(c: &mut Criterion) {
    let funcs = [
        ("kl_normalized", Func::KlNormalized),
        ("cross_entropy", Func::CrossEntropy),
        ("entropy", Func::Entropy),
        ("generalized_kl", Func::GeneralizedKl),
        ("jeffreys", Func::Jeffreys),
        ("js_divergence", Func::JsDivergence),
        ("kl_log", Func::KlLog),
        ("kl_logits", Func::KlLogits),
        ("gaussian_kl_diag", Func::GaussianKlDiag),
        ("gaussian_kl_diag_logvar", Func::GaussianKlDiagLogvar),
    ];
    let k = for_backend(relent_simd::backend()).unwrap();
    for (name, f) in funcs {
        let mut g = c.benchmark_group(name);
        for n in [1536usize, 32_000] {
            let (mut p64, mut q64) = data(n);
            if matches!(f, Func::KlLog | Func::KlLogits | Func::GaussianKlDiagLogvar) {
                p64.iter_mut().for_each(|x| *x = x.ln());
                q64.iter_mut().for_each(|x| *x = x.ln());
            }
            let p32: Vec<f32> = p64.iter().map(|&x| x as f32).collect();
            let q32: Vec<f32> = q64.iter().map(|&x| x as f32).collect();
            g.throughput(Throughput::Elements(n as u64));
            check(
                &format!("{name} f64"),
                run(&k, f, &p64, &q64).value,
                reference(f, &p64, &q64),
                1e-8,
            );
            check(
                &format!("{name} f32"),
                run(&k, f, &p32, &q32).value,
                reference(f, &p32, &q32),
                relent_benches::bounds::DEFAULT_F32,
            );
            g.bench_with_input(
                BenchmarkId::new(format!("{}-f64", k.backend()), n),
                &n,
                |b, _| b.iter(|| run(&k, f, black_box(&p64), black_box(&q64))),
            );
            g.bench_with_input(
                BenchmarkId::new(format!("{}-f32", k.backend()), n),
                &n,
                |b, _| b.iter(|| run(&k, f, black_box(&p32), black_box(&q32))),
            );
        }
        g.finish();
    }
    let _ = Backend::ALL;
}

fn config() -> Criterion {
    let quick = std::env::var_os("RELENT_BENCH_QUICK").is_some();
    Criterion::default()
        .warm_up_time(Duration::from_millis(if quick { 200 } else { 800 }))
        .measurement_time(Duration::from_millis(if quick { 400 } else { 2000 }))
        .sample_size(if quick { 10 } else { 20 })
}

criterion_group! { name = kernels; config = config(); targets = bench_kl, bench_others }
criterion_main!(kernels);
