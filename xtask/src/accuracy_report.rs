//! `cargo xtask accuracy-report`: writes `docs/accuracy.md` by running the `accuracy` binary of
//! `benches/` (the measurement lives there, so xtask stays light).
//!
//! ```text
//! cargo xtask accuracy-report                  # relent + all peers, then docs/accuracy.md
//! cargo xtask accuracy-report --check          # also fail if relent exceeds a documented bound
//! cargo xtask accuracy-report --no-peers       # without numkong/simsimd/ndarray-stats
//! cargo xtask accuracy-report --skip-no-avx512 # skip the peers' AVX2-only build (below)
//! ```
//!
//! On a CPU with AVX-512, numkong and simsimd dispatch to their AVX-512 kernels, which hides
//! what they return on the (many) CPUs without it. So, unless `--skip-no-avx512`, the peers are
//! also built a second time with their AVX-512 kernels compiled out (their build scripts' own
//! switches: `NK_TARGET_SKYLAKE=0 …`, `SIMSIMD_TARGET_SKYLAKE=0 …`, in a separate target
//! directory) and measured again; those rows are labelled "(no AVX-512)".

use crate::bench_report::{target_dir, workspace_root};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::Command;

/// numkong's x86 targets that use AVX-512 (its build.rs probe names).
pub const NK_AVX512: [&str; 8] = [
    "NK_TARGET_SKYLAKE",
    "NK_TARGET_ICELAKE",
    "NK_TARGET_GENOA",
    "NK_TARGET_SAPPHIRE",
    "NK_TARGET_SAPPHIREAMX",
    "NK_TARGET_GRANITEAMX",
    "NK_TARGET_DIAMOND",
    "NK_TARGET_TURIN",
];
/// simsimd 6.5's x86 targets that use AVX-512 (its build.rs switches).
pub const SIMSIMD_AVX512: [&str; 5] = [
    "SIMSIMD_TARGET_SKYLAKE",
    "SIMSIMD_TARGET_ICE",
    "SIMSIMD_TARGET_GENOA",
    "SIMSIMD_TARGET_SAPPHIRE",
    "SIMSIMD_TARGET_TURIN",
];

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(workspace_root());
    c
}

pub fn has_avx512() -> bool {
    std::fs::read_to_string("/proc/cpuinfo")
        .map(|s| s.split_whitespace().any(|w| w == "avx512f"))
        .unwrap_or(false)
}

/// Options of `cargo xtask accuracy-report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Exit with an error if a relent row exceeds its documented bound.
    #[arg(long)]
    check: bool,
    /// Without the heavy peers (numkong, simsimd, ndarray-stats).
    #[arg(long)]
    no_peers: bool,
    /// Skip the second build of numkong and simsimd without their AVX-512 kernels.
    #[arg(long)]
    skip_no_avx512: bool,
    /// Where to write the report [default: docs/accuracy.md].
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Entry point of `cargo xtask accuracy-report`.
pub fn run(args: &Args) -> Result<()> {
    let (check, peers, no_avx512) = (args.check, !args.no_peers, !args.skip_no_avx512);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| workspace_root().join("docs").join("accuracy.md"));
    if let Some(d) = out.parent() {
        std::fs::create_dir_all(d)?;
    }
    let mut main = cargo();
    main.args(["run", "--release", "-p", "relent-benches"]);
    if peers {
        main.args(["--features", "peers"]);
    }
    main.args(["--bin", "accuracy", "--"]);
    main.arg("--out").arg(&out);
    if check {
        main.arg("--check");
    }

    if peers && no_avx512 && has_avx512() {
        let dir = target_dir().join("peers-no-avx512");
        let json = dir.join("peers-no-avx512.json");
        std::fs::create_dir_all(&dir)?;
        let mut c = cargo();
        c.env("CARGO_TARGET_DIR", &dir);
        for v in NK_AVX512.iter().chain(&SIMSIMD_AVX512) {
            c.env(v, "0");
        }
        c.args([
            "run",
            "--release",
            "-p",
            "relent-benches",
            "--features",
            "peers",
        ])
        .args([
            "--bin",
            "accuracy",
            "--",
            "--only",
            "numkong,simsimd",
            "--label",
            "(no AVX-512)",
        ])
        .arg("--json")
        .arg(&json);
        eprintln!("accuracy-report: peers without their AVX-512 kernels: {c:?}");
        let st = c
            .status()
            .context("run the accuracy binary (no AVX-512 peers)")?;
        if !st.success() {
            bail!("accuracy binary (no AVX-512 peers) failed: {st}");
        }
        main.arg("--include").arg(&json).arg("--note").arg(format!(
            "rows marked \"(no AVX-512)\": numkong and simsimd rebuilt with their AVX-512 kernels \
             compiled out ({}=0, {}=0, …), i.e. what they run on an AVX2-only CPU",
            NK_AVX512[0], SIMSIMD_AVX512[0]
        ));
    }
    eprintln!("accuracy-report: {main:?}");
    let st = main.status().context("run the accuracy binary")?;
    if !st.success() {
        bail!("accuracy binary failed: {st}");
    }
    Ok(())
}
