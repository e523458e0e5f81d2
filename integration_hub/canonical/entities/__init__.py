"""Canonical entity declarations, one module per entity, each defining `ENTITY` (see canonical/registry.py)."""
