"""Plumbing shared by the SDK modules: host calls, the current event, JSON and time helpers.

Not part of Sym's public API.
"""
