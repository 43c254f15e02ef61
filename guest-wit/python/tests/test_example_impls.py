"""Realistic Sym impls (tests/impls/) run unchanged through `symflow_guest.Handlers`."""

import json
from pathlib import Path

import pytest
from componentize_py_types import Err
from wit_world.imports import http, types as wit

import builders as b
from conftest import Refuse, load_module

IMPLS = Path(__file__).parent / "impls"


def channel(name, allow_self=False, timeout=None):
    return wit.RequestDestination(wit.Destination_SlackChannel(name), allow_self, timeout)


# ---- approval flow: get_permissions + get_request_notifications + hooks --------------------------

APPROVAL_FLOW = b.flow(
    "approval",
    vars={"request_channel": "#access-requests", "backup_approver": "U0BOB0001", "approvers": "bob@example.com"},
    fields=[b.prompt_field("resource-identifier"), b.prompt_field("reason")],
)


@pytest.fixture
def approval(install_flow):
    return install_flow(IMPLS / "approval_impl.py")


def test_approval_flow_handlers(approval):
    assert set(approval.list_handlers()) == {
        "get_permissions",
        "get_request_notifications",
        "on_approve",
        "after_approve",
    }


def test_approval_flow_permissions_and_notifications(approval):
    request = b.event("request", fields={"resource-identifier": "prod-db", "reason": "incident"}, flow_record=APPROVAL_FLOW)
    assert approval.get_permissions(request) == wit.RequestPermission(
        wit.Permission_Admin(), wit.Permission_Member(), allow_self_approval=True
    )
    assert approval.get_request_notifications(request) == [
        wit.Notification([channel("#access-requests")], timeout=600),
        wit.Notification([wit.RequestDestination(wit.Destination_SlackUser("U0BOB0001"), False, None)], None),
    ]


def test_approval_flow_ignores_approvals_outside_the_safelist(approval):
    approve_by_alice = b.event("approve", actor=b.alice(), flow_record=APPROVAL_FLOW)
    transition = approval.on_approve(approve_by_alice)
    assert transition == wit.Transition(
        step="ignore",
        message="You are not authorized to approve this request.",
        target_srn=None,
        duration=None,
        kwargs_json="{}",
    )
    assert approval.on_approve(b.event("approve", actor=b.bob(), flow_record=APPROVAL_FLOW)) is None


def test_approval_flow_after_approve_messages_the_requester(approval, host):
    approve = b.event(
        "approve",
        actor=b.bob(),
        fields={"resource-identifier": "prod-db", "reason": "incident"},
        steps=[b.step("prompt", b.alice()), b.step("request", b.alice())],
        flow_record=APPROVAL_FLOW,
        run_id="run-42",
    )
    assert approval.after_approve(approve) is None
    assert host.calls_to("slack.send_thread_message") == [("run-42", "Approved by <@U0BOB0001>.")]
    ((destination, message),) = host.calls_to("slack.send_message")
    assert destination == wit.Destination_User(b.alice())
    assert message == "Congratulations! Your access to prod-db was approved."


# ---- legacy get_approvers ----------------------------------------------------------------------


def test_legacy_get_approvers_flow(install_flow, host):
    handlers = install_flow(IMPLS / "legacy_get_approvers_impl.py")
    assert set(handlers.list_handlers()) == {"get_approvers", "on_deny"}
    assert handlers.get_approvers(b.event("request")) == wit.Approvers(
        notifications=[wit.Notification([channel("#sym-requests", allow_self=True)], None)],
        continue_on_delivery_failure=True,
        continue_on_timeout=False,
    )

    host.answer("slack.users_in_channel", [b.bob()])
    carol = b.user("carol@example.com", "33333333-3333-4333-8333-333333333333", slack_id="U0CAROL01")
    steps = [b.step("request", b.alice())]
    assert handlers.on_deny(b.event("deny", actor=b.alice(), steps=steps)) is None  # the requester
    assert handlers.on_deny(b.event("deny", actor=b.bob(), steps=steps)) is None  # in the channel
    denied = handlers.on_deny(b.event("deny", actor=carol, steps=steps))
    assert (denied.step, denied.message) == ("ignore", "You are not authorized to deny this request.")
    assert host.calls_to("slack.users_in_channel") == [("#sym-requests",), ("#sym-requests",)]


# ---- PagerDuty on-call auto-approval ------------------------------------------------------------


@pytest.fixture
def on_call(install_flow):
    return install_flow(IMPLS / "pagerduty_on_call_impl.py")


def test_on_call_requester_is_auto_approved(on_call, host):
    host.answer("pagerduty.is_on_call", True)
    transition = on_call.on_request(b.event("request", fields={"reason": "sev1"}))
    assert transition.step == "approve"
    assert json.loads(transition.kwargs_json) == {"reason": "Auto-approved on-call engineer: sev1"}
    ((user, query),) = host.calls_to("pagerduty.is_on_call")
    assert user == b.alice()
    assert query.schedule_name == "prod-on-call"
    assert (query.schedule_id, query.escalation_policy_name, query.escalation_policy_id) == (None, None, None)


def test_off_call_requester_waits_for_a_human(on_call, host):
    host.answer("pagerduty.is_on_call", False)
    assert on_call.on_request(b.event("request", fields={"reason": "curious"})) is None
    assert host.calls_to("slack.send_message") == []


def test_pagerduty_failure_falls_back_and_reports(on_call, host):
    host.answer("pagerduty.is_on_call", Refuse("api-error", "PagerDuty token expired"))
    assert on_call.on_request(b.event("request", fields={"reason": "sev1"})) is None
    ((destination, message),) = host.calls_to("slack.send_message")
    assert destination == wit.Destination_SlackChannel("#sym-requests")
    assert "PagerDuty token expired" in message


# ---- custom strategy ---------------------------------------------------------------------------

API_INTEGRATION = b.integration(
    "custom", "custom", "api.example.com", settings={"secrets": [{"$secret": "sec-api-key"}]}
)
STRATEGY_FLOW = b.flow(
    "db",
    fields=[b.prompt_field("reason"), b.prompt_field("duration", wit.FieldType.DURATION)],
    strategy_record=b.strategy(API_INTEGRATION, [b.target("db-admin", {"identifier": "db-admins"}, id="t-9")]),
)


def respond(status, body, url="https://api.example.com/"):
    return http.Response(status=status, headers=[("Content-Type", "application/json")], body=json.dumps(body).encode(), url=url)


@pytest.fixture
def strategy(install_flow, tmp_path):
    empty = tmp_path / "flow_impl_empty.py"
    empty.write_text("")
    return install_flow(load_module(empty, "flow_impl_empty"), strategy=load_module(IMPLS / "custom_strategy.py", "flow_strategy"))


def test_custom_strategy_escalate_fetches_persists_and_grants(strategy, host):
    assert strategy.list_handlers() == ["strategy"]
    host.answer("secrets.retrieve_value", "s3cret")
    sent = []

    def api(request):
        sent.append(request)
        if request.method == "GET":
            return respond(200, {"users": [{"id": "ext-77"}]}, request.url)
        return respond(201, {"id": "grant-5"}, request.url)

    host.answer("http.send", api)
    host.answer("users.persist_user_identity", lambda email, identity: identity)
    escalate = b.event(
        "escalate",
        actor=b.bob(),
        fields={"reason": "migration", "duration": 3600, "target_id": "t-9"},
        steps=[b.step("request", b.alice()), b.step("approve", b.bob())],
        flow_record=STRATEGY_FLOW,
    )
    output = strategy.escalate(API_INTEGRATION, "t-9", escalate)
    assert json.loads(output) == {"grant_id": "grant-5"}

    lookup, grant = sent
    assert lookup.url == "https://api.example.com/v1/users?email=alice%40example.com"
    assert dict(lookup.headers)["Authorization"] == "Bearer s3cret"
    assert lookup.timeout == 5.0
    assert json.loads(grant.body) == {"user_id": "ext-77", "group": "db-admins", "seconds": 3600}
    ((email, identity),) = host.calls_to("users.persist_user_identity")
    assert email == "alice@example.com"
    assert identity == wit.UserIdentity(service="custom", service_id="api.example.com", user_id="ext-77")
    assert host.calls_to("secrets.retrieve_value") == [("sec-api-key",), ("sec-api-key",)]


def test_custom_strategy_deescalate_reads_the_escalate_output(strategy, host):
    host.answer("secrets.retrieve_value", "s3cret")
    host.answer("http.send", lambda request: respond(204, {}, request.url))
    deescalate = b.event(
        "deescalate",
        fields={"target_id": "t-9", "deescalate_type": "scheduled"},
        steps=[b.step("request", b.alice()), b.step("escalate", b.bob(), output={"grant_id": "grant-5"})],
        flow_record=STRATEGY_FLOW,
    )
    assert strategy.deescalate(API_INTEGRATION, "t-9", deescalate) is None
    ((request,),) = host.calls_to("http.send")
    assert (request.method, request.url) == ("DELETE", "https://api.example.com/v1/grants/grant-5")


def test_custom_strategy_http_refusal_is_a_connection_error(strategy, host):
    host.answer("secrets.retrieve_value", "s3cret")
    host.answer("http.send", Refuse("not-granted", "host api.example.com is not in this flow's allow-list"))
    with pytest.raises(Err) as excinfo:
        strategy.fetch_remote_identity(API_INTEGRATION, b.alice())
    error = excinfo.value.value
    assert error.kind == wit.ErrorKind.PYTHON_EXCEPTION
    assert error.message == "ConnectionError: host api.example.com is not in this flow's allow-list"
