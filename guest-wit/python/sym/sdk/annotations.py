"""Decorators that mark reducers and hooks (spec §5.1).

They are markers: symflow dispatches by function name (`get_*` reducers, `on_*`/`after_*` hooks),
as Sym does, so an undecorated `get_permissions` still runs. `@prefetch(field_name=...)` is the
exception: the guest finds prefetch reducers by the field they are marked for.
"""

from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable)

PREFETCH_ATTRIBUTE = "__sym_prefetch_field__"


def reducer(fn: F) -> F:
    """Mark a reducer (`get_*`): it takes the event and returns one value."""
    fn.__sym_reducer__ = True
    return fn


def hook(fn: F) -> F:
    """Mark a hook: `on_*` runs before the event is processed and may return a transition,
    `after_*` runs after it."""
    fn.__sym_hook__ = True
    return fn


def prefetch(field_name: str) -> Callable[[F], F]:
    """Mark a reducer that returns the `FieldOption`s of prompt field `field_name`
    (declared with `prefetch = true`), before the request modal opens."""
    if callable(field_name):
        raise TypeError("use @prefetch(field_name=\"<field>\"), with the field's name")

    def mark(fn: F) -> F:
        setattr(fn, PREFETCH_ATTRIBUTE, field_name)
        return fn

    return mark
