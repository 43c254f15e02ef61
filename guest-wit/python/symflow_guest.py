"""The app module of every flow component: implements the WIT export `sym:flow/handlers`.

componentize-py builds a flow as `componentize symflow_guest` against world `flow`. It
pre-initialises the component by importing this module at build time, so everything done at
import time — importing the flow's code and the whole SDK, building the dispatch table — is
paid once at build and not per event.

Build contract (what the build step puts next to this module on the Python path)
--------------------------------------------------------------------------------
- `flow_impl.py`       (required) the flow's `impl.py`, unchanged. For a flows filter
                       (`sym_flows_filter`) the filter's implementation, which defines `get_flows`.
- `flow_on_change_<f>.py` (optional) one per prompt field with an `on_change` file; it defines
                       `on_change_<f>(username, form)`, where `<f>` is the field name with every
                       character that is not a letter, digit or `_` replaced by `_`
                       (Sym: dashes become underscores).
- `flow_strategy.py`   (optional) the custom strategy file (`sym_strategy.implementation`),
                       defining one `AccessStrategy` subclass.
- `flow_manifest.py`   (optional, generated) lists what the build copied:

      ON_CHANGE_MODULES = {"<prompt field name>": "flow_on_change_<f>", ...}
      HAS_STRATEGY = True   # flow_strategy.py exists

  Without a manifest there are no on-change modules and `flow_strategy` is imported if present.

A flow bundle (world `flow-bundle`, one component for all flows of a tenant) is laid out the
same way per flow under its own module names, listed by a generated `flow_bundle.py`:

      FLOWS = {"<flow name>": {"impl": "flow_0_impl", "on_change": {"<field>": "flow_0_on_change_<f>"},
                               "strategy": "flow_0_strategy" or None}, ...}

  Every flow is imported at build time; the host calls `select_flow(name)` before a flow's calls.

Module names are the constants below. An `AccessStrategy` subclass may also live in
`flow_impl` itself. Build-time errors (two strategy classes, a manifest naming a module without
its handler, two `@prefetch` reducers for one field) raise here, so they fail the build.

Dispatch (by function name, as Sym does)
----------------------------------------
Reducers `get_permissions`, `get_request_notifications`, `get_approvers`, `get_identity`,
`get_flows`; hooks `on_<event>` / `after_<event>` for prompt, request, request_forward, approve,
deny, escalate, deescalate; `@prefetch(field_name=...)` functions by field; `on_change_<f>` by
field; the `AccessStrategy` subclass for the strategy exports. `list_handlers()` names them:
function names, `prefetch:<field>`, `on_change_<f>`, `get_flows` and `strategy`.

Errors
------
Every export answers a failure with `Err(FlowError)`: `sym-exception` for a `SymException` or
`SymSDKError` (with its `Type:NAME` code and hint), `python-exception` for any other exception,
`invalid-return` when the handler returned the wrong type, `not-defined` when the flow does not
define the handler. `traceback` is the Python traceback starting at the flow's own frames.
"""

import importlib
import inspect
import linecache
import re
import traceback
from typing import Any, Callable, Dict, List, Optional

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import log as log_capability
from wit_world.imports import types as wit

# The whole SDK and the `requests` shim are imported here so that every module is in the
# build-time snapshot, whatever the flow itself imports.
import requests  # noqa: F401
import sym.sdk.annotations  # noqa: F401
import sym.sdk.errors
import sym.sdk.exceptions  # noqa: F401
import sym.sdk.field_option  # noqa: F401
import sym.sdk.integrations  # noqa: F401
import sym.sdk.resource  # noqa: F401
import sym.sdk.templates  # noqa: F401
import sym.sdk.utils  # noqa: F401
from sym.sdk._internal.context import set_current_event
from sym.sdk._internal.convert import dumps, loads_or
from sym.sdk.annotations import PREFETCH_ATTRIBUTE
from sym.sdk.event import Event
from sym.sdk.exceptions import SymException
from sym.sdk.field_option import FieldOption
from sym.sdk.flow import Flow
from sym.sdk.forms import SymPromptForm
from sym.sdk.integration import Integration
from sym.sdk.notifications import Notification
from sym.sdk.request_destination import (
    RequestDestination,
    RequestDestinationFallback,
    RequestForwardContext,
    destination_to_wit,
)
from sym.sdk.request_permission import RequestPermission
from sym.sdk.strategies import AccessStrategy
from sym.sdk.templates.template import Transition
from sym.sdk.user import User, UserIdentity

IMPL_MODULE = "flow_impl"
MANIFEST_MODULE = "flow_manifest"
STRATEGY_MODULE = "flow_strategy"
BUNDLE_MODULE = "flow_bundle"
ON_CHANGE_MODULE_PREFIX = "flow_on_change_"

REDUCERS = ("get_permissions", "get_request_notifications", "get_approvers", "get_identity", "get_flows")
HOOK_EVENTS = ("prompt", "request", "request_forward", "approve", "deny", "escalate", "deescalate")
HOOKS = tuple(f"{when}_{event}" for event in HOOK_EVENTS for when in ("on", "after"))
STRATEGY_HANDLER = "strategy"


def field_key(field: str) -> str:
    """A prompt field name as it appears in `on_change_<f>` and `flow_on_change_<f>`."""
    return re.sub(r"\W", "_", field)


# --------------------------------------------------------------------------------------------
# Loading the flow's code and building the dispatch table (build time).
# --------------------------------------------------------------------------------------------


class Dispatch:
    """What the flow defines: handler functions by name, prefetch and on-change by field, strategy."""

    def __init__(
        self,
        functions: Dict[str, Callable],
        prefetch: Dict[str, Callable],
        on_change: Dict[str, Callable],
        strategy: Optional[type],
    ):
        self.functions = functions
        self.prefetch = prefetch
        self.on_change = on_change
        self.strategy = strategy

    def names(self) -> List[str]:
        names = list(self.functions)
        names += [f"prefetch:{field}" for field in self.prefetch]
        names += [f"on_change_{key}" for key in self.on_change]
        if self.strategy is not None:
            names.append(STRATEGY_HANDLER)
        return names


def _is_function(value: Any) -> bool:
    return callable(value) and not isinstance(value, type)


def _find_strategy(modules: List[Any]) -> Optional[type]:
    found: List[type] = []
    for module in modules:
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, AccessStrategy)
                and value is not AccessStrategy
                and value not in found
            ):
                found.append(value)
    concrete = [cls for cls in found if not inspect.isabstract(cls)]
    if len(concrete) > 1:
        names = ", ".join(cls.__name__ for cls in concrete)
        raise TypeError(f"a flow may define one AccessStrategy subclass, found {len(concrete)}: {names}")
    if not concrete and found:
        cls = found[0]
        missing = ", ".join(sorted(cls.__abstractmethods__))
        raise TypeError(f"{cls.__name__} must implement the AccessStrategy methods: {missing}")
    return concrete[0] if concrete else None


def build_dispatch(
    impl: Any,
    on_change_modules: Optional[Dict[str, Any]] = None,
    strategy_module: Optional[Any] = None,
) -> Dispatch:
    """The dispatch table of a flow module, its on-change modules (field -> module) and strategy module."""
    functions = {name: getattr(impl, name) for name in REDUCERS + HOOKS if _is_function(getattr(impl, name, None))}

    prefetch: Dict[str, Callable] = {}
    for value in vars(impl).values():
        field = getattr(value, PREFETCH_ATTRIBUTE, None) if _is_function(value) else None
        if field is None:
            continue
        if field in prefetch and prefetch[field] is not value:
            raise TypeError(f"two @prefetch reducers for field {field!r}: {prefetch[field].__name__}, {value.__name__}")
        prefetch[field] = value

    on_change: Dict[str, Callable] = {}
    for name, value in vars(impl).items():
        if name.startswith("on_change_") and _is_function(value):
            on_change[name[len("on_change_") :]] = value
    for field, module in (on_change_modules or {}).items():
        key = field_key(field)
        handler = getattr(module, f"on_change_{key}", None)
        if not _is_function(handler):
            raise TypeError(f"{module.__name__} must define on_change_{key}(username, form) for field {field!r}")
        on_change[key] = handler

    modules = [m for m in (strategy_module, impl) if m is not None]
    strategy = _find_strategy(modules)
    if strategy_module is not None and strategy is None:
        raise TypeError(f"{strategy_module.__name__} defines no AccessStrategy subclass")
    return Dispatch(functions, prefetch, on_change, strategy)


def _import_optional(name: str) -> Optional[Any]:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name != name:
            raise
        return None


def keep_source(module: Any) -> None:
    """Keep a module's source in `linecache` for good, so tracebacks inside the component
    (which has no files) still show the flow's source lines.

    An entry whose mtime is None is never re-checked against the file system.
    """
    filename = getattr(module, "__file__", None)
    if not filename:
        return
    try:
        with open(filename, encoding="utf-8") as source:
            lines = source.readlines()
    except (OSError, UnicodeDecodeError):
        return
    linecache.cache[filename] = (sum(len(line) for line in lines), None, lines, filename)


def load_flow() -> Dispatch:
    """Import the flow's modules as the build laid them out (see the module docstring)."""
    impl = importlib.import_module(IMPL_MODULE)
    manifest = _import_optional(MANIFEST_MODULE)
    on_change_names: Dict[str, str] = dict(getattr(manifest, "ON_CHANGE_MODULES", {}) or {})
    on_change_modules = {field: importlib.import_module(module) for field, module in on_change_names.items()}
    if manifest is not None and hasattr(manifest, "HAS_STRATEGY"):
        strategy_module = importlib.import_module(STRATEGY_MODULE) if manifest.HAS_STRATEGY else None
    else:
        strategy_module = _import_optional(STRATEGY_MODULE)
    for module in (impl, strategy_module, *on_change_modules.values()):
        if module is not None:
            keep_source(module)
    return build_dispatch(impl, on_change_modules, strategy_module)


def load_bundle(flows: Dict[str, Dict[str, Any]]) -> Dict[str, Dispatch]:
    """Import every flow of a bundle (`flow_bundle.FLOWS`, see the module docstring)."""
    dispatches: Dict[str, Dispatch] = {}
    for name, layout in flows.items():
        impl = importlib.import_module(layout["impl"])
        on_change_modules = {
            field: importlib.import_module(module) for field, module in (layout.get("on_change") or {}).items()
        }
        strategy_name = layout.get("strategy")
        strategy_module = importlib.import_module(strategy_name) if strategy_name else None
        for module in (impl, strategy_module, *on_change_modules.values()):
            if module is not None:
                keep_source(module)
        try:
            dispatches[name] = build_dispatch(impl, on_change_modules, strategy_module)
        except TypeError as error:
            raise TypeError(f"flow {name!r}: {error}") from error
    return dispatches


def _load() -> "tuple[Dict[str, Dispatch], Dispatch]":
    """A bundle's flows (none selected yet), or the one flow of a flow component."""
    bundle = _import_optional(BUNDLE_MODULE)
    if bundle is not None:
        return load_bundle(bundle.FLOWS), Dispatch({}, {}, {}, None)
    return {}, load_flow()


# The flows of a bundle by name (empty in a one-flow component), and the flow the handlers run.
DISPATCHES, DISPATCH = _load()


# --------------------------------------------------------------------------------------------
# Errors.
# --------------------------------------------------------------------------------------------


def _flow_traceback(error: BaseException) -> str:
    """The traceback of `error` without this module's own frames at the top."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb or error.__traceback__))


def flow_error(error: BaseException) -> "wit.FlowError":
    if isinstance(error, SymException):
        return wit.FlowError(
            kind=wit.ErrorKind.SYM_EXCEPTION,
            error_code=error.error_code,
            message=error.message,
            hint=getattr(error, "hint", None) or None,
            traceback=_flow_traceback(error),
        )
    if isinstance(error, sym.sdk.errors.SymSDKError):
        return wit.FlowError(
            kind=wit.ErrorKind.SYM_EXCEPTION,
            error_code=None,
            message=error.message,
            hint=error.hint,
            traceback=_flow_traceback(error),
        )
    return wit.FlowError(
        kind=wit.ErrorKind.PYTHON_EXCEPTION,
        error_code=None,
        message=f"{type(error).__name__}: {error}",
        hint=None,
        traceback=_flow_traceback(error),
    )


class InvalidReturn(Exception):
    """A handler returned a value the guest cannot turn into the export's WIT result."""

    def __init__(self, message: str, hint: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


def _where(fn: Callable) -> str:
    code = getattr(fn, "__code__", None)
    if code is None:
        return ""
    return f'  File "{code.co_filename}", line {code.co_firstlineno}, in {code.co_name}\n'


def _not_defined(name: str) -> Err:
    return Err(
        wit.FlowError(
            kind=wit.ErrorKind.NOT_DEFINED,
            error_code=None,
            message=f"this flow does not define {name}",
            hint=None,
            traceback="",
        )
    )


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 200:
        text = text[:197] + "..."
    return f"{type(value).__name__} {text}"


def _invoke(name: str, fn: Callable, args: tuple, event: Optional[Event], convert: Callable[[Any], Any]) -> Any:
    """Call a flow function with `event` as the current event and convert its return value.

    Raises `Err(FlowError)` for anything that goes wrong.
    """
    set_current_event(event)
    try:
        value = fn(*args)
    except Exception as error:
        raise Err(flow_error(error)) from None
    finally:
        set_current_event(None)
    try:
        return convert(value)
    except InvalidReturn as problem:
        message = f"{name} returned {_describe(value)}: {problem.message}"
        raise Err(
            wit.FlowError(
                kind=wit.ErrorKind.INVALID_RETURN,
                error_code=None,
                message=message,
                hint=problem.hint,
                traceback=_where(fn),
            )
        ) from None
    except Exception as error:
        raise Err(
            wit.FlowError(
                kind=wit.ErrorKind.INVALID_RETURN,
                error_code=None,
                message=f"{name} returned {_describe(value)}, which cannot be used: {type(error).__name__}: {error}",
                hint=None,
                traceback=_where(fn),
            )
        ) from None


def _event(record: "wit.Event") -> Event:
    try:
        return Event._from_wit(record)
    except Exception as error:
        raise Err(flow_error(error)) from None


def _function(name: str) -> Callable:
    fn = DISPATCH.functions.get(name)
    if fn is None:
        raise _not_defined(name)
    return fn


def _warn(message: str) -> None:
    log_capability.write(log_capability.Level.WARNING, message)


# --------------------------------------------------------------------------------------------
# Return values -> WIT records.
# --------------------------------------------------------------------------------------------


def _permission(value: Any) -> "wit.RequestPermission":
    if not isinstance(value, RequestPermission):
        raise InvalidReturn("expected a RequestPermission", "return RequestPermission(webapp_view=..., approve_deny=...)")
    return value._to_wit()


def _notifications(value: Any) -> List["wit.Notification"]:
    if isinstance(value, Notification):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise InvalidReturn("expected a list of Notification", "return [Notification(destinations=[...])]")
    result = []
    for item in value:
        if not isinstance(item, Notification):
            raise InvalidReturn(
                f"expected a list of Notification, found {_describe(item)}",
                "wrap destinations in Notification(destinations=[...])",
            )
        result.append(item._to_wit())
    return result


def _notification_of(destinations: List[Any], timeout: Optional[int]) -> "wit.Notification":
    return wit.Notification(destinations=[destination_to_wit(d) for d in destinations], timeout=timeout)


def _is_destination(value: Any) -> bool:
    return isinstance(value, (RequestDestination, User))


def approvers(value: Any) -> "wit.Approvers":
    """A legacy `get_approvers` return value as WIT `approvers`.

    - one destination (or `User`): one notification with it, its timeout as the notification's;
    - a list of destinations: one notification sending to all of them together;
    - `slack.fallback(a, b, ...)`: one notification per destination, in order, each with that
      destination's timeout, and the fallback's two `continue_on_*` flags.
    Outside a fallback the flags are the fallback defaults (delivery failure: continue;
    timeout: stop).
    """
    if isinstance(value, RequestDestinationFallback):
        notifications = []
        for item in value.destinations:
            if isinstance(item, (list, tuple)) and item and all(_is_destination(d) for d in item):
                notifications.append(_notification_of(list(item), None))
            elif _is_destination(item):
                notifications.append(_notification_of([item], getattr(item, "timeout", None)))
            else:
                raise InvalidReturn(f"the fallback holds {_describe(item)}, which is not a destination")
        return wit.Approvers(
            notifications=notifications,
            continue_on_delivery_failure=value.continue_on_delivery_failure,
            continue_on_timeout=value.continue_on_timeout,
        )
    if _is_destination(value):
        notifications = [_notification_of([value], getattr(value, "timeout", None))]
    elif isinstance(value, (list, tuple)) and value and all(_is_destination(d) for d in value):
        notifications = [_notification_of(list(value), None)]
    else:
        raise InvalidReturn(
            "expected a destination, a list of destinations or slack.fallback(...)",
            'e.g. return slack.channel("#sym-requests", allow_self=True)',
        )
    return wit.Approvers(notifications=notifications, continue_on_delivery_failure=True, continue_on_timeout=False)


def _transition(value: Any) -> Optional["wit.Transition"]:
    if value is None:
        return None
    if not isinstance(value, Transition):
        raise InvalidReturn("an on_* hook returns None or ApprovalTemplate.<step>(...)")
    return value._to_wit()


def _identity(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, UserIdentity):
        return value.user_id
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    raise InvalidReturn("get_identity returns the user's id in the service as a string, or None")


def _required_identity(value: Any) -> str:
    identity = _identity(value)
    if identity is None:
        raise InvalidReturn("expected the requester's identity as a string")
    return identity


def _field_options(value: Any) -> List["wit.FieldOption"]:
    if not isinstance(value, (list, tuple)):
        raise InvalidReturn("a @prefetch reducer returns a list of FieldOption")
    result = []
    for item in value:
        if isinstance(item, FieldOption):
            result.append(item._to_wit())
        elif isinstance(item, (str, int)) and not isinstance(item, bool):
            result.append(FieldOption(item)._to_wit())
        else:
            raise InvalidReturn(f"expected FieldOption items, found {_describe(item)}")
    return result


def _form(value: Any) -> "wit.PromptForm":
    if not isinstance(value, SymPromptForm):
        raise InvalidReturn("an on_change handler returns the SymPromptForm", "end the handler with `return form`")
    return value._to_wit()


def _flow_names(value: Any) -> List[str]:
    if not isinstance(value, (list, tuple)):
        raise InvalidReturn("get_flows returns a list of flows")
    names = []
    for item in value:
        if isinstance(item, Flow):
            names.append(item.name)
        elif isinstance(item, str):
            names.append(item)
        else:
            raise InvalidReturn(f"expected flows, found {_describe(item)}")
    return names


def _step_output(value: Any) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidReturn("escalate/deescalate return a dict or None")
    return dumps(value)


def _ignored(value: Any) -> None:
    return None


# --------------------------------------------------------------------------------------------
# The exports.
# --------------------------------------------------------------------------------------------


class Handlers(exports.Handlers):
    """`sym:flow/handlers`, dispatched to the flow's functions (see the module docstring)."""

    def list_handlers(self) -> List[str]:
        return DISPATCH.names()

    # Reducers.

    def get_permissions(self, event: "wit.Event") -> "wit.RequestPermission":
        return self._reducer("get_permissions", event, _permission)

    def get_request_notifications(self, event: "wit.Event") -> List["wit.Notification"]:
        return self._reducer("get_request_notifications", event, _notifications)

    def get_approvers(self, event: "wit.Event") -> "wit.Approvers":
        return self._reducer("get_approvers", event, approvers)

    def get_identity(self, event: "wit.Event", service_type: str, external_id: str, user: "wit.User") -> Optional[str]:
        fn = _function("get_identity")
        sdk_event = _event(event)
        args = (sdk_event, service_type, external_id, User._from_wit(user))
        return _invoke("get_identity", fn, args, sdk_event, _identity)

    def prefetch(self, field: str, event: "wit.Event") -> List["wit.FieldOption"]:
        fn = DISPATCH.prefetch.get(field)
        if fn is None:
            raise _not_defined(f"prefetch:{field}")
        sdk_event = _event(event)
        return _invoke(fn.__name__, fn, (sdk_event,), sdk_event, _field_options)

    def on_change(self, field: str, username: str, form: "wit.PromptForm") -> "wit.PromptForm":
        key = field_key(field)
        fn = DISPATCH.on_change.get(key)
        if fn is None:
            raise _not_defined(f"on_change_{key}")
        sdk_form = _guard(SymPromptForm._from_wit, form)
        return _invoke(f"on_change_{key}", fn, (username, sdk_form), None, _form)

    def get_flows(self, user: "wit.User", flows: List["wit.FlowSummary"], flows_filter_vars_json: str) -> List[str]:
        fn = _function("get_flows")
        args = _guard(
            lambda: (User._from_wit(user), [Flow._from_summary(f) for f in flows], loads_or(flows_filter_vars_json, {}))
        )
        return _invoke("get_flows", fn, args, None, _flow_names)

    # Hooks.

    def on_prompt(self, event: "wit.Event") -> Optional["wit.Transition"]:
        return self._reducer("on_prompt", event, _transition)

    def after_prompt(self, event: "wit.Event") -> None:
        self._after("after_prompt", event)

    def on_request(self, event: "wit.Event") -> Optional["wit.Transition"]:
        return self._reducer("on_request", event, _transition)

    def after_request(self, event: "wit.Event") -> None:
        self._after("after_request", event)

    def on_request_forward(self, event: "wit.Event", forward: "wit.ForwardContext") -> Optional["wit.Transition"]:
        return self._forward("on_request_forward", event, forward, _transition)

    def after_request_forward(self, event: "wit.Event", forward: "wit.ForwardContext") -> None:
        self._forward("after_request_forward", event, forward, self._after_result("after_request_forward"))

    def on_approve(self, event: "wit.Event") -> Optional["wit.Transition"]:
        return self._reducer("on_approve", event, _transition)

    def after_approve(self, event: "wit.Event") -> None:
        self._after("after_approve", event)

    def on_deny(self, event: "wit.Event") -> Optional["wit.Transition"]:
        return self._reducer("on_deny", event, _transition)

    def after_deny(self, event: "wit.Event") -> None:
        self._after("after_deny", event)

    def on_escalate(self, event: "wit.Event") -> Optional["wit.Transition"]:
        return self._reducer("on_escalate", event, _transition)

    def after_escalate(self, event: "wit.Event") -> None:
        self._after("after_escalate", event)

    def on_deescalate(self, event: "wit.Event") -> Optional["wit.Transition"]:
        return self._reducer("on_deescalate", event, _transition)

    def after_deescalate(self, event: "wit.Event") -> None:
        self._after("after_deescalate", event)

    # Custom access strategy.

    def fetch_remote_identity(self, integration: "wit.Integration", user: "wit.User") -> Optional[str]:
        strategy = self._strategy(integration)
        sdk_user = _guard(User._from_wit, user)
        return _invoke("fetch_remote_identity", strategy.fetch_remote_identity, (sdk_user,), None, _identity)

    def get_requester_identity(self, integration: "wit.Integration", event: "wit.Event") -> str:
        strategy = self._strategy(integration)
        sdk_event = _event(event)
        return _invoke(
            "get_requester_identity", strategy.get_requester_identity, (sdk_event,), sdk_event, _required_identity
        )

    def escalate(self, integration: "wit.Integration", target_id: str, event: "wit.Event") -> Optional[str]:
        strategy = self._strategy(integration)
        sdk_event = _event(event)
        return _invoke("escalate", strategy.escalate, (target_id, sdk_event), sdk_event, _step_output)

    def deescalate(self, integration: "wit.Integration", target_id: str, event: "wit.Event") -> Optional[str]:
        strategy = self._strategy(integration)
        sdk_event = _event(event)
        return _invoke("deescalate", strategy.deescalate, (target_id, sdk_event), sdk_event, _step_output)

    # Helpers.

    def _reducer(self, name: str, event: "wit.Event", convert: Callable[[Any], Any]) -> Any:
        fn = _function(name)
        sdk_event = _event(event)
        return _invoke(name, fn, (sdk_event,), sdk_event, convert)

    def _after(self, name: str, event: "wit.Event") -> None:
        self._reducer(name, event, self._after_result(name))

    @staticmethod
    def _after_result(name: str) -> Callable[[Any], None]:
        def convert(value: Any) -> None:
            if value is not None:
                _warn(f"{name} returned {_describe(value)}; after_* hooks cannot change the run, so it was ignored")

        return convert

    def _forward(self, name: str, event: "wit.Event", forward: "wit.ForwardContext", convert) -> Any:
        fn = _function(name)
        sdk_event = _event(event)
        context = _guard(
            lambda: RequestForwardContext(
                [Notification._from_wit(n) for n in forward.all_destinations],
                forward.current_index,
                forward.next_index,
            )
        )
        return _invoke(name, fn, (sdk_event, context), sdk_event, convert)

    def _strategy(self, integration: "wit.Integration") -> AccessStrategy:
        if DISPATCH.strategy is None:
            raise _not_defined(STRATEGY_HANDLER)
        sdk_integration = _guard(Integration._from_wit, integration)
        return _guard(DISPATCH.strategy, sdk_integration)


def _guard(fn: Callable, *args: Any) -> Any:
    """Run guest-side preparation; a failure becomes a `python-exception` flow error."""
    try:
        return fn(*args)
    except Exception as error:
        raise Err(flow_error(error)) from None


# --------------------------------------------------------------------------------------------
# Warm-up (build time).
# --------------------------------------------------------------------------------------------


def _sample_event() -> "wit.Event":
    identity = wit.UserIdentity(service="slack", service_id="T0", user_id="U0")
    user = wit.User("00000000-0000-4000-8000-000000000000", "a@b.co", "a@b.co", "normal", "A", "B", wit.UserRole.MEMBER, [identity])
    integration = wit.Integration("slack", "slack", "slack", "T0", '{"token": {"$secret": "s"}}')
    target = wit.Target("t", "t", "sym:access_target:custom:t:latest", "custom", "T", '{"identifier": "x"}')
    field = wit.PromptField("reason", wit.FieldType.STRING, "Reason", True, True, None, ["a"], False)
    strategy = wit.Strategy("s", "custom", "s", "S", integration, [target], "{}")
    flow = wit.FlowInfo("f", "sym:flow:f:latest", "F", '{"v": "1"}', [field], [integration], strategy, "prod")
    step = wit.RunStep("request", user, '{"k": 1}', '{"o": 1}', "2024-01-01T00:00:00+00:00")
    return wit.Event(
        "request", "r", "sym:run:f:latest:r", user, "2024-01-01T00:00:00+00:00",
        '{"reason": "x", "target_id": "t", "duration": 60}', wit.Channel("#c", "slack"), flow, [step], None,
    )


def warm_up() -> None:
    """Run the guest's own conversions once, never the flow's code (raises on failure)."""
    event = Event._from_wit(_sample_event())
    try:
        fields = event.payload.fields
        event.flow.environment.integrations["slack"].settings["token"]
        event.run.actors.get("request")
        event.get_actor("request")
        event.get_context("request")
        event.get_step_output("request")
        dumps(fields)
        event.user._to_wit()
        _permission(RequestPermission(webapp_view="admin", approve_deny="member"))
        destination = sym.sdk.integrations.slack.channel("#warm-up", allow_self=True)
        _notifications([Notification(destinations=[destination], timeout=60)])
        approvers(destination)
        _transition(sym.sdk.templates.ApprovalTemplate.approve(reason="warm-up"))
        try:
            raise SymException("WarmUp", "WARM_UP", "warm-up")
        except SymException as error:
            flow_error(error)
    finally:
        set_current_event(None)


def _warm_up_at_build() -> None:
    """The component is a snapshot of the interpreter after this module is imported, so
    caches filled and bytecode specialised by `warm_up` are warm in every fresh instance.
    Warming up is an optimisation: it never fails the build."""
    try:
        warm_up()
    except Exception:  # noqa: BLE001
        pass


if hasattr(exports, "Bundle"):

    class Bundle(exports.Bundle):
        """`sym:flow/bundle` (world `flow-bundle`): the host selects the flow before its calls."""

        def flow_names(self) -> List[str]:
            return list(DISPATCHES)

        def select_flow(self, name: str) -> None:
            global DISPATCH
            dispatch = DISPATCHES.get(name)
            if dispatch is None:
                carried = ", ".join(sorted(DISPATCHES)) or "none"
                raise Err(f"this component carries no flow named {name!r} (it carries: {carried}); rebuild it")
            DISPATCH = dispatch


_warm_up_at_build()


__all__ = ["DISPATCH", "DISPATCHES", "Handlers", "load_bundle", "approvers", "build_dispatch", "field_key", "flow_error", "load_flow"]
