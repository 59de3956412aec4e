//! Shared test-case generator (being written).
#![forbid(unsafe_code)]
