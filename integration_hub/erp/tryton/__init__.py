"""Tryton, an open-source ERP, as a hub target: a real ERP that enforces its own accounting rules.

Importing this package does not import trytond; that happens when a database is used.
"""
from integration_hub.erp.tryton.bootstrap import init_database
from integration_hub.erp.tryton.runtime import TrytonDatabase, locate
from integration_hub.erp.tryton.target import TrytonTarget

__all__ = ["TrytonDatabase", "TrytonTarget", "init_database", "locate"]
