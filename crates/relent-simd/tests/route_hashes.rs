//! Bit-for-bit guard of every route: one hash per backend of the outputs of every function ×
//! element type × precision over the shared generator's cases (relent-testgen), as whole calls
//! and as single-chunk partials (the batch layer's unit).
//!
//! A behaviour-neutral change (moving files, renaming, folding repeated code) must leave every
//! hash unchanged. A change that alters results on purpose updates the hashes in the same
//! commit and says why in its message. A backend this CPU cannot run is reported as skipped
//! (it is never counted as passed). `RELENT_PRINT_HASHES=1` prints the table to paste.

use relent_scalar::Element;
use relent_simd::{Backend, Func, Kernels, Output, Partial, Precision, for_backend};

/// FNV-1a over 64-bit words.
struct Hash(u64);

impl Hash {
    fn new() -> Hash {
        Hash(0xcbf2_9ce4_8422_2325)
    }
    fn word(&mut self, w: u64) {
        for b in w.to_le_bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn output(&mut self, o: Output) {
        self.word(o.value.to_bits());
        self.word(u64::from(o.invalid));
    }
    fn partial(&mut self, k: &Kernels, func: Func, ins: &[&[impl Element]], t: f64, pr: Precision) {
        let part = k.partial_with(func, ins, t, pr);
        self.output(Partial::new(func).combine(part).finish());
    }
}

const TEMPERATURES: [f64; 3] = [1.0, 0.5, 3.0];

fn hash_type<T: Element>(k: &Kernels, h: &mut Hash) {
    for pr in [Precision::Default, Precision::High] {
        for c in relent_testgen::cases::<T>(7) {
            let (p, q) = (&c.p[..], &c.q[..]);
            h.output(k.kl(p, q, pr));
            h.output(k.kl_normalized(p, q, pr));
            h.output(k.cross_entropy(p, q, pr));
            h.output(k.entropy(p, pr));
            h.output(k.generalized_kl(p, q, pr));
            h.output(k.jeffreys(p, q, pr));
            h.output(k.js_divergence(p, q, pr));
            for f in [
                Func::Kl,
                Func::KlNormalized,
                Func::CrossEntropy,
                Func::GeneralizedKl,
                Func::Jeffreys,
                Func::JsDivergence,
            ] {
                h.partial(k, f, &[p, q], 1.0, pr);
            }
            h.partial(k, Func::Entropy, &[p], 1.0, pr);
        }
        for c in relent_testgen::logit_cases::<T>(11) {
            let (a, b) = (&c.p[..], &c.q[..]);
            h.output(k.kl_log(a, b, pr));
            h.partial(k, Func::KlLog, &[a, b], 1.0, pr);
            for t in TEMPERATURES {
                h.output(k.kl_logits(a, b, t, pr));
                h.partial(k, Func::KlLogits, &[a, b], t, pr);
            }
        }
        for c in relent_testgen::gaussian_cases::<T>(13) {
            let ins = [&c.mu_p[..], &c.var_p[..], &c.mu_q[..], &c.var_q[..]];
            h.output(k.gaussian_kl_diag(ins[0], ins[1], ins[2], ins[3], pr));
            h.output(k.gaussian_kl_diag_logvar(ins[0], ins[1], ins[2], ins[3], pr));
            h.partial(k, Func::GaussianKlDiag, &ins, 1.0, pr);
            h.partial(k, Func::GaussianKlDiagLogvar, &ins, 1.0, pr);
        }
    }
}

/// (backend, hash of f32 and f64, hash of f16 and bf16).
const EXPECTED: [(Backend, u64, u64); 4] = [
    (Backend::Avx512, 0x84cee00e9d5e3123, 0x1c49b7b06baeba8d),
    (Backend::Avx2, 0x5fd3fcdc75743fd7, 0x40026f3634a39df9),
    (Backend::Portable, 0x217372261db098a1, 0xca2d19cf4463a261),
    (Backend::Scalar, 0x30d5026d25f41771, 0x43fe29a17f51a441),
];

#[test]
fn every_route_keeps_its_bits() {
    let print = std::env::var_os("RELENT_PRINT_HASHES").is_some();
    let mut wrong = Vec::new();
    for (b, want, want_half) in EXPECTED {
        let Some(k) = for_backend(b) else {
            println!("route_hashes: backend {b}: SKIPPED (this CPU cannot run it)");
            continue;
        };
        let mut h = Hash::new();
        hash_type::<f32>(&k, &mut h);
        hash_type::<f64>(&k, &mut h);
        let got = h.0;
        #[cfg(feature = "half")]
        let got_half = {
            let mut h = Hash::new();
            hash_type::<half::f16>(&k, &mut h);
            hash_type::<half::bf16>(&k, &mut h);
            h.0
        };
        #[cfg(not(feature = "half"))]
        let got_half = want_half;
        if print {
            println!("    (Backend::{b:?}, {got:#018x}, {got_half:#018x}),");
        }
        if (got, got_half) == (want, want_half) {
            println!("route_hashes: backend {b}: bits unchanged");
        } else {
            wrong.push(format!(
                "{b}: got ({got:#018x}, {got_half:#018x}), want ({want:#018x}, {want_half:#018x})"
            ));
        }
    }
    assert!(wrong.is_empty(), "outputs changed: {wrong:?}");
}
