//! The implementation of the `relent` command, one module per subcommand under [`cmd`].
//!
//! The binary (`src/main.rs`) only parses the command line and dispatches; everything a
//! command computes lives here so that tests can recompute it through the library.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cmd;
