//! `cargo xtask miri`: the tests of the portable code paths (`relent-scalar`, `relent`) under
//! Miri, the interpreter that detects undefined behaviour, on nightly. Installs the `miri`
//! component if missing.
//!
//! Miri runs code about a thousand times slower than a native build: tests that sweep many
//! cases use fewer under `cfg(miri)`, and the few that cannot be made small enough say so
//! with `#[cfg_attr(miri, ignore = "…")]`. Doc tests are skipped (`--lib --tests`).

use crate::fuzz::succeeds;
use crate::step::Step;

/// Options of `cargo xtask miri`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Extra arguments for the test binaries (e.g. a test-name filter).
    #[arg(last = true)]
    pub test_args: Vec<String>,
}

/// Installs the `miri` component (and `rust-src`, which it needs) unless present.
pub(crate) fn ensure_component(component: &'static str) -> anyhow::Result<()> {
    let listed = std::process::Command::new("rustup")
        .args(["component", "list", "--toolchain", "nightly", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if listed.lines().any(|l| l.starts_with(component)) {
        return Ok(());
    }
    Step::new(
        "rustup",
        &["component", "add", component, "--toolchain", "nightly"],
    )
    .run()
}

/// Runs the tests under Miri.
pub fn run(args: &Args) -> anyhow::Result<()> {
    ensure_component("miri")?;
    ensure_component("rust-src")?;
    if !succeeds("cargo", &["+nightly", "miri", "--version"]) {
        anyhow::bail!("`cargo +nightly miri` is not available after installing the component");
    }
    let mut cmd: Vec<&'static str> = vec![
        "+nightly",
        "miri",
        "test",
        "--package",
        "relent-scalar",
        "--package",
        "relent",
        "--lib",
        "--tests",
        "--no-fail-fast",
    ];
    if !args.test_args.is_empty() {
        cmd.push("--");
        cmd.extend(args.test_args.iter().map(|a| crate::fuzz::leak(a.clone())));
    }
    // Symbolic alignment checks catch alignment that holds only by luck; the seed makes
    // Miri's own randomness (address layout, scheduling) reproducible. The aliasing model is
    // Tree Borrows: rayon's crossbeam-epoch is known to break the (stricter, experimental)
    // Stacked Borrows rules and is checked by its authors under Tree Borrows
    // (crossbeam-rs/crossbeam#996, rayon-rs/rayon#1185); for the same reason provenance is not
    // strict (it casts integers to pointers). Isolation is off because proptest asks for the
    // working directory (its failure-persistence file); the tests touch no other host state.
    // Leaks are not errors: crossbeam-epoch's global collector (under rayon) is a static that
    // is never freed, on purpose (crossbeam's own Miri runs ignore leaks too).
    Step::cargo(&cmd)
        .env(
            "MIRIFLAGS",
            "-Zmiri-tree-borrows -Zmiri-symbolic-alignment-check -Zmiri-seed=1 \
             -Zmiri-disable-isolation -Zmiri-ignore-leaks",
        )
        .run()?;
    println!("== xtask miri: no undefined behaviour found");
    Ok(())
}
