//! `cargo xtask`: relent's project tasks, one module per task.
//!
//! - `cargo xtask ci` runs the checks CI runs (`.ci/run` calls it): formatting, clippy, the
//!   tests (with doc tests), the `half` feature, the docs and the demo.
//! - `cargo xtask fuzz`, `miri`, `sanitize`: the hardening checks (fuzz targets with oracles,
//!   Miri, AddressSanitizer), on nightly.
#![forbid(unsafe_code)]

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
    /// Fuzz every target of `fuzz/` for a while (cargo-fuzz, nightly).
    Fuzz(fuzz::Args),
    /// Run the tests of relent-scalar and relent under Miri (nightly).
    Miri(miri::Args),
    /// Run the tests of relent-scalar and relent with AddressSanitizer (nightly).
    Sanitize(sanitize::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Ci(args) => ci::run(&args),
        Task::Fuzz(args) => fuzz::run(&args),
        Task::Miri(args) => miri::run(&args),
        Task::Sanitize(args) => sanitize::run(&args),
    }
}
