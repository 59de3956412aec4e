//! # relent-benches
//!
//! relent's benchmarks and accuracy report, with the peers measured in the same run.
//!
//! - [`impls`]: the table of named implementations per function and element type — relent's
//!   rows (the only place that calls relent), the peers, and the streaming-read limit.
//! - [`data`]: seeded inputs.
//! - [`bounds`]: the documented error bounds the benchmarks assert and the report checks.
//! - [`accuracy`]: the accuracy suite (cases and error measurement), run by
//!   `cargo xtask accuracy-report` through the `accuracy` binary.
//!
//! The heavy peers (numkong, simsimd, ndarray-stats: C builds) are behind the `peers` feature.
#![forbid(unsafe_code)]

pub mod accuracy;
pub mod bounds;
pub mod data;
pub mod impls;
