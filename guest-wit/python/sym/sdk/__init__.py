"""symflow's implementation of Sym's Python SDK (`sym.sdk`, API of sym-sdk 0.61.0).

A Sym `impl.py` imports from these modules, name for name, and runs unchanged inside a symflow
WebAssembly component. Every call that reaches the outside world (Slack, PagerDuty, Okta, GitHub,
AWS Lambda, HTTP, secrets, the store, users) goes through the WIT imports of world
`sym:flow/flow`, which the host grants per flow.

Submodules import everything they need at module top level: componentize-py snapshots the
interpreter after the app module has been imported at build time, and an `import` statement that
first runs later, inside a function, fails in the component.
"""

__version__ = "0.61.0"
