//! The parent half of the `RELENT_BACKEND` regression tests (relent's and relent-batch's
//! `tests/backend_env.rs`): the backend is resolved once per process, and setting a variable
//! is `unsafe` in edition 2024, so each case runs in a child process — the test binary itself,
//! re-executed with the variable set and running only its `#[ignore]`d [`CHILD`] test, which
//! prints one `VALUE …` line per value it computed.
//!
//! ```no_run
//! // In a test file that also defines `#[test] #[ignore = "…"] fn child_prints_the_values_of_its_backend()`:
//! relent_testgen::backend_env::assert_invalid_backends_change_nothing(&[("avx512", true), ("scalar", true)]);
//! ```

use std::process::Command;

/// The name of the child test (run with `--exact`) each suite defines.
pub const CHILD: &str = "child_prints_the_values_of_its_backend";

/// The lines `VALUE …` the child prints with `RELENT_BACKEND` set to `backend` (removed for
/// `None`), after checking that it exited successfully and did not panic.
///
/// # Panics
/// If the child fails, panics or prints no value.
pub fn child_values(backend: Option<&str>) -> Vec<String> {
    let mut cmd = Command::new(std::env::current_exe().expect("the test binary"));
    cmd.args([
        "--exact",
        CHILD,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    match backend {
        Some(v) => cmd.env("RELENT_BACKEND", v),
        None => cmd.env_remove("RELENT_BACKEND"),
    };
    let out = cmd.output().expect("run the child test");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child with RELENT_BACKEND={backend:?} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let values: Vec<String> = stdout
        .lines()
        // libtest writes `test <name> ... ` before the child's first line.
        .filter_map(|l| l.find("VALUE ").map(|i| l[i..].to_owned()))
        .collect();
    assert!(!values.is_empty(), "the child printed no values:\n{stdout}");
    values
}

/// The invalid values of `RELENT_BACKEND` to try, given every backend as (name, whether this
/// CPU runs it): a name that is no backend, and the first backend this CPU cannot run
/// (reported as SKIPPED when it runs them all).
pub fn invalid_backends(backends: &[(&str, bool)]) -> Vec<String> {
    let mut v = vec!["bogus".to_owned()];
    match backends.iter().find(|(_, available)| !available) {
        Some((name, _)) => v.push((*name).to_owned()),
        None => println!(
            "SKIPPED: RELENT_BACKEND=<a backend this CPU lacks>: this CPU runs every backend ({})",
            backends
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
    v
}

/// The parent test: the child's values with each invalid `RELENT_BACKEND`
/// ([`invalid_backends`]) are the values without the variable, bit for bit.
///
/// # Panics
/// If a child fails or its values differ.
pub fn assert_invalid_backends_change_nothing(backends: &[(&str, bool)]) {
    let want = child_values(None);
    for value in invalid_backends(backends) {
        let got = child_values(Some(&value));
        assert_eq!(got, want, "RELENT_BACKEND={value:?}");
        println!(
            "RELENT_BACKEND={value:?}: {} values as without it",
            got.len()
        );
    }
}
