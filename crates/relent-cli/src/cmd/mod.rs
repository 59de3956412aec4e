//! The subcommands of `relent`, one file each.

pub mod demo;
