"""A `requests`-compatible HTTP client for flows and custom strategies, running in the sandbox.

Sym lets `impl.py` and custom strategies `import requests`. The component has no sockets, so
this package implements the commonly used surface of `requests` on top of the host's WIT
`http.send` capability, which allow-lists hosts and caps timeouts:

- `get/post/put/patch/delete/head/options/request`, `Session` (as a context manager too);
- `params=`, `data=` (dict, pairs, str or bytes), `json=`, `headers=`, `cookies=`,
  `auth=(user, password)` or an auth callable, `timeout=` (seconds or `(connect, read)`);
- `Response`: `status_code`, `ok`, `reason`, `headers`, `content`, `text`, `json()`,
  `raise_for_status()`, `url`, `elapsed`;
- `requests.exceptions`: a call the host refuses (e.g. a host not allow-listed) raises
  `ConnectionError` with the host's message; a host timeout raises `ReadTimeout` (a `Timeout`).

Not supported: `files=` uploads, streaming, proxies, client certificates; `verify=` and
`allow_redirects=` are accepted and left to the host.
"""

from requests import exceptions
from requests.api import delete, get, head, options, patch, post, put, request
from requests.auth import HTTPBasicAuth
from requests.exceptions import (
    ConnectionError,
    ConnectTimeout,
    HTTPError,
    JSONDecodeError,
    ReadTimeout,
    RequestException,
    Timeout,
    TooManyRedirects,
)
from requests.models import PreparedRequest, Response
from requests.sessions import Session, session
from requests.status_codes import codes
from requests.structures import CaseInsensitiveDict

__version__ = "2.31.0"

__all__ = [
    "CaseInsensitiveDict",
    "ConnectTimeout",
    "ConnectionError",
    "HTTPBasicAuth",
    "HTTPError",
    "JSONDecodeError",
    "PreparedRequest",
    "ReadTimeout",
    "RequestException",
    "Response",
    "Session",
    "Timeout",
    "TooManyRedirects",
    "codes",
    "delete",
    "exceptions",
    "get",
    "head",
    "options",
    "patch",
    "post",
    "put",
    "request",
    "session",
]
