"""`sym.sdk.integrations.jira`: Jira issues and comments (spec §5.6).

Not available in symflow yet: every function raises `JiraError` with code `NOT_AVAILABLE`.
"""

from typing import Any, List, Optional

from sym.sdk.exceptions import JiraError
from sym.sdk.integrations._unavailable import not_available


def search_issues(jql: str, fields: Optional[List[str]] = None, expand: Optional[List[str]] = None) -> List[dict]:
    not_available(JiraError, "jira", "search_issues")


def add_comment_to_issue(issue_id_or_key: str, comment: str, expand: Optional[List[str]] = None) -> dict:
    not_available(JiraError, "jira", "add_comment_to_issue")


def create_issue(
    title: str,
    project_key: str,
    issue_type_name: str = "Task",
    description: Optional[str] = None,
    due_date: Any = None,
    labels: Optional[List[str]] = None,
    parent_issue_id_or_key: Optional[str] = None,
    priority_id: Optional[str] = None,
    custom_fields: Optional[dict] = None,
) -> str:
    not_available(JiraError, "jira", "create_issue")
