"""`sym.sdk.utils`: helpers that store data about users in symflow."""

from wit_world.imports import users as users_capability

from sym.sdk._internal import host
from sym.sdk.exceptions.identity import CouldNotSaveError
from sym.sdk.user import UserIdentity


def persist_user_identity(*, email: str, service: str, service_id: str, user_id: str) -> UserIdentity:
    """Save the identity `user_id` in `service`/`service_id` for the user with `email`.

    The user is created if absent. Raises `CouldNotSaveError` when the host refuses.
    """
    identity = UserIdentity(service=service, service_id=service_id, user_id=user_id)
    saved = host.call(
        lambda _name, message: CouldNotSaveError(message),
        users_capability.persist_user_identity,
        email,
        identity._to_wit(),
    )
    return UserIdentity._from_wit(saved)
