//! `relent`: KL divergence and its family from the command line, over real files (.npy,
//! .safetensors, .csv).
//!
//! Each subcommand lives in its own file under `src/cmd/`; this file only parses the
//! command line, warns about an invalid `RELENT_BACKEND` and dispatches.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use relent_cli::cmd;

/// KL divergence and its family, exactly and fast, over .npy, .safetensors and CSV files.
#[derive(Parser, Debug)]
#[command(name = "relent", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Row-wise divergence of two files: D(p_i ‖ q_i) for every row i.
    Rows(cmd::rows::Args),
    /// One query distribution against every row of a corpus.
    OneVsMany(cmd::one_vs_many::Args),
    /// Every row of P against every row of Q: the full matrix.
    AllPairs(cmd::pairs::AllPairsArgs),
    /// The k rows of Q nearest to each row of P (smallest divergence).
    TopK(cmd::pairs::TopKArgs),
    /// Statistics of a row-wise result: mean, median, quantiles, min and max with their rows.
    Summary(cmd::summary::Args),
    /// A quick benchmark on this machine: backend in use and throughput per size.
    Bench(cmd::bench::Args),
    /// Compute every divergence on a small, realistic, seeded example and explain the numbers.
    Demo(cmd::demo::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // An invalid RELENT_BACKEND is a warning, not an error (see the README): once, at start.
    if let Some(warning) = relent_cli::backend_warning() {
        eprintln!("{warning}");
    }
    let result = match cli.command {
        Command::Rows(a) => cmd::rows::run(a),
        Command::OneVsMany(a) => cmd::one_vs_many::run(a),
        Command::AllPairs(a) => cmd::pairs::run_all_pairs(a),
        Command::TopK(a) => cmd::pairs::run_top_k(a),
        Command::Summary(a) => cmd::summary::run(a),
        Command::Bench(a) => cmd::bench::run(a),
        Command::Demo(a) => cmd::demo::run(&a, &mut std::io::stdout().lock()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("relent: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
