//! Batch benchmarks: row-paired and one-vs-many KL at 1 and 2 threads, all-pairs via GEMM vs
//! the exact path (the exact path on a subset of P, reported per row of P so the figures
//! scale: multiply by the number of rows). Run in test mode in CI:
//! `cargo bench -p relent-batch -- --test`. `RELENT_BENCH_THREADS=1,4,16` picks the thread
//! counts (default 1 and 2).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use relent_batch::{Divergence, MatRef, Method, Options, all_pairs, one_vs_many, row_paired};
use std::hint::black_box;

/// Seeded probability rows (SplitMix64), each normalised.
fn rows(seed: u64, n: usize, d: usize) -> Vec<f32> {
    let mut s = seed;
    let mut next = move || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out = Vec::with_capacity(n * d);
    for _ in 0..n {
        let r: Vec<f64> = (0..d).map(|_| (next() * 8.0 - 6.0).exp()).collect();
        let t: f64 = r.iter().sum();
        out.extend(r.iter().map(|&x| (x / t) as f32));
    }
    out
}

/// Thread pools of 1 and 2 threads, or the counts listed in `RELENT_BENCH_THREADS`
/// (comma-separated, e.g. `1,2,4,8,16` for a scaling run on a larger machine).
fn pools() -> Vec<(usize, rayon::ThreadPool)> {
    let counts: Vec<usize> = std::env::var("RELENT_BENCH_THREADS")
        .ok()
        .map(|v| {
            v.split(',')
                .map(|t| {
                    t.trim()
                        .parse()
                        .expect("RELENT_BENCH_THREADS: thread counts")
                })
                .collect()
        })
        .unwrap_or_else(|| vec![1, 2]);
    counts
        .into_iter()
        .map(|t| {
            (
                t,
                rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .unwrap(),
            )
        })
        .collect()
}

fn bench_row_paired(c: &mut Criterion) {
    let (n, d) = (10_000, 1024);
    let (p, q) = (rows(1, n, d), rows(2, n, d));
    let (pm, qm) = (
        MatRef::new(&p, n, d).unwrap(),
        MatRef::new(&q, n, d).unwrap(),
    );
    let mut g = c.benchmark_group("row_paired_kl_10000x1024_f32");
    g.throughput(Throughput::Elements((n * d) as u64));
    g.sample_size(10);
    for (t, pool) in pools() {
        g.bench_function(BenchmarkId::new("threads", t), |b| {
            b.iter(|| {
                row_paired(
                    Divergence::Kl,
                    black_box(pm),
                    black_box(qm),
                    &Options::pool(&pool),
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

fn bench_one_vs_many(c: &mut Criterion) {
    let (m, d) = (100_000, 256);
    let (p, q) = (rows(3, 1, d), rows(4, m, d));
    let qm = MatRef::new(&q, m, d).unwrap();
    let mut g = c.benchmark_group("one_vs_many_kl_100000x256_f32");
    g.throughput(Throughput::Elements((m * d) as u64));
    g.sample_size(10);
    for (t, pool) in pools() {
        g.bench_function(BenchmarkId::new("threads", t), |b| {
            b.iter(|| {
                one_vs_many(
                    Divergence::Kl,
                    black_box(&p),
                    black_box(qm),
                    &Options::pool(&pool),
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

fn bench_all_pairs(c: &mut Criterion) {
    let (n, m, d) = (2000, 2000, 1024);
    let (p, q) = (rows(5, n, d), rows(6, m, d));
    let (pm, qm) = (
        MatRef::new(&p, n, d).unwrap(),
        MatRef::new(&q, m, d).unwrap(),
    );
    let mut g = c.benchmark_group("all_pairs_kl_2000x2000x1024_f32");
    g.sample_size(10);
    for (t, pool) in pools() {
        g.bench_function(BenchmarkId::new("gemm_threads", t), |b| {
            b.iter(|| {
                all_pairs(
                    Divergence::Kl,
                    black_box(pm),
                    black_box(qm),
                    Method::Gemm,
                    &Options::pool(&pool),
                )
                .unwrap()
            })
        });
    }
    // The exact path on 8 rows of P (×250 for the full 2000 rows).
    let sub = pm.slice_rows(0..8);
    for (t, pool) in pools() {
        g.bench_function(BenchmarkId::new("exact_8_rows_threads", t), |b| {
            b.iter(|| {
                all_pairs(
                    Divergence::Kl,
                    black_box(sub),
                    black_box(qm),
                    Method::Exact,
                    &Options::pool(&pool),
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_row_paired,
    bench_one_vs_many,
    bench_all_pairs
);
criterion_main!(benches);
