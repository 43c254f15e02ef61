"""Authentication helpers: `HTTPBasicAuth` (also what `auth=(user, password)` means)."""

import base64


def basic_auth_header(username, password) -> str:
    if isinstance(username, str):
        username = username.encode("latin1")
    if isinstance(password, str):
        password = password.encode("latin1")
    return "Basic " + base64.b64encode(username + b":" + password).decode("ascii")


class AuthBase:
    """Base of callables that add authentication to a `PreparedRequest`."""

    def __call__(self, request):
        raise NotImplementedError("Auth hooks must be callable.")


class HTTPBasicAuth(AuthBase):
    def __init__(self, username, password):
        self.username = username
        self.password = password

    def __eq__(self, other):
        return (self.username, self.password) == (getattr(other, "username", None), getattr(other, "password", None))

    def __call__(self, request):
        request.headers["Authorization"] = basic_auth_header(self.username, self.password)
        return request


class HTTPBearerAuth(AuthBase):
    """Not in `requests` itself; a convenience for `Authorization: Bearer <token>`."""

    def __init__(self, token):
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request
