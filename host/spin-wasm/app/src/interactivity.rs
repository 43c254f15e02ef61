//! `/slack/interactivity`: button clicks, modal submissions and closes. What must be in the
//! HTTP answer (field errors, the picker turning into "Loading…") is decided here; the rest
//! is carried out after the answer ([`crate::work`]).

use serde_json::{json, Value};
use symflow_engine::views::{self, ModalMetadata};
use symflow_engine::MessageRef;
use symflow_slack::InteractionPayload;

use crate::slack::notice_modal;
use crate::state::Origin;
use crate::work::{SlackUser, Work};
use crate::{Answer, Ctx};

fn payload_json(body: &[u8]) -> Option<Value> {
    #[derive(serde::Deserialize)]
    struct Form {
        payload: String,
    }
    let form: Form = serde_urlencoded::from_bytes(body).ok()?;
    serde_json::from_str(&form.payload).ok()
}

pub fn interaction(ctx: &Ctx, body: &[u8]) -> Answer {
    let Some(raw) = payload_json(body) else {
        return Answer::text(400, "the body has no JSON `payload` field");
    };
    let payload = match InteractionPayload::from_value(raw.clone()) {
        Ok(p) => p,
        Err(e) => return Answer::text(400, e.to_string()),
    };
    let team_id = payload.team_id().unwrap_or_default().to_string();
    let Some(user_id) = payload.user_id().map(str::to_string) else {
        return Answer::text(400, "the payload names no user");
    };
    let user = SlackUser {
        team_id: team_id.clone(),
        user_id: user_id.clone(),
    };
    let origin = Origin {
        team_id: Some(team_id),
        user_id: Some(user_id),
        ..Origin::default()
    };
    match &payload {
        InteractionPayload::BlockActions(p) => {
            let Some((action, run_id)) = raw
                .get("actions")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(views::parse_block_action)
            else {
                return Answer::ok();
            };
            let message = p.message_location().map(|(channel, ts)| MessageRef {
                channel: channel.to_string(),
                ts: ts.to_string(),
            });
            let decision_message = raw.get("state").and_then(views::decision_message);
            Answer::ok().then(Work::Click {
                user,
                run_id,
                action,
                decision_message,
                message,
            })
        }
        InteractionPayload::ViewSubmission(p) => {
            let view = &p.view;
            let state = raw.pointer("/view/state").cloned().unwrap_or(Value::Null);
            match view.callback_id.as_str() {
                views::REQUEST_CALLBACK_ID => {
                    let Ok(metadata) =
                        serde_json::from_str::<ModalMetadata>(&view.private_metadata)
                    else {
                        return Answer::text(400, "the modal's metadata is unreadable");
                    };
                    let Some(flow) = ctx.tenant.flow(&metadata.flow) else {
                        let notice = notice_modal(
                            "Request access",
                            &format!("The flow `{}` is no longer available, so this request was not sent. Run `/sym` to see the flows you can use.", metadata.flow),
                        );
                        return Answer::json(
                            &json!({ "response_action": "update", "view": notice }),
                        );
                    };
                    let fields = match views::parse_request_submission(&flow.spec, &state) {
                        Ok(fields) => fields,
                        Err(errors) => return Answer::json(&views::errors_response(&errors)),
                    };
                    Answer::ok().then(Work::Submit {
                        user,
                        flow: flow.name().to_string(),
                        run_id: metadata.run_id,
                        fields,
                        origin: Origin {
                            channel_id: metadata.channel,
                            ..origin
                        },
                    })
                }
                views::FLOW_PICKER_CALLBACK_ID => {
                    let Some(flow) =
                        views::parse_flow_pick(&state).and_then(|f| ctx.tenant.flow(&f))
                    else {
                        return Answer::json(&json!({
                            "response_action": "errors",
                            "errors": { views::FLOW_PICKER_BLOCK_ID: "Choose a flow." },
                        }));
                    };
                    let channel = serde_json::from_str::<Value>(&view.private_metadata)
                        .ok()
                        .and_then(|m| m["channel"].as_str().map(str::to_string));
                    let label = flow.spec.display_label();
                    let loading = notice_modal(
                        label,
                        &format!(":hourglass_flowing_sand: Loading *{label}*…"),
                    );
                    Answer::json(&json!({ "response_action": "update", "view": loading })).then(
                        Work::Prompt {
                            user,
                            flow: flow.name().to_string(),
                            origin: Origin {
                                channel_id: channel,
                                view_id: Some(view.id.clone()),
                                ..origin
                            },
                        },
                    )
                }
                _ => Answer::ok(),
            }
        }
        InteractionPayload::ViewClosed(p) => {
            if p.view.callback_id != views::REQUEST_CALLBACK_ID {
                return Answer::ok();
            }
            match serde_json::from_str::<ModalMetadata>(&p.view.private_metadata)
                .ok()
                .and_then(|m| m.run_id)
            {
                Some(run_id) => Answer::ok().then(Work::Closed { user, run_id }),
                None => Answer::ok(),
            }
        }
        InteractionPayload::Shortcut(p) => Answer::ok().then(Work::Command {
            user,
            text: String::new(),
            origin: Origin {
                trigger_id: Some(p.trigger_id.clone()),
                ..origin
            },
        }),
        _ => Answer::ok(),
    }
}
