//! `relent`: KL divergence and its family from the command line.
//!
//! Each subcommand lives in its own file under `src/cmd/`; this file only parses the
//! command line and dispatches.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use relent_cli::cmd;

/// KL divergence and its family, exact and fast.
#[derive(Debug, Parser)]
#[command(name = "relent", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compute every divergence on a small, realistic, seeded example and explain the numbers.
    Demo(cmd::demo::Args),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Demo(args) => cmd::demo::run(&args, &mut out),
    }
}
