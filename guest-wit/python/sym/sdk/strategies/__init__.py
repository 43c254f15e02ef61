"""`sym.sdk.strategies`: custom access strategies (spec §6)."""

from sym.sdk.integration import Integration
from sym.sdk.strategies.access_strategy import AccessStrategy

__all__ = ["AccessStrategy", "Integration"]
