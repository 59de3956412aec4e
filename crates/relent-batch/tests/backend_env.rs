//! An invalid `RELENT_BACKEND` never panics in relent-batch (it once did: relent-batch asked
//! relent-simd for the backend, and relent-simd panicked on an invalid variable — `relent
//! rows` ended with exit status 101): with a name that is no backend (`bogus`) and with a
//! backend this CPU lacks (if there is one), every operation gives the bits of a run without
//! the variable (the fastest backend).
//!
//! The backend is resolved once per process, and setting a variable is `unsafe` in edition
//! 2024, so each case runs in a child process: this test binary re-executed with the variable
//! set, running only the `#[ignore]`d child test, which prints the values' bits.

mod common;

use common::{Rng, all_divergences, input_for};
use relent_batch::{
    Divergence, MatRef, Method, Options, all_pairs, long_pair, one_vs_many, pair, row_paired, top_k,
};
use relent_simd::Backend;

#[test]
fn invalid_relent_backend_gives_the_default_backends_values() {
    let backends: Vec<(&str, bool)> = Backend::ALL
        .iter()
        .map(|b| (b.name(), b.is_available()))
        .collect();
    relent_testgen::backend_env::assert_invalid_backends_change_nothing(&backends);
}

#[test]
#[ignore = "run in a child process by invalid_relent_backend_gives_the_default_backends_values"]
fn child_prints_the_values_of_its_backend() {
    let fastest = relent_simd::available_backends()[0];
    assert_eq!(relent_simd::backend(), fastest);
    match std::env::var("RELENT_BACKEND") {
        Ok(value) => {
            let e = relent_simd::try_backend().expect_err("an invalid RELENT_BACKEND is reported");
            println!("RELENT_BACKEND={value:?}: {e}; computing on {fastest}");
        }
        Err(_) => assert_eq!(relent_simd::try_backend(), Ok(fastest)),
    }
    let print = |what: String, v: &[f64]| {
        for (i, x) in v.iter().enumerate() {
            println!("VALUE {what} [{i}] {:016x} ({x:e})", x.to_bits());
        }
    };
    let opts = Options::default();
    let (n, d) = (3, 41);
    let mut rng = Rng::new(15);
    for div in all_divergences() {
        let p: Vec<f32> = input_for(&mut rng, div, n, d, 0.1);
        let q: Vec<f32> = input_for(&mut rng, div, n, d, 0.0);
        let (pv, qv) = (
            MatRef::new(&p, n, d).unwrap(),
            MatRef::new(&q, n, d).unwrap(),
        );
        let (p0, q0) = (&p[..d], &q[..d]);
        print(format!("pair {div:?}"), &[pair(div, p0, q0).unwrap()]);
        print(
            format!("long_pair {div:?}"),
            &[long_pair(div, p0, q0, &opts).unwrap()],
        );
        print(
            format!("row_paired {div:?}"),
            &row_paired(div, pv, qv, &opts).unwrap(),
        );
        print(
            format!("one_vs_many {div:?}"),
            &one_vs_many(div, p0, qv, &opts).unwrap(),
        );
    }
    // All-pairs and top-k, through the exact kernel and the GEMM path.
    let p: Vec<f64> = input_for(&mut rng, Divergence::Kl, n, d, 0.1);
    let q: Vec<f64> = input_for(&mut rng, Divergence::Kl, n, d, 0.0);
    let (pv, qv) = (
        MatRef::new(&p, n, d).unwrap(),
        MatRef::new(&q, n, d).unwrap(),
    );
    for method in [Method::Exact, Method::Gemm] {
        let m = all_pairs(Divergence::Kl, pv, qv, method, &opts).unwrap();
        print(format!("all_pairs Kl {method:?}"), m.as_slice());
        let nearest = top_k(Divergence::Kl, &p[..d], qv, 2, method, &opts).unwrap();
        for nb in nearest {
            println!(
                "VALUE top_k Kl {method:?} row {} {:016x}",
                nb.index,
                nb.value.to_bits()
            );
        }
    }
}
