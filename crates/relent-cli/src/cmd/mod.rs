//! The subcommands that compute over files (`demo` lives beside them in its own module).

pub mod bench;
pub mod common;
pub mod one_vs_many;
pub mod pairs;
pub mod rows;
pub mod summary;
