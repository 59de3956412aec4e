//! The committed corpus (`corpus/<target>/`) replayed through the oracles on stable, and the
//! generator of its seed files (`RELENT_FUZZ_WRITE_SEEDS=1 cargo test --manifest-path
//! fuzz/Cargo.toml`).

use std::path::{Path, PathBuf};

use crate::single::FUNCS;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target)
}

/// A small deterministic generator (64-bit LCG, high bits), so the seeds never change.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u8 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 56) as u8
    }
}

/// Seeds for `checked_single`: per function, a valid `f64` input, identical `f32` arguments,
/// `f16` with specials and `bf16` with raw bits; then temperatures, mismatched lengths and a
/// long input.
fn single_seeds() -> Vec<(String, Vec<u8>)> {
    let mut rng = Lcg(0x5EED);
    let mut seeds = Vec::new();
    for (i, f) in FUNCS.iter().enumerate() {
        let func = i as u8;
        let nargs = f.args.len();
        // (element type, length, shape, tag range)
        let plans: [(u8, u8, u8, u8, u8); 4] = [
            (1, 5, 0, 0, 128),    // f64, nice values
            (0, 17, 200, 0, 128), // f32, identical arguments
            (2, 9, 0, 0, 192),    // f16, nice values and specials
            (3, 3, 0, 0, 255),    // bf16, anything (raw bits)
        ];
        for (k, &(dtype, n, shape, lo, hi)) in plans.iter().enumerate() {
            let mut b = vec![func, dtype, 0, n, shape];
            for _ in 0..nargs * usize::from(n) {
                let tag = lo + rng.next() % (hi - lo);
                b.push(tag);
                if tag >= 192 {
                    b.extend((0..8).map(|_| rng.next()));
                }
            }
            seeds.push((format!("{:02}-{}-{k}", i, f.name.replace("::", "-")), b));
        }
    }
    let logits = FUNCS.iter().position(|f| f.name == "kl_logits").unwrap() as u8;
    for (k, ts) in [5u8, 6, 200, 203, 206, 207].into_iter().enumerate() {
        let mut b = vec![logits, 1, ts, 4, 0];
        b.extend([0, 8, 16, 143, 24, 0, 4, 143]);
        seeds.push((format!("t-{k}"), b));
    }
    // Raw temperature bits: 1e-300.
    let mut b = vec![logits, 1, 255];
    b.extend(1e-300f64.to_le_bytes());
    b.extend([2, 0, 100, 0, 0, 100]);
    seeds.push(("t-raw".into(), b));
    for (k, shape) in [240u8, 241, 243].into_iter().enumerate() {
        let func = [0u8, 18, 20][k];
        seeds.push((
            format!("mismatch-{k}"),
            vec![func, 0, 0, 6, shape, 5, 1, 2, 3],
        ));
    }
    let mut b = vec![0u8, 0, 0, 250];
    b.extend(870u16.to_le_bytes());
    b.push(0);
    b.extend((0..2000).map(|_| rng.next() % 128));
    seeds.push(("long-1000".into(), b));
    seeds
}

#[test]
fn seeds_are_committed_and_pass_the_oracle() {
    let dir = corpus_dir("checked_single");
    let seeds = single_seeds();
    if std::env::var_os("RELENT_FUZZ_WRITE_SEEDS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &seeds {
            std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
        }
    }
    for (name, bytes) in &seeds {
        let path = dir.join(format!("seed-{name}"));
        let on_disk = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (regenerate with RELENT_FUZZ_WRITE_SEEDS=1)",
                path.display()
            )
        });
        assert_eq!(&on_disk, bytes, "{} is stale", path.display());
    }
}

/// Every file of every target's corpus (seeds and whatever fuzzing added) passes its oracle.
#[test]
fn corpus_replays() {
    for &target in crate::TARGETS {
        let check = match target {
            "checked_single" => crate::single::check,
            other => panic!("no oracle for target {other}"),
        };
        let dir = corpus_dir(target);
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let r = std::panic::catch_unwind(|| check(&bytes));
            assert!(r.is_ok(), "{} fails its oracle", path.display());
            n += 1;
        }
        assert!(n >= 20, "{target}: only {n} corpus files");
    }
}

/// Decoding covers every function and element type, and the header's branches.
#[test]
fn decoding_reaches_every_function_and_type() {
    for (i, _) in FUNCS.iter().enumerate() {
        for dtype in 0..4u8 {
            // Valid, then every kind of invalid temperature / length / element.
            crate::single::check(&[i as u8, dtype, 0, 3, 0, 10, 20, 30, 40, 50, 60]);
            crate::single::check(&[i as u8, dtype, 203, 3, 0, 144, 1, 2, 3, 4, 5]);
            crate::single::check(&[i as u8, dtype, 0, 0, 0]);
            crate::single::check(&[i as u8, dtype, 0, 4, 241, 2, 1, 2, 3]);
            crate::single::check(&[i as u8, dtype, 0, 7, 210]);
        }
    }
}
