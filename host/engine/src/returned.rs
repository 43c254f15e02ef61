//! What a flow's component returned, checked before the engine trusts it.
//!
//! A flow is user code; a malicious or broken component can return anything the WIT types
//! allow: an unknown step name, JSON text that does not parse, a 200 MiB `kwargs_json`, a
//! million destinations. The sandbox's memory cap bounds how much the host lifts out of the
//! guest, but not what the host does next (a JSON text parsed into a `serde_json::Value` takes
//! many times its size, step outputs are stored with the run and sent back to the flow on
//! every later event, each destination is a Slack message). So every value a flow returns
//! passes through here first, with two bounds per call:
//!
//! * [`MAX_RETURNED_BYTES`] of text in total (every string and JSON text of the value), checked
//!   before any JSON is parsed;
//! * [`MAX_RETURNED_ITEMS`] list elements in total (notifications, destinations, user ids, ...).
//!
//! A value past a bound, JSON that does not parse, or an unknown step fails the call with an
//! [`ErrorKind::InvalidReturn`] error naming the handler, the problem and the limit, so only
//! that one run fails, with a reason an engineer can act on.
//!
//! This module has no wasmtime in it: the adapter maps the WIT records field by field into the
//! types below (a mapping that cannot fail), and all the decoding that can fail is here, where
//! it is unit-tested and fuzzed (`fuzz/fuzz_targets/guest_return.rs`).

use serde_json::{Map, Value};

use crate::flow::{
    Approvers, Destination, ErrorKind, FlowError, Notification, Permission, RequestPermission,
    Step, Transition,
};

/// Most text (bytes of every string and JSON text together) one flow call may return: 1 MiB.
pub const MAX_RETURNED_BYTES: usize = 1 << 20;

/// Most list elements (all lists of the value together) one flow call may return.
pub const MAX_RETURNED_ITEMS: usize = 10_000;

/// An `ApprovalTemplate.<step>(...)` as the flow returned it (WIT `transition`), undecoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnedTransition {
    pub step: String,
    pub message: Option<String>,
    pub target_srn: Option<String>,
    pub duration: Option<u64>,
    pub kwargs_json: String,
}

/// Counts what a value holds against the bounds, for one handler's return.
struct Budget<'a> {
    handler: &'a str,
    bytes: usize,
    items: usize,
}

impl<'a> Budget<'a> {
    fn new(handler: &'a str) -> Self {
        Budget {
            handler,
            bytes: 0,
            items: 0,
        }
    }

    fn text(&mut self, text: &str) -> Result<(), FlowError> {
        self.bytes = self.bytes.saturating_add(text.len());
        if self.bytes > MAX_RETURNED_BYTES {
            return Err(invalid(format!(
                "`{}` returned more than {} KiB of text; symflow accepts at most {} KiB from one \
                 flow call. Return less (ids rather than whole records, a summary rather than a \
                 full API response)",
                self.handler,
                self.bytes / 1024,
                MAX_RETURNED_BYTES / 1024
            )));
        }
        Ok(())
    }

    fn opt_text(&mut self, text: Option<&str>) -> Result<(), FlowError> {
        text.map_or(Ok(()), |t| self.text(t))
    }

    fn items(&mut self, count: usize) -> Result<(), FlowError> {
        self.items = self.items.saturating_add(count);
        if self.items > MAX_RETURNED_ITEMS {
            return Err(invalid(format!(
                "`{}` returned more than {MAX_RETURNED_ITEMS} list items (destinations, users, \
                 options...); symflow accepts at most {MAX_RETURNED_ITEMS} from one flow call",
                self.handler
            )));
        }
        Ok(())
    }

    fn texts<'t>(&mut self, texts: impl IntoIterator<Item = &'t str>) -> Result<(), FlowError> {
        for text in texts {
            self.items(1)?;
            self.text(text)?;
        }
        Ok(())
    }

    fn permission(&mut self, permission: &Permission) -> Result<(), FlowError> {
        match permission {
            Permission::UserIds(ids) => self.texts(ids.iter().map(String::as_str)),
            Permission::Admin | Permission::Member | Permission::AllUsers => Ok(()),
        }
    }

    fn destination(&mut self, destination: &Destination) -> Result<(), FlowError> {
        self.items(1)?;
        match destination {
            Destination::SlackChannel(text) | Destination::SlackUser(text) => self.text(text),
            Destination::SlackGroup(users) => self.texts(users.iter().map(String::as_str)),
            Destination::User(actor) => {
                for text in [&actor.user_id, &actor.email, &actor.username, &actor.name] {
                    self.text(text)?;
                }
                self.opt_text(actor.slack_user_id.as_deref())?;
                self.opt_text(actor.slack_team_id.as_deref())
            }
        }
    }

    fn notifications(&mut self, notifications: &[Notification]) -> Result<(), FlowError> {
        self.items(notifications.len())?;
        for notification in notifications {
            for destination in &notification.destinations {
                self.destination(&destination.destination)?;
            }
        }
        Ok(())
    }
}

fn invalid(message: String) -> FlowError {
    FlowError::new(ErrorKind::InvalidReturn, message)
}

/// Parses JSON text a flow returned, after checking its size against `budget`.
fn json(budget: &mut Budget<'_>, what: &str, text: &str) -> Result<Value, FlowError> {
    budget.text(text)?;
    serde_json::from_str(text).map_err(|e| {
        invalid(format!(
            "`{}` returned {what} that is not valid JSON ({e}); the SDK writes it with \
             `json.dumps`, so the component may not be a symflow flow or was built with an \
             incompatible SDK",
            budget.handler
        ))
    })
}

/// `get_permissions`' answer, bounded.
pub fn permissions(
    handler: &str,
    permission: RequestPermission,
) -> Result<RequestPermission, FlowError> {
    let mut budget = Budget::new(handler);
    budget.permission(&permission.webapp_view)?;
    budget.permission(&permission.approve_deny)?;
    Ok(permission)
}

/// `get_request_notifications`' answer, bounded.
pub fn notifications(
    handler: &str,
    notifications: Vec<Notification>,
) -> Result<Vec<Notification>, FlowError> {
    Budget::new(handler).notifications(&notifications)?;
    Ok(notifications)
}

/// Legacy `get_approvers`' answer, bounded.
pub fn approvers(handler: &str, approvers: Approvers) -> Result<Approvers, FlowError> {
    Budget::new(handler).notifications(&approvers.notifications)?;
    Ok(approvers)
}

/// An `on_*` hook's `ApprovalTemplate.<step>(...)`: a step symflow knows, kwargs that are a
/// JSON object (empty text reads as no kwargs), all within the bounds.
pub fn transition(handler: &str, returned: ReturnedTransition) -> Result<Transition, FlowError> {
    let mut budget = Budget::new(handler);
    budget.text(&returned.step)?;
    budget.opt_text(returned.message.as_deref())?;
    budget.opt_text(returned.target_srn.as_deref())?;
    let step = Step::parse(&returned.step).ok_or_else(|| {
        invalid(format!(
            "{handler} returned ApprovalTemplate step {:?}, which symflow does not know",
            truncated(&returned.step)
        ))
    })?;
    let kwargs = if returned.kwargs_json.trim().is_empty() {
        Map::new()
    } else {
        match json(&mut budget, "keyword arguments", &returned.kwargs_json)? {
            Value::Object(map) => map,
            other => {
                return Err(invalid(format!(
                    "`{handler}` returned keyword arguments that are a JSON {} rather than an \
                     object of name → value",
                    json_kind(&other)
                )))
            }
        }
    };
    Ok(Transition {
        step,
        message: returned.message,
        target_srn: returned.target_srn,
        duration: returned.duration,
        kwargs,
    })
}

/// A strategy's `escalate` / `deescalate` output: the JSON text of the dict it returned.
pub fn step_output(handler: &str, text: Option<&str>) -> Result<Option<Value>, FlowError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let mut budget = Budget::new(handler);
    json(&mut budget, "a step output", text).map(Some)
}

/// A list of texts (flow names from `get_flows`, options from a `@prefetch` reducer as
/// `value`/`label` pairs flattened...), bounded.
pub fn texts<'t>(handler: &str, texts: impl IntoIterator<Item = &'t str>) -> Result<(), FlowError> {
    Budget::new(handler).texts(texts)
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// At most 80 characters of `text`, for quoting a bad value in a message.
fn truncated(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::RequestDestination;

    fn channel(name: &str) -> RequestDestination {
        RequestDestination::new(Destination::SlackChannel(name.into()))
    }

    fn returned(step: &str, kwargs_json: &str) -> ReturnedTransition {
        ReturnedTransition {
            step: step.into(),
            kwargs_json: kwargs_json.into(),
            ..ReturnedTransition::default()
        }
    }

    #[test]
    fn a_transition_with_kwargs_decodes() {
        let t = transition("on_request", returned("approve", r#"{"reason":"auto"}"#)).unwrap();
        assert_eq!(t.step, Step::Approve);
        assert_eq!(t.kwargs["reason"], "auto");
    }

    #[test]
    fn empty_kwargs_text_is_no_kwargs() {
        let t = transition("on_request", returned("deny", "")).unwrap();
        assert!(t.kwargs.is_empty());
    }

    #[test]
    fn an_unknown_step_is_an_invalid_return_naming_it() {
        let e = transition("on_request", returned("launch_missiles", "{}")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidReturn);
        assert!(e.message.contains("launch_missiles"), "{}", e.message);
    }

    #[test]
    fn a_huge_unknown_step_is_quoted_short() {
        let e = transition("on_request", returned(&"x".repeat(10_000), "{}")).unwrap_err();
        assert!(e.message.len() < 400, "{}", e.message.len());
    }

    #[test]
    fn malformed_or_non_object_kwargs_are_invalid_returns() {
        for bad in ["{", "[1,2]", "NaN", "\"text\""] {
            let e = transition("on_approve", returned("approve", bad)).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidReturn, "{bad}");
            assert!(e.message.contains("on_approve"), "{}", e.message);
        }
    }

    #[test]
    fn kwargs_over_the_byte_bound_are_refused_before_parsing() {
        let big = format!("{{\"k\":\"{}\"}}", "a".repeat(MAX_RETURNED_BYTES));
        let e = transition("on_request", returned("approve", &big)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidReturn);
        assert!(e.message.contains("1024 KiB"), "{}", e.message);
        // Just under the bound is fine.
        let fits = format!("{{\"k\":\"{}\"}}", "a".repeat(MAX_RETURNED_BYTES - 100));
        assert!(transition("on_request", returned("approve", &fits)).is_ok());
    }

    #[test]
    fn step_output_parses_and_bounds() {
        assert_eq!(step_output("escalate", None).unwrap(), None);
        assert_eq!(
            step_output("escalate", Some(r#"{"grant":"g-1"}"#)).unwrap(),
            Some(serde_json::json!({"grant": "g-1"}))
        );
        let e = step_output("escalate", Some("{\"grant\":")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidReturn);
        let huge = format!("\"{}\"", "b".repeat(MAX_RETURNED_BYTES + 1));
        assert!(step_output("escalate", Some(&huge)).is_err());
    }

    #[test]
    fn too_many_destinations_are_refused() {
        let many = vec![Notification {
            destinations: (0..=MAX_RETURNED_ITEMS).map(|_| channel("#c")).collect(),
            timeout: None,
        }];
        let e = notifications("get_request_notifications", many).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidReturn);
        assert!(e.message.contains("get_request_notifications"));
        let few = vec![Notification {
            destinations: vec![channel("#ops"), channel("#sec")],
            timeout: Some(60),
        }];
        assert_eq!(notifications("x", few.clone()).unwrap(), few);
    }

    #[test]
    fn too_many_user_ids_are_refused() {
        let ids = (0..=MAX_RETURNED_ITEMS).map(|i| format!("u{i}")).collect();
        let p = RequestPermission {
            webapp_view: Permission::Member,
            approve_deny: Permission::UserIds(ids),
            allow_self_approval: false,
        };
        assert!(permissions("get_permissions", p).is_err());
    }

    #[test]
    fn text_across_fields_counts_together() {
        let half = "c".repeat(MAX_RETURNED_BYTES / 2 + 1);
        let approvers_value = Approvers {
            notifications: vec![Notification {
                destinations: vec![channel(&half), channel(&half)],
                timeout: None,
            }],
            continue_on_delivery_failure: false,
            continue_on_timeout: false,
        };
        assert!(approvers("get_approvers", approvers_value).is_err());
    }

    #[test]
    fn texts_are_bounded() {
        assert!(texts("get_flows", ["a", "b"]).is_ok());
        let many: Vec<String> = (0..=MAX_RETURNED_ITEMS).map(|i| i.to_string()).collect();
        assert!(texts("get_flows", many.iter().map(String::as_str)).is_err());
    }
}
