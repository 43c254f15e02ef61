//! cargo-fuzz target `hcl_config`; the checks live in `entries/hcl_config.rs`, shared with the corpus
//! replay test that runs on stable in CI.
#![no_main]

#[path = "../entries/hcl_config.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::run(data));
