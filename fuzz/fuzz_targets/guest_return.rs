//! cargo-fuzz target `guest_return`; the checks live in `entries/guest_return.rs`, shared with the corpus
//! replay test that runs on stable in CI.
#![no_main]

#[path = "../entries/guest_return.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::run(data));
