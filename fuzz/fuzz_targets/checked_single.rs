//! The checked single-pair API: every function, every element type, arbitrary slices and
//! temperatures; `Ok` values must equal the reference within the documented bound and
//! errors must be exactly the documented ones (see `relent_fuzz::single`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relent_fuzz::single::check(data));
