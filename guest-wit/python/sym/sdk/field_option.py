"""`FieldOption`: one choice of a prompt-field dropdown, as `@prefetch` reducers return them."""

from typing import Optional, Union

from wit_world.imports import types as wit

MAX_LENGTH = 55


class FieldOption:
    """A dropdown choice: `value` (str or int, at most 55 characters as text) and `label`."""

    def __init__(self, value: Union[str, int], label: Optional[str] = None):
        if value is None:
            raise ValueError("FieldOption value must not be None")
        if label is None:
            label = str(value)
        if len(str(value)) > MAX_LENGTH:
            raise ValueError(f"FieldOption value must be at most {MAX_LENGTH} characters: {value!r}")
        if not isinstance(label, str):
            raise ValueError(f"FieldOption label must be a string, got {label!r}")
        if len(label) > MAX_LENGTH:
            raise ValueError(f"FieldOption label must be at most {MAX_LENGTH} characters: {label!r}")
        self.value = value
        self.label = label

    def _to_wit(self) -> "wit.FieldOption":
        return wit.FieldOption(value=str(self.value), label=self.label)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldOption):
            return NotImplemented
        return (self.value, self.label) == (other.value, other.label)

    def __hash__(self) -> int:
        return hash((self.value, self.label))

    def __repr__(self) -> str:
        return f"FieldOption(value={self.value!r}, label={self.label!r})"
