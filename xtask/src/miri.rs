//! `cargo xtask miri`: the portable and scalar code paths and the dispatch code's safe surface
//! under Miri, the interpreter that detects undefined behaviour, on nightly. Installs the
//! `miri` component if missing. Under Miri no SIMD extension is detected, so every call takes
//! the portable (`wide`) or scalar backend — the code this checks. Suites, in order:
//! 1. `relent-scalar`: unit and integration tests (the reference);
//! 2. `relent-simd`: the backend harness (every function, portable and scalar backends, a few
//!    lengths and offsets under `cfg(miri)`, invalid inputs, special values) and the dispatch
//!    surface (`backend::tests::safe_surface`: names, `for_backend`, the cached choice read
//!    from several threads, `clear_upper_vector_state`) and the route (`route::tests`);
//! 3. `relent`: its unit tests and the `errors`, `special_values`, `regressions`, `concurrency`
//!    and `hostile` suites (checked API over the portable kernels, batch calls on thread pools).
//!
//! `--full` adds relent's `properties` and `reference` suites (hours).
//!
//! Miri runs code about a thousand times slower than a native build: tests that sweep many
//! cases use fewer under `cfg(miri)`, and the few that cannot be made small enough say so
//! with `#[cfg_attr(miri, ignore = "…")]`. Doc tests are skipped (`--lib --tests`).

use crate::fuzz::succeeds;
use crate::step::Step;

/// Options of `cargo xtask miri`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also run relent's `properties` and `reference` suites (hours under Miri).
    #[arg(long)]
    pub full: bool,
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
    let mut relent: Vec<&'static str> = vec!["--lib"];
    let mut suites = vec![
        "errors",
        "special_values",
        "regressions",
        "concurrency",
        "hostile",
    ];
    if args.full {
        suites.extend(["properties", "reference"]);
    }
    for t in suites {
        relent.extend(["--test", t]);
    }
    let runs: [(&str, Vec<&'static str>, Vec<&'static str>); 3] = [
        ("relent-scalar", vec!["--lib", "--tests"], vec![]),
        (
            "relent-simd",
            vec!["--lib"],
            vec!["harness::", "backend::", "route::"],
        ),
        ("relent", relent, vec![]),
    ];
    for (package, targets, filters) in runs {
        let mut cmd: Vec<&'static str> = vec!["+nightly", "miri", "test", "--package"];
        cmd.push(crate::fuzz::leak(package.to_string()));
        cmd.extend(targets);
        cmd.push("--no-fail-fast");
        let extra: Vec<&'static str> = args
            .test_args
            .iter()
            .map(|a| crate::fuzz::leak(a.clone()))
            .collect();
        if !filters.is_empty() || !extra.is_empty() {
            cmd.push("--");
            cmd.extend(filters);
            cmd.extend(extra);
        }
        // Symbolic alignment checks catch alignment that holds only by luck; the seed makes
        // Miri's own randomness (address layout, scheduling) reproducible. The aliasing model
        // is Tree Borrows: rayon's crossbeam-epoch is known to break the (stricter,
        // experimental) Stacked Borrows rules and is checked by its authors under Tree Borrows
        // (crossbeam-rs/crossbeam#996, rayon-rs/rayon#1185); for the same reason provenance is
        // not strict (it casts integers to pointers). Isolation is off because proptest asks
        // for the working directory (its failure-persistence file); the tests touch no other
        // host state. Leaks are not errors: crossbeam-epoch's global collector (under rayon) is
        // a static that is never freed, on purpose (crossbeam's own Miri runs ignore leaks too).
        // Floats are deterministic: Miri otherwise adds random ulp-level errors to `ln`/`exp`
        // (to model other platforms' libms), which breaks the bit-identity checks across
        // offsets of the harness (the kernels' own arithmetic is IEEE-exact either way).
        let t0 = std::time::Instant::now();
        Step::cargo(&cmd)
            .env(
                "MIRIFLAGS",
                "-Zmiri-tree-borrows -Zmiri-symbolic-alignment-check -Zmiri-seed=1 \
                 -Zmiri-disable-isolation -Zmiri-ignore-leaks -Zmiri-deterministic-floats",
            )
            .run()?;
        println!(
            "== xtask miri: {package} clean in {:.0} s",
            t0.elapsed().as_secs_f64()
        );
    }
    println!("== xtask miri: no undefined behaviour found");
    Ok(())
}
