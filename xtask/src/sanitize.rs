//! `cargo xtask sanitize`: the test suites of `relent-scalar` and `relent` (unit, integration
//! and property tests) built with AddressSanitizer on nightly, so that an out-of-bounds access
//! or use-after-free in any code path (the SIMD kernels' `unsafe` included, once they land)
//! aborts the run.
//!
//! The sanitizer is an ABI-changing flag: by default the standard library is rebuilt with it
//! (`-Zbuild-std`, needs the `rust-src` component, installed if missing); `--no-build-std`
//! links the prebuilt one instead (faster, std itself is then not instrumented).

use crate::miri::ensure_component;
use crate::step::Step;

/// Options of `cargo xtask sanitize`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Link the prebuilt (uninstrumented) standard library instead of rebuilding it.
    #[arg(long)]
    pub no_build_std: bool,
}

/// The host target, which `-Zsanitizer` needs named (so build scripts and proc macros are
/// built without it).
const TARGET: &str = "x86_64-unknown-linux-gnu";

/// Runs the tests under AddressSanitizer.
pub fn run(args: &Args) -> anyhow::Result<()> {
    if !cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        anyhow::bail!("xtask sanitize supports x86_64 Linux only");
    }
    let mut cmd = vec![
        "+nightly",
        "test",
        "--target",
        TARGET,
        "--package",
        "relent-scalar",
        "--package",
        "relent",
        "--features",
        "relent/half",
        "--lib",
        "--tests",
    ];
    let rustflags = if args.no_build_std {
        "-Zsanitizer=address -Cunsafe-allow-abi-mismatch=sanitizer"
    } else {
        ensure_component("rust-src")?;
        cmd.push("-Zbuild-std");
        "-Zsanitizer=address"
    };
    Step::cargo(&cmd)
        .env("RUSTFLAGS", rustflags)
        .env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
        .run()?;
    println!("== xtask sanitize: AddressSanitizer found nothing");
    Ok(())
}
