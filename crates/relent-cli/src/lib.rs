//! The implementation of the `relent` command, one module per subcommand under [`cmd`].
//!
//! The binary (`src/main.rs`) only parses the command line and dispatches; everything a
//! command computes lives here so that tests can recompute it through the library.
//! [`io`] reads `.npy`, `.safetensors` and CSV in row blocks, [`compute`] runs the
//! divergences over those blocks, [`output`] writes results atomically (temporary file, then
//! rename).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// The argument structs' doc comments are the command's --help text (clap), written for a
// terminal: `file[:TENSOR]` there is not an intra-doc link.
#![allow(rustdoc::broken_intra_doc_links)]

pub mod cmd;
pub mod compute;
pub mod io;
pub mod output;
