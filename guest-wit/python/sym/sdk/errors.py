"""`sym.sdk.errors`: errors that carry a hint and a documentation link for the implementer.

Separate from `sym.sdk.exceptions` as in Sym's SDK. The guest reports a `SymSDKError` as a
`sym-exception` flow error with its hint.
"""

from typing import Optional


class SymSDKError(Exception):
    """An error in how the SDK was used, with an optional hint and documentation URL."""

    def __init__(self, message: str, hint: Optional[str] = None, doc_url: Optional[str] = None):
        self.message = message
        self.hint = hint
        self.doc_url = doc_url
        super().__init__(message)

    def format_slack(self) -> str:
        """The error as Slack mrkdwn: message, then hint and documentation link when present."""
        parts = [self.message]
        if self.hint:
            parts.append(f"*Hint:* {self.hint}")
        if self.doc_url:
            parts.append(f"<{self.doc_url}|Read the docs>")
        return "\n\n".join(parts)

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n\nHint: {self.hint}"
        return self.message


class SymSystemError(SymSDKError):
    """Something failed inside symflow rather than in the flow's code."""
