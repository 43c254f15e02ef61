//! Per-flow sandbox limits read from the flow's vars.

use std::collections::BTreeMap;
use std::time::Duration;

use symflow_flow_host::catalog::{limits_from_vars, MEMORY_LIMIT_VAR, TIME_LIMIT_VAR};

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_without_vars() {
    let limits = limits_from_vars(&vars(&[("request_channel", "#sym-requests")])).unwrap();
    assert_eq!(limits.memory_bytes, 256 << 20);
    assert_eq!(limits.deadline, Duration::from_secs(5));
}

#[test]
fn vars_set_memory_and_time() {
    let limits =
        limits_from_vars(&vars(&[(MEMORY_LIMIT_VAR, "64"), (TIME_LIMIT_VAR, "1500")])).unwrap();
    assert_eq!(limits.memory_bytes, 64 << 20);
    assert_eq!(limits.deadline, Duration::from_millis(1500));
}

#[test]
fn bad_values_are_refused_with_the_key() {
    for bad in ["0", "-1", "lots", "100000"] {
        let error = limits_from_vars(&vars(&[(TIME_LIMIT_VAR, bad)])).unwrap_err();
        assert!(error.contains(TIME_LIMIT_VAR), "{error}");
    }
}
