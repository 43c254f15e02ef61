"""Values of a flow's configuration that are only known after `terraform apply`.

A setting, a var or an integration's `external_id` may come from a module output or another
provider's resource that the Terraform state symflow was given does not hold. The host sends it
as `{"$unknown": "<reference>"}` instead of a value; the SDK keeps the key (so `"x" in vars`
and iteration work as in Sym) and raises `ValueNotKnown` when the value itself is read, so a
placeholder never reaches a service.
"""

from typing import Any, Dict

from sym.sdk.exceptions.sym_integration import SymIntegrationError

UNKNOWN_REFERENCE_KEY = "$unknown"

# The key under which a map that is only known after apply as a whole holds its marker
# (`settings = module.runtime_connector.settings`): every key of it is unknown.
WHOLE_MAP_KEY = "*"


class ValueNotKnown(SymIntegrationError):
    """Reading a configuration value that is only known after `terraform apply`."""

    def __init__(self, what: str, reference: str):
        super().__init__(
            name="VALUE_NOT_KNOWN",
            message=(
                f"{what} comes from {reference}, which is only known after terraform apply: "
                "run terraform apply, then pass --tf-state to symflow (terraform.tfstate, or a "
                "file written by `terraform show -json` or `terraform output -json`)"
            ),
        )
        self.reference = reference


def unknown_reference(value: Any) -> "str | None":
    """The reference of an `{"$unknown": ...}` marker, else None."""
    if isinstance(value, dict) and set(value) == {UNKNOWN_REFERENCE_KEY}:
        return str(value[UNKNOWN_REFERENCE_KEY])
    return None


class KnownAfterApply(dict):
    """A dict (settings, vars) some of whose values are only known after `terraform apply`.

    Reading such a value (`d[key]`, `d.get(key)`, `d.values()`, `d.items()`) raises
    `ValueNotKnown`; keys, `in`, `len` and reading the known values work as for a dict.
    """

    def __init__(self, known: Dict[str, Any], unknown: Dict[str, str], what: str):
        super().__init__(known)
        self._unknown = dict(unknown)
        self._what = what
        # The marker stays as the stored value, so json.dumps of the dict sends it back as is.
        for key, reference in unknown.items():
            dict.__setitem__(self, key, {UNKNOWN_REFERENCE_KEY: reference})

    def _check(self, key: Any) -> None:
        if key in self._unknown:
            raise ValueNotKnown(f"{self._what}[{key!r}]", self._unknown[key])
        if not dict.__contains__(self, key) and WHOLE_MAP_KEY in self._unknown:
            raise ValueNotKnown(f"{self._what}[{key!r}]", self._unknown[WHOLE_MAP_KEY])

    def __getitem__(self, key: Any) -> Any:
        self._check(key)
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self or WHOLE_MAP_KEY in self._unknown:
            return self[key]
        return default

    def values(self):  # type: ignore[override]
        return [self[key] for key in self.keys()]

    def items(self):  # type: ignore[override]
        return [(key, self[key]) for key in self.keys()]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._unknown.pop(key, None)
        dict.__setitem__(self, key, value)


def with_unknowns(value: Any, what: str) -> Any:
    """A decoded settings/vars object with its `$unknown` markers turned into a
    `KnownAfterApply` dict (the object itself when it has none)."""
    if not isinstance(value, dict):
        return value
    unknown = {}
    known = {}
    for key, item in value.items():
        reference = unknown_reference(item)
        if reference is not None:
            unknown[key] = reference
        else:
            known[key] = item
    if not unknown:
        return value
    return KnownAfterApply(known, unknown, what)
