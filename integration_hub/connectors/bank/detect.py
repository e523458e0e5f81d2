"""Tell BAI2, camt.053 and MT940 apart by content; file names and extensions lie."""
from __future__ import annotations

import re

from integration_hub.connectors.bank.errors import StatementFormatError

_SNIFF_BYTES = 65536
_XMLNS = re.compile(rb"""xmlns(?::[\w.-]+)?\s*=\s*["']([^"']*)["']""")
_SWIFT_BLOCK = re.compile(rb"^\x01?\{[14]:")
_MT940_TAG = re.compile(rb"^:20:", re.MULTILINE)


def detect_format(data: bytes) -> str:
    """One of "bai2", "camt053", "mt940" for a statement file's bytes.

    BAI2 starts with its 01 file header; camt.053 is XML declaring a camt.053
    namespace; MT940 has SWIFT field tags (:20: opens every statement), bare or
    inside a {1:...}{4: envelope. Anything else raises StatementFormatError.
    """
    head = data[:_SNIFF_BYTES].removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"01,"):
        return "bai2"
    if head.startswith(b"<"):
        namespaces = [ns.decode("ascii", "replace") for ns in _XMLNS.findall(head)]
        if any("camt.053" in ns for ns in namespaces):
            return "camt053"
        found = ", ".join(namespaces) or "none"
        raise StatementFormatError("<data>", 1, f"XML without a camt.053 namespace (namespaces: {found})")
    if _SWIFT_BLOCK.match(head) or _MT940_TAG.search(head):
        return "mt940"
    raise StatementFormatError("<data>", 1, "not a BAI2, camt.053 or MT940 statement")
