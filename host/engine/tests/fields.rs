//! Durations (spec §4.5), the injected `duration` / `target_id` fields, and field
//! validation for every prompt field type.

mod common;

use common::*;
use serde_json::{json, Value};
use symflow_engine::*;

#[test]
fn duration_field_is_injected_only_where_sym_injects_it() {
    // (has_strategy, schedule_deescalation, own duration field, injected?)
    let table = [
        (true, true, false, true),
        (true, true, true, false),
        (true, false, false, false),
        (false, true, false, false),
    ];
    for (strategy, schedule, own, injected) in table {
        let mut spec = approval_spec(&[]);
        spec.has_strategy = strategy;
        spec.schedule_deescalation = schedule;
        if own {
            let mut d = PromptFieldSpec::new("duration", FieldType::Duration);
            d.allowed_values = Some(vec!["1h".into(), "1d".into(), "10d".into()]);
            spec.prompt_fields.push(d);
        }
        let fields = spec.effective_prompt_fields();
        let durations: Vec<&PromptFieldSpec> =
            fields.iter().filter(|f| f.name == "duration").collect();
        if injected {
            assert_eq!(durations.len(), 1);
            let d = durations[0];
            assert_eq!(d.field_type, FieldType::Duration);
            assert!(d.required && d.visible);
            assert_eq!(d.allowed_values.as_deref().unwrap(), ["30s", "10m", "1h"]);
        } else if own {
            assert_eq!(durations.len(), 1);
            assert_eq!(
                durations[0].allowed_values.as_deref().unwrap(),
                ["1h", "1d", "10d"],
                "own field kept"
            );
        } else {
            assert!(durations.is_empty(), "{strategy} {schedule}");
        }
    }
}

#[test]
fn target_choice_is_injected_for_several_targets_and_automatic_for_one() {
    let mut spec = strategy_spec(&[]);
    assert!(spec
        .effective_prompt_fields()
        .iter()
        .all(|f| f.name != "target_id"));
    let out = validate_fields(
        &spec,
        &fields(&[("reason", json!("x")), ("duration", json!("1h"))]),
    )
    .unwrap();
    assert_eq!(out["target_id"], json!("t1"));
    assert_eq!(out["target"]["label"], json!("Group t1"));

    spec.targets.push(target("t2"));
    let names: Vec<String> = spec
        .effective_prompt_fields()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, ["target_id", "reason", "duration"]);
    let err = validate_fields(
        &spec,
        &fields(&[("reason", json!("x")), ("duration", json!("1h"))]),
    )
    .unwrap_err();
    assert_eq!(err[0].field, "target_id");
    let err = validate_fields(
        &spec,
        &fields(&[
            ("reason", json!("x")),
            ("duration", json!("1h")),
            ("target_id", json!("t9")),
        ]),
    )
    .unwrap_err();
    assert!(err[0].message.contains("not one of this flow's targets"));
    // By id, by name, or by SRN (API `target_srn`).
    for given in [
        ("target_id", "t2"),
        ("target_id", "t2-name"),
        ("target_srn", "acme:access_target:okta_group:t2:latest"),
    ] {
        let out = validate_fields(
            &spec,
            &fields(&[
                ("reason", json!("x")),
                ("duration", json!("1h")),
                (given.0, json!(given.1)),
            ]),
        )
        .unwrap();
        assert_eq!(out["target_id"], json!("t2"), "{given:?}");
        assert_eq!(out["target"]["settings"]["group_id"], json!("00g-t2"));
    }
}

fn one_field(field: PromptFieldSpec) -> FlowSpec {
    let mut spec = FlowSpec::new("f", "acme:flow:f:latest");
    spec.prompt_fields = vec![field];
    spec
}

fn with_allowed(mut f: PromptFieldSpec, values: &[&str]) -> PromptFieldSpec {
    f.allowed_values = Some(values.iter().map(|s| s.to_string()).collect());
    f
}

#[test]
fn every_field_type_normalises_or_explains() {
    use FieldType::*;
    let pf = PromptFieldSpec::new;
    // (field, given, Ok(canonical) or Err(words of the message))
    let rows: Vec<(PromptFieldSpec, Value, Result<Value, &str>)> = vec![
        (pf("s", String), json!("  hello "), Ok(json!("hello"))),
        (pf("s", String), json!(42), Ok(json!("42"))),
        (
            with_allowed(pf("s", String), &["a", "b"]),
            json!("b"),
            Ok(json!("b")),
        ),
        (
            with_allowed(pf("s", String), &["a", "b"]),
            json!("c"),
            Err("choose one of: a, b"),
        ),
        (pf("n", Int), json!("12"), Ok(json!(12))),
        (pf("n", Int), json!(-3), Ok(json!(-3))),
        (pf("n", Int), json!("1.5"), Err("whole number")),
        (
            with_allowed(pf("n", Int), &["1", "2"]),
            json!(3),
            Err("not allowed"),
        ),
        (pf("b", Bool), json!("yes"), Ok(json!(true))),
        (pf("b", Bool), json!(false), Ok(json!(false))),
        (pf("b", Bool), json!("maybe"), Err("yes or no")),
        (pf("d", Duration), json!("1h"), Ok(json!(3600))),
        (pf("d", Duration), json!(90), Ok(json!(90))),
        (pf("d", Duration), json!("1mo"), Ok(json!(2_592_000))),
        (pf("d", Duration), json!("1 week"), Err("not a duration")),
        (
            with_allowed(pf("d", Duration), &["30m", "1h"]),
            json!("60m"),
            Ok(json!(3600)),
        ),
        (
            with_allowed(pf("d", Duration), &["30m", "1h"]),
            json!("2h"),
            Err("one of: 30m, 1h"),
        ),
        (
            pf("u", SlackUser),
            json!("U123"),
            Ok(json!({ "user_id": "U123", "username": null })),
        ),
        (
            pf("u", SlackUser),
            json!("<@U9>"),
            Ok(json!({ "user_id": "U9", "username": null })),
        ),
        (
            pf("u", SlackUser),
            json!({ "user_id": "U1", "username": "al" }),
            Ok(json!({ "user_id": "U1", "username": "al" })),
        ),
        (pf("u", SlackUser), json!(5), Err("Slack user")),
        (
            pf("us", SlackUserList),
            json!(["U1", "U2"]),
            Ok(
                json!([{ "user_id": "U1", "username": null }, { "user_id": "U2", "username": null }]),
            ),
        ),
        (
            pf("l", StrList),
            json!("a, b ,c"),
            Ok(json!(["a", "b", "c"])),
        ),
        (pf("l", StrList), json!(["x"]), Ok(json!(["x"]))),
        (
            with_allowed(pf("l", StrList), &["x", "y"]),
            json!(["x", "z"]),
            Err("`z` is not allowed"),
        ),
        (pf("il", IntList), json!("1,2"), Ok(json!([1, 2]))),
        (pf("il", IntList), json!(["1", "x"]), Err("whole numbers")),
    ];
    for (field, given, expected) in rows {
        let name = field.name.clone();
        let spec = one_field(field);
        let got = validate_fields(&spec, &fields(&[(&name, given.clone())]));
        match expected {
            Ok(v) => assert_eq!(got.unwrap()[&name], v, "{name} {given}"),
            Err(words) => {
                let e = got.unwrap_err();
                assert!(
                    e[0].message.contains(words),
                    "{name} {given}: {:?}",
                    e[0].message
                );
                assert_eq!(e[0].field, name);
            }
        }
    }
}

#[test]
fn required_defaults_and_hidden_fields() {
    let mut optional = PromptFieldSpec::new("team", FieldType::String);
    optional.required = false;
    let mut defaulted = PromptFieldSpec::new("hours", FieldType::Int);
    defaulted.required = false;
    defaulted.default = Some("4".into());
    let mut hidden = PromptFieldSpec::new("secret_flag", FieldType::Bool);
    hidden.visible = false; // required but hidden: not enforced
    let mut hidden_default = PromptFieldSpec::new("env", FieldType::String);
    hidden_default.visible = false;
    hidden_default.default = Some("prod".into());
    let mut spec = approval_spec(&[]);
    spec.prompt_fields
        .extend([optional, defaulted, hidden, hidden_default]);

    let out = validate_fields(
        &spec,
        &fields(&[("reason", json!("x")), ("unknown", json!("dropped"))]),
    )
    .unwrap();
    assert_eq!(
        out,
        fields(&[
            ("reason", json!("x")),
            ("hours", json!(4)),
            ("env", json!("prod"))
        ])
    );
    for blank in [json!(null), json!(""), json!("   "), json!([])] {
        let err = validate_fields(&spec, &fields(&[("reason", blank.clone())])).unwrap_err();
        assert_eq!(err.len(), 1, "{blank}");
        assert_eq!(err[0].message, "Why do you need access? is required.");
    }
}

#[test]
fn duration_strings() {
    for (text, secs, back) in [
        ("30s", 30, "30s"),
        ("10m", 600, "10m"),
        ("1h", 3600, "1h"),
        ("1d", 86_400, "1d"),
        ("1mo", 2_592_000, "1mo"),
        ("60m", 3600, "1h"),
        ("30d", 2_592_000, "1mo"),
    ] {
        assert_eq!(parse_duration(text), Ok(secs), "{text}");
        assert_eq!(format_duration(secs), back);
    }
    assert_eq!(humanize_duration(600), "10 minutes");
    assert!(matches!(
        parse_duration("1w"),
        Err(DurationError::Invalid(_))
    ));
    assert_eq!(
        parse_duration("").unwrap_err().to_string(),
        "duration is empty"
    );
}
