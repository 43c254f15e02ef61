//! cargo-fuzz target `slack_inbound`; the checks live in `entries/slack_inbound.rs`, shared with the corpus
//! replay test that runs on stable in CI.
#![no_main]

#[path = "../entries/slack_inbound.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::run(data));
