"""The module-level call functions: `requests.get(...)`, `requests.post(...)`, ..."""

from requests.models import Response
from requests.sessions import Session


def request(method, url, **kwargs) -> Response:
    with Session() as session:
        return session.request(method=method, url=url, **kwargs)


def get(url, params=None, **kwargs) -> Response:
    return request("GET", url, params=params, **kwargs)


def options(url, **kwargs) -> Response:
    return request("OPTIONS", url, **kwargs)


def head(url, **kwargs) -> Response:
    kwargs.setdefault("allow_redirects", False)
    return request("HEAD", url, **kwargs)


def post(url, data=None, json=None, **kwargs) -> Response:
    return request("POST", url, data=data, json=json, **kwargs)


def put(url, data=None, **kwargs) -> Response:
    return request("PUT", url, data=data, **kwargs)


def patch(url, data=None, **kwargs) -> Response:
    return request("PATCH", url, data=data, **kwargs)


def delete(url, **kwargs) -> Response:
    return request("DELETE", url, **kwargs)
