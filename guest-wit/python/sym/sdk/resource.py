"""Sym Resource Names (SRNs), spec §1.1.

Format `<ORG>:<MODEL>[:<TYPE>]:<SLUG>:<VERSION>[:<IDENTIFIER>]`, e.g. `sym:template:approval:1.0.0`
or `sym:integration:slack:my-integration:latest:<uuid>`. TYPE is present exactly for the models
in `SRN.TYPED_MODELS`. Parsing lower-cases the text.
"""

import re
from typing import Optional

_COMPONENT = re.compile(r"^[a-zA-Z0-9-_]+$")
_VERSION = re.compile(r"^(latest|\d{1,3}\.\d{1,3}\.\d{1,3})$")


class InvalidSRNError(ValueError):
    """The text is not a valid SRN; the message says which rule it breaks."""

    def __init__(self, srn: str, reason: str):
        self.srn = srn
        self.reason = reason
        super().__init__(f"Invalid SRN '{srn}': {reason}")


class SRN:
    """A parsed SRN. Equal SRNs have equal text."""

    SEPARATOR = ":"
    TYPED_MODELS = frozenset(
        {"access_strategy", "access_target", "user", "secret", "secrets", "integration", "log_destination"}
    )

    def __init__(
        self,
        org: str,
        model: str,
        slug: str,
        version: str,
        type: Optional[str] = None,
        identifier: Optional[str] = None,
    ):
        text = self._join(org, model, type, slug, version, identifier)
        for part_name, part in (("org", org), ("model", model), ("slug", slug)):
            self._check_component(text, part_name, part)
        if model in self.TYPED_MODELS:
            if not type:
                raise InvalidSRNError(text, f"model '{model}' requires a type")
            self._check_component(text, "type", type)
        elif type is not None:
            raise InvalidSRNError(text, f"model '{model}' does not take a type")
        if not _VERSION.match(version or ""):
            raise InvalidSRNError(text, f"version '{version}' must be 'latest' or a semver like 1.0.0")
        if identifier is not None:
            self._check_component(text, "identifier", identifier)
        self._org = org
        self._model = model
        self._type = type
        self._slug = slug
        self._version = version
        self._identifier = identifier

    @classmethod
    def parse(cls, raw: str) -> "SRN":
        if isinstance(raw, SRN):
            return raw
        if not isinstance(raw, str) or not raw:
            raise InvalidSRNError(str(raw), "an SRN must be a non-empty string")
        text = raw.lower()
        if text.endswith(cls.SEPARATOR):
            raise InvalidSRNError(raw, "trailing separator")
        parts = text.split(cls.SEPARATOR)
        if len(parts) < 4:
            raise InvalidSRNError(raw, "expected at least <org>:<model>:<slug>:<version>")
        model = parts[1]
        if model in cls.TYPED_MODELS:
            if len(parts) < 5:
                raise InvalidSRNError(raw, f"model '{model}' needs <org>:<model>:<type>:<slug>:<version>")
            if len(parts) > 6:
                raise InvalidSRNError(raw, "too many components")
            org, model, type_, slug, version = parts[:5]
            identifier = parts[5] if len(parts) == 6 else None
        else:
            if len(parts) > 5:
                raise InvalidSRNError(raw, "too many components")
            org, model, slug, version = parts[:4]
            type_ = None
            identifier = parts[4] if len(parts) == 5 else None
        return cls(org, model, slug, version, type=type_, identifier=identifier)

    @staticmethod
    def _join(*parts: Optional[str]) -> str:
        return SRN.SEPARATOR.join(p for p in parts if p is not None)

    @staticmethod
    def _check_component(text: str, name: str, value: Optional[str]) -> None:
        if not value or not _COMPONENT.match(value):
            raise InvalidSRNError(text, f"{name} '{value}' must match [a-zA-Z0-9-_]+")

    org = property(lambda self: self._org)
    model = property(lambda self: self._model)
    type = property(lambda self: self._type)
    slug = property(lambda self: self._slug)
    version = property(lambda self: self._version)
    identifier = property(lambda self: self._identifier)

    def copy(self, version: Optional[str] = None, identifier: Optional[str] = None) -> "SRN":
        return SRN(
            self._org,
            self._model,
            self._slug,
            version if version is not None else self._version,
            type=self._type,
            identifier=identifier if identifier is not None else self._identifier,
        )

    def __str__(self) -> str:
        return self._join(self._org, self._model, self._type, self._slug, self._version, self._identifier)

    def __repr__(self) -> str:
        return f"SRN({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SRN):
            return str(self) == str(other)
        if isinstance(other, str):
            return str(self) == other.lower()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    def _to_json(self) -> str:
        return str(self)


def maybe_srn(raw: Optional[str]):
    """`SRN.parse(raw)` when it parses, else the text unchanged (None for empty)."""
    if not raw:
        return None
    try:
        return SRN.parse(raw)
    except InvalidSRNError:
        return raw


class SymResource:
    """Base of SDK objects that are Sym resources and so have an `srn`."""

    srn = None
