//! Outbound HTTP for `requests`: allowed hosts work through a local server; anything else
//! is refused with a message saying how to allow it; limits hold.

use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use symflow_integrations::outbound::{AllowList, HostPattern};
use symflow_sandbox::bindings::http::Request;

use crate::{blocking, fakes, world};

async fn site() -> url::Url {
    let router = Router::new()
        .route("/hello", get(|| async { ([("x-site", "yes")], "hi") }))
        .route(
            "/big",
            get(|| async { vec![b'x'; 2 * 1024 * 1024].into_response() }),
        )
        .route("/redirect-in", get(|| async { Redirect::to("/hello") }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                "late"
            }),
        );
    fakes::serve(router).await
}

fn get_request(url: String, timeout: Option<f64>) -> Request {
    Request {
        method: "GET".into(),
        url,
        headers: vec![("Authorization".into(), "Bearer partner".into())],
        body: None,
        timeout,
    }
}

#[test]
fn host_patterns() {
    let star = HostPattern::parse("*.example.com").unwrap();
    assert!(star.matches("api.example.com") && star.matches("a.b.example.com"));
    assert!(!star.matches("example.com") && !star.matches("badexample.com"));
    let exact = HostPattern::parse("API.example.com").unwrap();
    assert!(exact.matches("api.example.com") && !exact.matches("x.api.example.com"));
    for bad in ["", "https://x.com", "*", "a.*.com", "x.com/path"] {
        assert_eq!(HostPattern::parse(bad), None, "{bad:?}");
    }
    let mut list = AllowList::new();
    assert_eq!(
        list.extend_from_text("a.com, *.b.com  bad/one"),
        ["bad/one"]
    );
    assert!(list.allows("a.com") && list.allows("x.b.com") && !list.allows("c.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_hosts_work_and_others_are_refused_with_a_fix() {
    let world = world().await;
    let site = site().await;
    let port = site.port().unwrap();
    let http = world
        .caps("full-flow")
        .http
        .expect("always offered, limited by the allow-list");
    let bare = world.caps("bare-flow").http.unwrap();
    let (ok, redirected, refused, bare_refused) = blocking(move || {
        (
            http.send(get_request(format!("http://127.0.0.1:{port}/hello"), None))
                .unwrap(),
            http.send(get_request(
                format!("http://127.0.0.1:{port}/redirect-in"),
                None,
            ))
            .unwrap(),
            http.send(get_request(format!("http://localhost:{port}/hello"), None))
                .unwrap_err(),
            bare.send(get_request(format!("http://127.0.0.1:{port}/hello"), None))
                .unwrap_err(),
        )
    })
    .await;
    assert_eq!((ok.status, ok.body.as_slice()), (200, b"hi".as_slice()));
    assert!(ok.headers.iter().any(|(k, v)| k == "x-site" && v == "yes"));
    assert_eq!(redirected.status, 200);
    assert!(
        redirected.url.ends_with("/hello"),
        "final URL: {}",
        redirected.url
    );
    assert_eq!(
        (refused.capability.as_str(), refused.code.as_str()),
        ("http", "refused")
    );
    assert!(
        refused.message.contains("may not call localhost"),
        "{}",
        refused.message
    );
    assert!(
        refused.message.contains("allowed_hosts"),
        "says how to allow it: {}",
        refused.message
    );
    assert_eq!(
        bare_refused.code, "refused",
        "a flow without the integration has no allowed host"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_and_bad_urls() {
    let world = world().await;
    let site = site().await;
    let port = site.port().unwrap();
    let http = world.caps("full-flow").http.unwrap();
    let (big, slow, scheme, garbage, other_loopback) = blocking(move || {
        (
            http.send(get_request(format!("http://127.0.0.1:{port}/big"), None))
                .unwrap_err(),
            http.send(get_request(
                format!("http://127.0.0.1:{port}/slow"),
                Some(0.2),
            ))
            .unwrap_err(),
            http.send(get_request("ftp://127.0.0.1/file".into(), None))
                .unwrap_err(),
            http.send(get_request("not a url".into(), None))
                .unwrap_err(),
            http.send(get_request(format!("http://127.0.0.2:{port}/hello"), None))
                .unwrap_err(),
        )
    })
    .await;
    assert_eq!(big.code, "too-large");
    assert!(big.message.contains("1048576"), "{}", big.message);
    assert_eq!(slow.code, "timeout");
    assert_eq!(scheme.code, "invalid-url");
    assert_eq!(garbage.code, "invalid-url");
    assert_eq!(
        other_loopback.code, "refused",
        "only the listed host, not its neighbours"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_out_of_the_list_are_refused() {
    let world = world().await;
    let site = site().await;
    let port = site.port().unwrap();
    let target = format!("http://localhost:{port}/hello");
    let hop = fakes::serve(Router::new().route(
        "/go",
        get(move || {
            let target = target.clone();
            async move { Redirect::temporary(&target) }
        }),
    ))
    .await;
    let http = world.caps("full-flow").http.unwrap();
    let err = blocking(move || {
        http.send(get_request(hop.join("/go").unwrap().to_string(), None))
            .unwrap_err()
    })
    .await;
    assert_eq!(err.code, "refused");
    assert!(err.message.contains("localhost"), "{}", err.message);
}
