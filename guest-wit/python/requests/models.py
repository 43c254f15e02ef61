"""`PreparedRequest` and `Response`: what a call sends to the host and what comes back."""

import json as jsonlib
from datetime import timedelta
from http import HTTPStatus
from typing import Iterator, Optional
from urllib.parse import urlencode, urlsplit, urlunsplit

from requests.auth import HTTPBasicAuth
from requests.exceptions import (
    HTTPError,
    InvalidJSONError,
    InvalidSchema,
    InvalidURL,
    JSONDecodeError,
    MissingSchema,
    RequestException,
)
from requests.structures import CaseInsensitiveDict


def _encode_pairs(data) -> str:
    items = data.items() if hasattr(data, "items") else data
    pairs = []
    for key, value in items:
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            pairs.append((key, v.decode("utf-8") if isinstance(v, bytes) else str(v)))
    return urlencode(pairs)


class PreparedRequest:
    """The exact method, URL, headers and body of one call."""

    def __init__(self):
        self.method: Optional[str] = None
        self.url: Optional[str] = None
        self.headers = CaseInsensitiveDict()
        self.body: Optional[bytes] = None

    def prepare(self, method, url, headers=None, params=None, data=None, json=None, auth=None, cookies=None, files=None):
        self.method = method.upper()
        self._prepare_url(url, params)
        self.headers = CaseInsensitiveDict(headers or {})
        self._prepare_body(data, json, files)
        if cookies:
            self.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in dict(cookies).items())
        if auth:
            if isinstance(auth, tuple) and len(auth) == 2:
                HTTPBasicAuth(*auth)(self)
            elif callable(auth):
                auth(self)
            else:
                raise ValueError(f"auth must be a (user, password) tuple or an auth callable, got {auth!r}")
        return self

    def _prepare_url(self, url, params) -> None:
        if isinstance(url, bytes):
            url = url.decode("utf-8")
        url = str(url).strip()
        parts = urlsplit(url)
        if not parts.scheme:
            raise MissingSchema(f"Invalid URL {url!r}: No scheme supplied. Perhaps you meant https://{url}?")
        if parts.scheme.lower() not in ("http", "https"):
            raise InvalidSchema(f"No connection adapters were found for {url!r}")
        if not parts.netloc or not parts.hostname:
            raise InvalidURL(f"Invalid URL {url!r}: No host supplied")
        query = parts.query
        if params:
            extra = params if isinstance(params, str) else _encode_pairs(params)
            query = f"{query}&{extra}" if query and extra else (query or extra)
        self.url = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, parts.fragment))

    def _prepare_body(self, data, json, files) -> None:
        if files:
            raise RequestException("files= uploads are not supported in symflow")
        content_type = None
        body = None
        if data is None and json is not None:
            try:
                body = jsonlib.dumps(json, allow_nan=False).encode("utf-8")
            except (TypeError, ValueError) as e:
                raise InvalidJSONError(e, request=self) from None
            content_type = "application/json"
        elif data is not None and data != {} and data != []:
            if isinstance(data, bytes):
                body = data
            elif isinstance(data, str):
                body = data.encode("utf-8")
            elif hasattr(data, "read"):
                body = data.read()
                if isinstance(body, str):
                    body = body.encode("utf-8")
            else:
                body = _encode_pairs(data).encode("utf-8")
                content_type = "application/x-www-form-urlencoded"
        if content_type and "Content-Type" not in self.headers:
            self.headers["Content-Type"] = content_type
        self.body = body

    def __repr__(self):
        return f"<PreparedRequest [{self.method}]>"


class Response:
    """The host's answer to one call, with the attributes of `requests.Response`."""

    def __init__(self):
        self.status_code: int = 0
        self.headers = CaseInsensitiveDict()
        self._content: bytes = b""
        self.url: Optional[str] = None
        self.encoding: Optional[str] = None
        self.request: Optional[PreparedRequest] = None
        self.history: list = []
        self.elapsed = timedelta(0)
        self.reason: str = ""
        self.raw = None
        self.cookies: dict = {}

    @property
    def content(self) -> bytes:
        return self._content

    @property
    def apparent_encoding(self) -> str:
        return "utf-8"

    @property
    def text(self) -> str:
        encoding = self.encoding or self.apparent_encoding
        try:
            return self._content.decode(encoding, errors="replace")
        except LookupError:
            return self._content.decode("utf-8", errors="replace")

    def json(self, **kwargs):
        try:
            return jsonlib.loads(self.text, **kwargs)
        except jsonlib.JSONDecodeError as e:
            raise JSONDecodeError(e.msg, e.doc, e.pos) from None

    @property
    def ok(self) -> bool:
        try:
            self.raise_for_status()
        except HTTPError:
            return False
        return True

    @property
    def is_redirect(self) -> bool:
        return "location" in self.headers and self.status_code in (301, 302, 303, 307, 308)

    @property
    def links(self) -> dict:
        return {}

    def raise_for_status(self) -> None:
        if 400 <= self.status_code < 500:
            kind = "Client Error"
        elif 500 <= self.status_code < 600:
            kind = "Server Error"
        else:
            return
        raise HTTPError(f"{self.status_code} {kind}: {self.reason} for url: {self.url}", response=self)

    def iter_content(self, chunk_size: int = 1, decode_unicode: bool = False) -> Iterator:
        data = self.text if decode_unicode else self._content
        step = chunk_size or len(data) or 1
        for start in range(0, len(data), step):
            yield data[start : start + step]

    def iter_lines(self, chunk_size: int = 512, decode_unicode: bool = False, delimiter=None) -> Iterator:
        data = self.text if decode_unicode else self._content
        yield from (data.split(delimiter) if delimiter else data.splitlines())

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __bool__(self) -> bool:
        return self.ok

    def __iter__(self):
        return self.iter_content(128)

    def __repr__(self):
        return f"<Response [{self.status_code}]>"


def build_response(request: PreparedRequest, status: int, headers, body: bytes, url: str, elapsed: timedelta) -> Response:
    response = Response()
    response.status_code = status
    merged = CaseInsensitiveDict()
    for name, value in headers:
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    response.headers = merged
    response._content = bytes(body)
    response.url = url or request.url
    response.request = request
    response.elapsed = elapsed
    try:
        response.reason = HTTPStatus(status).phrase
    except ValueError:
        response.reason = ""
    response.encoding = _charset(merged.get("Content-Type"))
    return response


def _charset(content_type: Optional[str]) -> Optional[str]:
    if not content_type:
        return None
    media, *params = [p.strip() for p in content_type.split(";")]
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("'\"") or None
    if media.startswith("text/"):
        return "ISO-8859-1"
    if media == "application/json":
        return "utf-8"
    return None
