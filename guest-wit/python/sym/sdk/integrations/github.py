"""`sym.sdk.integrations.github`: repository collaborators (spec §5.6)."""

from enum import Enum
from typing import List

from wit_world.imports import github as github_capability

from sym.sdk._internal import host
from sym.sdk.exceptions.github import GitHubError
from sym.sdk.user import User


class GitHubRole(str, Enum):
    READ = "read"
    TRIAGE = "triage"
    WRITE = "write"
    MAINTAIN = "maintain"
    ADMIN = "admin"


def get_repo_collaborators(*, repo_name: str, roles: List[str]) -> List[User]:
    """Users who hold one of `roles` on repository `repo_name`."""
    names = [getattr(r, "value", r) for r in roles]
    allowed = {r.value for r in GitHubRole}
    for name in names:
        if name not in allowed:
            raise GitHubError("INVALID_ROLE", f"{name!r} is not a GitHub role ({', '.join(sorted(allowed))})")
    return [User._from_wit(u) for u in host.call(GitHubError, github_capability.get_repo_collaborators, repo_name, names)]
