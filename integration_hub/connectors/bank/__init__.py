"""Bank statement files (BAI2, ISO 20022 camt.053, SWIFT MT940) to one row shape."""
from integration_hub.connectors.bank.completeness import IncompleteStatement
from integration_hub.connectors.bank.detect import detect_format
from integration_hub.connectors.bank.errors import StatementFormatError
from integration_hub.connectors.bank.statement import (ParsedStatement, parse_statement, read_statement,
                                                        statement_to_csv)

__all__ = ["IncompleteStatement", "ParsedStatement", "StatementFormatError", "detect_format", "parse_statement",
           "read_statement", "statement_to_csv"]
