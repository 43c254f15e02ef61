//! Local fake services on 127.0.0.1 speaking each API's documented shapes, with state the
//! tests can inspect. Shared by the integration tests (`host/integrations/tests`) and the
//! end-to-end suite (`tests/`), which points a whole symflow server at them.
//!
//! The AWS fake checks every request's SigV4 signature by recomputing it (an implementation
//! independent of the crate under test) with the known test credentials.
//! [`oidc`] is a fake OpenID Connect provider for the console's sign-in. [`aws_streams`]
//! (Kinesis Firehose and Data Streams), [`segment`] and [`datadog`] take the audit events of
//! the log destinations of those types. [`onelogin`] is a fake OneLogin API v2 (OAuth token,
//! users, role membership) for the `onelogin` strategy, and [`google`] a fake Google Workspace
//! (service-account token endpoint checking RS256 assertions, group members) for the
//! `google_group` strategy.

pub mod aws_streams;
pub mod datadog;
pub mod google;
pub mod oidc;
pub mod onelogin;
pub mod segment;

pub use aws_streams::{aws_streams, StreamRecord, StreamService, StreamsState};
pub use datadog::{datadog, DatadogState, DATADOG_API_KEY};
pub use google::{
    google, google_service_account_key, GoogleState, GOOGLE_CLIENT_EMAIL, GOOGLE_FORBIDDEN_MESSAGE,
};
pub use onelogin::{
    onelogin, OneLoginState, ONELOGIN_CLIENT_ID, ONELOGIN_CLIENT_SECRET, ONELOGIN_FORBIDDEN_MESSAGE,
};
pub use segment::{segment, SegmentState, SEGMENT_WRITE_KEY};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Url;

pub const PD_TOKEN: &str = "pd-test-token";
pub const OKTA_TOKEN: &str = "okta-test-token";
pub const GITHUB_TOKEN: &str = "gh-test-token";
pub const AWS_KEY_ID: &str = "AKIDTESTEXAMPLE";
pub const AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYTESTKEY";
pub const WEBHOOK_KEY: &str = "webhook-signing-key";

/// Serves `router` on an ephemeral loopback port; the server lives as long as the runtime.
pub async fn serve(router: Router) -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    Url::parse(&format!("http://{addr}")).unwrap()
}

fn json_reply(status: u16, body: Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn all(pairs: &[(String, String)], key: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .collect()
}

fn one(pairs: &[(String, String)], key: &str) -> Option<String> {
    all(pairs, key).into_iter().next()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn decode(segment: &str) -> String {
    percent_decode(segment)
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------- PagerDuty

#[derive(Default)]
pub struct PagerDutyState {
    pub incident_queries: Vec<Vec<(String, String)>>,
}

pub async fn pagerduty() -> (Url, Arc<Mutex<PagerDutyState>>) {
    let state = Arc::new(Mutex::new(PagerDutyState::default()));
    let shared = state.clone();
    let router = Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap| {
        let state = shared.clone();
        async move { pagerduty_handle(&state, method, uri, headers) }
    });
    (serve(router).await, state)
}

fn pd_users() -> Vec<Value> {
    vec![
        json!({"id": "PU1", "type": "user", "name": "Olive Oncall", "email": "oncall@acme.com"}),
        json!({"id": "PU2", "type": "user", "name": "Fred Free", "email": "free@acme.com"}),
        json!({"id": "PU3", "type": "user", "name": "Sam Second", "email": "second@acme.com"}),
    ]
}

fn pagerduty_handle(
    state: &Mutex<PagerDutyState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if header(&headers, "authorization") != format!("Token token={PD_TOKEN}") {
        return json_reply(
            401,
            json!({"error": {"message": "Unauthenticated", "code": 2006}}),
        );
    }
    if !header(&headers, "accept").contains("application/vnd.pagerduty+json;version=2")
        || method != Method::GET
    {
        return json_reply(
            400,
            json!({"error": {"message": "Invalid Input Provided", "code": 2001, "errors": ["bad accept or method"]}}),
        );
    }
    let q = query_pairs(&uri);
    let path = uri.path();
    let page = |key: &str, items: Vec<Value>| {
        json_reply(
            200,
            json!({ key: items, "limit": 100, "offset": 0, "more": false }),
        )
    };
    match path {
        "/users" => {
            let needle = one(&q, "query").unwrap_or_default().to_lowercase();
            page(
                "users",
                pd_users()
                    .into_iter()
                    .filter(|u| u["email"].as_str().unwrap().contains(&needle))
                    .collect(),
            )
        }
        "/escalation_policies" => {
            let needle = one(&q, "query").unwrap_or_default().to_lowercase();
            let all_policies = vec![
                json!({"id": "EP1", "name": "Primary"}),
                json!({"id": "EP2", "name": "Primary Backup"}),
            ];
            page(
                "escalation_policies",
                all_policies
                    .into_iter()
                    .filter(|p| p["name"].as_str().unwrap().to_lowercase().contains(&needle))
                    .collect(),
            )
        }
        "/schedules" => {
            let needle = one(&q, "query").unwrap_or_default().to_lowercase();
            let all_schedules = vec![json!({"id": "SC1", "name": "prod-on-call"})];
            page(
                "schedules",
                all_schedules
                    .into_iter()
                    .filter(|p| p["name"].as_str().unwrap().contains(&needle))
                    .collect(),
            )
        }
        "/schedules/SC1/users" => json_reply(200, json!({"users": [pd_users()[0], pd_users()[2]]})),
        p if p.starts_with("/schedules/") => json_reply(
            404,
            json!({"error": {"message": "Not Found", "code": 2100}}),
        ),
        "/oncalls" => {
            let include_users = all(&q, "include[]").contains(&"users".to_string());
            let policies = all(&q, "escalation_policy_ids[]");
            let schedules = all(&q, "schedule_ids[]");
            let users = all(&q, "user_ids[]");
            let entries = [
                ("PU1", "EP1", Some("SC1")),
                ("PU3", "EP1", None),
                ("PU2", "EP2", None),
            ];
            let oncalls: Vec<Value> = entries
                .iter()
                .filter(|(u, ep, sc)| {
                    (policies.is_empty() || policies.iter().any(|p| p == ep))
                        && (schedules.is_empty() || sc.is_some_and(|sc| schedules.iter().any(|s| s == sc)))
                        && (users.is_empty() || users.iter().any(|x| x == u))
                })
                .map(|(u, ep, sc)| {
                    let user = pd_users().into_iter().find(|x| x["id"] == *u).unwrap();
                    let user = if include_users { user } else { json!({"id": u, "type": "user_reference"}) };
                    json!({"user": user, "escalation_policy": {"id": ep}, "schedule": sc.map(|s| json!({"id": s})), "escalation_level": 1})
                })
                .collect();
            page("oncalls", oncalls)
        }
        "/incidents" => {
            state.lock().unwrap().incident_queries.push(q.clone());
            let statuses = all(&q, "statuses[]");
            let urgencies = all(&q, "urgencies[]");
            let services = all(&q, "service_ids[]");
            let users = all(&q, "user_ids[]");
            let incidents = vec![
                json!({"id": "Q1", "status": "triggered", "urgency": "high", "service": {"id": "SVC1"}, "assignee": "PU1", "title": "db down"}),
                json!({"id": "Q2", "status": "resolved", "urgency": "high", "service": {"id": "SVC1"}, "assignee": "PU1", "title": "old"}),
                json!({"id": "Q3", "status": "acknowledged", "urgency": "low", "service": {"id": "SVC2"}, "assignee": "PU2", "title": "slow"}),
            ];
            page(
                "incidents",
                incidents
                    .into_iter()
                    .filter(|i| statuses.is_empty() || statuses.iter().any(|s| i["status"] == *s))
                    .filter(|i| {
                        urgencies.is_empty() || urgencies.iter().any(|s| i["urgency"] == *s)
                    })
                    .filter(|i| {
                        services.is_empty() || services.iter().any(|s| i["service"]["id"] == *s)
                    })
                    .filter(|i| users.is_empty() || users.iter().any(|s| i["assignee"] == *s))
                    .collect(),
            )
        }
        _ => json_reply(
            404,
            json!({"error": {"message": "Not Found", "code": 2100}}),
        ),
    }
}

// ---------------------------------------------------------------- Okta

pub struct OktaState {
    pub base: String,
    pub users: Vec<Value>,
    pub groups: BTreeMap<String, (String, BTreeSet<String>)>,
    pub calls: Vec<String>,
}

pub async fn okta() -> (Url, Arc<Mutex<OktaState>>) {
    let users = vec![
        json!({"id": "00u-alice", "status": "ACTIVE", "profile": {"login": "alice@acme.com", "email": "alice@acme.com", "firstName": "Alice", "lastName": "Admin"}}),
        json!({"id": "00u-bob", "status": "ACTIVE", "profile": {"login": "bob", "email": "bob@acme.com", "firstName": "Bob", "lastName": "Builder"}}),
        json!({"id": "00u-carol", "status": "ACTIVE", "profile": {"login": "carol@acme.com", "email": "carol@acme.com", "firstName": "Carol", "lastName": "C"}}),
    ];
    let mut groups = BTreeMap::new();
    groups.insert(
        "00g-admins".to_string(),
        (
            "Admins".to_string(),
            BTreeSet::from(["00u-carol".to_string()]),
        ),
    );
    groups.insert(
        "00g-eng".to_string(),
        (
            "Engineering".to_string(),
            BTreeSet::from([
                "00u-alice".to_string(),
                "00u-bob".to_string(),
                "00u-carol".to_string(),
            ]),
        ),
    );
    groups.insert(
        "00g-locked".to_string(),
        ("Locked".to_string(), BTreeSet::new()),
    );
    let state = Arc::new(Mutex::new(OktaState {
        base: String::new(),
        users,
        groups,
        calls: Vec::new(),
    }));
    let shared = state.clone();
    let router = Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap| {
        let state = shared.clone();
        async move { okta_handle(&mut state.lock().unwrap(), method, uri, headers) }
    });
    let url = serve(router).await;
    state.lock().unwrap().base = url.as_str().trim_end_matches('/').to_string();
    (url, state)
}

fn okta_error(status: u16, code: &str, summary: &str) -> Response {
    json_reply(
        status,
        json!({"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": "oae-test", "errorCauses": []}),
    )
}

fn okta_handle(state: &mut OktaState, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if header(&headers, "authorization") != format!("SSWS {OKTA_TOKEN}") {
        return okta_error(401, "E0000011", "Invalid token provided");
    }
    state.calls.push(format!("{method} {}", uri.path()));
    let q = query_pairs(&uri);
    let segments: Vec<String> = uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .map(decode)
        .collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (method.as_str(), segs.as_slice()) {
        ("GET", ["api", "v1", "users"]) => {
            let search = one(&q, "search").unwrap_or_default();
            let email = search.split('"').nth(1).unwrap_or("").to_string();
            json_reply(
                200,
                Value::Array(
                    state
                        .users
                        .iter()
                        .filter(|u| u["profile"]["email"] == *email)
                        .cloned()
                        .collect(),
                ),
            )
        }
        ("GET", ["api", "v1", "users", login]) => match state
            .users
            .iter()
            .find(|u| u["id"] == *login || u["profile"]["login"] == *login)
        {
            Some(user) => json_reply(200, user.clone()),
            None => okta_error(
                404,
                "E0000007",
                &format!("Not found: Resource not found: {login} (User)"),
            ),
        },
        ("GET", ["api", "v1", "users", id, "groups"]) => {
            let groups: Vec<Value> = state
                .groups
                .iter()
                .filter(|(_, (_, members))| members.contains(*id))
                .map(|(gid, (name, _))| json!({"id": gid, "type": "OKTA_GROUP", "profile": {"name": name}}))
                .collect();
            json_reply(200, Value::Array(groups))
        }
        ("GET", ["api", "v1", "groups"]) => {
            let needle = one(&q, "q").unwrap_or_default();
            let filter = one(&q, "filter").unwrap_or_default();
            let groups: Vec<Value> = state
                .groups
                .iter()
                .filter(|(_, (name, _))| name.starts_with(&needle))
                .map(|(gid, (name, _))| json!({"id": gid, "type": "OKTA_GROUP", "profile": {"name": name}, "filter_seen": filter}))
                .collect();
            json_reply(200, Value::Array(groups))
        }
        ("GET", ["api", "v1", "groups", gid, "users"]) => {
            let Some((_, members)) = state.groups.get(*gid) else {
                return okta_error(
                    404,
                    "E0000007",
                    &format!("Not found: Resource not found: {gid} (UserGroup)"),
                );
            };
            // Pages of two, linked with rel="next" as Okta does.
            let after = one(&q, "after");
            let members: Vec<&String> = members
                .iter()
                .filter(|m| after.as_ref().is_none_or(|a| m.as_str() > a.as_str()))
                .collect();
            let page: Vec<Value> = members
                .iter()
                .take(2)
                .filter_map(|id| state.users.iter().find(|u| u["id"] == id.as_str()).cloned())
                .collect();
            let mut response = json_reply(200, Value::Array(page));
            if members.len() > 2 {
                let link = format!(
                    "<{}/api/v1/groups/{gid}/users?limit=2&after={}>; rel=\"next\"",
                    state.base, members[1]
                );
                response.headers_mut().insert("link", link.parse().unwrap());
            }
            response
        }
        (verb @ ("PUT" | "DELETE"), ["api", "v1", "groups", gid, "users", uid]) => {
            if *gid == "00g-locked" {
                return okta_error(
                    403,
                    "E0000006",
                    "You do not have permission to perform the requested action",
                );
            }
            if !state.users.iter().any(|u| u["id"] == *uid) {
                return okta_error(
                    404,
                    "E0000007",
                    &format!("Not found: Resource not found: {uid} (User)"),
                );
            }
            let Some((_, members)) = state.groups.get_mut(*gid) else {
                return okta_error(
                    404,
                    "E0000007",
                    &format!("Not found: Resource not found: {gid} (UserGroup)"),
                );
            };
            if verb == "PUT" {
                members.insert(uid.to_string());
            } else {
                members.remove(*uid);
            }
            StatusCode::NO_CONTENT.into_response()
        }
        _ => okta_error(
            404,
            "E0000022",
            "The endpoint does not support the provided HTTP method",
        ),
    }
}

// ---------------------------------------------------------------- GitHub

pub struct GitHubState {
    /// "org/repo" → login → permission.
    pub repos: BTreeMap<String, BTreeMap<String, String>>,
    pub calls: Vec<String>,
}

pub async fn github() -> (Url, Arc<Mutex<GitHubState>>) {
    let mut repos = BTreeMap::new();
    repos.insert(
        "acme/api".to_string(),
        BTreeMap::from([
            ("octo-admin".to_string(), "admin".to_string()),
            ("reader".to_string(), "pull".to_string()),
        ]),
    );
    repos.insert("acme/locked".to_string(), BTreeMap::new());
    let state = Arc::new(Mutex::new(GitHubState {
        repos,
        calls: Vec::new(),
    }));
    let shared = state.clone();
    let router = Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = shared.clone();
            async move { github_handle(&mut state.lock().unwrap(), method, uri, headers, body) }
        },
    );
    (serve(router).await, state)
}

fn rank(permission: &str) -> u8 {
    match permission {
        "pull" => 1,
        "triage" => 2,
        "push" => 3,
        "maintain" => 4,
        "admin" => 5,
        _ => 0,
    }
}

fn gh_error(status: u16, message: &str) -> Response {
    json_reply(
        status,
        json!({"message": message, "documentation_url": "https://docs.github.com/rest", "status": status.to_string()}),
    )
}

fn github_handle(
    state: &mut GitHubState,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if header(&headers, "authorization") != format!("Bearer {GITHUB_TOKEN}") {
        return gh_error(401, "Bad credentials");
    }
    if header(&headers, "user-agent").is_empty() {
        return gh_error(403, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header");
    }
    state.calls.push(format!("{method} {}", uri.path()));
    let q = query_pairs(&uri);
    let segments: Vec<String> = uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .map(decode)
        .collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (method.as_str(), segs.as_slice()) {
        ("GET", ["search", "users"]) => {
            let q = one(&q, "q").unwrap_or_default();
            let items: Vec<Value> = if q.starts_with("dev@acme.com") {
                vec![json!({"login": "dev-login", "id": 7})]
            } else {
                vec![]
            };
            json_reply(
                200,
                json!({"total_count": items.len(), "incomplete_results": false, "items": items}),
            )
        }
        ("GET", ["repos", org, repo, "collaborators"]) => {
            let Some(collaborators) = state.repos.get(&format!("{org}/{repo}")) else {
                return gh_error(404, "Not Found");
            };
            let wanted = one(&q, "permission").map(|p| rank(&p)).unwrap_or(0);
            let list: Vec<Value> = collaborators
                .iter()
                .filter(|(_, p)| rank(p) >= wanted)
                .map(|(login, p)| json!({"login": login, "id": 1, "type": "User", "role_name": p}))
                .collect();
            json_reply(200, Value::Array(list))
        }
        ("PUT", ["repos", org, repo, "collaborators", login]) => {
            let key = format!("{org}/{repo}");
            if key == "acme/locked" {
                return gh_error(403, "Must have admin rights to Repository.");
            }
            let Some(collaborators) = state.repos.get_mut(&key) else {
                return gh_error(404, "Not Found");
            };
            let input: Value = serde_json::from_slice(&body).unwrap_or_default();
            let permission = input["permission"].as_str().unwrap_or("push").to_string();
            if rank(&permission) == 0 {
                return json_reply(
                    422,
                    json!({"message": "Validation Failed", "errors": [{"resource": "Repository", "code": "invalid", "field": "permission", "message": "permission is invalid"}]}),
                );
            }
            match collaborators.insert(login.to_string(), permission.clone()) {
                Some(_) => StatusCode::NO_CONTENT.into_response(),
                None => json_reply(
                    201,
                    json!({"id": 1, "permissions": permission, "invitee": {"login": login}}),
                ),
            }
        }
        ("DELETE", ["repos", org, repo, "collaborators", login]) => {
            let Some(collaborators) = state.repos.get_mut(&format!("{org}/{repo}")) else {
                return gh_error(404, "Not Found");
            };
            match collaborators.remove(*login) {
                Some(_) => StatusCode::NO_CONTENT.into_response(),
                None => gh_error(404, "Not Found"),
            }
        }
        _ => gh_error(404, "Not Found"),
    }
}

// ---------------------------------------------------------------- AWS

#[derive(Default)]
pub struct AwsState {
    pub sso_users: HashMap<String, String>,
    pub assignments: BTreeSet<(String, String, String)>,
    pub requests: HashMap<String, (String, u8)>,
    pub memberships: BTreeMap<(String, String), String>,
    pub iam_users: BTreeSet<String>,
    pub iam_groups: BTreeMap<String, BTreeSet<String>>,
    pub secrets: HashMap<String, String>,
    pub lambda_payloads: Vec<(String, String, Value)>,
    pub calls: Vec<String>,
    pub signatures_checked: usize,
    next_id: u32,
}

pub async fn aws() -> (Url, Arc<Mutex<AwsState>>) {
    let mut state = AwsState::default();
    state
        .sso_users
        .insert("alice@acme.com".into(), "sso-user-alice".into());
    state.iam_users.insert("alice@acme.com".into());
    state.iam_groups.insert("Admins".into(), BTreeSet::new());
    state
        .secrets
        .insert("sym/test/from-aws".into(), "aws-secret-value".into());
    state.secrets.insert(
        "sym/test/json".into(),
        r#"{"token": "json-token", "other": 1}"#.into(),
    );
    let state = Arc::new(Mutex::new(state));
    let shared = state.clone();
    let router = Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = shared.clone();
            async move { aws_handle(&mut state.lock().unwrap(), method, uri, headers, body) }
        },
    );
    (serve(router).await, state)
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn uri_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// SigV4 check, written from AWS's specification: canonical request (non-S3: each path
/// segment encoded once more), string to sign, derived key, signature. Returns the scope's
/// (region, service).
pub fn verify_sigv4(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(String, String), String> {
    let auth = header(headers, "authorization");
    let rest = auth
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or("not a SigV4 Authorization header")?;
    let mut credential = "";
    let mut signed_headers = "";
    let mut signature = "";
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = v;
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed_headers = v;
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = v;
        }
    }
    let scope: Vec<&str> = credential.split('/').collect();
    let [key_id, date, region, service, "aws4_request"] = scope.as_slice() else {
        return Err(format!("bad credential scope {credential:?}"));
    };
    if *key_id != AWS_KEY_ID {
        return Err(format!("unknown access key {key_id}"));
    }
    let amz_date = header(headers, "x-amz-date");
    if !amz_date.starts_with(date) {
        return Err("x-amz-date does not match the scope".into());
    }
    let names: Vec<&str> = signed_headers.split(';').collect();
    if !names.contains(&"host") || !names.contains(&"x-amz-date") {
        return Err("host and x-amz-date must be signed".into());
    }
    let canonical_uri: String = uri
        .path()
        .split('/')
        .map(uri_encode)
        .collect::<Vec<_>>()
        .join("/");
    let mut pairs: Vec<(String, String)> = query_pairs(uri)
        .into_iter()
        .map(|(k, v)| (uri_encode(&k), uri_encode(&v)))
        .collect();
    pairs.sort();
    let canonical_query = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut canonical_headers = String::new();
    for name in &names {
        let value = headers
            .get_all(*name)
            .iter()
            .map(|v| {
                v.to_str()
                    .unwrap_or("")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join(",");
        canonical_headers.push_str(&format!("{name}:{value}\n"));
    }
    let payload_hash = hex::encode(Sha256::digest(body));
    let canonical = format!("{method}\n{canonical_uri}\n{canonical_query}\n{canonical_headers}\n{signed_headers}\n{payload_hash}");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/{region}/{service}/aws4_request\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let key = hmac(format!("AWS4{AWS_SECRET}").as_bytes(), date);
    let key = hmac(&key, region);
    let key = hmac(&key, service);
    let key = hmac(&key, "aws4_request");
    let expected = hex::encode(hmac(&key, &to_sign));
    if expected != signature {
        return Err(format!(
            "signature mismatch; canonical request was:\n{canonical}"
        ));
    }
    Ok((region.to_string(), service.to_string()))
}

fn aws_json_error(status: u16, error_type: &str, message: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amzn-errortype", error_type),
        ],
        json!({"__type": error_type, "message": message}).to_string(),
    )
        .into_response()
}

fn iam_error(status: u16, code: &str, message: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "text/xml")],
        format!(
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>"
        ),
    )
        .into_response()
}

fn iam_ok(action: &str, inner: &str) -> Response {
    (
        StatusCode::OK,
        [("content-type", "text/xml")],
        format!("<{action}Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">{inner}<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></{action}Response>"),
    )
        .into_response()
}

fn aws_handle(
    state: &mut AwsState,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (region, service) = match verify_sigv4(&method, &uri, &headers, &body) {
        Ok(scope) => scope,
        Err(reason) => {
            eprintln!("fake AWS refused a request: {reason}");
            if header(&headers, "content-type").starts_with("application/x-www-form-urlencoded") {
                return iam_error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
            }
            return aws_json_error(
                403,
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided.",
            );
        }
    };
    state.signatures_checked += 1;
    let path = uri.path().to_string();
    if let Some(rest) = path.strip_prefix("/2015-03-31/functions/") {
        assert_eq!(service, "lambda", "Lambda calls are signed for lambda");
        let function = decode(rest.trim_end_matches("/invocations"));
        return lambda_handle(state, &function, &headers, &body);
    }
    if header(&headers, "content-type").starts_with("application/x-www-form-urlencoded") {
        assert_eq!(
            (region.as_str(), service.as_str()),
            ("us-east-1", "iam"),
            "IAM is global, signed for us-east-1"
        );
        let form: HashMap<String, String> =
            url::form_urlencoded::parse(&body).into_owned().collect();
        return iam_handle(state, &form);
    }
    let target = header(&headers, "x-amz-target").to_string();
    let input: Value = serde_json::from_slice(&body).unwrap_or_default();
    state.calls.push(target.clone());
    let (prefix, operation) = target.split_once('.').unwrap_or(("", ""));
    let expected_service = match prefix {
        "SWBExternalService" => "sso",
        "AWSIdentityStore" => "identitystore",
        "secretsmanager" => "secretsmanager",
        _ => return aws_json_error(400, "UnknownOperationException", &target),
    };
    if service != expected_service
        || header(&headers, "content-type") != "application/x-amz-json-1.1"
    {
        return aws_json_error(
            400,
            "InvalidSignatureException",
            "wrong service or content type",
        );
    }
    let s = |key: &str| input[key].as_str().unwrap_or("").to_string();
    match operation {
        "DescribeInstance" => json_reply(
            200,
            json!({"InstanceArn": s("InstanceArn"), "IdentityStoreId": "d-1234567890", "Status": "ACTIVE"}),
        ),
        "GetUserId" => {
            let attr = &input["AlternateIdentifier"]["UniqueAttribute"];
            match (
                attr["AttributePath"].as_str(),
                attr["AttributeValue"]
                    .as_str()
                    .and_then(|e| state.sso_users.get(e)),
            ) {
                (Some("emails.value"), Some(id)) => json_reply(
                    200,
                    json!({"IdentityStoreId": s("IdentityStoreId"), "UserId": id}),
                ),
                _ => aws_json_error(400, "ResourceNotFoundException", "USER not found."),
            }
        }
        "ListAccountAssignments" => {
            let list: Vec<Value> = state
                .assignments
                .iter()
                .filter(|(account, ps, _)| *account == s("AccountId") && *ps == s("PermissionSetArn"))
                .map(|(account, ps, principal)| json!({"AccountId": account, "PermissionSetArn": ps, "PrincipalId": principal, "PrincipalType": "USER"}))
                .collect();
            json_reply(200, json!({"AccountAssignments": list}))
        }
        "CreateAccountAssignment" | "DeleteAccountAssignment" => {
            if !s("PermissionSetArn").starts_with("arn:aws:sso:::permissionSet/") {
                return aws_json_error(
                    400,
                    "ValidationException",
                    "The permission set ARN is invalid.",
                );
            }
            state.next_id += 1;
            let id = format!("req-{}", state.next_id);
            let key = (s("TargetId"), s("PermissionSetArn"), s("PrincipalId"));
            let create = operation == "CreateAccountAssignment";
            if create {
                state.assignments.insert(key);
            } else {
                state.assignments.remove(&key);
            }
            // In progress now; the first status check says it succeeded.
            state
                .requests
                .insert(id.clone(), (operation.to_string(), 0));
            let status_key = if create {
                "AccountAssignmentCreationStatus"
            } else {
                "AccountAssignmentDeletionStatus"
            };
            json_reply(
                200,
                json!({ status_key: {"Status": "IN_PROGRESS", "RequestId": id, "TargetId": s("TargetId")} }),
            )
        }
        "DescribeAccountAssignmentCreationStatus" | "DescribeAccountAssignmentDeletionStatus" => {
            let create = operation.contains("Creation");
            let id = if create {
                s("AccountAssignmentCreationRequestId")
            } else {
                s("AccountAssignmentDeletionRequestId")
            };
            if !state.requests.contains_key(&id) {
                return aws_json_error(400, "ResourceNotFoundException", "request not found");
            }
            let status_key = if create {
                "AccountAssignmentCreationStatus"
            } else {
                "AccountAssignmentDeletionStatus"
            };
            json_reply(
                200,
                json!({ status_key: {"Status": "SUCCEEDED", "RequestId": id} }),
            )
        }
        "CreateGroupMembership" => {
            let key = (
                s("GroupId"),
                input["MemberId"]["UserId"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            );
            if state.memberships.contains_key(&key) {
                return aws_json_error(400, "ConflictException", "Member already exists in group.");
            }
            state.next_id += 1;
            let id = format!("m-{}", state.next_id);
            state.memberships.insert(key, id.clone());
            json_reply(
                200,
                json!({"IdentityStoreId": s("IdentityStoreId"), "MembershipId": id}),
            )
        }
        "GetGroupMembershipId" => {
            let key = (
                s("GroupId"),
                input["MemberId"]["UserId"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            );
            match state.memberships.get(&key) {
                Some(id) => json_reply(
                    200,
                    json!({"IdentityStoreId": s("IdentityStoreId"), "MembershipId": id}),
                ),
                None => aws_json_error(
                    400,
                    "ResourceNotFoundException",
                    "GROUP_MEMBERSHIP not found.",
                ),
            }
        }
        "DeleteGroupMembership" => {
            let id = s("MembershipId");
            let before = state.memberships.len();
            state.memberships.retain(|_, m| *m != id);
            if state.memberships.len() == before {
                return aws_json_error(
                    400,
                    "ResourceNotFoundException",
                    "GROUP_MEMBERSHIP not found.",
                );
            }
            json_reply(200, json!({}))
        }
        "GetSecretValue" => match state.secrets.get(&s("SecretId")) {
            Some(value) => json_reply(
                200,
                json!({"ARN": format!("arn:aws:secretsmanager:{region}:1:secret:x"), "Name": s("SecretId"), "SecretString": value, "VersionId": "v1"}),
            ),
            None => aws_json_error(
                400,
                "ResourceNotFoundException",
                "Secrets Manager can't find the specified secret.",
            ),
        },
        _ => aws_json_error(400, "UnknownOperationException", operation),
    }
}

fn lambda_handle(
    state: &mut AwsState,
    function: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let invocation = header(headers, "x-amz-invocation-type").to_string();
    let payload: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let name = function.rsplit(':').next().unwrap_or(function).to_string();
    state
        .lambda_payloads
        .push((name.clone(), invocation.clone(), payload.clone()));
    if !["grant", "broken", "raw", "crash", "echo"].contains(&name.as_str()) {
        return (
            StatusCode::NOT_FOUND,
            [("x-amzn-errortype", "ResourceNotFoundException")],
            json!({"Type": "User", "Message": format!("Function not found: {function}")})
                .to_string(),
        )
            .into_response();
    }
    if invocation == "Event" {
        return StatusCode::ACCEPTED.into_response();
    }
    match name.as_str() {
        "grant" => json_reply(
            200,
            json!({"body": {"granted": true, "event_type": payload["event"]["type"]}, "errors": []}),
        ),
        "broken" => json_reply(
            200,
            json!({"body": {}, "errors": ["database unreachable", "quota exceeded"]}),
        ),
        "raw" => json_reply(200, json!("just a string")),
        "echo" => json_reply(200, payload),
        _ => (
            StatusCode::OK,
            [("x-amz-function-error", "Unhandled")],
            json!({"errorMessage": "division by zero", "errorType": "ZeroDivisionError"})
                .to_string(),
        )
            .into_response(),
    }
}

fn iam_handle(state: &mut AwsState, form: &HashMap<String, String>) -> Response {
    let action = form.get("Action").map(String::as_str).unwrap_or("");
    state.calls.push(format!("iam:{action}"));
    if form.get("Version").map(String::as_str) != Some("2010-05-08") {
        return iam_error(400, "InvalidParameterValue", "bad version");
    }
    let user = form.get("UserName").cloned().unwrap_or_default();
    let group = form.get("GroupName").cloned().unwrap_or_default();
    match action {
        "GetUser" => {
            if state.iam_users.contains(&user) {
                iam_ok("GetUser", &format!("<GetUserResult><User><UserName>{user}</UserName><UserId>AIDA1</UserId><Arn>arn:aws:iam::1:user/{user}</Arn></User></GetUserResult>"))
            } else {
                iam_error(
                    404,
                    "NoSuchEntity",
                    &format!("The user with name {user} cannot be found."),
                )
            }
        }
        "AddUserToGroup" | "RemoveUserFromGroup" => {
            if !state.iam_users.contains(&user) {
                return iam_error(
                    404,
                    "NoSuchEntity",
                    &format!("The user with name {user} cannot be found."),
                );
            }
            let Some(members) = state.iam_groups.get_mut(&group) else {
                return iam_error(
                    404,
                    "NoSuchEntity",
                    &format!("The group with name {group} cannot be found."),
                );
            };
            if action == "AddUserToGroup" {
                members.insert(user);
            } else if !members.remove(&user) {
                return iam_error(
                    404,
                    "NoSuchEntity",
                    &format!("The user with name {user} is not in group {group}."),
                );
            }
            iam_ok(action, "")
        }
        _ => iam_error(400, "InvalidAction", action),
    }
}

// ---------------------------------------------------------------- webhook receiver

#[derive(Default)]
pub struct WebhookState {
    pub received: Vec<Value>,
    pub grants: BTreeSet<String>,
}

pub async fn webhook() -> (Url, Arc<Mutex<WebhookState>>) {
    let state = Arc::new(Mutex::new(WebhookState::default()));
    let shared = state.clone();
    let router = Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
        let state = shared.clone();
        async move {
            if uri.path() == "/fail" {
                return (StatusCode::INTERNAL_SERVER_ERROR, "database is read-only")
                    .into_response();
            }
            let timestamp = header(&headers, "x-symflow-timestamp").to_string();
            let mut mac = Hmac::<Sha256>::new_from_slice(WEBHOOK_KEY.as_bytes()).unwrap();
            mac.update(format!("{timestamp}.").as_bytes());
            mac.update(&body);
            let expected = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
            if header(&headers, "x-symflow-signature") != expected {
                return (StatusCode::UNAUTHORIZED, "bad signature").into_response();
            }
            let doc: Value = serde_json::from_slice(&body).unwrap();
            let mut state = state.lock().unwrap();
            let key = format!(
                "{}:{}",
                doc["requester"]["email"].as_str().unwrap_or(""),
                doc["target"]["settings"]["identifier"]
                    .as_str()
                    .unwrap_or("")
            );
            let changed = if doc["action"] == "escalate" {
                state.grants.insert(key)
            } else {
                state.grants.remove(&key)
            };
            state.received.push(doc.clone());
            json_reply(
                200,
                json!({"ok": true, "action": doc["action"], "changed": changed}),
            )
        }
    });
    (serve(router).await, state)
}
