//! `cargo xtask ci`: the checks CI runs, in order. `.ci/run` calls this, so a developer who
//! runs `cargo xtask ci` runs exactly what CI runs.

use crate::step::Step;

/// Options of `cargo xtask ci`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Skip the formatting and clippy checks (run only the tests, docs and demo).
    #[arg(long)]
    pub tests_only: bool,
}

/// The steps, in order: cheap static checks first, then the tests.
fn steps(args: &Args) -> Vec<Step> {
    let mut steps = Vec::new();
    if !args.tests_only {
        steps.push(Step::cargo(&["fmt", "--all", "--check"]));
        steps.push(Step::cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]));
        steps.push(Step::cargo(&[
            "clippy",
            "--package",
            "relent",
            "--all-targets",
            "--features",
            "half",
            "--",
            "-D",
            "warnings",
        ]));
    }
    // The README's test command: unit, integration, property and doc tests (README included).
    steps.push(Step::cargo(&["test", "--workspace"]));
    // f16 / bf16 through the checked API.
    steps.push(Step::cargo(&[
        "test",
        "--package",
        "relent",
        "--features",
        "half",
    ]));
    // Docs build without warnings (broken intra-doc links, missing docs).
    steps
        .push(Step::cargo(&["doc", "--workspace", "--no-deps"]).env("RUSTDOCFLAGS", "-D warnings"));
    // The benchmarks run once in test mode (each checks its result first), so they cannot
    // rot; the heavy peers (C builds) stay behind the `peers` feature, off here.
    steps.push(Step::cargo(&[
        "bench",
        "--package",
        "relent-benches",
        "--",
        "--test",
    ]));
    steps.push(Step::cargo(&[
        "bench",
        "--package",
        "relent-batch",
        "--",
        "--test",
    ]));
    // The newcomer's first command runs (debug build: the release build adds minutes).
    steps.push(Step::cargo(&[
        "run",
        "--quiet",
        "--package",
        "relent-cli",
        "--",
        "demo",
    ]));
    steps
}

/// Runs every step, stopping at the first failure.
pub fn run(args: &Args) -> anyhow::Result<()> {
    for step in steps(args) {
        step.run()?;
    }
    println!("== xtask ci: all checks passed");
    Ok(())
}
