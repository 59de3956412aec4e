//! Own vector math: the logarithm (as a log-*ratio* core) and the exponential, on `f64` lanes.
//!
//! Both are written once over [`crate::lanes::Lanes`] and tested over dense sweeps of bit
//! patterns against a double-double reference (see the tests in each module).

pub(crate) mod exp;
pub(crate) mod ln;
