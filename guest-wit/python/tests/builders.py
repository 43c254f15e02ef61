"""Builders of the WIT records the host sends, with defaults, for tests."""

import json
import uuid

from wit_world.imports import types as wit

ALICE_ID = "11111111-1111-4111-8111-111111111111"
BOB_ID = "22222222-2222-4222-8222-222222222222"
WORKSPACE = "T0123ABCD"


def user(username="alice@example.com", id=ALICE_ID, role=wit.UserRole.MEMBER, slack_id="U0ALICE01", identities=None):
    first = username.split("@")[0].capitalize()
    ids = list(identities or [])
    if slack_id:
        ids.insert(0, wit.UserIdentity(service="slack", service_id=WORKSPACE, user_id=slack_id))
    return wit.User(
        id=id,
        email=username,
        username=username,
        user_type="normal",
        first_name=first,
        last_name="Example",
        role=role,
        identities=ids,
    )


def alice(**kw):
    return user("alice@example.com", ALICE_ID, slack_id="U0ALICE01", **kw)


def bob(**kw):
    return user("bob@example.com", BOB_ID, slack_id="U0BOB0001", **kw)


def integration(key="slack", type="slack", external_id=WORKSPACE, settings=None, name=None):
    return wit.Integration(
        key=key,
        name=name or f"prod-{key}",
        integration_type=type,
        external_id=external_id,
        settings_json=json.dumps(settings or {}),
    )


def target(name="db-admin", settings=None, id="t-1"):
    return wit.Target(
        id=id,
        name=name,
        srn=f"acme:access_target:custom:{name}:latest:{id}",
        target_type="custom",
        label=name.replace("-", " ").title(),
        settings_json=json.dumps(settings or {"identifier": f"{name}-group"}),
    )


def strategy(integration_record=None, targets=None):
    return wit.Strategy(
        id="s-1",
        strategy_type="custom",
        name="custom-strategy",
        label="Custom",
        integration=integration_record,
        targets=list(targets if targets is not None else [target()]),
        settings_json="{}",
    )


def prompt_field(name, field_type=wit.FieldType.STRING, required=True, allowed_values=None, prefetch=False, default=None):
    return wit.PromptField(
        name=name,
        field_type=field_type,
        label=name.title(),
        required=required,
        visible=True,
        default_json=None if default is None else json.dumps(default),
        allowed_values=allowed_values,
        prefetch=prefetch,
    )


def flow(name="access", vars=None, fields=None, integrations=None, strategy_record=None):
    return wit.FlowInfo(
        name=name,
        srn=f"acme:flow:{name}:latest",
        label=name.title(),
        vars_json=json.dumps(vars or {}),
        fields=list(fields if fields is not None else [prompt_field("reason")]),
        integrations=list(integrations if integrations is not None else [integration()]),
        strategy=strategy_record,
        environment_name="prod",
    )


def step(event_name, actor=None, context=None, output=None, timestamp="2024-01-29T10:00:00+00:00"):
    return wit.RunStep(
        event_name=event_name,
        actor=actor,
        context_json=json.dumps(context or {}),
        output_json=None if output is None else json.dumps(output),
        timestamp=timestamp,
    )


def event(name="request", actor=None, fields=None, steps=None, flow_record=None, channel_type="slack", run_id=None):
    actor = actor or alice()
    return wit.Event(
        name=name,
        run_id=run_id or str(uuid.UUID(int=7)),
        run_srn=f"acme:run:access:latest:{run_id or uuid.UUID(int=7)}",
        user=actor,
        timestamp="2024-01-29T10:00:00+00:00",
        fields_json=json.dumps(fields if fields is not None else {"reason": "deploy hotfix"}),
        channel=wit.Channel(identifier="#general", channel_type=channel_type),
        flow=flow_record or flow(),
        steps=list(steps or []),
        source_channel="C0SOURCE01",
    )
