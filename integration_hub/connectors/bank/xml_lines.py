"""XML to an ElementTree that remembers source lines, refusing DTDs and entities.

ElementTree's C parser keeps no line numbers, and an error or a row that cannot say
where it came from is no use to whoever has to fix the file. Driving expat directly
gives both the line of every element and a place to refuse DOCTYPE and entity
declarations (billion laughs, external entities), as defusedxml would.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pyexpat import ExpatError, ParserCreate, errors

from integration_hub.connectors.bank.errors import StatementFormatError


def parse_with_lines(path: str, data: bytes) -> tuple[ET.Element, dict[ET.Element, int]]:
    """Root element and the 1-based line each element starts on."""
    builder = ET.TreeBuilder()
    lines: dict[ET.Element, int] = {}
    parser = ParserCreate(namespace_separator="}")

    def qualified(name: str) -> str:
        return "{" + name if "}" in name else name

    def start(name: str, attributes: dict[str, str]) -> None:
        element = builder.start(qualified(name), attributes)
        lines[element] = parser.CurrentLineNumber

    def refuse(*_: object) -> None:
        line = parser.CurrentLineNumber
        raise StatementFormatError(path, line, "DTDs and entity declarations are not allowed")

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(qualified(name))
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.Parse(data, True)
    except ExpatError as exc:
        message = f"XML not well-formed: {errors.messages[exc.code]}"
        raise StatementFormatError(path, exc.lineno, message) from None
    except LookupError as exc:  # an XML declaration naming an encoding Python does not know
        raise StatementFormatError(path, 1, f"XML declaration: {exc}") from None
    return builder.close(), lines
