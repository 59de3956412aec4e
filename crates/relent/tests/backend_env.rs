//! An invalid `RELENT_BACKEND` never panics and changes no value: with a name that is no
//! backend (`bogus`) and with a backend this CPU lacks (if there is one), single calls
//! (`relent::kl`, `relent::kl_logits`, …) and `relent::batch` give the bits of a run without
//! the variable (the fastest backend), `relent::backend()` names the fastest backend and
//! `relent::try_backend()` reports the problem.
//!
//! The backend is resolved once per process, and setting a variable is `unsafe` in edition
//! 2024, so each case runs in a child process: this test binary re-executed with the variable
//! set, running only the `#[ignore]`d child test, which prints the values' bits.

use relent::Backend;
use relent::batch::{Divergence, MatRef, Options};

#[test]
fn invalid_relent_backend_gives_the_default_backends_values() {
    let backends: Vec<(&str, bool)> = Backend::ALL
        .iter()
        .map(|b| (b.name(), b.is_available()))
        .collect();
    relent_testgen::backend_env::assert_invalid_backends_change_nothing(&backends);
}

/// Probabilities (some zero), their `f32` roundings, and logits (one masked), long enough to
/// take every backend's vector loop and its tail.
fn inputs() -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = 37;
    let raw = |k: usize| -> Vec<f64> {
        (0..n)
            .map(|i| {
                if (i * k) % 11 == 3 {
                    0.0
                } else {
                    ((i * k + 1) % 17) as f64 + 0.25
                }
            })
            .collect()
    };
    let norm = |v: Vec<f64>| {
        let s: f64 = v.iter().sum();
        v.iter().map(|x| x / s).collect::<Vec<f64>>()
    };
    let p = norm(raw(3));
    // q > 0 wherever p > 0: a finite KL.
    let q = norm((0..n).map(|i| (i % 5) as f64 + 0.5).collect());
    // Logits, both masked (−∞) at the same place: a finite KL.
    let mut a: Vec<f64> = (0..n).map(|i| ((i * 7) % 13) as f64 * 0.37 - 2.0).collect();
    let mut b: Vec<f64> = (0..n).map(|i| ((i * 5) % 11) as f64 * 0.41 - 1.5).collect();
    a[4] = f64::NEG_INFINITY;
    b[4] = f64::NEG_INFINITY;
    (p, q, a, b)
}

#[test]
#[ignore = "run in a child process by invalid_relent_backend_gives_the_default_backends_values"]
fn child_prints_the_values_of_its_backend() {
    let fastest = relent::available_backends()[0];
    assert_eq!(relent::backend(), fastest);
    match std::env::var("RELENT_BACKEND") {
        Ok(value) => {
            let e = relent::try_backend().expect_err("an invalid RELENT_BACKEND is reported");
            assert!(e.to_string().contains(value.trim()), "{e}");
            println!("RELENT_BACKEND={value:?}: {e}; computing on {fastest}");
        }
        Err(_) => assert_eq!(relent::try_backend(), Ok(fastest)),
    }
    let print = |what: &str, v: f64| println!("VALUE {what} {:016x} ({v:e})", v.to_bits());
    let (p, q, a, b) = inputs();
    let (p32, q32): (Vec<f32>, Vec<f32>) = (
        p.iter().map(|&x| x as f32).collect(),
        q.iter().map(|&x| x as f32).collect(),
    );
    let (a32, b32): (Vec<f32>, Vec<f32>) = (
        a.iter().map(|&x| x as f32).collect(),
        b.iter().map(|&x| x as f32).collect(),
    );
    // Single calls.
    print("kl f64", relent::kl(&p, &q).unwrap());
    print("kl f32", relent::kl(&p32, &q32).unwrap());
    print("precise::kl f32", relent::precise::kl(&p32, &q32).unwrap());
    print("kl_logits f64", relent::kl_logits(&a, &b, 0.7).unwrap());
    print("kl_logits f32", relent::kl_logits(&a32, &b32, 1.0).unwrap());
    print(
        "js_divergence f32",
        relent::js_divergence(&p32, &q32).unwrap(),
    );
    print("entropy f64", relent::entropy(&p).unwrap());
    print(
        "unchecked::jeffreys f64",
        relent::unchecked::jeffreys(&p, &q),
    );
    // Batches: three rows of the same vectors, rotated.
    let rows = |v: &[f32]| -> Vec<f32> {
        (0..3)
            .flat_map(|r| v[r..].iter().chain(&v[..r]).copied().collect::<Vec<f32>>())
            .collect()
    };
    let (pm, qm) = (rows(&p32), rows(&q32));
    let n = p32.len();
    let (pv, qv) = (
        MatRef::new(&pm, 3, n).unwrap(),
        MatRef::new(&qm, 3, n).unwrap(),
    );
    let opts = Options::default();
    for div in [Divergence::Kl, Divergence::JsDistance] {
        for (i, v) in relent::batch::row_paired(div, pv, qv, &opts)
            .unwrap()
            .into_iter()
            .enumerate()
        {
            print(&format!("batch::row_paired {div:?} f32 row {i}"), v);
        }
    }
    for (i, v) in relent::batch::one_vs_many(Divergence::Kl, &p32, qv, &opts)
        .unwrap()
        .into_iter()
        .enumerate()
    {
        print(&format!("batch::one_vs_many Kl f32 row {i}"), v);
    }
}
