"""`symflow_guest.Handlers`: dispatch by name, conversions to WIT, and errors as FlowError."""

import json
import textwrap

import pytest
from componentize_py_types import Err
from wit_world.imports import types as wit

import builders as b
import symflow_guest
from conftest import load_module

ALL_HOOK_NAMES = [f"{when}_{event}" for event in symflow_guest.HOOK_EVENTS for when in ("on", "after")]


@pytest.fixture
def flow_source(tmp_path, install_flow):
    """Install a flow written as Python source (a real file, so tracebacks name it)."""

    def install(source, name="flow_impl_src"):
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        return install_flow(load_module(path, name)), path

    return install


def flow_error(excinfo) -> wit.FlowError:
    assert isinstance(excinfo.value, Err)
    assert isinstance(excinfo.value.value, wit.FlowError)
    return excinfo.value.value


# ---- dispatch by name -------------------------------------------------------------------------

EVERY_HANDLER = """
    from sym.sdk.annotations import hook, prefetch, reducer
    from sym.sdk.field_option import FieldOption
    from sym.sdk.integrations import slack
    from sym.sdk.notifications import Notification
    from sym.sdk.request_permission import PermissionLevel, RequestPermission
    from sym.sdk.strategies import AccessStrategy
    from sym.sdk.templates import ApprovalTemplate

    CALLS = []

    @reducer
    def get_permissions(event):
        CALLS.append(("get_permissions", event.name))
        return RequestPermission(webapp_view=PermissionLevel.ADMIN, approve_deny=PermissionLevel.MEMBER)

    @reducer
    def get_request_notifications(event):
        CALLS.append(("get_request_notifications", event.name))
        return [Notification(destinations=[slack.channel("#sym-requests")], timeout=600)]

    @reducer
    def get_approvers(event):
        CALLS.append(("get_approvers", event.name))
        return slack.channel("#approvers")

    @reducer
    def get_identity(event, service_type, external_id, user):
        CALLS.append(("get_identity", service_type, external_id, user.username))
        return "okta-" + user.username

    @prefetch(field_name="repo")
    def list_repos(event):
        CALLS.append(("prefetch:repo", event.name))
        return [FieldOption(value="api", label="API"), "web"]

    def get_flows(user, flows, flows_filter_vars):
        CALLS.append(("get_flows", user.username, flows_filter_vars))
        return [f for f in flows if f.vars.get("team") == "eng"]

    def helper_not_a_handler(event):
        return None

    def get_department(user):
        return "not a handler either"

    class Strategy(AccessStrategy):
        def fetch_remote_identity(self, user):
            return user.email

        def escalate(self, target_id, event):
            return {"granted": target_id}

        def deescalate(self, target_id, event):
            return None
"""

HOOKS_SOURCE = "".join(
    f"""
    @hook
    def {name}(event{', forward' if 'request_forward' in name else ''}):
        CALLS.append(("{name}", event.name))
        return {'ApprovalTemplate.approve(reason="auto")' if name == 'on_request' else 'None'}
"""
    for name in ALL_HOOK_NAMES
)


@pytest.fixture
def every_handler(flow_source):
    handlers, path = flow_source(EVERY_HANDLER + HOOKS_SOURCE, name="every_handler")
    return handlers, symflow_guest.DISPATCH.functions["get_permissions"].__globals__["CALLS"]


def test_list_handlers_names_every_defined_handler_and_nothing_else(every_handler):
    handlers, _ = every_handler
    names = handlers.list_handlers()
    expected = set(symflow_guest.REDUCERS) | set(ALL_HOOK_NAMES) | {"prefetch:repo", "strategy"}
    assert set(names) == expected
    assert "helper_not_a_handler" not in names and "get_department" not in names


def test_every_reducer_is_called_by_name_and_converted(every_handler):
    handlers, calls = every_handler
    event = b.event("request")

    permission = handlers.get_permissions(event)
    assert permission == wit.RequestPermission(
        webapp_view=wit.Permission_Admin(), approve_deny=wit.Permission_Member(), allow_self_approval=False
    )

    notifications = handlers.get_request_notifications(event)
    assert notifications == [
        wit.Notification(
            destinations=[
                wit.RequestDestination(
                    destination=wit.Destination_SlackChannel("#sym-requests"), allow_self=False, timeout=None
                )
            ],
            timeout=600,
        )
    ]

    approvers = handlers.get_approvers(event)
    assert approvers.notifications[0].destinations[0].destination == wit.Destination_SlackChannel("#approvers")

    assert handlers.get_identity(event, "okta", "acme.okta.com", b.bob()) == "okta-bob@example.com"

    assert handlers.prefetch("repo", event) == [
        wit.FieldOption(value="api", label="API"),
        wit.FieldOption(value="web", label="web"),
    ]

    flows = [
        wit.FlowSummary(name="eng-db", srn="acme:flow:eng-db:latest", label="DB", vars_json='{"team": "eng"}'),
        wit.FlowSummary(name="sales", srn="acme:flow:sales:latest", label="CRM", vars_json='{"team": "sales"}'),
    ]
    assert handlers.get_flows(b.alice(), flows, '{"mode": "strict"}') == ["eng-db"]

    assert [c[0] for c in calls] == [
        "get_permissions",
        "get_request_notifications",
        "get_approvers",
        "get_identity",
        "prefetch:repo",
        "get_flows",
    ]
    assert calls[3] == ("get_identity", "okta", "acme.okta.com", "bob@example.com")
    assert calls[5] == ("get_flows", "alice@example.com", {"mode": "strict"})


@pytest.mark.parametrize("name", ALL_HOOK_NAMES)
def test_every_hook_is_called_by_name(every_handler, name):
    handlers, calls = every_handler
    event_name = name.split("_", 1)[1]
    event = b.event(event_name)
    method = getattr(handlers, name)
    if "request_forward" in name:
        forward = wit.ForwardContext(all_destinations=[], current_index=0, next_index=None)
        result = method(event, forward)
    else:
        result = method(event)
    assert calls == [(name, event_name)]
    if name == "on_request":
        assert result.step == "approve" and json.loads(result.kwargs_json) == {"reason": "auto"}
    else:
        assert result is None


def test_strategy_exports_call_the_access_strategy_subclass(every_handler):
    handlers, _ = every_handler
    integration = b.integration("custom", "custom", "api.example.com")
    assert handlers.fetch_remote_identity(integration, b.alice()) == "alice@example.com"
    assert json.loads(handlers.escalate(integration, "t-1", b.event("escalate"))) == {"granted": "t-1"}
    assert handlers.deescalate(integration, "t-1", b.event("deescalate")) is None


# ---- not defined --------------------------------------------------------------------------------


def test_undefined_handlers_answer_not_defined(flow_source):
    handlers, _ = flow_source("def get_permissions(event):\n    return None\n")
    event = b.event()
    cases = [
        (lambda: handlers.on_request(event), "on_request"),
        (lambda: handlers.after_approve(event), "after_approve"),
        (lambda: handlers.get_request_notifications(event), "get_request_notifications"),
        (lambda: handlers.prefetch("repo", event), "prefetch:repo"),
        (lambda: handlers.on_change("resource-name", "alice", wit.PromptForm([], "{}", None)), "on_change_resource_name"),
        (lambda: handlers.get_flows(b.alice(), [], "{}"), "get_flows"),
        (lambda: handlers.escalate(b.integration(), "t", event), "strategy"),
    ]
    for call, name in cases:
        with pytest.raises(Err) as excinfo:
            call()
        error = flow_error(excinfo)
        assert error.kind == wit.ErrorKind.NOT_DEFINED
        assert name in error.message


# ---- errors -------------------------------------------------------------------------------------


def test_sym_exception_becomes_flow_error_with_code_hint_and_traceback(flow_source):
    handlers, path = flow_source(
        """
        from sym.sdk.exceptions import IdentityNotFound

        def lookup(user):
            raise IdentityNotFound("no okta identity for " + user.username)

        def on_request(event):
            lookup(event.user)
        """
    )
    with pytest.raises(Err) as excinfo:
        handlers.on_request(b.event())
    error = flow_error(excinfo)
    assert error.kind == wit.ErrorKind.SYM_EXCEPTION
    assert error.error_code == "Identity:NOT_FOUND"
    assert error.message == "no okta identity for alice@example.com"
    assert error.hint == "An Implementer can use the symflow CLI to manually add the user's identity"
    assert error.traceback.startswith("Traceback (most recent call last):")
    assert f'File "{path}", line 8, in on_request' in error.traceback
    assert f'File "{path}", line 5, in lookup' in error.traceback
    assert "symflow_guest.py" not in error.traceback


def test_integration_refusal_reaches_the_flow_error_as_its_type_code(flow_source, host):
    host.answer("pagerduty.is_on_call", __import__("conftest").Refuse("not-granted", "pagerduty is not granted"))
    handlers, _ = flow_source(
        """
        from sym.sdk.integrations import pagerduty

        def on_request(event):
            pagerduty.is_on_call(event.user)
        """
    )
    with pytest.raises(Err) as excinfo:
        handlers.on_request(b.event())
    error = flow_error(excinfo)
    assert (error.kind, error.error_code, error.message) == (
        wit.ErrorKind.SYM_EXCEPTION,
        "PagerDuty:NOT_GRANTED",
        "pagerduty is not granted",
    )


def test_python_exception_becomes_python_exception_with_full_traceback(flow_source):
    handlers, path = flow_source(
        """
        def get_permissions(event):
            return event.payload.fields["missing"]
        """
    )
    with pytest.raises(Err) as excinfo:
        handlers.get_permissions(b.event())
    error = flow_error(excinfo)
    assert error.kind == wit.ErrorKind.PYTHON_EXCEPTION
    assert error.error_code is None
    assert error.message == "KeyError: 'missing'"
    assert f'File "{path}", line 3, in get_permissions' in error.traceback
    assert error.traceback.rstrip().endswith("KeyError: 'missing'")


def test_chained_exceptions_keep_both_tracebacks(flow_source):
    handlers, _ = flow_source(
        """
        def on_approve(event):
            try:
                {}["x"]
            except KeyError as e:
                raise RuntimeError("lookup failed") from e
        """
    )
    with pytest.raises(Err) as excinfo:
        handlers.on_approve(b.event("approve"))
    text = flow_error(excinfo).traceback
    assert "KeyError: 'x'" in text and "RuntimeError: lookup failed" in text
    assert "direct cause" in text


def test_sym_sdk_error_is_a_sym_exception_with_hint(flow_source):
    handlers, _ = flow_source(
        """
        from sym.sdk.errors import SymSDKError

        def on_prompt(event):
            raise SymSDKError("bad setup", hint="set vars.channel", doc_url="https://docs.example/x")
        """
    )
    with pytest.raises(Err) as excinfo:
        handlers.on_prompt(b.event("prompt"))
    error = flow_error(excinfo)
    assert (error.kind, error.error_code, error.message, error.hint) == (
        wit.ErrorKind.SYM_EXCEPTION,
        None,
        "bad setup",
        "set vars.channel",
    )


@pytest.mark.parametrize(
    "handler, body, expected_in_message",
    [
        ("get_permissions", "return 'admin'", "expected a RequestPermission"),
        ("get_request_notifications", "return [slack.channel('#x')]", "wrap destinations"),
        ("get_request_notifications", "return {'a': 1}", "expected a list of Notification"),
        ("get_approvers", "return None", "expected a destination"),
        ("get_approvers", "return []", "expected a destination"),
        ("on_request", "return 'approve'", "ApprovalTemplate"),
        ("get_identity", "return 3.5", "string"),
        ("on_approve", "return ApprovalTemplate.approve(when=object())", "not JSON serializable"),
    ],
)
def test_wrong_return_values_are_invalid_return(flow_source, handler, body, expected_in_message):
    params = "event, service_type, external_id, user" if handler == "get_identity" else "event"
    handlers, path = flow_source(
        f"""
        from sym.sdk.integrations import slack
        from sym.sdk.templates import ApprovalTemplate

        def {handler}({params}):
            {body}
        """
    )
    call = getattr(handlers, handler)
    args = (b.event(), "okta", "x", b.bob()) if handler == "get_identity" else (b.event(),)
    with pytest.raises(Err) as excinfo:
        call(*args)
    error = flow_error(excinfo)
    assert error.kind == wit.ErrorKind.INVALID_RETURN
    assert handler in error.message
    assert expected_in_message.lower() in (error.message + " " + (error.hint or "")).lower()
    assert f'File "{path}", line 5, in {handler}' in error.traceback


def test_after_hooks_ignore_return_values_with_a_warning(flow_source, host):
    handlers, _ = flow_source(
        """
        from sym.sdk.templates import ApprovalTemplate

        def after_approve(event):
            return ApprovalTemplate.deny()
        """
    )
    assert handlers.after_approve(b.event("approve")) is None
    (level, message), = host.calls_to("log.write")
    assert level.name == "WARNING" and "after_approve" in message


def test_current_event_is_cleared_after_a_failing_handler(flow_source):
    from sym.sdk._internal.context import current_event

    handlers, _ = flow_source("def on_request(event):\n    raise ValueError('x')\n")
    with pytest.raises(Err):
        handlers.on_request(b.event())
    assert current_event() is None


# ---- legacy get_approvers ----------------------------------------------------------------------


def approvers_of(flow_source, body):
    handlers, _ = flow_source(
        f"""
        from sym.sdk.annotations import reducer
        from sym.sdk.integrations import slack

        @reducer
        def get_approvers(event):
            {body}
        """
    )
    return handlers.get_approvers(b.event())


def test_get_approvers_single_channel_with_allow_self(flow_source):
    result = approvers_of(flow_source, 'return slack.channel("#sym-requests", allow_self=True)')
    assert result == wit.Approvers(
        notifications=[
            wit.Notification(
                destinations=[
                    wit.RequestDestination(
                        destination=wit.Destination_SlackChannel("#sym-requests"), allow_self=True, timeout=None
                    )
                ],
                timeout=None,
            )
        ],
        continue_on_delivery_failure=True,
        continue_on_timeout=False,
    )


def test_get_approvers_list_is_one_notification_to_all(flow_source):
    result = approvers_of(
        flow_source, 'return [slack.user("U0BOB0001"), slack.channel("C0ADMINS01", allow_self=True)]'
    )
    assert len(result.notifications) == 1
    destinations = result.notifications[0].destinations
    assert [d.destination for d in destinations] == [
        wit.Destination_SlackUser("U0BOB0001"),
        wit.Destination_SlackChannel("C0ADMINS01"),
    ]
    assert [d.allow_self for d in destinations] == [False, True]


def test_get_approvers_fallback_is_one_notification_per_destination_with_flags(flow_source):
    result = approvers_of(
        flow_source,
        """return slack.fallback(
                slack.group(["U0BOB0001", "carol@example.com"], timeout=300),
                slack.channel("#sym-requests", allow_self=True),
                continue_on_delivery_failure=False,
                continue_on_timeout=True,
            )""",
    )
    assert result.continue_on_delivery_failure is False
    assert result.continue_on_timeout is True
    first, second = result.notifications
    assert first.timeout == 300
    assert first.destinations[0].destination == wit.Destination_SlackGroup(["U0BOB0001", "carol@example.com"])
    assert second.timeout is None
    assert second.destinations[0] == wit.RequestDestination(
        destination=wit.Destination_SlackChannel("#sym-requests"), allow_self=True, timeout=None
    )


# ---- prefetch, on_change, forward context -------------------------------------------------------


def test_on_change_gets_the_form_and_returns_it_changed(tmp_path, install_flow):
    path = tmp_path / "flow_on_change_resource_type.py"
    path.write_text(
        textwrap.dedent(
            """
            from sym.sdk.forms import FieldOption

            def on_change_resource_type(username, form):
                kind = form.fields["resource-type"].value
                target = form.fields["target"]
                target.visible = kind == "database"
                target.current_allowed_values = [FieldOption("db-1", "Primary DB")]
                form.fields["approver"].value = None
                form.additional_header_text = f"{username} picked {kind}"
                return form
            """
        )
    )
    module = load_module(path, "flow_on_change_resource_type")
    empty = load_module(_write(tmp_path, "flow_impl_empty.py", ""), "flow_impl_empty")
    handlers = install_flow(empty, on_change={"resource-type": module})
    assert handlers.list_handlers() == ["on_change_resource_type"]

    form = wit.PromptForm(
        fields=[
            wit.FormField("resource-type", wit.FieldType.STRING, "Type", True, True, '"database"', None, None),
            wit.FormField("target", wit.FieldType.STRING, "Target", False, False, None, [], []),
            wit.FormField(
                "approver", wit.FieldType.SLACK_USER, "Approver", False, True, '{"user_id": "U0BOB0001", "username": "bob@example.com"}', None, None
            ),
        ],
        flow_vars_json='{"team": "eng"}',
        additional_header_text=None,
    )
    result = handlers.on_change("resource-type", "alice@example.com", form)
    assert [f.name for f in result.fields] == ["resource-type", "target", "approver"]
    assert result.fields[0].value_json == '"database"'
    assert result.fields[1].visible is True
    assert result.fields[1].allowed_values == [wit.FieldOption("db-1", "Primary DB")]
    assert result.fields[1].original_allowed_values == []
    assert result.fields[2].value_json is None
    assert result.additional_header_text == "alice@example.com picked database"
    assert json.loads(result.flow_vars_json) == {"team": "eng"}


def test_on_change_must_return_the_form(tmp_path, install_flow):
    module = load_module(_write(tmp_path, "flow_on_change_x.py", "def on_change_x(username, form):\n    pass\n"), "m_x")
    handlers = install_flow(load_module(_write(tmp_path, "e.py", ""), "e"), on_change={"x": module})
    with pytest.raises(Err) as excinfo:
        handlers.on_change("x", "alice", wit.PromptForm([], "{}", None))
    assert flow_error(excinfo).kind == wit.ErrorKind.INVALID_RETURN


def test_request_forward_hooks_get_the_forward_context(flow_source):
    handlers, _ = flow_source(
        """
        from sym.sdk.templates import ApprovalTemplate
        SEEN = []

        def on_request_forward(event, forward):
            SEEN.append(forward)
            if forward.next_destination_index is None:
                return ApprovalTemplate.deny(reason="nobody answered")
        """
    )
    notifications = [
        wit.Notification([wit.RequestDestination(wit.Destination_SlackChannel("#first"), False, 60)], 60),
        wit.Notification([wit.RequestDestination(wit.Destination_User(b.bob()), False, None)], None),
    ]
    result = handlers.on_request_forward(b.event("request_forward"), wit.ForwardContext(notifications, 1, None))
    assert result.step == "deny" and json.loads(result.kwargs_json) == {"reason": "nobody answered"}
    (forward,) = symflow_guest.DISPATCH.functions["on_request_forward"].__globals__["SEEN"]
    assert forward.current_destination_index == 1
    assert forward.all_request_destinations[0].destinations[0].name == "#first"
    assert forward.all_request_destinations[1].destinations[0].username == "bob@example.com"


def _write(directory, name, text):
    path = directory / name
    path.write_text(text)
    return path


def test_build_time_warm_up_runs_cleanly():
    symflow_guest.warm_up()  # must not raise: at build time a failure would only be swallowed


def test_kept_source_shows_in_tracebacks_after_the_files_are_gone(tmp_path, install_flow):
    path = tmp_path / "flow_impl_gone.py"
    path.write_text("def on_request(event):\n    raise ValueError('no access for ' + event.user.username)\n")
    module = load_module(path, "flow_impl_gone")
    symflow_guest.keep_source(module)
    path.unlink()  # inside the component there are no files at all
    handlers = install_flow(module)
    with pytest.raises(Err) as excinfo:
        handlers.on_request(b.event())
    assert "raise ValueError('no access for ' + event.user.username)" in flow_error(excinfo).traceback
