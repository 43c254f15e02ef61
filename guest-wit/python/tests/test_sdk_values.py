"""SDK value classes: exceptions, SRNs, permissions, notifications, transitions, forms, annotations."""

import json
import uuid
from datetime import timedelta

import pytest
from wit_world.imports import types as wit

import builders as b
from sym.sdk import exceptions
from sym.sdk._internal.context import set_current_event
from sym.sdk.annotations import hook, prefetch, reducer
from sym.sdk.errors import SymSDKError
from sym.sdk.event import Event
from sym.sdk.field_option import FieldOption
from sym.sdk.forms import FieldType, PromptField, SlackUserSelection, SymPromptForm
from sym.sdk.integrations import slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission
from sym.sdk.resource import SRN, InvalidSRNError
from sym.sdk.templates import ApprovalTemplate, ApprovalTemplateStep, TemplateStep, get_step_output
from sym.sdk.user import User

# ---- exceptions ---------------------------------------------------------------------------------

TYPE_CODES = {
    exceptions.AccessStrategyError: "AccessStrategy",
    exceptions.AptibleError: "Aptible",
    exceptions.AWSError: "AWS",
    exceptions.AWSIAMError: "AWSIAM",
    exceptions.AWSSSOError: "AWSSSO",
    exceptions.AWSLambdaError: "AWSLambda",
    exceptions.BoundaryError: "Boundary",
    exceptions.GitHubError: "GitHub",
    exceptions.GoogleError: "Google",
    exceptions.HTTPError: "HTTP",
    exceptions.IdentityError: "Identity",
    exceptions.JiraError: "Jira",
    exceptions.KnowBe4Error: "KnowBe4",
    exceptions.OktaError: "Okta",
    exceptions.OneLoginError: "OneLogin",
    exceptions.PagerDutyError: "PagerDuty",
    exceptions.SDKError: "SDK",
    exceptions.SlackError: "Slack",
    exceptions.SymIntegrationError: "SymIntegration",
}


@pytest.mark.parametrize("cls, type_code", TYPE_CODES.items())
def test_exception_codes(cls, type_code):
    error = cls("API_ERROR", "it broke")
    assert isinstance(error, exceptions.SymException)
    assert error.error_code == f"{type_code}:API_ERROR"
    assert error.to_dict() == {"error": True, "message": "it broke", "code": f"{type_code}:API_ERROR"}
    assert str(error) == "it broke"


def test_exception_subclass_families():
    assert issubclass(exceptions.AWSLambdaError, exceptions.AWSError)
    assert issubclass(exceptions.CouldNotSaveError, exceptions.IdentityError)
    assert issubclass(exceptions.IdentityNotFound, exceptions.IdentityError)
    assert issubclass(exceptions.IdentityNotFound, exceptions.ExceptionWithHint)
    assert issubclass(exceptions.MissingArgument, exceptions.SDKError)
    assert exceptions.MissingArgument("need x").error_code == "SDK:MISSING_ARGUMENT"
    assert exceptions.CouldNotSaveError("db down").error_code == "Identity:COULD_NOT_SAVE"
    assert set(exceptions.__all__) >= {cls.__name__ for cls in TYPE_CODES} | {"ExceptionWithHint", "SymException"}


def test_exception_with_hint():
    error = exceptions.ExceptionWithHint("Custom", "BAD", "main message", hint="do this")
    assert (error.error_code, error.hint) == ("Custom:BAD", "do this")
    assert str(error) == "main message\n\n*Hint:* do this"
    found = exceptions.IdentityNotFound("no identity")
    assert found.hint == "An Implementer can use the symflow CLI to manually add the user's identity"


def test_sym_sdk_error_formats_for_slack():
    error = SymSDKError("Bad thing", hint="Fix it", doc_url="https://docs.example/x")
    assert error.format_slack() == "Bad thing\n\n*Hint:* Fix it\n\n<https://docs.example/x|Read the docs>"
    assert SymSDKError("Only message").format_slack() == "Only message"


# ---- SRN ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, parts",
    [
        ("sym:template:approval:1.0.0", ("sym", "template", None, "approval", "1.0.0", None)),
        ("sym:flow:test-flow:0.1.0:abc-123", ("sym", "flow", None, "test-flow", "0.1.0", "abc-123")),
        ("Sym:Integration:Slack:My-Integration:latest:X1", ("sym", "integration", "slack", "my-integration", "latest", "x1")),
        ("acme:user:normal:11111111-1111:latest", ("acme", "user", "normal", "11111111-1111", "latest", None)),
        ("healthyhealth:flow:my_fun_flow:latest", ("healthyhealth", "flow", None, "my_fun_flow", "latest", None)),
    ],
)
def test_srn_parse_and_format(text, parts):
    srn = SRN.parse(text)
    assert (srn.org, srn.model, srn.type, srn.slug, srn.version, srn.identifier) == parts
    assert str(srn) == text.lower()
    assert SRN.parse(str(srn)) == srn and srn == text


@pytest.mark.parametrize(
    "text, reason",
    [
        ("sym:flow:x:1.0.0:", "trailing separator"),
        ("sym:flow:x", "at least"),
        ("sym:integration:slack:1.0.0", "needs"),
        ("sym:flow:bad slug:1.0.0", "must match"),
        ("sym:flow:x:1.0", "version"),
        ("sym:flow:x:v1.0.0-beta", "version"),
        ("sym:flow:x:1.0.0:id:extra", "too many"),
    ],
)
def test_srn_errors(text, reason):
    with pytest.raises(InvalidSRNError, match=reason):
        SRN.parse(text)


def test_srn_copy_and_construction():
    srn = SRN("acme", "flow", "db", "latest")
    assert str(srn.copy(version="1.2.3", identifier="run1")) == "acme:flow:db:1.2.3:run1"
    with pytest.raises(InvalidSRNError):
        SRN("acme", "integration", "slack", "latest")  # needs a type


# ---- RequestPermission ---------------------------------------------------------------------------


def test_request_permission_levels_and_user_lists():
    alice = User._from_wit(b.alice())
    permission = RequestPermission(
        webapp_view=PermissionLevel.ALL_USERS,
        approve_deny=[alice, b.BOB_ID, uuid.UUID(int=5)],
        allow_self_approval=True,
    )
    assert permission.approve_deny == [uuid.UUID(b.ALICE_ID), uuid.UUID(b.BOB_ID), uuid.UUID(int=5)]
    assert permission._to_wit() == wit.RequestPermission(
        webapp_view=wit.Permission_AllUsers(),
        approve_deny=wit.Permission_UserIds([b.ALICE_ID, b.BOB_ID, str(uuid.UUID(int=5))]),
        allow_self_approval=True,
    )
    assert RequestPermission("admin", "member").webapp_view is PermissionLevel.ADMIN
    assert RequestPermission(PermissionLevel.ADMIN, PermissionLevel.ADMIN).allow_self_approval is False


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"webapp_view": [], "approve_deny": PermissionLevel.ADMIN}, "must not be empty"),
        ({"webapp_view": PermissionLevel.ADMIN, "approve_deny": "owners"}, "not a PermissionLevel"),
        ({"webapp_view": PermissionLevel.ADMIN, "approve_deny": ["not-a-uuid"]}, "not a user id"),
        ({"webapp_view": 3, "approve_deny": PermissionLevel.ADMIN}, "expected a PermissionLevel"),
        ({"webapp_view": "admin", "approve_deny": "admin", "allow_self_approval": "yes"}, "must be a bool"),
    ],
)
def test_request_permission_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RequestPermission(**kwargs)


# ---- Notification --------------------------------------------------------------------------------


def test_notification_rules_and_wit():
    alice = User._from_wit(b.alice())
    notification = Notification(destinations=[slack.channel("#ops", timeout=timedelta(minutes=5)), alice], timeout=timedelta(hours=1))
    assert notification.timeout == 3600
    assert notification._to_wit() == wit.Notification(
        destinations=[
            wit.RequestDestination(wit.Destination_SlackChannel("#ops"), False, 300),
            wit.RequestDestination(wit.Destination_User(b.alice()), False, None),
        ],
        timeout=3600,
    )
    with pytest.raises(ValueError, match="at least one"):
        Notification(destinations=[])
    with pytest.raises(ValueError, match="at most one Slack destination"):
        Notification(destinations=[slack.channel("#a"), slack.channel("#b")])
    with pytest.raises(ValueError, match="RequestDestinations"):
        Notification(destinations=["#a"])
    with pytest.raises(ValueError, match="negative"):
        Notification(destinations=[alice], timeout=-1)


def test_notification_from_wit_roundtrip():
    record = wit.Notification(
        destinations=[
            wit.RequestDestination(wit.Destination_SlackChannel("C0CHAN0001"), True, 60),
            wit.RequestDestination(wit.Destination_SlackGroup(["U0A0000001", "U0B0000002"]), False, None),
        ],
        timeout=60,
    )
    notification = Notification._from_wit(record)
    assert notification.destinations[0] == slack.channel("C0CHAN0001", allow_self=True, timeout=60)
    assert notification._to_wit() == record


# ---- ApprovalTemplate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "transition, expected",
    [
        (ApprovalTemplate.prompt(), wit.Transition("prompt", None, None, None, "{}")),
        (
            ApprovalTemplate.request(target_srn="acme:access_target:okta:g:latest", duration=timedelta(hours=1), reason="r"),
            wit.Transition("request", None, "acme:access_target:okta:g:latest", 3600, '{"reason":"r"}'),
        ),
        (ApprovalTemplate.approve(reason="Auto-approved"), wit.Transition("approve", None, None, None, '{"reason":"Auto-approved"}')),
        (ApprovalTemplate.deny(duration=60), wit.Transition("deny", None, None, 60, "{}")),
        (ApprovalTemplate.escalate(target_srn=SRN.parse("acme:flow:f:latest")), wit.Transition("escalate", None, "acme:flow:f:latest", None, "{}")),
        (ApprovalTemplate.deescalate(note="early"), wit.Transition("deescalate", None, None, None, '{"note":"early"}')),
        (ApprovalTemplate.ignore(message="Not allowed"), wit.Transition("ignore", "Not allowed", None, None, "{}")),
        (ApprovalTemplate.ignore("Positional message"), wit.Transition("ignore", "Positional message", None, None, "{}")),
        (ApprovalTemplate.ignore(), wit.Transition("ignore", None, None, None, "{}")),
    ],
)
def test_approval_template_transitions(transition, expected):
    assert transition._to_wit() == expected


def test_transition_kwargs_are_json_with_sdk_values():
    alice = User._from_wit(b.alice())
    transition = ApprovalTemplate.approve(reason="ok", approver=alice, step=ApprovalTemplateStep.APPROVE, count=2)
    kwargs = json.loads(transition._to_wit().kwargs_json)
    assert kwargs["reason"] == "ok" and kwargs["count"] == 2 and kwargs["step"] == "approve"
    assert kwargs["approver"]["username"] == "alice@example.com"
    with pytest.raises(TypeError):
        ApprovalTemplate.approve(when=object())._to_wit()


def test_steps():
    assert [s.value for s in ApprovalTemplateStep] == [
        "prompt", "request", "request_forward", "request_expire", "approve", "deny", "escalate", "deescalate",
    ]
    assert TemplateStep.IGNORE == "ignore"
    assert ApprovalTemplateStep.ESCALATE == "escalate"


def test_get_step_output_reads_the_current_run():
    with pytest.raises(exceptions.SDKError):
        get_step_output()
    steps = [b.step("escalate", b.bob(), output={"body": {"message": "granted"}, "errors": []}), b.step("approve", b.bob())]
    set_current_event(Event._from_wit(b.event("escalate", steps=steps)))
    try:
        assert get_step_output() == {"body": {"message": "granted"}, "errors": []}
        assert get_step_output(ApprovalTemplateStep.ESCALATE)["body"]["message"] == "granted"
        assert get_step_output("approve") == {}
        assert get_step_output("deescalate") == {}
    finally:
        set_current_event(None)


# ---- forms and annotations -----------------------------------------------------------------------


def test_field_option_validation():
    assert FieldOption("db", "Database") == FieldOption(value="db", label="Database")
    assert FieldOption(3).label == "3"
    with pytest.raises(ValueError):
        FieldOption(None, "x")
    with pytest.raises(ValueError):
        FieldOption("x" * 56, "x")
    with pytest.raises(ValueError):
        FieldOption("x", "y" * 56)


def test_prompt_field_read_only_parts_and_form_roundtrip():
    record = wit.PromptForm(
        fields=[
            wit.FormField("count", wit.FieldType.INT, "Count", True, True, "2", [wit.FieldOption("1", "One"), wit.FieldOption("2", "Two")], [wit.FieldOption("1", "One")]),
            wit.FormField("who", wit.FieldType.SLACK_USER_LIST, None, False, True, '[{"user_id": "U0A0000001", "username": null}, "U0B0000002"]', None, None),
        ],
        flow_vars_json='{"k": "v"}',
        additional_header_text="hdr",
    )
    form = SymPromptForm._from_wit(record)
    count = form.fields["count"]
    assert (count.type, count.value) == (FieldType.INT, 2)
    assert count.current_allowed_values == [FieldOption(1, "One"), FieldOption(2, "Two")]
    assert form.fields["who"].value == [SlackUserSelection("U0A0000001"), SlackUserSelection("U0B0000002")]
    with pytest.raises(AttributeError):
        count.type = FieldType.STRING
    with pytest.raises(AttributeError):
        count.original_allowed_values = []
    with pytest.raises(TypeError):
        form.fields["new"] = PromptField("new", FieldType.STRING)
    back = form._to_wit()
    assert back.fields[0] == record.fields[0]
    assert json.loads(back.fields[1].value_json) == [
        {"user_id": "U0A0000001", "username": None},
        {"user_id": "U0B0000002", "username": None},
    ]
    assert (back.flow_vars_json, back.additional_header_text) == ('{"k":"v"}', "hdr")


def test_annotations_are_markers():
    def get_permissions(event):
        return "p"

    def on_request(event):
        return None

    assert reducer(get_permissions) is get_permissions
    assert hook(on_request) is on_request
    marked = prefetch(field_name="repo")(get_permissions)
    assert marked is get_permissions and marked.__sym_prefetch_field__ == "repo"
    with pytest.raises(TypeError):
        prefetch(get_permissions)
