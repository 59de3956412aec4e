//! The `f32`-lane kernels: bound class 2^-21, routed only for `f32` inputs at
//! [`crate::Precision::Default`] on AVX-512 and AVX2 (see [`crate::route`]). Each hands a chunk
//! it cannot take to an `f64`-lane kernel, deciding from the chunk's own values.

pub(crate) mod exp;
pub(crate) mod gaussian;
pub(crate) mod ratio;
