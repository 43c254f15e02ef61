"""`Session`: shared headers, auth and params for several calls, sent through the host.

Every call becomes one `http.send` on the WIT `http` capability. The host applies its
allow-list and timeout cap and follows redirects; `Response.url` is the final URL.
"""

import time
from datetime import timedelta
from typing import Optional

from componentize_py_types import Err
from wit_world.imports import http as http_capability

from requests.exceptions import ConnectionError, InvalidURL, ReadTimeout
from requests.models import PreparedRequest, Response, build_response
from requests.structures import CaseInsensitiveDict

USER_AGENT = "python-requests/2.31.0 (symflow)"


def default_headers() -> CaseInsensitiveDict:
    return CaseInsensitiveDict({"User-Agent": USER_AGENT, "Accept": "*/*"})


def _timeout_seconds(timeout) -> Optional[float]:
    """`timeout=` as one number of seconds; a `(connect, read)` pair counts as their sum."""
    if timeout is None:
        return None
    if isinstance(timeout, (tuple, list)):
        parts = [float(t) for t in timeout if t is not None]
        return sum(parts) if parts else None
    return float(timeout)


def _merge(session_value, request_value):
    """Request settings override session settings; a request value of None removes a key."""
    if request_value is None:
        return session_value
    if session_value is None:
        return request_value
    if not (hasattr(session_value, "items") and hasattr(request_value, "items")):
        return request_value
    merged = CaseInsensitiveDict(session_value) if isinstance(session_value, CaseInsensitiveDict) else dict(session_value)
    merged.update(request_value)
    for key in [k for k, v in request_value.items() if v is None]:
        del merged[key]
    return merged


def send(request: PreparedRequest, timeout=None) -> Response:
    """Send a prepared request through the host's `http` capability."""
    wit_request = http_capability.Request(
        method=request.method,
        url=request.url,
        headers=[(str(k), str(v)) for k, v in request.headers.items()],
        body=request.body,
        timeout=_timeout_seconds(timeout),
    )
    started = time.monotonic()
    try:
        reply = http_capability.send(wit_request)
    except Err as err:
        refusal = err.value
        code = getattr(refusal, "code", "")
        message = getattr(refusal, "message", str(refusal))
        if code == "timeout":
            raise ReadTimeout(message, request=request) from None
        if code == "invalid-url":
            raise InvalidURL(message, request=request) from None
        raise ConnectionError(message, request=request) from None
    elapsed = timedelta(seconds=time.monotonic() - started)
    return build_response(request, reply.status, reply.headers, reply.body, reply.url, elapsed)


class Session:
    """Headers, auth, params and cookies shared by several calls."""

    def __init__(self):
        self.headers = default_headers()
        self.auth = None
        self.params: dict = {}
        self.cookies: dict = {}
        self.verify = True
        self.proxies: dict = {}
        self.max_redirects = 30

    def request(
        self,
        method,
        url,
        params=None,
        data=None,
        headers=None,
        cookies=None,
        files=None,
        auth=None,
        timeout=None,
        allow_redirects=True,
        proxies=None,
        hooks=None,
        stream=None,
        verify=None,
        cert=None,
        json=None,
    ) -> Response:
        prepared = PreparedRequest().prepare(
            method=method,
            url=url,
            headers=_merge(self.headers, headers),
            params=_merge(self.params, params),
            data=data,
            json=json,
            auth=auth if auth is not None else self.auth,
            cookies=_merge(self.cookies, cookies),
            files=files,
        )
        return send(prepared, timeout=timeout)

    def get(self, url, **kwargs) -> Response:
        return self.request("GET", url, **kwargs)

    def options(self, url, **kwargs) -> Response:
        return self.request("OPTIONS", url, **kwargs)

    def head(self, url, **kwargs) -> Response:
        kwargs.setdefault("allow_redirects", False)
        return self.request("HEAD", url, **kwargs)

    def post(self, url, data=None, json=None, **kwargs) -> Response:
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url, data=None, **kwargs) -> Response:
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url, data=None, **kwargs) -> Response:
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url, **kwargs) -> Response:
        return self.request("DELETE", url, **kwargs)

    def mount(self, prefix, adapter) -> None:
        """Accepted for compatibility; every call goes through the host."""

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def session() -> Session:
    return Session()
