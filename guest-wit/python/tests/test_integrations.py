"""`sym.sdk.integrations.*` through the fake host capabilities."""

import json
from datetime import datetime, timezone

import pytest
from wit_world.imports import types as wit

import builders as b
from conftest import Refuse
from sym.sdk._internal.context import set_current_event
from sym.sdk.event import Event
from sym.sdk.exceptions import (
    AWSIAMError,
    AWSLambdaError,
    AWSSSOError,
    BoundaryError,
    GitHubError,
    GoogleError,
    JiraError,
    KnowBe4Error,
    MissingArgument,
    OktaError,
    OneLoginError,
    PagerDutyError,
    SlackError,
    SymException,
    SymIntegrationError,
)
from sym.sdk.integrations import (
    aws_iam,
    aws_lambda,
    aws_sso,
    boundary,
    github,
    google,
    jira,
    knowbe4,
    okta,
    onelogin,
    pagerduty,
    slack,
    store,
    sym,
)
from sym.sdk.request_destination import (
    RequestDestinationFallback,
    SlackChannelID,
    SlackChannelName,
    SlackUser,
    SlackUserGroup,
)
from sym.sdk.user import User

ALICE = User._from_wit(b.alice())
BOB = User._from_wit(b.bob())


# ---- slack: destinations built locally ------------------------------------------------------------


def test_slack_channel_by_name_or_id():
    assert slack.channel("#sym-requests") == SlackChannelName("#sym-requests")
    assert slack.channel("sym-requests").name == "#sym-requests"
    assert slack.channel("C0123ABCD") == SlackChannelID("C0123ABCD")
    assert isinstance(slack.channel("G0PRIVATE1"), SlackChannelID)
    assert isinstance(slack.channel("GENERAL"), SlackChannelName)  # all letters: a name, not an id
    named = slack.channel("#ops", allow_self=True, timeout=120)
    assert (named.allow_self, named.timeout) == (True, 120)
    with pytest.raises(SlackError):
        slack.channel("")


def test_slack_user_group_and_fallback():
    assert slack.user("U0BOB0001").identifier == "U0BOB0001"
    assert slack.user("carol@example.com").identifier == "carol@example.com"
    from_user = slack.user(BOB)
    assert isinstance(from_user, SlackUser) and from_user.identifier == "U0BOB0001" and from_user.user is BOB
    no_slack = User._from_wit(b.user("dan@example.com", slack_id=None))
    assert slack.user(no_slack).identifier == "dan@example.com"

    group = slack.group([BOB, "U0CAROL01"], allow_self=True)
    assert isinstance(group, SlackUserGroup)
    assert group._to_wit() == wit.RequestDestination(wit.Destination_SlackGroup(["U0BOB0001", "U0CAROL01"]), True, None)
    with pytest.raises(SlackError):
        slack.group([])
    with pytest.raises(SlackError):
        slack.group([f"U0USER000{i}" for i in range(8)])

    chain = slack.fallback(slack.user(BOB), slack.channel("#ops"), continue_on_timeout=True)
    assert isinstance(chain, RequestDestinationFallback)
    assert chain.continue_on_delivery_failure is True and chain.continue_on_timeout is True
    assert chain.destinations == [slack.user(BOB), slack.channel("#ops")]


def test_slack_mention_resolves_only_when_needed(host):
    assert slack.mention("U0BOB0001") == "<@U0BOB0001>"
    assert slack.mention(BOB) == "<@U0BOB0001>"
    assert host.calls == []
    host.answer("slack.resolve_user", lambda ident: "U0CAROL01")
    assert slack.mention("carol@example.com") == "<@U0CAROL01>"
    assert host.calls_to("slack.resolve_user") == [("carol@example.com",)]


# ---- slack: capability calls --------------------------------------------------------------------


def test_send_message_to_each_kind_of_destination(host):
    slack.send_message(slack.channel("#ops"), "to channel")
    slack.send_message(ALICE, "to user")
    slack.send_message(slack.user("bob@example.com"), "dm")
    slack.send_message(slack.group(["U0A0000001", "U0B0000002"]), "group")
    slack.send_message("#general", "by name")
    assert host.calls_to("slack.send_message") == [
        (wit.Destination_SlackChannel("#ops"), "to channel"),
        (wit.Destination_User(b.alice()), "to user"),
        (wit.Destination_SlackUser("bob@example.com"), "dm"),
        (wit.Destination_SlackGroup(["U0A0000001", "U0B0000002"]), "group"),
        (wit.Destination_SlackChannel("#general"), "by name"),
    ]
    with pytest.raises(SlackError):
        slack.send_message(slack.fallback(slack.channel("#a")), "no")


def test_send_thread_message_uses_the_current_run(host):
    with pytest.raises(SlackError) as excinfo:
        slack.send_thread_message("no event")
    assert excinfo.value.error_code == "Slack:NO_THREAD"
    set_current_event(Event._from_wit(b.event(run_id="run-9")))
    try:
        slack.send_thread_message("hello")
    finally:
        set_current_event(None)
    assert host.calls_to("slack.send_thread_message") == [("run-9", "hello")]


def test_slack_lookups(host):
    host.answer("slack.get_user_info", json.dumps({"id": "U0ALICE01", "profile": {"title": "SRE"}}))
    host.answer("slack.list_users", [b.alice(), b.bob()])
    host.answer("slack.is_user_in_group", lambda user, group: group == "S0ONCALL1")
    host.answer("slack.users_in_channel", [b.bob()])
    assert slack.get_user_info(ALICE)["profile"]["title"] == "SRE"
    assert slack.list_users() == [ALICE, BOB]
    assert slack.is_user_in_group(ALICE, group_id="S0ONCALL1") is True
    assert slack.is_user_in_group(ALICE, group_id="S0OTHER01") is False
    assert slack.users_in_channel(slack.channel("C0CHAN0001")) == [BOB]
    assert host.calls_to("slack.list_users") == [(True,)]
    assert host.calls_to("slack.users_in_channel") == [("C0CHAN0001",)]


def test_slack_refusal_is_a_slack_error(host):
    host.answer("slack.users_in_channel", Refuse("not-found", "channel_not_found"))
    with pytest.raises(SlackError) as excinfo:
        slack.users_in_channel("#nope")
    assert excinfo.value.error_code == "Slack:NOT_FOUND"
    assert excinfo.value.message == "channel_not_found"
    assert isinstance(excinfo.value, SymException)


# ---- pagerduty ----------------------------------------------------------------------------------


def test_pagerduty(host):
    host.answer("pagerduty.is_on_call", True)
    host.answer("pagerduty.users_on_call", [b.bob()])
    host.answer("pagerduty.users_for_schedule", [b.alice(), b.bob()])
    host.answer("pagerduty.get_incidents", json.dumps([{"id": "P1"}]))
    assert pagerduty.is_on_call(ALICE, escalation_policy_id="PEP1") is True
    assert pagerduty.users_on_call(schedule_id="PS1") == [BOB]
    assert pagerduty.users_for_schedule(schedule_name="prod") == [ALICE, BOB]
    with pytest.raises(MissingArgument):
        pagerduty.users_for_schedule()
    since = datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert pagerduty.get_incidents(assignees=[ALICE], since=since) == [{"id": "P1"}]
    assert pagerduty.has_incident(statuses=[pagerduty.PagerDutyStatus.RESOLVED], urgencies=["low"]) is True

    ((_, query),) = host.calls_to("pagerduty.is_on_call")
    assert (query.escalation_policy_id, query.schedule_name) == ("PEP1", None)
    (first, second) = [args[0] for args in host.calls_to("pagerduty.get_incidents")]
    assert first.assignees == [b.alice()]
    assert first.statuses == ["triggered", "acknowledged"] and first.urgencies == ["high"]
    assert first.since == "2024-01-01T00:00:00+00:00" and first.until is None
    assert second.statuses == ["resolved"] and second.urgencies == ["low"]
    assert datetime.fromisoformat(second.since) < datetime.now(timezone.utc)


def test_pagerduty_refusal(host):
    host.answer("pagerduty.users_on_call", Refuse("not-granted", "no pagerduty integration"))
    with pytest.raises(PagerDutyError) as excinfo:
        pagerduty.users_on_call()
    assert excinfo.value.error_code == "PagerDuty:NOT_GRANTED"


# ---- okta, github, aws_lambda, sym, store --------------------------------------------------------


def test_okta(host):
    host.answer("okta.is_user_in_group", True)
    host.answer("okta.users_in_group", [b.bob()])
    host.answer("okta.get_user_info", '{"profile": {"department": "engineering"}}')
    host.answer("okta.list_groups", '[{"id": "00g1"}]')
    assert okta.is_user_in_group(ALICE, group_id="00g1")
    assert okta.users_in_group(group_id="00g1") == [BOB]
    assert okta.get_user_info(ALICE)["profile"]["department"] == "engineering"
    assert okta.list_groups(name_filter="eng") == [{"id": "00g1"}]
    assert host.calls_to("okta.list_groups") == [("eng", None, None, True)]
    host.answer("okta.users_in_group", Refuse("api-error", "rate limited"))
    with pytest.raises(OktaError, match="rate limited"):
        okta.users_in_group(group_id="00g1")


def test_github(host):
    host.answer("github.get_repo_collaborators", [b.alice()])
    assert github.get_repo_collaborators(repo_name="acme/api", roles=["admin", github.GitHubRole.WRITE]) == [ALICE]
    assert host.calls_to("github.get_repo_collaborators") == [("acme/api", ["admin", "write"])]
    with pytest.raises(GitHubError):
        github.get_repo_collaborators(repo_name="acme/api", roles=["owner"])


def test_aws_lambda(host):
    host.answer("aws_lambda.invoke", '{"body": {"message": "hi"}, "errors": []}')
    host.answer("aws_lambda.invoke_async", True)
    arn = "arn:aws:lambda:us-east-1:123:function:f"
    assert aws_lambda.invoke(arn, {"event": "on_request"}) == {"body": {"message": "hi"}, "errors": []}
    event = Event._from_wit(b.event("escalate"))
    assert aws_lambda.invoke_async(arn, event) is True
    assert json.loads(host.calls_to("aws_lambda.invoke")[0][1]) == {"event": "on_request"}
    sent_event = json.loads(host.calls_to("aws_lambda.invoke_async")[0][1])
    assert sent_event["event"]["type"] == "escalate" and sent_event["actor"]["username"] == "alice@example.com"
    host.answer("aws_lambda.invoke", Refuse("function-error", "Unhandled"))
    with pytest.raises(AWSLambdaError) as excinfo:
        aws_lambda.invoke(arn)
    assert excinfo.value.error_code == "AWSLambda:FUNCTION_ERROR"


def test_sym_users(host):
    host.answer("users.get_or_create_user_by_email", lambda email: b.user(email, slack_id=None))
    assert sym.get_or_create_user_by_email("new@example.com").username == "new@example.com"

    def picky(email):
        if email.startswith("bad"):
            raise __import__("componentize_py_types").Err(wit.CapabilityError("users", "invalid", "bad email"))
        return b.user(email, slack_id=None)

    host.answer("users.get_or_create_user_by_email", picky)
    assert [u.email for u in sym.get_or_create_users_by_emails(["a@x.io", "bad@x", "c@x.io"])] == ["a@x.io", "c@x.io"]
    with pytest.raises(SymIntegrationError):
        sym.get_or_create_users_by_emails(["bad@x"], raise_on_error=True)


def test_store(host):
    saved = {}
    host.answer("store.fetch", lambda path: saved.get(path))
    host.answer("store.put", lambda path, value: saved.__setitem__(path, value))
    assert store.fetch("oncall.last") is None
    store.put("oncall.last", {"user": "alice", "at": datetime(2024, 1, 1)})
    assert store.fetch("oncall.last") == {"user": "alice", "at": "2024-01-01T00:00:00"}


# ---- integrations without a capability -----------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, code",
    [
        (lambda: aws_iam.is_user_in_group(ALICE, group_name="admins"), AWSIAMError, "AWSIAM:NOT_AVAILABLE"),
        (lambda: aws_sso.list_accounts(), AWSSSOError, "AWSSSO:NOT_AVAILABLE"),
        (lambda: google.users_in_group("eng@acme.com"), GoogleError, "Google:NOT_AVAILABLE"),
        (lambda: onelogin.list_roles(), OneLoginError, "OneLogin:NOT_AVAILABLE"),
        (lambda: knowbe4.is_user_in_group(ALICE, 1), KnowBe4Error, "KnowBe4:NOT_AVAILABLE"),
        (lambda: boundary.list_groups(), BoundaryError, "Boundary:NOT_AVAILABLE"),
        (lambda: jira.create_issue("t", "OPS"), JiraError, "Jira:NOT_AVAILABLE"),
    ],
)
def test_unavailable_integrations_raise_their_own_error(host, call, error, code):
    with pytest.raises(error) as excinfo:
        call()
    assert excinfo.value.error_code == code
    assert "not available in symflow yet" in excinfo.value.message
    assert host.calls == []
