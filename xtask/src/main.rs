//! `cargo xtask`: relent's project tasks, one module per task.
//!
//! - `cargo xtask bench-report` runs the single-pair benchmarks and writes `docs/bench.md` and
//!   `docs/bench.svg`;
//! - `cargo xtask accuracy-report` measures every implementation's error and writes
//!   `docs/accuracy.md`.
#![forbid(unsafe_code)]

mod accuracy_report;
mod bench_report;

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
    /// Run the single-pair benchmarks (or read saved results) and write docs/bench.md + .svg.
    BenchReport(bench_report::Args),
    /// Measure relent's and the peers' errors on the accuracy suite; write docs/accuracy.md.
    AccuracyReport(accuracy_report::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::BenchReport(args) => bench_report::run(&args),
        Task::AccuracyReport(args) => accuracy_report::run(&args),
    }
}
