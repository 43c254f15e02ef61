"""Namespace package root for `sym.sdk`, so a Sym `impl.py` imports `sym.sdk.*` unchanged."""
