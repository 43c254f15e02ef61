"""Small conversions shared by the SDK: JSON encoding of SDK values, times and durations."""

import enum
import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any, Optional


def to_jsonable(value: Any) -> Any:
    """`json.dumps` `default=` hook for the values flows put in kwargs and step outputs."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime) or isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    as_json = getattr(value, "_to_json", None)
    if callable(as_json):
        return as_json()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    return json.dumps(value, default=to_jsonable, separators=(",", ":"))


def loads_or(text: Optional[str], default: Any) -> Any:
    """Decode JSON text from the host; `default` when absent or empty."""
    if text is None or text == "":
        return default
    return json.loads(text)


def parse_time(text: Optional[str]) -> Any:
    """An ISO-8601 timestamp as `datetime`; the text itself when it does not parse."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text


def time_text(value: Any) -> Optional[str]:
    """A `datetime` or date string for the host, as ISO-8601 text."""
    if value is None:
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def seconds(value: Any, what: str = "duration") -> Optional[int]:
    """A duration as whole seconds: an int/float of seconds or a `timedelta`; None stays None."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a number of seconds or a timedelta, not {value!r}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value!r}")
    return int(value)
