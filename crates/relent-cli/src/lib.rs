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

/// The warning the `relent` command prints once, at start, on stderr when `RELENT_BACKEND`
/// cannot be honoured ([`relent::try_backend`] is `Err`): one line naming the variable, why it
/// is ignored and the backend used instead. `None` when the variable is unset or valid.
///
/// An invalid variable is a warning, not an error: relent computes with the fastest available
/// backend (within the same documented bounds), so the command goes on and exits as usual.
///
/// ```
/// match relent_cli::backend_warning() {
///     None => assert!(relent::try_backend().is_ok()),
///     Some(w) => {
///         assert!(w.starts_with("relent: warning: RELENT_BACKEND"));
///         assert!(w.ends_with(&format!("; using {}", relent::backend())));
///     }
/// }
/// ```
pub fn backend_warning() -> Option<String> {
    relent::try_backend()
        .err()
        .map(|e| format!("relent: warning: {e}; using {}", relent::backend()))
}
