"""The `requests` shim: every call goes through the WIT `http.send` import."""

import json

import pytest
from wit_world.imports import http

import requests
from conftest import Refuse


def reply(status=200, body=b"", headers=None, url="https://api.example.com/"):
    return http.Response(status=status, headers=list(headers or []), body=body, url=url)


@pytest.fixture
def sent(host):
    """Requests the fake host received; answers 200 with a JSON echo unless told otherwise."""
    requests_seen = []

    def answer(request):
        requests_seen.append(request)
        return reply(200, b'{"ok": true}', [("Content-Type", "application/json")], request.url)

    host.answer("http.send", answer)
    return requests_seen


def test_our_shim_is_the_requests_module():
    assert requests.__file__.endswith("guest-wit/python/requests/__init__.py")


def test_get_with_params_headers_auth_and_timeout(sent):
    response = requests.get(
        "https://api.example.com/v1/users?active=1",
        params={"email": "a@b.co", "tag": ["x", "y"], "skip": None},
        headers={"X-Trace": "1"},
        auth=("bot", "pw"),
        timeout=(2, 5),
    )
    (request,) = sent
    assert request.method == "GET"
    assert request.url == "https://api.example.com/v1/users?active=1&email=a%40b.co&tag=x&tag=y"
    headers = dict(request.headers)
    assert headers["X-Trace"] == "1"
    assert headers["Authorization"] == "Basic Ym90OnB3"
    assert headers["User-Agent"].startswith("python-requests/")
    assert request.body is None
    assert request.timeout == 7.0
    assert response.status_code == 200 and response.ok
    assert response.json() == {"ok": True}
    assert response.headers["content-type"] == "application/json"
    assert response.url == request.url


def test_post_json_and_form_data(sent):
    requests.post("https://api.example.com/grants", json={"user": "u1", "n": 2})
    requests.put("https://api.example.com/form", data={"a": "1", "b": ["2", "3"]})
    requests.patch("https://api.example.com/raw", data="plain text", headers={"Content-Type": "text/plain"})
    requests.delete("https://api.example.com/grants/1")
    requests.head("https://api.example.com/")
    post, put, patch, delete, head = sent
    assert (post.method, json.loads(post.body), dict(post.headers)["Content-Type"]) == (
        "POST",
        {"user": "u1", "n": 2},
        "application/json",
    )
    assert (put.body, dict(put.headers)["Content-Type"]) == (b"a=1&b=2&b=3", "application/x-www-form-urlencoded")
    assert (patch.body, dict(patch.headers)["Content-Type"]) == (b"plain text", "text/plain")
    assert [r.method for r in (delete, head)] == ["DELETE", "HEAD"]


def test_session_headers_auth_and_context_manager(sent):
    with requests.Session() as session:
        session.headers.update({"Circle-Token": "tok"})
        session.auth = requests.auth.HTTPBasicAuth("u", "p")
        session.get("https://circleci.com/api/v2/workflow/1/job", headers={"Accept": "application/json"})
        session.post("https://circleci.com/api/v2/workflow/1/approve/2", headers={"Circle-Token": None})
    first, second = sent
    assert dict(first.headers)["Circle-Token"] == "tok"
    assert dict(first.headers)["Accept"] == "application/json"
    assert dict(first.headers)["Authorization"].startswith("Basic ")
    assert "Circle-Token" not in dict(second.headers)


def test_response_text_content_and_raise_for_status(host):
    host.answer(
        "http.send",
        reply(404, "nié".encode("utf-8"), [("Content-Type", "text/plain; charset=utf-8"), ("Set-Cookie", "a=1"), ("set-cookie", "b=2")], "https://x.example/missing"),
    )
    response = requests.get("https://x.example/missing")
    assert response.content == "nié".encode("utf-8")
    assert response.text == "nié"
    assert response.reason == "Not Found"
    assert response.headers["Set-Cookie"] == "a=1, b=2"
    assert not response.ok and not response
    with pytest.raises(requests.exceptions.HTTPError) as excinfo:
        response.raise_for_status()
    assert str(excinfo.value) == "404 Client Error: Not Found for url: https://x.example/missing"
    assert excinfo.value.response is response
    assert isinstance(excinfo.value, requests.RequestException)
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_refused_host_is_a_connection_error_with_the_hosts_message(host):
    host.answer("http.send", Refuse("not-granted", "outbound host evil.example is not allow-listed"))
    with pytest.raises(requests.exceptions.ConnectionError) as excinfo:
        requests.get("https://evil.example/")
    assert str(excinfo.value) == "outbound host evil.example is not allow-listed"
    assert excinfo.value.request.url == "https://evil.example/"
    assert isinstance(excinfo.value, requests.exceptions.RequestException)


def test_host_timeout_is_a_timeout(host):
    host.answer("http.send", Refuse("timeout", "no answer in 5 s"))
    with pytest.raises(requests.exceptions.Timeout) as excinfo:
        requests.get("https://slow.example/", timeout=5)
    assert str(excinfo.value) == "no answer in 5 s"


@pytest.mark.parametrize(
    "url, error",
    [
        ("api.example.com/x", requests.exceptions.MissingSchema),
        ("ftp://api.example.com/x", requests.exceptions.InvalidSchema),
        ("https:///nohost", requests.exceptions.InvalidURL),
    ],
)
def test_bad_urls_fail_before_reaching_the_host(host, url, error):
    with pytest.raises(error):
        requests.get(url)
    assert host.calls == []


def test_unsupported_uploads_say_so(host):
    with pytest.raises(requests.RequestException, match="not supported"):
        requests.post("https://api.example.com/", files={"f": b"x"})


def test_codes():
    assert requests.codes.ok == 200 and requests.codes.not_found == 404
