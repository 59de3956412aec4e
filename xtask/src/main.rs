//! `cargo xtask`: relent's project tasks, one module per task.
//!
//! - `cargo xtask ci` runs the checks CI runs (`.ci/run` calls it): formatting, clippy, the
//!   tests (with doc tests), the `half` feature, the docs and the demo.
//! - `cargo xtask bench-report` runs the single-pair benchmarks and writes `docs/bench.md` and
//!   `docs/bench.svg`;
//! - `cargo xtask accuracy-report` measures every implementation's error and writes
//!   `docs/accuracy.md`.
//! - `cargo xtask fuzz`, `miri`, `sanitize`: the hardening checks (fuzz targets with oracles,
//!   Miri, AddressSanitizer), on nightly.
#![forbid(unsafe_code)]

mod accuracy_report;
mod bench_report;
mod ci;
mod fuzz;
mod miri;
mod sanitize;
mod step;

use clap::{Parser, Subcommand};

/// relent's project tasks.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Run every check CI runs, in order, stopping at the first failure.
    Ci(ci::Args),
    /// Run the single-pair benchmarks (or read saved results) and write docs/bench.md + .svg.
    BenchReport(bench_report::Args),
    /// Measure relent's and the peers' errors on the accuracy suite; write docs/accuracy.md.
    AccuracyReport(accuracy_report::Args),
    /// Fuzz every target of `fuzz/` for a while (cargo-fuzz, nightly).
    Fuzz(fuzz::Args),
    /// Run the portable/scalar paths and the dispatch surface under Miri (nightly).
    Miri(miri::Args),
    /// Run the tests of relent-scalar and relent with AddressSanitizer (nightly).
    Sanitize(sanitize::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Ci(args) => ci::run(&args),
        Task::BenchReport(args) => bench_report::run(&args),
        Task::AccuracyReport(args) => accuracy_report::run(&args),
        Task::Fuzz(args) => fuzz::run(&args),
        Task::Miri(args) => miri::run(&args),
        Task::Sanitize(args) => sanitize::run(&args),
    }
}
