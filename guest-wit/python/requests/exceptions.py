"""`requests.exceptions`, with the class hierarchy of the real `requests` package.

A host refusal of an outbound call (host not allow-listed, connection failure) is a
`ConnectionError` carrying the host's message; a host timeout is a `ReadTimeout`.
"""

import json


class RequestException(IOError):
    """Base of every error this module raises; `request` and `response` when known."""

    def __init__(self, *args, **kwargs):
        self.response = kwargs.pop("response", None)
        self.request = kwargs.pop("request", None)
        if self.response is not None and self.request is None:
            self.request = getattr(self.response, "request", None)
        super().__init__(*args, **kwargs)


class InvalidJSONError(RequestException):
    """A request body could not be encoded as JSON."""


class JSONDecodeError(InvalidJSONError, json.JSONDecodeError):
    """`Response.json()` got a body that is not JSON."""

    def __init__(self, *args, **kwargs):
        json.JSONDecodeError.__init__(self, *args)
        InvalidJSONError.__init__(self, *self.args, **kwargs)


class HTTPError(RequestException):
    """`raise_for_status()` saw a 4xx or 5xx status."""


class ConnectionError(RequestException):
    """The request could not be made: refused by the host's allow-list, or the connection failed."""


class ProxyError(ConnectionError):
    pass


class SSLError(ConnectionError):
    pass


class Timeout(RequestException):
    """The request timed out."""


class ConnectTimeout(ConnectionError, Timeout):
    pass


class ReadTimeout(Timeout):
    pass


class URLRequired(RequestException):
    pass


class TooManyRedirects(RequestException):
    pass


class MissingSchema(RequestException, ValueError):
    pass


class InvalidSchema(RequestException, ValueError):
    pass


class InvalidURL(RequestException, ValueError):
    pass


class InvalidHeader(RequestException, ValueError):
    pass


class ChunkedEncodingError(RequestException):
    pass


class ContentDecodingError(RequestException):
    pass


class RetryError(RequestException):
    pass
