"""Prompt fields and the request form that `on_change_<field>` handlers edit (spec §5.5).

Value encoding between host and guest (`value-json` of a WIT `form-field`):
- `slack_user`: `{"user_id": "U…", "username": "…"}` (or just the id as a string) <-> `SlackUserSelection`;
- `slack_user_list`: a list of those;
- `duration`: seconds; every other type: its plain JSON value.
Allowed values travel as `field-option`s whose value is text; for `int`, `int_list` and
`duration` fields values that look like integers become ints in Python.
"""

from collections import OrderedDict
from enum import Enum
from types import MappingProxyType
from typing import Any, Dict, List, Optional

from wit_world.imports import types as wit

from sym.sdk._internal.convert import dumps, loads_or
from sym.sdk.field_option import FieldOption


class FieldType(str, Enum):
    STRING = "string"
    INT = "int"
    BOOL = "bool"
    DURATION = "duration"
    SLACK_USER = "slack_user"
    SLACK_USER_LIST = "slack_user_list"
    STR_LIST = "str_list"
    INT_LIST = "int_list"

    @classmethod
    def _from_wit(cls, value: "wit.FieldType") -> "FieldType":
        return cls[value.name]

    def _to_wit(self) -> "wit.FieldType":
        return wit.FieldType[self.name]


_INTEGER_TYPES = (FieldType.INT, FieldType.INT_LIST, FieldType.DURATION)


class SlackUserSelection:
    """A user picked in a Slack user field: Slack `user_id` and, when known, Sym `username`."""

    def __init__(self, user_id: str, username: Optional[str] = None):
        self.user_id = user_id
        self.username = username

    def _to_json(self) -> dict:
        return {"user_id": self.user_id, "username": self.username}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SlackUserSelection):
            return NotImplemented
        return (self.user_id, self.username) == (other.user_id, other.username)

    def __hash__(self) -> int:
        return hash((self.user_id, self.username))

    def __repr__(self) -> str:
        return f"SlackUserSelection(user_id={self.user_id!r}, username={self.username!r})"


def _selection(raw: Any) -> Any:
    if isinstance(raw, dict) and "user_id" in raw:
        return SlackUserSelection(raw["user_id"], raw.get("username"))
    if isinstance(raw, str):
        return SlackUserSelection(raw)
    return raw


def decode_value(field_type: FieldType, raw: Any) -> Any:
    """A field value decoded from JSON, typed for its field."""
    if raw is None:
        return None
    if field_type is FieldType.SLACK_USER:
        return _selection(raw)
    if field_type is FieldType.SLACK_USER_LIST and isinstance(raw, list):
        return [_selection(item) for item in raw]
    return raw


def _option_value(field_type: FieldType, text: str) -> Any:
    if field_type in _INTEGER_TYPES:
        try:
            return int(text)
        except ValueError:
            return text
    return text


def _options_from_wit(field_type: FieldType, options) -> Optional[List[FieldOption]]:
    if options is None:
        return None
    return [FieldOption(_option_value(field_type, o.value), o.label) for o in options]


def _options_to_wit(options) -> Optional[list]:
    if options is None:
        return None
    result = []
    for option in options:
        if not isinstance(option, FieldOption):
            option = FieldOption(option)
        result.append(option._to_wit())
    return result


class PromptField:
    """One prompt field. `name`, `type` and `original_allowed_values` cannot be changed.

    In a form, change `value`, `label`, `required`, `visible` and `current_allowed_values`.
    `default` and `prefetch` describe the flow's declaration (`event.flow.fields`).
    """

    def __init__(
        self,
        name: str,
        type: FieldType,
        value: Any = None,
        label: Optional[str] = None,
        required: bool = True,
        current_allowed_values: Optional[List[FieldOption]] = None,
        original_allowed_values: Optional[List[FieldOption]] = None,
        visible: bool = True,
        default: Any = None,
        prefetch: bool = False,
    ):
        self._name = name
        self._type = FieldType(type)
        self.value = value
        self.label = label
        self.required = required
        self.current_allowed_values = current_allowed_values
        self._original_allowed_values = tuple(original_allowed_values) if original_allowed_values is not None else None
        self.visible = visible
        self.default = default
        self.prefetch = prefetch

    name = property(lambda self: self._name, doc="The field's name (read-only).")
    type = property(lambda self: self._type, doc="The field's FieldType (read-only).")

    @property
    def original_allowed_values(self) -> Optional[List[FieldOption]]:
        """The allowed values the flow declared (read-only)."""
        return list(self._original_allowed_values) if self._original_allowed_values is not None else None

    @property
    def allowed_values(self) -> Optional[List[Any]]:
        """The current allowed values as plain values."""
        if self.current_allowed_values is None:
            return None
        return [o.value for o in self.current_allowed_values]

    @classmethod
    def _from_wit_declaration(cls, record: "wit.PromptField") -> "PromptField":
        field_type = FieldType._from_wit(record.field_type)
        options = None
        if record.allowed_values is not None:
            options = [FieldOption(_option_value(field_type, v), v) for v in record.allowed_values]
        return cls(
            name=record.name,
            type=field_type,
            value=None,
            label=record.label,
            required=record.required,
            current_allowed_values=options,
            original_allowed_values=options,
            visible=record.visible,
            default=decode_value(field_type, loads_or(record.default_json, None)),
            prefetch=record.prefetch,
        )

    @classmethod
    def _from_wit(cls, record: "wit.FormField") -> "PromptField":
        field_type = FieldType._from_wit(record.field_type)
        return cls(
            name=record.name,
            type=field_type,
            value=decode_value(field_type, loads_or(record.value_json, None)),
            label=record.label,
            required=record.required,
            current_allowed_values=_options_from_wit(field_type, record.allowed_values),
            original_allowed_values=_options_from_wit(field_type, record.original_allowed_values),
            visible=record.visible,
        )

    def _to_wit(self) -> "wit.FormField":
        return wit.FormField(
            name=self._name,
            field_type=self._type._to_wit(),
            label=self.label,
            required=bool(self.required),
            visible=bool(self.visible),
            value_json=None if self.value is None else dumps(self.value),
            allowed_values=_options_to_wit(self.current_allowed_values),
            original_allowed_values=_options_to_wit(self._original_allowed_values),
        )

    def __repr__(self) -> str:
        return f"PromptField(name={self._name!r}, type={self._type.value!r}, value={self.value!r})"


class SymPromptForm:
    """The request form as `on_change_<field>(username, form)` receives and returns it.

    `fields` maps field names to `PromptField`s in form order. Change the fields themselves;
    the mapping is read-only.
    """

    def __init__(self, fields: Dict[str, PromptField], flow_vars: Optional[Dict[str, str]] = None, additional_header_text: Optional[str] = None):
        self._fields = OrderedDict(fields)
        self.flow_vars = flow_vars or {}
        self.additional_header_text = additional_header_text

    @property
    def fields(self):
        return MappingProxyType(self._fields)

    @classmethod
    def _from_wit(cls, record: "wit.PromptForm") -> "SymPromptForm":
        fields = OrderedDict((f.name, PromptField._from_wit(f)) for f in record.fields)
        return cls(fields, loads_or(record.flow_vars_json, {}), record.additional_header_text)

    def _to_wit(self) -> "wit.PromptForm":
        return wit.PromptForm(
            fields=[f._to_wit() for f in self._fields.values()],
            flow_vars_json=dumps(self.flow_vars),
            additional_header_text=self.additional_header_text,
        )

    def __repr__(self) -> str:
        return f"SymPromptForm(fields={list(self._fields.values())!r})"
