//! relent (being written).
