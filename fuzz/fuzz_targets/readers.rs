//! The CLI's file readers (`.npy`, `.safetensors`, CSV): arbitrary bytes never panic and never
//! allocate absurd amounts; valid files read back bit for bit (see `relent_fuzz::readers`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relent_fuzz::readers::check(data));
