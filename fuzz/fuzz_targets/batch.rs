//! The batch API (`relent::batch`): arbitrary shapes, strides, thread counts and elements;
//! errors must be exactly the documented ones and values bit-identical to the checked
//! single-pair API (see `relent_fuzz::batch`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relent_fuzz::batch::check(data));
