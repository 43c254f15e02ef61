//! One host serving several tenants: each tenant is one environment directory with its own
//! Slack workspace (`team_id`), and runs as a complete server of its own ([`Server::start`]:
//! its own store, secrets, outbox worker, timers, Slack credentials and limits). What they
//! share is the process, the sandbox engine (compiled code and its epoch ticker) and the
//! CPU. This module is only the front door: it reads the `team_id` a Slack request names,
//! hands the request unchanged to that tenant's routes (which verify the signature with that
//! tenant's signing secret, as for a single environment), and refuses workspaces it does not
//! serve with 403 before anything is stored anywhere.
//!
//! Limits per tenant come from each tenant being its own server: at most
//! `worker::CONCURRENCY` items (and so flow calls) in progress per tenant, the rest waiting
//! in that tenant's durable outbox; a flood or an endless loop in one tenant's flows fills
//! its own queue and uses its own slots, and the other tenant only shares CPU time with it
//! (BENCHMARKS.md, "Tenants", measures how much that slows the other).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::watch;
use tower::ServiceExt;

use symflow_config::Config;
use symflow_flow_build::BuiltFlow;
use symflow_flow_host::catalog::CatalogPaths;
use symflow_flow_host::FlowCatalog;
use symflow_sandbox::{Sandbox, SandboxConfig};

use crate::app::{missing_settings, RunningServer, Server, ServerOptions, SlackSettings};
use crate::up::UpArgs;

/// `--tenant TEAM_ID=DIR`: the environment directory serving one Slack workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantArg {
    pub team_id: String,
    pub dir: PathBuf,
}

impl TenantArg {
    pub fn parse(text: &str) -> Result<TenantArg, String> {
        let (team, dir) = text.split_once('=').ok_or_else(|| {
            format!("`{text}` is not TEAM_ID=DIR (e.g. `--tenant T0123ABCD=envs/acme`)")
        })?;
        let team = team.trim();
        if !team.starts_with(['T', 'E']) || !team.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "`{team}` is not a Slack workspace id (they look like T0123ABCD; find it in the workspace's URL or `/sym whoami`)"
            ));
        }
        Ok(TenantArg {
            team_id: team.to_string(),
            dir: PathBuf::from(dir.trim()),
        })
    }

    /// `<--data-dir>/<TEAM_ID>`, else `<DIR>/.symflow`: one store per tenant.
    pub fn data_dir(&self, args: &UpArgs) -> PathBuf {
        match &args.data_dir {
            Some(base) => base.join(&self.team_id),
            None => self.dir.join(".symflow"),
        }
    }

    pub fn catalog_paths(&self, args: &UpArgs) -> CatalogPaths {
        CatalogPaths::under(&self.data_dir(args))
    }

    /// `SLACK_BOT_TOKEN_<TEAM_ID>` / `SLACK_SIGNING_SECRET_<TEAM_ID>`, else the unsuffixed ones
    /// (one Slack app installed in several workspaces shares its signing secret).
    pub fn slack_settings(&self, args: &UpArgs) -> SlackSettings {
        let env = |name: &str| {
            std::env::var(format!("{name}_{}", self.team_id))
                .or_else(|_| std::env::var(name))
                .ok()
                .filter(|v| !v.trim().is_empty())
        };
        SlackSettings {
            bot_token: env("SLACK_BOT_TOKEN"),
            signing_secret: env("SLACK_SIGNING_SECRET"),
            api_base_url: args.slack_api_url.clone(),
        }
    }
}

/// One tenant's configuration and built flows, ready to serve.
pub struct BuiltTenant {
    pub tenant: TenantArg,
    pub config: Config,
    pub built: Vec<BuiltFlow>,
}

/// `symflow up --tenant …`: loads every tenant's flows into one sandbox and serves them all.
pub async fn serve_built(
    args: UpArgs,
    tenants: Vec<BuiltTenant>,
) -> anyhow::Result<RunningTenants> {
    let sandbox = Arc::new(Sandbox::new(&SandboxConfig::default())?);
    let mut options = Vec::new();
    let mut notes = Vec::new();
    for BuiltTenant {
        tenant,
        config,
        built,
    } in tenants
    {
        let paths = tenant.catalog_paths(&args);
        let catalog = {
            let sandbox = sandbox.clone();
            tokio::task::spawn_blocking(move || FlowCatalog::load(&sandbox, built, &paths))
                .await??
        };
        let slack = tenant.slack_settings(&args);
        let (integrations, missing_integrations) =
            crate::up::integrations_for(&args, &tenant.dir, &config).await?;
        for line in missing_settings(&slack)
            .into_iter()
            .chain(missing_integrations)
        {
            notes.push(format!("  MISSING for {}: {line}", tenant.team_id));
        }
        notes.push(format!(
            "  tenant {}: {} (data: {})",
            tenant.team_id,
            tenant.dir.display(),
            tenant.data_dir(&args).display()
        ));
        options.push(TenantOptions {
            team_id: tenant.team_id.clone(),
            server: ServerOptions {
                config,
                sandbox: sandbox.clone(),
                catalog,
                data_dir: tenant.data_dir(&args),
                listen: SocketAddr::new(args.host, args.port),
                slack,
                admins: args.admins.clone(),
                integrations,
                // Tenants keep their state in their own SQLite files: one PostgreSQL database
                // shared by tenants is not supported yet.
                database_url: None,
                leases: crate::replicas::Leases::default(),
                console: Default::default(),
            },
        });
    }
    let running = start(options, SocketAddr::new(args.host, args.port)).await?;
    eprintln!(
        "symflow is listening on http://{} for {} tenant(s), routed by Slack workspace",
        running.addr,
        running.tenants.len()
    );
    for line in notes {
        eprintln!("{line}");
    }
    Ok(running)
}

/// One tenant to start: the Slack workspace it serves and its server's options.
pub struct TenantOptions {
    /// Slack `team_id` (`T…`) of the tenant's workspace.
    pub team_id: String,
    pub server: ServerOptions,
}

/// The tenants, running behind one listener.
pub struct RunningTenants {
    pub addr: SocketAddr,
    tenants: Vec<(String, RunningServer)>,
    stop: watch::Sender<bool>,
    front: tokio::task::JoinHandle<()>,
}

impl RunningTenants {
    /// The server of workspace `team_id`.
    pub fn tenant(&self, team_id: &str) -> Option<&RunningServer> {
        self.tenants
            .iter()
            .find(|(team, _)| team == team_id)
            .map(|(_, s)| s)
    }

    /// Stops the front door and every tenant (as a crash would stop work in progress).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.front.await;
        for (_, server) in self.tenants {
            server.shutdown().await;
        }
    }

    /// Serves until the process is interrupted (Ctrl-C / SIGTERM).
    pub async fn run_until_interrupted(self) {
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("symflow: stopping");
        self.shutdown().await;
    }
}

#[derive(Clone)]
struct Front {
    /// `(team_id, that tenant's routes)`, in the order given.
    tenants: Vec<(String, Router)>,
}

/// Starts every tenant, then the front door on `listen`.
pub async fn start(
    tenants: Vec<TenantOptions>,
    listen: SocketAddr,
) -> anyhow::Result<RunningTenants> {
    if tenants.is_empty() {
        anyhow::bail!("no tenants: give at least one `--tenant TEAM_ID=DIR`");
    }
    let mut running = Vec::new();
    let mut routes = Vec::new();
    for tenant in tenants {
        if running.iter().any(|(team, _)| team == &tenant.team_id) {
            anyhow::bail!(
                "the workspace {} is given twice; each Slack workspace belongs to one tenant",
                tenant.team_id
            );
        }
        let mut options = tenant.server;
        // A tenant's own listener stays on loopback; Slack reaches it through the front door.
        options.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        let server = Server::start(options)
            .await
            .map_err(|e| anyhow::anyhow!("tenant {}: {e:#}", tenant.team_id))?;
        routes.push((
            tenant.team_id.clone(),
            crate::http::router(server.app().clone()),
        ));
        running.push((tenant.team_id, server));
    }
    let front = Front { tenants: routes };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);
    let router = Router::new().fallback(route).with_state(front);
    let front = tokio::spawn(async move {
        let result = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })
            .await;
        if let Err(e) = result {
            tracing::error!("the HTTP server stopped: {e}");
        }
    });
    Ok(RunningTenants {
        addr,
        tenants: running,
        stop,
        front,
    })
}

async fn route(
    State(front): State<Front>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if uri.path() == "/healthz" {
        return health(&front).await;
    }
    let team = team_id_of(&headers, &body);
    match team {
        Some(team) => match front.tenants.iter().find(|(t, _)| *t == team) {
            Some((_, router)) => forward(router, method, uri, headers, body).await,
            None => {
                tracing::warn!(team = %team, "refused a request from a workspace symflow does not serve");
                let served: Vec<&str> = front.tenants.iter().map(|(t, _)| t.as_str()).collect();
                (
                    StatusCode::FORBIDDEN,
                    format!(
                        "symflow serves the Slack workspaces {}; this request came from {team}. Add a tenant for it (`--tenant {team}=DIR`) or remove the app from that workspace.",
                        served.join(", ")
                    ),
                )
                    .into_response()
            }
        },
        // Names no workspace (the Events API URL check): the first tenant whose signing
        // secret verifies it answers.
        None => {
            let mut last = StatusCode::UNAUTHORIZED.into_response();
            for (_, router) in &front.tenants {
                let response = forward(
                    router,
                    method.clone(),
                    uri.clone(),
                    headers.clone(),
                    body.clone(),
                )
                .await;
                if response.status() != StatusCode::UNAUTHORIZED {
                    return response;
                }
                last = response;
            }
            last
        }
    }
}

async fn forward(
    router: &Router,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut request = axum::http::Request::new(Body::from(body));
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    match router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

async fn health(front: &Front) -> Response {
    let mut tenants = serde_json::Map::new();
    let mut all_ok = true;
    for (team, router) in &front.tenants {
        let request = axum::http::Request::get("/healthz")
            .body(Body::empty())
            .expect("a static request");
        let response = match router.clone().oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        all_ok &= response.status().is_success();
        let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
            .await
            .unwrap_or_default();
        tenants.insert(
            team.clone(),
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        );
    }
    let status = if all_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if all_ok { "ok" } else { "a tenant is unavailable" },
        "tenants": tenants,
    });
    (status, Json(body)).into_response()
}

/// The Slack workspace a request names: `team_id` of a slash command, `team.id` (or
/// `user.team_id`) of an interaction payload, `team_id` of an Events API delivery. Read
/// before the signature is checked, only to choose whose secret checks it.
pub fn team_id_of(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let json_body = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let team_in = |value: &Value| -> Option<String> {
        [
            value.get("team_id"),
            value.pointer("/team/id"),
            value.pointer("/user/team_id"),
            value.pointer("/view/team_id"),
        ]
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find(|t| !t.is_empty())
        .map(str::to_string)
    };
    if json_body {
        return serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| team_in(&v));
    }
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    if let Some((_, team)) = fields.iter().find(|(k, v)| k == "team_id" && !v.is_empty()) {
        return Some(team.clone());
    }
    let (_, payload) = fields.iter().find(|(k, _)| k == "payload")?;
    serde_json::from_str::<Value>(payload)
        .ok()
        .and_then(|v| team_in(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        h
    }

    #[test]
    fn finds_the_workspace_of_every_kind_of_request() {
        assert_eq!(
            team_id_of(&form(), b"team_id=T1&user_id=U1&command=%2Fsym").as_deref(),
            Some("T1")
        );
        let payload = json!({"type": "block_actions", "team": {"id": "T2"}, "user": {"id": "U"}});
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        assert_eq!(team_id_of(&form(), body.as_bytes()).as_deref(), Some("T2"));
        let mut json_headers = HeaderMap::new();
        json_headers.insert("content-type", "application/json".parse().unwrap());
        assert_eq!(
            team_id_of(
                &json_headers,
                br#"{"type":"event_callback","team_id":"T3"}"#
            )
            .as_deref(),
            Some("T3")
        );
        assert_eq!(
            team_id_of(
                &json_headers,
                br#"{"type":"url_verification","challenge":"c"}"#
            ),
            None
        );
        assert_eq!(team_id_of(&form(), b"\xff\xfe"), None);
    }
}
