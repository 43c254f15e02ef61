"""`Event`, `User`, `Flow`, `Run` built from the WIT records."""

import json
import uuid
from datetime import datetime, timezone

import pytest
from wit_world.imports import types as wit

import builders as b
from conftest import Refuse
from sym.sdk.event import Event
from sym.sdk.exceptions import SymIntegrationError
from sym.sdk.forms import FieldType
from sym.sdk.request_permission import PermissionLevel
from sym.sdk.secrets import Secret
from sym.sdk.target import AccessTarget
from sym.sdk.templates import ApprovalTemplateStep
from sym.sdk.user import User, UserIdentity, UserRole, user_ids


def test_event_basics():
    event = Event._from_wit(b.event("request", fields={"reason": "hotfix", "duration": 1800}))
    assert event.name == "request"
    assert event.user.username == "alice@example.com"
    assert event.payload.user is event.user
    assert event.payload.fields == {"reason": "hotfix", "duration": 1800}
    assert event.payload.timestamp == datetime(2024, 1, 29, 10, 0, tzinfo=timezone.utc)
    assert event.meta.timestamp == event.payload.timestamp
    assert str(event.payload.srn) == "sym:event-spec:approval:1.0.0:request"
    assert str(event.template) == "sym:template:approval:1.0.0"
    assert (event.channel.identifier, event.channel.type) == ("#general", "slack")
    assert event.run.source_channel == "C0SOURCE01"


def test_flow_vars_fields_environment_and_secret_settings():
    flow = b.flow(
        vars={"request_channel": "#ops"},
        fields=[
            b.prompt_field("reason"),
            b.prompt_field("duration", wit.FieldType.DURATION, allowed_values=["1800", "3600"], default=1800),
        ],
        integrations=[
            b.integration(),
            b.integration("github", "github", "acme", {"api_token_secret": {"$secret": "gh-token"}}),
            b.integration("circleci", "custom", "circle", {"secrets": [{"$secret": "cci", "path": "sym/cci"}]}),
        ],
    )
    event = Event._from_wit(b.event(flow_record=flow))
    assert event.flow.name == "access"
    assert event.flow.vars == {"request_channel": "#ops"}
    assert str(event.flow.srn) == "acme:flow:access:latest"
    duration = event.flow.fields["duration"]
    assert duration.type is FieldType.DURATION
    assert duration.allowed_values == [1800, 3600]
    assert duration.default == 1800
    assert event.flow.environment.name == "prod"
    integrations = event.flow.environment.integrations
    assert set(integrations) == {"slack", "github", "circleci"}
    assert integrations["slack"].type == "slack" and integrations["slack"].external_id == b.WORKSPACE
    assert integrations["github"].settings["api_token_secret"] == Secret("gh-token")
    assert integrations["circleci"].settings["secrets"][0].path == "sym/cci"
    assert event.flow.strategy is None


def test_target_from_object_from_id_and_absent():
    flow = b.flow(strategy_record=b.strategy(b.integration(), [b.target("db-admin", id="t-1"), b.target("ops", id="t-2")]))
    by_id = Event._from_wit(b.event(fields={"target_id": "t-2"}, flow_record=flow))
    assert by_id.payload.fields["target"].name == "ops"
    assert by_id.payload.fields["target"].settings == {"identifier": "ops-group"}

    as_object = Event._from_wit(
        b.event(
            fields={"target": {"name": "x", "type": "custom", "label": "X", "settings": {"identifier": "grp"}, "srn": "acme:access_target:custom:x:latest"}},
            flow_record=flow,
        )
    )
    target = as_object.payload.fields["target"]
    assert isinstance(target, AccessTarget)
    assert (target.type, target.label, target.settings["identifier"]) == ("custom", "X", "grp")

    as_srn = Event._from_wit(b.event(fields={"target": "acme:access_target:custom:db-admin:latest:t-1"}, flow_record=flow))
    assert as_srn.payload.fields["target"].id == "t-1"

    assert "target" not in Event._from_wit(b.event(fields={"reason": "r"}, flow_record=flow)).payload.fields


def test_slack_user_fields_become_users():
    flow = b.flow(fields=[b.prompt_field("approver", wit.FieldType.SLACK_USER), b.prompt_field("cc", wit.FieldType.SLACK_USER_LIST)])
    bob = {"id": b.BOB_ID, "email": "bob@example.com", "username": "bob@example.com"}
    event = Event._from_wit(b.event(fields={"approver": bob, "cc": [bob, "U0UNKNOWN1"]}, flow_record=flow))
    assert event.payload.fields["approver"] == User._from_wit(b.bob())
    assert event.payload.fields["cc"][0].username == "bob@example.com"
    assert event.payload.fields["cc"][1] == "U0UNKNOWN1"


def test_get_actor_and_get_context_read_the_latest_steps():
    steps = [
        b.step("prompt", b.alice()),
        b.step("request", b.alice(), context={"diff.txt": "terraform plan"}),
        b.step("approve", b.bob()),
        b.step("escalate", b.bob(), output={"body": {"message": "done"}, "errors": []}),
    ]
    event = Event._from_wit(b.event("deescalate", actor=b.bob(), steps=steps))
    assert event.get_actor("request").username == "alice@example.com"
    assert event.get_actor(ApprovalTemplateStep.APPROVE).username == "bob@example.com"
    assert event.get_actor("deny") is None
    assert event.get_actor("deescalate") == event.user  # the current event, not yet recorded
    assert event.get_context("request") == {"diff.txt": "terraform plan"}
    assert event.get_context("deny") is None
    # A step that happened with no context (a Slack request) has {}, never None.
    assert event.get_context("approve") == {}
    null_step = wit.RunStep(event_name="request", actor=b.alice(), context_json="null", output_json=None, timestamp="2024-01-29T10:00:00+00:00")
    no_context = Event._from_wit(b.event("request", steps=[null_step]))
    assert no_context.get_context("request") == {}
    assert event.run.actors["approve"].username == "bob@example.com"
    assert event.run.contexts["request"] == {"diff.txt": "terraform plan"}
    assert event.run.outputs["escalate"]["body"]["message"] == "done"


def test_event_json_for_lambda_payloads():
    event = Event._from_wit(b.event("escalate", fields={"reason": "r", "duration": 60}, steps=[b.step("request", b.alice())]))
    data = event._to_json()
    assert data["event"]["type"] == "escalate"
    assert data["event"]["template"] == "sym:template:approval:1.0.0"
    assert data["actor"]["username"] == "alice@example.com"
    assert data["actor"]["identity"] == {"service": "slack", "external_id": b.WORKSPACE, "user_id": "U0ALICE01"}
    assert data["run"]["actors"]["request"]["username"] == "alice@example.com"
    assert data["fields"] == {"reason": "r", "duration": 60}


def test_user_from_wit_identity_equality_and_roundtrip():
    okta = wit.UserIdentity(service="okta", service_id="acme.okta.com", user_id="00u1")
    record = b.user("alice@example.com", b.ALICE_ID, role=wit.UserRole.ADMIN, identities=[okta])
    alice = User._from_wit(record)
    assert alice.id == uuid.UUID(b.ALICE_ID)
    assert alice.role is UserRole.ADMIN
    assert alice.type == "normal" and not alice.is_bot
    assert alice.identity("okta") == UserIdentity("okta", "acme.okta.com", "00u1")
    assert alice.identity("okta", "other.okta.com") is None
    assert alice.identity("slack", b.WORKSPACE).user_id == "U0ALICE01"
    assert alice.identity("github") is None
    assert alice._to_wit() == record

    same_username = User(id=uuid.uuid4(), email="x@example.com", username="alice@example.com")
    assert alice == same_username and hash(alice) == hash(same_username)
    assert alice != User._from_wit(b.bob())
    assert len({alice, same_username, User._from_wit(b.bob())}) == 2
    assert user_ids([alice]) == [uuid.UUID(b.ALICE_ID)]


def test_user_role_permission_levels():
    assert UserRole.ADMIN.permission_levels() == [PermissionLevel.ADMIN, PermissionLevel.MEMBER, PermissionLevel.ALL_USERS]
    assert UserRole.MEMBER.permission_levels() == [PermissionLevel.MEMBER, PermissionLevel.ALL_USERS]
    assert UserRole.GUEST.permission_levels() == [PermissionLevel.ALL_USERS]


def test_get_event_count_goes_through_the_users_capability(host):
    host.answer("users.get_event_count", 3)
    alice = User._from_wit(b.alice())
    since = datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert alice.get_event_count(ApprovalTemplateStep.REQUEST, since=since, filter_on="target") == 3
    assert host.calls_to("users.get_event_count") == [
        (b.ALICE_ID, "request", "2024-01-01T00:00:00+00:00", None, "target", False)
    ]
    with pytest.raises(ValueError):
        alice.get_event_count("request", filter_on="org")
    host.answer("users.get_event_count", Refuse("not-granted", "no"))
    with pytest.raises(SymIntegrationError) as excinfo:
        alice.get_event_count("approve")
    assert excinfo.value.error_code == "SymIntegration:NOT_GRANTED"


def test_secret_retrieve_value_through_the_secrets_capability(host):
    host.answer("secrets.retrieve_value", lambda secret_id: f"value-of-{secret_id}")
    assert Secret("gh-token").retrieve_value() == "value-of-gh-token"
    assert host.calls_to("secrets.retrieve_value") == [("gh-token",)]
    host.answer("secrets.retrieve_value", Refuse("not-granted", "secret other is not given to this flow"))
    with pytest.raises(SymIntegrationError) as excinfo:
        Secret("other").retrieve_value()
    assert excinfo.value.error_code == "SymIntegration:NOT_GRANTED"
    assert excinfo.value.message == "secret other is not given to this flow"
    assert json.loads(json.dumps(Secret("x")._to_json())) == {"$secret": "x"}


def test_values_known_only_after_apply_raise_where_they_are_read():
    unknown = {"$unknown": "module.lambda_connector.settings.role_arn"}
    flow = b.flow(
        vars={"request_channel": "#ops", "lambda_arn": {"$unknown": "aws_lambda_function.grant.arn"}},
        integrations=[
            b.integration(
                "aws",
                "permission_context",
                "",
                {"cloud": "aws", "role_arn": unknown, "$external_id": {"$unknown": "data.aws_caller_identity.current.account_id"}},
                name="prod-lambda",
            ),
        ],
        strategy_record=b.strategy(b.integration(), [b.target("db", settings={"arn": {"$unknown": "aws_lambda_function.db.arn"}})]),
    )
    event = Event._from_wit(b.event(flow_record=flow))
    vars = event.flow.vars
    assert vars["request_channel"] == "#ops"
    assert "lambda_arn" in vars and set(vars) == {"request_channel", "lambda_arn"}
    with pytest.raises(SymIntegrationError) as raised:
        vars["lambda_arn"]
    assert "aws_lambda_function.grant.arn" in str(raised.value)
    assert "terraform apply" in str(raised.value) and "--tf-state" in str(raised.value)
    with pytest.raises(SymIntegrationError):
        vars.get("lambda_arn")
    assert vars.get("missing", "d") == "d"

    aws = event.flow.environment.integrations["aws"]
    assert aws.settings["cloud"] == "aws"
    with pytest.raises(SymIntegrationError) as raised:
        aws.settings["role_arn"]
    assert raised.value.error_code == "SymIntegration:VALUE_NOT_KNOWN"
    with pytest.raises(SymIntegrationError) as raised:
        aws.external_id
    assert "data.aws_caller_identity.current.account_id" in str(raised.value)
    assert "known after apply" in repr(aws)
    # Sent back to the host (e.g. in a hook's kwargs), the markers survive.
    assert json.loads(aws._to_wit().settings_json)["role_arn"] == unknown

    target = event.flow.strategy.targets[0]
    with pytest.raises(SymIntegrationError):
        target.settings["arn"]


def test_a_whole_map_known_only_after_apply_raises_for_every_key():
    flow = b.flow(
        integrations=[b.integration("aws", "permission_context", "1", {"*": {"$unknown": "module.runtime_connector.settings"}})],
    )
    event = Event._from_wit(b.event(flow_record=flow))
    settings = event.flow.environment.integrations["aws"].settings
    for key in ("role_arn", "region"):
        with pytest.raises(SymIntegrationError) as raised:
            settings.get(key)
        assert "module.runtime_connector.settings" in str(raised.value)
