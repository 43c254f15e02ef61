//! Replays the committed cargo-fuzz corpora (`fuzz/corpus/<target>`, and any crash inputs kept
//! in `fuzz/regressions/<target>`) through the same entry functions the fuzzers run, so every
//! input the fuzzers found interesting stays checked on stable, in the normal test suite,
//! without cargo-fuzz. See fuzz/README.md.

#[path = "../../../fuzz/entries/replay.rs"]
mod replay;
use replay::replay;

#[path = "../../../fuzz/entries/hcl_config.rs"]
mod hcl_config;

#[test]
fn hcl_config_corpus_replays_without_a_panic() {
    replay("hcl_config", hcl_config::run);
}
