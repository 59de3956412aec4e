//! relent's project tasks: `cargo xtask <command>`.
#![forbid(unsafe_code)]

mod accuracy_report;
mod bench_report;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bench-report") => bench_report::run(&args[1..]),
        Some("accuracy-report") => accuracy_report::run(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <bench-report|accuracy-report> [--help]");
            std::process::exit(2);
        }
    }
}
