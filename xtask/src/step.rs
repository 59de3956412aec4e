//! One step of a task: a command run from the workspace root, echoed before it runs, timed,
//! and turned into an error if it fails.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

/// A command to run from the workspace root, with extra environment variables.
pub struct Step {
    program: &'static str,
    args: Vec<&'static str>,
    env: Vec<(&'static str, &'static str)>,
}

impl Step {
    /// `program args…`.
    pub fn new(program: &'static str, args: &[&'static str]) -> Step {
        Step {
            program,
            args: args.to_vec(),
            env: Vec::new(),
        }
    }

    /// `cargo args…`.
    pub fn cargo(args: &[&'static str]) -> Step {
        Step::new("cargo", args)
    }

    /// Sets an environment variable for this step.
    pub fn env(mut self, key: &'static str, value: &'static str) -> Step {
        self.env.push((key, value));
        self
    }

    /// Runs the step and fails if it fails.
    pub fn run(&self) -> anyhow::Result<()> {
        let shown: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .chain(std::iter::once(self.program.to_owned()))
            .chain(self.args.iter().map(|a| (*a).to_owned()))
            .collect();
        let shown = shown.join(" ");
        println!("== {shown}");
        let start = Instant::now();
        let status = Command::new(self.program)
            .args(&self.args)
            .envs(self.env.iter().copied())
            .current_dir(workspace_root())
            .status()
            .with_context(|| format!("could not start `{shown}`"))?;
        println!("== {:.1} s: {shown}", start.elapsed().as_secs_f64());
        if !status.success() {
            bail!("`{shown}` failed ({status})");
        }
        Ok(())
    }
}

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
