//! The subcommands of `relent`, one file each (`common` holds the flags they share).

pub mod bench;
pub mod common;
pub mod demo;
pub mod one_vs_many;
pub mod pairs;
pub mod rows;
pub mod summary;
