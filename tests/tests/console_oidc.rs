//! Console sign-in with OpenID Connect, end to end: a real symflow server configured with the
//! fake OIDC provider of `symflow-service-fakes` (discovery, JWKS, authorize, token with
//! PKCE and client authentication, RS256 ID tokens), driven over HTTP by a client that keeps
//! cookies and follows redirects one at a time, as a browser does.
//!
//! Signing in through the provider lands a person in the console as the symflow user of their
//! e-mail, and the flows' permissions apply to them (a member does not see the payroll run
//! and gets no Approve; an admin approves). Every way a sign-in can be wrong (tampered state,
//! a replayed callback, wrong nonce, audience or issuer, an expired token, a signature from
//! another key, an unverified e-mail, a provider that is down) is refused with a readable
//! page and leaves no session; and with OIDC on, the console token no longer signs anyone in.
//!
//! Runs on SQLite, or on PostgreSQL when SYMFLOW_TEST_DATABASE_URL is set, like the other
//! suites; the store is read only through the harness.

use std::collections::HashMap;
use std::sync::Mutex;

use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use symflow_e2e::people::{ADMIN_EMAIL, ALICE};
use symflow_e2e::{breakglass_fields, text_input, Harness, Setup};
use symflow_engine::RunStatus;
use symflow_server::console::oidc::{OidcSettings, CALLBACK_PATH};
use symflow_server::console::ConsoleOptions;
use symflow_service_fakes::oidc::{
    FakeOidc, OidcUser, TokenFlaw, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
};

const TOKEN: &str = "oidc-test-console-token";
const BOB_EMAIL: &str = "bob@example.com";

/// One HTTP answer, as the client saw it.
#[derive(Debug)]
struct Page {
    status: u16,
    location: Option<String>,
    body: String,
}

/// A browser's worth of HTTP: a cookie jar, redirects followed only when asked.
struct Visitor {
    http: reqwest::Client,
    cookies: Mutex<HashMap<String, String>>,
}

impl Visitor {
    fn new() -> Visitor {
        Visitor {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Mutex::new(HashMap::new()),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&self, headers: &HeaderMap) {
        let mut jar = self.cookies.lock().unwrap();
        for set in headers.get_all(SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || attributes.contains("Max-Age=0") {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_string(), value.to_string());
            }
        }
    }

    async fn finish(&self, response: reqwest::Response) -> Page {
        self.keep_cookies(response.headers());
        Page {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get(LOCATION)
                .map(|l| l.to_str().unwrap().to_string()),
            body: response.text().await.unwrap(),
        }
    }

    async fn get(&self, url: &str) -> Page {
        let response = self
            .http
            .get(url)
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        self.finish(response).await
    }

    async fn post(&self, url: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(url)
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        self.finish(response).await
    }

    fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_string(), value.to_string());
    }

    fn has_cookie(&self, name: &str) -> bool {
        self.cookies.lock().unwrap().contains_key(name)
    }
}

/// A free loopback port, so the redirect URL can name the server before it starts.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(issuer: &str) -> Harness {
    let port = free_port();
    Harness::start(
        "console",
        Setup {
            admins: vec![ADMIN_EMAIL.into()],
            port,
            console: ConsoleOptions {
                token: Some(TOKEN.into()),
                oidc: Some(OidcSettings {
                    issuer: issuer.to_string(),
                    client_id: OIDC_CLIENT_ID.into(),
                    client_secret: Some(OIDC_CLIENT_SECRET.into()),
                    redirect_url: format!("http://127.0.0.1:{port}{CALLBACK_PATH}"),
                    allow_unverified_email: false,
                }),
                ..ConsoleOptions::default()
            },
            ..Setup::default()
        },
    )
    .await
}

/// Starts a sign-in and follows it to the provider and back: the provider's redirect to
/// the callback, and the callback's answer.
async fn sign_in(harness: &Harness, fake: &FakeOidc, visitor: &Visitor) -> (String, Page) {
    let login = visitor.get(&harness.url("/console/oidc/login")).await;
    assert_eq!(login.status, 303, "off to the provider: {login:?}");
    let authorize = login.location.unwrap();
    assert!(
        authorize.starts_with(&format!("{}/authorize?", fake.issuer())),
        "{authorize}"
    );
    for param in [
        "state=",
        "nonce=",
        "code_challenge=",
        "code_challenge_method=S256",
    ] {
        assert!(authorize.contains(param), "{param} in {authorize}");
    }
    let back = visitor.get(&authorize).await;
    assert_eq!(
        back.status, 303,
        "the provider sends the browser back: {back:?}"
    );
    let callback = back.location.unwrap();
    assert!(
        callback.starts_with(&harness.url(CALLBACK_PATH)),
        "{callback}"
    );
    let page = visitor.get(&callback).await;
    (callback, page)
}

/// Whether the visitor is signed in to the console, and as whom.
async fn signed_in_as(harness: &Harness, visitor: &Visitor) -> Option<String> {
    let page = visitor.get(&harness.url("/console/runs")).await;
    match page.status {
        200 => Some(page.body),
        303 => {
            assert_eq!(page.location.as_deref(), Some("/console/sign-in"));
            None
        }
        other => panic!("/console/runs answered {other}: {}", page.body),
    }
}

fn csrf_of(page: &str) -> String {
    let start = page
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + "name=\"csrf\" value=\"".len();
    page[start..start + page[start..].find('"').unwrap()].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_through_the_provider_applies_the_flows_permissions() {
    let fake = FakeOidc::start().await;
    let harness = start(&fake.issuer()).await;

    // Alice asks for database access and for payroll access in Slack.
    let db_run = harness
        .request(ALICE, "db-access", &breakglass_fields("deploy fix", "1h"))
        .await;
    harness.wait_status(db_run, RunStatus::Pending).await;
    let payroll_run = harness
        .request(ALICE, "payroll", &[("reason", text_input("quarter close"))])
        .await;
    harness.wait_status(payroll_run, RunStatus::Pending).await;

    // The sign-in page offers single sign-on and no token form.
    let bob = Visitor::new();
    let page = bob.get(&harness.url("/console/sign-in")).await;
    assert!(page.body.contains("id=\"sign-in-sso\""), "{}", page.body);
    assert!(!page.body.contains("id=\"token\""), "{}", page.body);

    // Bob, a member, signs in through the provider.
    fake.sign_in_as(OidcUser::verified(BOB_EMAIL));
    let (_, landed) = sign_in(&harness, &fake, &bob).await;
    assert_eq!(landed.status, 200, "{}", landed.body);
    assert!(
        landed.body.contains("Signed in as bob@example.com"),
        "{}",
        landed.body
    );
    assert!(bob.has_cookie("symflow_console"));
    assert!(
        !bob.has_cookie("symflow_oidc_login"),
        "the login cookie is spent"
    );
    assert_eq!(fake.token_requests(), vec![Ok(BOB_EMAIL.to_string())]);

    let runs = signed_in_as(&harness, &bob)
        .await
        .expect("Bob is signed in");
    assert!(
        runs.contains(BOB_EMAIL) && runs.contains(">member<"),
        "{runs}"
    );
    assert!(
        runs.contains(&db_run.to_string()),
        "members see database requests"
    );
    assert!(
        !runs.contains(&payroll_run.to_string()),
        "payroll runs are for admins only: {runs}"
    );
    let payroll = bob
        .get(&harness.url(&format!("/console/runs/{payroll_run}")))
        .await;
    assert_eq!(payroll.status, 404, "{}", payroll.body);
    let db = bob
        .get(&harness.url(&format!("/console/runs/{db_run}")))
        .await;
    assert_eq!(db.status, 200);
    assert!(
        db.body.contains("id=\"no-actions\""),
        "only admins approve: {}",
        db.body
    );
    let refused = bob
        .post(
            &harness.url(&format!("/console/runs/{db_run}/act")),
            &[("csrf", &csrf_of(&db.body)), ("action", "approve")],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(harness.run(db_run).status, RunStatus::Pending);

    // The admin signs in the same way, sees both runs and approves.
    let admin = Visitor::new();
    fake.sign_in_as(OidcUser::verified(ADMIN_EMAIL));
    let (_, landed) = sign_in(&harness, &fake, &admin).await;
    assert_eq!(landed.status, 200, "{}", landed.body);
    let runs = signed_in_as(&harness, &admin)
        .await
        .expect("the admin is signed in");
    assert!(runs.contains(">admin<"), "{runs}");
    assert!(runs.contains(&payroll_run.to_string()), "{runs}");
    let db = admin
        .get(&harness.url(&format!("/console/runs/{db_run}")))
        .await;
    assert!(db.body.contains("id=\"action-approve\""), "{}", db.body);
    let approved = admin
        .post(
            &harness.url(&format!("/console/runs/{db_run}/act")),
            &[("csrf", &csrf_of(&db.body)), ("action", "approve")],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let run = harness.wait_status(db_run, RunStatus::Escalated).await;
    assert_eq!(
        run.approver().map(|a| a.email.clone()).as_deref(),
        Some(ADMIN_EMAIL),
        "the approval is the OIDC user's"
    );

    // With OIDC on, the console token signs nobody in, even with the right token.
    let intruder = Visitor::new();
    let page = intruder
        .post(
            &harness.url("/console/sign-in"),
            &[("email", ADMIN_EMAIL), ("token", TOKEN)],
        )
        .await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("single sign-on"), "{}", page.body);
    assert!(signed_in_as(&harness, &intruder).await.is_none());
}

/// Asserts the page is a refusal that says `needle`, and that nobody got signed in.
async fn assert_refused(
    harness: &Harness,
    visitor: &Visitor,
    page: &Page,
    status: u16,
    needle: &str,
) {
    assert_eq!(page.status, status, "{needle}: {}", page.body);
    assert!(
        page.body.contains("Sign-in failed") && page.body.contains(needle),
        "the page says {needle:?}: {}",
        page.body
    );
    assert!(
        page.body.contains("href=\"/console/sign-in\""),
        "a way back"
    );
    assert!(!visitor.has_cookie("symflow_console"));
    assert!(signed_in_as(harness, visitor).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_untrustworthy_sign_in_is_refused_with_a_page_and_no_session() {
    let fake = FakeOidc::start().await;
    let harness = start(&fake.issuer()).await;
    fake.sign_in_as(OidcUser::verified(ADMIN_EMAIL));

    // The state changed on the way back: refused before the code is ever used.
    let visitor = Visitor::new();
    let login = visitor.get(&harness.url("/console/oidc/login")).await;
    let back = visitor.get(login.location.as_deref().unwrap()).await;
    let callback = back.location.unwrap();
    let mut url = url::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut().clear();
    for (k, v) in &pairs {
        let v = if k == "state" {
            format!("{v}x")
        } else {
            v.clone()
        };
        url.query_pairs_mut().append_pair(k, &v);
    }
    let page = visitor.get(url.as_str()).await;
    assert_refused(
        &harness,
        &visitor,
        &page,
        400,
        "did not start in this browser",
    )
    .await;
    // ... and the refusal ended this browser's login: the genuine callback no longer works.
    let page = visitor.get(&callback).await;
    assert_refused(
        &harness,
        &visitor,
        &page,
        400,
        "did not start in this browser",
    )
    .await;
    assert!(fake.token_requests().is_empty(), "no code was exchanged");

    // A callback from another browser (no login cookie) is refused.
    let visitor = Visitor::new();
    let login = visitor.get(&harness.url("/console/oidc/login")).await;
    let back = visitor.get(login.location.as_deref().unwrap()).await;
    let stranger = Visitor::new();
    let page = stranger.get(back.location.as_deref().unwrap()).await;
    assert_refused(
        &harness,
        &stranger,
        &page,
        400,
        "did not start in this browser",
    )
    .await;

    // Replaying a callback that worked signs nobody else in, even with the state's cookie
    // forged to match: a login is good once.
    let visitor = Visitor::new();
    let (callback, page) = sign_in(&harness, &fake, &visitor).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let state = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let replayer = Visitor::new();
    replayer.set_cookie("symflow_oidc_login", &state);
    let page = replayer.get(&callback).await;
    assert_refused(
        &harness,
        &replayer,
        &page,
        400,
        "did not start in this browser",
    )
    .await;

    // ID tokens that fail a check.
    for (flaw, needle) in [
        (TokenFlaw::WrongNonce, "nonce"),
        (TokenFlaw::WrongAudience, "another application"),
        (TokenFlaw::WrongIssuer, "impostor.example.com"),
        (TokenFlaw::Expired, "expired"),
        (TokenFlaw::ForeignKey, "signature does not match"),
    ] {
        fake.next_token(flaw);
        let visitor = Visitor::new();
        let (_, page) = sign_in(&harness, &fake, &visitor).await;
        assert_refused(&harness, &visitor, &page, 401, needle).await;
    }

    // An e-mail the provider has not verified, or does not say it verified.
    for verified in [Some(false), None] {
        fake.sign_in_as(OidcUser {
            email_verified: verified,
            ..OidcUser::verified(BOB_EMAIL)
        });
        let visitor = Visitor::new();
        let (_, page) = sign_in(&harness, &fake, &visitor).await;
        assert_refused(&harness, &visitor, &page, 401, "is not verified").await;
    }

    // The provider said no (the person cancelled at the provider).
    let visitor = Visitor::new();
    let login = visitor.get(&harness.url("/console/oidc/login")).await;
    let authorize = url::Url::parse(login.location.as_deref().unwrap()).unwrap();
    let state = authorize
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let page = visitor
        .get(&format!(
            "{}?error=access_denied&error_description=User+cancelled&state={state}",
            harness.url(CALLBACK_PATH)
        ))
        .await;
    assert_refused(&harness, &visitor, &page, 401, "User cancelled").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_is_down_gets_a_page_not_a_500() {
    // A loopback port nobody listens on.
    let issuer = format!("http://127.0.0.1:{}", free_port());
    let harness = start(&issuer).await;
    let visitor = Visitor::new();
    let page = visitor.get(&harness.url("/console/oidc/login")).await;
    assert_refused(&harness, &visitor, &page, 502, "did not answer").await;
    assert!(
        page.body.contains(&issuer),
        "names the provider: {}",
        page.body
    );
}
