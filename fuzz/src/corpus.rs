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

/// Seeds for `batch`: every operation with every divergence on a small valid input (element
/// type and execution varying), then the invalid layouts, mismatches, the GEMM method, long
/// pairs and top-k ties.
fn batch_seeds() -> Vec<(String, Vec<u8>)> {
    use crate::batch::{DIVERGENCES, OPS};
    let mut rng = Lcg(0xBA7C);
    let mut seeds = Vec::new();
    let body = |rng: &mut Lcg, n: usize| -> Vec<u8> { (0..n).map(|_| rng.next() % 128).collect() };
    for (o, op) in OPS.iter().enumerate() {
        for (d, div) in DIVERGENCES.iter().enumerate() {
            // op, div, temperature, dtype, exec, cols, P rows, Q rows, P layout, Q layout, k,
            // mismatch
            let exec = ((o + d) % 4) as u8 | if d % 2 == 0 { 4 } else { 0 };
            let mut b = vec![o as u8, d as u8, (d % 8) as u8, ((o + d) % 4) as u8, exec];
            b.extend([5 + (d % 3) as u8, 3, 4, (o * 4) as u8, 1, 2, 0]);
            b.extend(body(&mut rng, 120));
            seeds.push((format!("{o}-{op}-{div}"), b));
        }
    }
    let specials: [(&str, [u8; 12]); 12] = [
        ("zero-cols", [2, 0, 0, 1, 0, 0, 2, 2, 0, 0, 1, 0]),
        ("stride-small-p", [2, 0, 0, 1, 0, 4, 2, 2, 240, 0, 1, 0]),
        ("stride-small-q", [6, 0, 0, 0, 2, 4, 2, 3, 0, 241, 1, 0]),
        ("short-p", [2, 0, 0, 1, 3, 4, 3, 3, 208, 0, 1, 0]),
        ("short-q", [7, 0, 0, 0, 3, 4, 3, 3, 0, 210, 1, 0]),
        ("row-mismatch", [2, 0, 0, 1, 0, 4, 2, 3, 0, 0, 1, 0]),
        ("col-mismatch", [6, 1, 0, 1, 0, 4, 2, 3, 0, 0, 1, 240]),
        ("out-len", [3, 0, 0, 1, 0, 4, 2, 2, 0, 0, 1, 250]),
        ("query-len", [7, 0, 0, 1, 0, 4, 2, 3, 0, 0, 2, 245]),
        ("gemm-all-pairs", [6, 0, 0, 1, 8 | 3, 6, 3, 5, 0, 0, 1, 0]),
        ("gemm-top-k", [8, 2, 0, 0, 8 | 2, 6, 3, 6, 0, 0, 3, 0]),
        ("gemm-unsupported", [8, 4, 0, 1, 8, 6, 3, 6, 0, 0, 3, 0]),
    ];
    for (name, head) in specials {
        let mut b = head.to_vec();
        b.extend(body(&mut rng, 200));
        seeds.push((name.into(), b));
    }
    // Q rows copied from earlier rows and from P: ties in top-k.
    let mut b = vec![7, 0, 0, 0, 3, 5, 1, 6, 0, 0, 4, 0, 0];
    b.extend(body(&mut rng, 5));
    for t in [0u8, 224, 208, 225, 0, 226] {
        b.push(t);
        if t < 208 {
            b.extend(body(&mut rng, 5));
        }
    }
    seeds.push(("top-k-ties".into(), b));
    // Long pairs: one to three chunks.
    for (k, nb) in [192u8, 193, 200].into_iter().enumerate() {
        let mut b = vec![1, k as u8, 0, k as u8, 7, nb, 0, 0, 0, 0, 0, 0];
        b.extend(body(&mut rng, 200));
        seeds.push((format!("long-{k}"), b));
    }
    seeds
}

/// Seeds for `readers`: round trips of every format and flag family, then raw files those
/// encoders wrote (npy, safetensors, CSV) and a few lying headers.
fn readers_seeds() -> Vec<(String, Vec<u8>)> {
    let mut rng = Lcg(0xF11E);
    let mut seeds = Vec::new();
    for format in 0..3u8 {
        for (k, flags) in [0u8, 0x13, 0x26, 0x4d, 0x98, 0xff].into_iter().enumerate() {
            let dt = k as u8 % 4;
            let ndims = k as u8 % 3;
            let mut b = vec![3, format, dt, ndims, 2, 3, 4, flags];
            b.extend((0..160).map(|_| rng.next()));
            seeds.push((format!("rt-{format}-{k}"), b));
        }
    }
    // Raw .npy (v1, f4, 2 × 3) and a lying one (shape larger than the data).
    let mut npy = Vec::new();
    relent_cli::io::npy::write_header(&mut npy, "<f4", &[2, 3]).unwrap();
    for i in 0..6u8 {
        npy.extend((f32::from(i) / 8.0).to_le_bytes());
    }
    let mut b = vec![0];
    b.extend(&npy);
    seeds.push(("npy-valid".into(), b));
    let mut lie = Vec::new();
    relent_cli::io::npy::write_header(&mut lie, "<f8", &[1 << 40, 1 << 30]).unwrap();
    lie.extend([0u8; 16]);
    let mut b = vec![0];
    b.extend(&lie);
    seeds.push(("npy-lying-shape".into(), b));
    // Raw .safetensors: two tensors, the first chosen by name (byte 1 = 2: a 2-byte name).
    let data: Vec<u8> = (0..24).collect();
    let views = vec![
        (
            "ab".to_string(),
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![2, 3], &data)
                .unwrap(),
        ),
        (
            "w".to_string(),
            safetensors::tensor::TensorView::new(safetensors::Dtype::BF16, vec![4], &data[..8])
                .unwrap(),
        ),
    ];
    let st = safetensors::serialize(views, None).unwrap();
    let mut b = vec![1, 2, b'a', b'b'];
    b.extend(&st);
    seeds.push(("st-valid".into(), b));
    let mut b = vec![1, 0];
    let mut lying = st.clone();
    lying[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    b.extend(&lying);
    seeds.push(("st-lying-header".into(), b));
    let mut b = vec![1, 0];
    let json = br#"{"t":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#;
    b.extend((json.len() as u64).to_le_bytes());
    b.extend(json);
    b.extend([0u8; 8]);
    seeds.push(("st-absurd-shape".into(), b));
    // Raw CSV, detected header, and not UTF-8.
    let mut b = vec![2, 0, 0];
    b.extend(b"a,b,c\n0.5,0.25,0.25\n1,nan,-inf\n");
    seeds.push(("csv-valid".into(), b));
    let mut b = vec![2, 1, 1];
    b.extend(b"x\ty\n\xff\xfe\t1\n");
    seeds.push(("csv-not-utf8".into(), b));
    seeds
}

fn check_seeds(target: &str, seeds: &[(String, Vec<u8>)]) {
    let dir = corpus_dir(target);
    if std::env::var_os("RELENT_FUZZ_WRITE_SEEDS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in seeds {
            std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
        }
    }
    for (name, bytes) in seeds {
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

#[test]
fn batch_seeds_are_committed() {
    check_seeds("batch", &batch_seeds());
}

#[test]
fn readers_seeds_are_committed() {
    check_seeds("readers", &readers_seeds());
}

/// Random byte strings (a fixed generator) through every oracle: a short fuzzing run on
/// stable, so that `cargo test` alone exercises the decoders' every branch.
#[test]
fn random_inputs_pass_the_oracles() {
    let mut rng = Lcg(0x00C0_FFEE);
    let n: usize = std::env::var("RELENT_FUZZ_RANDOM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let mut failed = Vec::new();
    for &target in crate::TARGETS {
        let check = oracle(target);
        for i in 0..n {
            let len = usize::from(rng.next()) + usize::from(rng.next() % 4) * 256;
            let bytes: Vec<u8> = (0..len).map(|_| rng.next()).collect();
            if std::panic::catch_unwind(|| check(&bytes)).is_err() {
                failed.push(format!("{target}: random input {i}: {bytes:?}"));
                break;
            }
        }
    }
    assert!(
        failed.is_empty(),
        "inputs failing their oracle:\n{}",
        failed.join("\n")
    );
}

fn oracle(target: &str) -> fn(&[u8]) {
    match target {
        "checked_single" => crate::single::check,
        "batch" => crate::batch::check,
        "readers" => crate::readers::check,
        other => panic!("no oracle for target {other}"),
    }
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
        let check = oracle(target);
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
