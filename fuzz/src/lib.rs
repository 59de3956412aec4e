//! # relent-fuzz — fuzz targets and their oracles
//!
//! Each fuzz target (`fuzz_targets/<name>.rs`) is one line that calls `<module>::check` of
//! this library, which decodes the fuzzer's bytes into an input, runs relent on it and
//! **checks the answer against an oracle** — not only "no panic":
//!
//! - [`single`] (target `checked_single`): the checked single-pair API, every function and
//!   element type; `Ok` values against `relent_scalar` within [`bounds`], errors against an
//!   independent statement of the domains and their precedence.
//!
//! - [`batch`] (target `batch`): `relent::batch` — one pair, a long pair, row-paired,
//!   one-vs-many, all-pairs, top-k — with arbitrary shapes, strides (valid or not) and
//!   elements, serial or on pools of 1 and 2 threads; errors exactly the documented ones,
//!   values bit-identical to the checked single-pair API, top-k the k smallest by index.
//! - [`readers`] (target `readers`): the CLI's `.npy`, `.safetensors` and CSV readers on
//!   arbitrary bytes (errors, never a panic or an absurd allocation) and on valid files
//!   written by a known encoder (the values read back bit for bit).
//!
//! A new target is a module with a `check(&[u8])`, a `[[bin]]` in `Cargo.toml`, a seed corpus
//! in `corpus/<target>/`, and an entry in [`TARGETS`].
//!
//! The committed corpus is replayed by `cargo test --manifest-path fuzz/Cargo.toml` (stable),
//! and `RELENT_FUZZ_WRITE_SEEDS=1` in that command regenerates the seed files.
#![forbid(unsafe_code)]

pub mod batch;
pub mod bounds;
pub mod bytes;
pub mod readers;
pub mod single;

/// The fuzz targets, as named in `Cargo.toml` and `corpus/`.
pub const TARGETS: &[&str] = &["checked_single", "batch", "readers"];

#[cfg(test)]
mod corpus;
