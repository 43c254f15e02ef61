//! symflow's Slack app as a Spin HTTP component: the same routes as the native server
//! (`/slack/commands`, `/slack/interactivity`, `/slack/events`) plus `/tick` for an external
//! scheduler, the same engine (`symflow-engine`), state in Spin's key-value store, the bot
//! token and signing secret as Spin variables, and the tenant's flows in one flow bundle
//! composed under this component (`symflow:spin/http-app`, see `docs/spin.md`).
//!
//! WASI P2 on purpose (`wasi:http/incoming-handler@0.2`, spin-sdk 5): it runs on Spin 3 and 4,
//! SpinKube and the hosted platforms, and Spin gives every P2 request a fresh instance, so no
//! run's memory outlives its request — the same isolation as the native sandbox.
//!
//! Each request is verified, answered (Slack wants an answer within 3 s), and then carried out
//! in the same instance after the answer is sent: Spin keeps the instance until the handler
//! returns. Timers (access expiry, notification timeouts) fire on `/tick` and on every request.

mod bindings {
    wit_bindgen::generate!({
        world: "symflow:spin/http-app",
        path: "../wit",
        additional_derives: [serde::Serialize, serde::Deserialize],
        generate_all,
    });
}

mod commands;
mod driver;
mod flow_call;
mod identities;
mod interactivity;
mod retention;
mod secrets;
mod slack;
mod state;
mod tenant;
mod timers;
mod users;
mod work;

use spin_sdk::http::{Fields, IncomingRequest, OutgoingResponse, ResponseOutparam};
use spin_sdk::http_component;

/// Where the tenant's configuration is mounted (`files` in spin.toml).
pub const TENANT_FILE: &str = "/symflow/tenant.json";

/// What a route decided: the answer to send now, and the work to do after it is sent.
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub work: Option<work::Work>,
}

impl Answer {
    pub fn text(status: u16, text: impl Into<String>) -> Self {
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body: text.into().into_bytes(),
            work: None,
        }
    }

    pub fn ok() -> Self {
        Answer::text(200, "")
    }

    pub fn json(value: &serde_json::Value) -> Self {
        Answer {
            status: 200,
            content_type: "application/json",
            body: value.to_string().into_bytes(),
            work: None,
        }
    }

    pub fn then(mut self, work: work::Work) -> Self {
        self.work = Some(work);
        self
    }
}

/// What every route needs: the tenant, Slack, the store.
pub struct Ctx {
    pub tenant: tenant::Tenant,
    pub slack: slack::Slack,
    pub store: state::State,
    pub slack_api_base: String,
    pub signing_secret: String,
    pub tick_token: Option<String>,
    /// Days a finished run stays in the key-value store ([`retention`]).
    pub run_retention_days: u64,
}

#[http_component]
async fn handle(request: IncomingRequest, out: ResponseOutparam) {
    let path = request
        .path_with_query()
        .unwrap_or_default()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string();
    let headers: Vec<(String, Vec<u8>)> = request.headers().entries();
    let body = request.into_body().await.unwrap_or_default();
    let (ctx, answer) = match Ctx::load() {
        Ok(ctx) => {
            let answer = route(&ctx, &path, &headers, body).await;
            (Some(ctx), answer)
        }
        Err(problem) => (None, Answer::text(503, problem)),
    };
    let then = answer.work;
    let response_headers = Fields::from_list(&[(
        "content-type".to_string(),
        answer.content_type.as_bytes().to_vec(),
    )])
    .unwrap_or_else(|_| Fields::new());
    let response = OutgoingResponse::new(response_headers);
    let _ = response.set_status_code(answer.status);
    let _ = out.set_with_body(response, answer.body).await;
    // The answer is on its way to Slack; now do the work, in this same instance.
    if let Some(ctx) = ctx {
        if let Some(work) = then {
            work::carry_out(&ctx, work).await;
        }
        timers::fire_due(&ctx).await;
        if path == "/tick" && answer.status == 200 {
            let pruned = retention::prune_if_due(&ctx, ctx.run_retention_days, driver::now());
            if pruned > 0 {
                eprintln!("symflow pruned {pruned} finished run(s) from the key-value store");
            }
        }
    }
}

impl Ctx {
    fn load() -> Result<Ctx, String> {
        let tenant = tenant::Tenant::load(TENANT_FILE)?;
        let variable = |name: &str| {
            spin_sdk::variables::get(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let signing_secret = variable("slack_signing_secret").ok_or(
            "symflow has no Slack signing secret, so it cannot check that requests come from Slack. Set the Spin variable slack_signing_secret (SPIN_VARIABLE_SLACK_SIGNING_SECRET for `spin up`) to your Slack app's Signing Secret.",
        )?;
        let bot_token = variable("slack_bot_token").ok_or(
            "symflow has no Slack bot token, so it cannot answer in Slack. Set the Spin variable slack_bot_token (SPIN_VARIABLE_SLACK_BOT_TOKEN for `spin up`) to your Slack app's Bot User OAuth Token (xoxb-…).",
        )?;
        let api_base = variable("slack_api_base").unwrap_or_else(|| slack::DEFAULT_API_BASE.into());
        let store = state::State::open()?;
        Ok(Ctx {
            slack: slack::Slack::new(api_base.clone(), bot_token),
            slack_api_base: api_base,
            store,
            signing_secret,
            tick_token: variable("tick_token"),
            run_retention_days: variable("run_retention_days")
                .and_then(|days| days.parse().ok())
                .unwrap_or(retention::DEFAULT_RETENTION_DAYS),
            tenant,
        })
    }
}

async fn route(ctx: &Ctx, path: &str, headers: &[(String, Vec<u8>)], body: Vec<u8>) -> Answer {
    match path {
        "/tick" => timers::tick(ctx, headers),
        "/healthz" => Answer::text(200, "ok"),
        "/slack/commands" | "/slack/interactivity" | "/slack/events" => {
            let verifier = symflow_slack::SignatureVerifier::new(&ctx.signing_secret);
            let pairs = headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str(), std::str::from_utf8(v).ok()?)));
            if let Err(e) = verifier.verify_header_pairs(pairs, &body) {
                return Answer::text(401, e.to_string());
            }
            // Slack retries when an answer is slow; the first delivery is already being
            // handled in its own instance.
            if headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("x-slack-retry-num"))
            {
                return Answer::ok();
            }
            match path {
                "/slack/commands" => commands::command(&body),
                "/slack/interactivity" => interactivity::interaction(ctx, &body),
                _ => events(&body),
            }
        }
        _ => Answer::text(404, format!("symflow has no route {path}")),
    }
}

fn events(body: &[u8]) -> Answer {
    match symflow_slack::EventsApiRequest::from_json(body) {
        Ok(request) => match request.challenge_response() {
            Some(challenge) => Answer::json(&challenge),
            None => Answer::ok(),
        },
        Err(e) => Answer::text(400, e.to_string()),
    }
}
