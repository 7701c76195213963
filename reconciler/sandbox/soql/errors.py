"""SOQL errors shaped like Salesforce's: the offending line, a caret, 'ERROR at Row:r:Column:c', then the text.

Real REST bodies look like
`"\\nselect Id, Company, SF_date__c, ConvertedContactId from\\n                   ^\\nERROR at Row:1:Column:20\\n
No such column 'SF_date__c' on entity 'Lead'. If you are attempting to use a custom field, ..."`: the excerpt is
a window of the offending line around the error (see assumed("soql-error-excerpt")).
"""

from __future__ import annotations

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.soql.nodes import Pos

_EXCERPT = assumed("soql-error-excerpt")
_WINDOW = 40  # characters kept on each side of the error column, widened to whole words

CUSTOM_FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)
CUSTOM_OBJECT_HINT = (
    "If you are attempting to use a custom object, be sure to append the '__c' after the entity name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)
CUSTOM_RELATIONSHIP_HINT = (
    "If you are attempting to use a custom relationship, be sure to append the '__r' after the custom "
    "relationship name. Please reference your WSDL or the describe call for the appropriate names."
)


def _excerpt(soql: str, pos: Pos) -> tuple[str, int]:
    """The window of the error line shown above the caret, and the caret's offset in it."""
    lines = soql.split("\n")
    line = lines[pos.line - 1] if 0 < pos.line <= len(lines) else ""
    at = max(0, min(pos.column - 1, len(line)))
    start = max(0, at - _WINDOW)
    while 0 < start < at and not line[start - 1].isspace():
        start += 1  # begin at a word boundary
    end = min(len(line), at + _WINDOW)
    while end < len(line) and not line[end].isspace():
        end += 1
    return line[start:end].rstrip("\r"), at - start


def located(soql: str, pos: Pos, text: str) -> str:
    excerpt, caret = _excerpt(soql, pos)
    return f"\n{excerpt}\n{' ' * caret}^\nERROR at Row:{pos.line}:Column:{pos.column}\n{text}"


def soql_error(code: str, soql: str, pos: Pos, text: str) -> ApiError:
    return ApiError(400, code, located(soql, pos, text))


def malformed(soql: str, pos: Pos, text: str) -> ApiError:
    return soql_error("MALFORMED_QUERY", soql, pos, text)


def unexpected(soql: str, pos: Pos, token: str) -> ApiError:
    return malformed(soql, pos, f"unexpected token: '{token}'")


def no_such_column(soql: str, pos: Pos, column: str, entity: str) -> ApiError:
    text = f"No such column '{column}' on entity '{entity}'. {CUSTOM_FIELD_HINT}"
    return soql_error("INVALID_FIELD", soql, pos, text)


def unknown_relationship(soql: str, pos: Pos, name: str) -> ApiError:
    text = f"Didn't understand relationship '{name}' in field path. {CUSTOM_RELATIONSHIP_HINT}"
    return soql_error("INVALID_FIELD", soql, pos, text)


def unknown_child_relationship(soql: str, pos: Pos, name: str) -> ApiError:
    text = f"Didn't understand relationship '{name}' in FROM part of query call. {CUSTOM_RELATIONSHIP_HINT}"
    return soql_error("INVALID_TYPE", soql, pos, text)


def unsupported_sobject(soql: str, pos: Pos, name: str) -> ApiError:
    return soql_error("INVALID_TYPE", soql, pos, f"sObject type '{name}' is not supported. {CUSTOM_OBJECT_HINT}")


def bad_filter(soql: str, pos: Pos, text: str) -> ApiError:
    return soql_error("INVALID_QUERY_FILTER_OPERATOR", soql, pos, text)
