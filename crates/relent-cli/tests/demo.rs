//! End to end: run the `relent demo` binary and check that every number it prints is the
//! library's value, recomputed here from the same seeded data.

use std::process::Command;

use relent_cli::cmd::demo::{Data, MASKED, TEMPERATURE};

fn demo(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_relent"))
        .arg("demo")
        .args(args)
        .output()
        .expect("the relent binary runs");
    assert!(
        out.status.success(),
        "relent demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The (nats, bits) printed on the line that starts with `label`.
fn printed(output: &str, label: &str) -> (f64, f64) {
    let line = output
        .lines()
        .find(|l| l.starts_with(label) && l[label.len()..].starts_with("  "))
        .unwrap_or_else(|| panic!("no line for {label:?} in\n{output}"));
    let mut fields = line[label.len()..].split_whitespace();
    let mut next = || {
        fields
            .next()
            .and_then(|f| f.parse::<f64>().ok())
            .expect("a number")
    };
    (next(), next())
}

/// The demo prints 6 decimals, so a printed value is within half a unit of the 6th decimal
/// of the exact one.
fn close(printed: f64, exact: f64) -> bool {
    (printed - exact).abs() <= 0.5e-6 * (1.0 + 1e-9)
}

fn check(seed: u64, vocab: usize, args: &[&str]) {
    let output = demo(args);
    assert!(
        output.starts_with(&format!("relent demo (seed {seed})")),
        "{output}"
    );
    let d = Data::generate(seed, vocab);
    let (p, q) = (&d.today, &d.reference);
    let ln2 = std::f64::consts::LN_2;
    let zeros = vec![0.0f32; d.mu.len()];
    let expected = [
        ("kl(today ‖ reference)", relent::kl(p, q).unwrap()),
        ("kl(reference ‖ today)", relent::kl(q, p).unwrap()),
        ("kl_normalized(weights)", relent::kl(p, q).unwrap()),
        (
            "jeffreys(today, reference)",
            relent::kl(p, q).unwrap() + relent::kl(q, p).unwrap(),
        ),
        (
            "js_divergence(today, reference)",
            relent::js_divergence(p, q).unwrap(),
        ),
        (
            "js_distance(today, reference)",
            relent::js_divergence(p, q).unwrap().sqrt(),
        ),
        ("entropy(today)", relent::entropy(p).unwrap()),
        (
            "cross_entropy(today, reference)",
            relent::cross_entropy(p, q).unwrap(),
        ),
        (
            "kl_logits(teacher ‖ student)",
            relent::kl_logits(&d.teacher, &d.student, TEMPERATURE).unwrap(),
        ),
        (
            "gaussian::kl_diag_logvar",
            relent::gaussian::kl_diag_logvar(&d.mu, &d.logvar, &zeros, &zeros).unwrap(),
        ),
    ];
    for (label, nats) in expected {
        let (got_nats, got_bits) = printed(&output, label);
        let bits = if label.starts_with("js_distance") {
            nats / ln2.sqrt()
        } else {
            nats / ln2
        };
        assert!(
            close(got_nats, nats),
            "{label}: printed {got_nats} nats, expected {nats}"
        );
        assert!(
            close(got_bits, bits),
            "{label}: printed {got_bits} bits, expected {bits}"
        );
        assert!(nats.is_finite() && nats > 0.0, "{label}: {nats}");
    }
    // The drift is moderate, the identities hold: cross-entropy = entropy + KL.
    let ce = relent::cross_entropy(p, q).unwrap();
    let h_plus_kl = relent::entropy(p).unwrap() + relent::kl(p, q).unwrap();
    assert!((ce - h_plus_kl).abs() <= 1e-12 * ce);
    assert!(output.contains(&format!("{MASKED} padding logits masked")));
}

#[test]
fn demo_prints_the_library_values() {
    check(42, 1000, &[]);
}

#[test]
fn demo_is_seeded() {
    check(7, 300, &["--seed", "7", "--vocab", "300"]);
    assert_eq!(demo(&["--seed", "7"]), demo(&["--seed", "7"]));
    assert_ne!(demo(&["--seed", "7"]), demo(&["--seed", "8"]));
}

#[test]
fn bad_arguments_are_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_relent"))
        .args(["demo", "--vocab", "1"])
        .output()
        .expect("the relent binary runs");
    assert!(!out.status.success());
}
