//! `cargo xtask fuzz`: runs the fuzz targets of `fuzz/` (cargo-fuzz, libFuzzer, nightly) for a
//! fixed time each, after replaying the committed corpus through the oracles on stable.
//!
//! New inputs the fuzzer finds go to `fuzz/corpus-work/<target>/` (ignored by git), so the
//! committed seeds in `fuzz/corpus/<target>/` stay small; a crash is written by libFuzzer to
//! `fuzz/artifacts/<target>/` and belongs, once fixed, in a regression test in
//! `crates/relent/tests/regressions.rs`. cargo-fuzz is installed if missing.

use std::process::Command;

use anyhow::{Context, bail};

use crate::step::{Step, workspace_root};

/// Options of `cargo xtask fuzz`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How long to fuzz each target, in seconds.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Fuzz only this target (default: every target `cargo fuzz list` names).
    #[arg(long)]
    pub target: Option<String>,
}

/// A `'static` copy of a run-time string, for [`Step`]'s arguments (xtask is a short-lived
/// process: the few bytes are never freed, on purpose).
pub(crate) fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Whether `program args…` runs and succeeds (its output discarded).
pub(crate) fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Installs cargo-fuzz unless `cargo fuzz` already works.
fn ensure_cargo_fuzz() -> anyhow::Result<()> {
    if succeeds("cargo", &["+nightly", "fuzz", "--version"]) {
        return Ok(());
    }
    Step::cargo(&["install", "cargo-fuzz", "--locked"]).run()
}

/// The targets `cargo fuzz list` names.
fn targets() -> anyhow::Result<Vec<String>> {
    let out = Command::new("cargo")
        .args(["+nightly", "fuzz", "list"])
        .current_dir(workspace_root())
        .output()
        .context("could not run `cargo +nightly fuzz list`")?;
    if !out.status.success() {
        bail!(
            "`cargo +nightly fuzz list` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Replays the corpus, then fuzzes each target for `args.seconds`.
pub fn run(args: &Args) -> anyhow::Result<()> {
    ensure_cargo_fuzz()?;
    // The oracles on the committed corpus first (stable, seconds): a broken oracle or a
    // regression shows here before minutes of fuzzing.
    Step::cargo(&["test", "--manifest-path", "fuzz/Cargo.toml"]).run()?;
    let all = targets()?;
    let chosen: Vec<String> = match &args.target {
        Some(t) if all.contains(t) => vec![t.clone()],
        Some(t) => bail!("no fuzz target `{t}` (targets: {})", all.join(", ")),
        None => all,
    };
    let root = workspace_root();
    for t in &chosen {
        let work = root.join("fuzz").join("corpus-work").join(t);
        std::fs::create_dir_all(&work)
            .with_context(|| format!("could not create {}", work.display()))?;
        let seeds = root.join("fuzz").join("corpus").join(t);
        Step::new(
            "cargo",
            &[
                "+nightly",
                "fuzz",
                "run",
                leak(t.clone()),
                leak(work.display().to_string()),
                leak(seeds.display().to_string()),
                "--",
                leak(format!("-max_total_time={}", args.seconds)),
                "-max_len=16384",
                "-timeout=20",
                "-print_final_stats=1",
            ],
        )
        .run()?;
    }
    println!(
        "== xtask fuzz: {} target(s), {} s each, no failure",
        chosen.len(),
        args.seconds
    );
    Ok(())
}
