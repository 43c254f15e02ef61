//! Replays the committed cargo-fuzz corpora (`fuzz/corpus/<target>`, and any crash inputs kept
//! in `fuzz/regressions/<target>`) through the same entry functions the fuzzers run, so every
//! input the fuzzers found interesting stays checked on stable, in the normal test suite,
//! without cargo-fuzz. See fuzz/README.md.

#[path = "../../../fuzz/entries/replay.rs"]
mod replay;
use replay::replay;

#[path = "../../../fuzz/entries/guest_return.rs"]
mod guest_return;

#[test]
fn guest_return_corpus_replays_without_a_panic() {
    replay("guest_return", guest_return::run);
}
