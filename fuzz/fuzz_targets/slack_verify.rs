//! cargo-fuzz target `slack_verify`; the checks live in `entries/slack_verify.rs`, shared with the corpus
//! replay test that runs on stable in CI.
#![no_main]

#[path = "../entries/slack_verify.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::run(data));
