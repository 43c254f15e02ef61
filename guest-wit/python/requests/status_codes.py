"""`requests.codes`: status codes by name (`codes.ok == 200`, `codes.not_found == 404`)."""

from http import HTTPStatus


class _Codes:
    def __init__(self):
        for status in HTTPStatus:
            setattr(self, status.name.lower(), status.value)
            setattr(self, status.name, status.value)
        self.ok = 200
        self.OK = 200

    def __getitem__(self, name):
        return getattr(self, name, None)

    def get(self, name, default=None):
        return getattr(self, name, default)


codes = _Codes()
