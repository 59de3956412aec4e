//! `cargo xtask`: relent's project tasks, one module per task.
//!
//! - `cargo xtask ci` runs the checks CI runs (`.ci/run` calls it): formatting, clippy, the
//!   tests (with doc tests), the `half` feature, the docs and the demo.
#![forbid(unsafe_code)]

mod ci;
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
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Ci(args) => ci::run(&args),
    }
}
