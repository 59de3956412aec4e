//! Quick timing probe: `cargo run --release -p relent-benches --example probe -- <backend> <n> <f32|f64>`.
use relent_simd::{Backend, Precision, for_backend};
use std::time::Instant;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let b = Backend::from_name(&a[1]).unwrap();
    let n: usize = a[2].parse().unwrap();
    let k = for_backend(b).unwrap();
    let p = relent_benches::probabilities(n, 1);
    let q = relent_benches::probabilities(n, 2);
    let p32: Vec<f32> = p.iter().map(|&x| x as f32).collect();
    let q32: Vec<f32> = q.iter().map(|&x| x as f32).collect();
    let reps = (200_000_000 / n.max(16)).max(3);
    for _ in 0..3 {
        let t = Instant::now();
        let mut s = 0.0;
        for _ in 0..reps {
            s += if a[3] == "f32" {
                k.kl(std::hint::black_box(&p32), &q32, Precision::Default)
                    .value
            } else {
                k.kl(std::hint::black_box(&p), &q, Precision::Default).value
            };
        }
        let ns = t.elapsed().as_nanos() as f64 / reps as f64;
        println!(
            "{b} n={n} {}: {:.1} ns/call {:.3} ns/elem ({s:.3})",
            a[3],
            ns,
            ns / n as f64
        );
    }
}
