//! Replays the committed cargo-fuzz corpora (`fuzz/corpus/<target>`, and any crash inputs kept
//! in `fuzz/regressions/<target>`) through the same entry functions the fuzzers run, so every
//! input the fuzzers found interesting stays checked on stable, in the normal test suite,
//! without cargo-fuzz. See fuzz/README.md.

#[path = "../../../fuzz/entries/replay.rs"]
mod replay;
use replay::replay;

#[path = "../../../fuzz/entries/slack_inbound.rs"]
mod slack_inbound;
#[path = "../../../fuzz/entries/slack_verify.rs"]
mod slack_verify;

#[test]
fn slack_inbound_corpus_replays_without_a_panic() {
    replay("slack_inbound", slack_inbound::run);
}

#[test]
fn slack_verify_corpus_replays_without_a_panic() {
    replay("slack_verify", slack_verify::run);
}
