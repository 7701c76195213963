"""The SOQL grammar the sandbox understands (a LALR grammar for lark).

Keywords are case-insensitive string literals, never regex terminals (a regex keyword loses to NAME; clients.md
§3). SOQL's reserved words (AND, FROM, NOT, ...) are never names; other keywords (ORDER, OFFSET, TRUE) are names
wherever the keyword cannot stand, as in `FROM Order` or `FROM Group`. Anything
outside this grammar is a syntax error, which the parser reports as MALFORMED_QUERY with row and column.
Function calls are parsed generically (`NAME(field) alias`) and checked by the compiler, so that FIELDS(ALL) or
toLabel(Name) get a precise "not supported" message rather than a vague syntax error.
"""

from __future__ import annotations

import functools

from lark import Lark

# `?condition` refuses AND, OR and NOT mixed without parentheses: assumed("soql-not-parentheses").
SOQL_GRAMMAR = r"""
start: query

query: "SELECT"i select_list "FROM"i NAME [NAME] [where] [order_by] [limit] [offset]

select_list: select_item ("," select_item)*
?select_item: field_path
            | NAME "(" [field_path] ")" [NAME]     -> function
            | "(" query ")"                        -> subquery

field_path: NAME ("." NAME)*

where: "WHERE"i condition

?condition: simple
          | simple ("AND"i simple)+     -> and_
          | simple ("OR"i simple)+      -> or_
          | "NOT"i simple               -> not_

?simple: "(" condition ")"
       | predicate

?predicate: field_path COMPARATOR value                    -> comparison
          | field_path "LIKE"i value                        -> like
          | field_path "IN"i "(" in_body ")"                -> in_
          | field_path "NOT"i "IN"i "(" in_body ")"         -> not_in

?in_body: value ("," value)*    -> values
        | query

?value: STRING          -> string
      | NUMBER          -> number
      | DATETIME        -> datetime
      | DATE            -> date
      | "TRUE"i         -> true
      | "FALSE"i        -> false
      | "NULL"i         -> null
      | N_DATE_LITERAL  -> date_n_literal
      | NAME            -> date_literal

order_by: "ORDER"i "BY"i order_item ("," order_item)*
order_item: field_path [DIRECTION] ["NULLS"i NULLS_POSITION]
DIRECTION: "ASC"i | "DESC"i
NULLS_POSITION: "FIRST"i | "LAST"i

limit: "LIMIT"i INT
offset: "OFFSET"i INT

COMPARATOR: "=" | "!=" | "<>" | "<=" | ">=" | "<" | ">"
NAME: /(?!(AND|ASC|DESC|FIRST|FROM|IN|LAST|LIKE|LIMIT|NOT|NULL|NULLS|OR|SELECT|WHERE)\b)[a-z_][a-z0-9_]*/i
N_DATE_LITERAL.2: /[a-z_][a-z0-9_]*:[0-9]+/i
DATETIME.3: /[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})/i
DATE.2: /[0-9]{4}-[0-9]{2}-[0-9]{2}/
NUMBER: /[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)/
INT: /[0-9]+/
STRING: /'(\\.|[^'\\])*'/s

%import common.WS
%ignore WS
"""


@functools.cache
def soql_parser() -> Lark:
    """The compiled LALR parser (built once: building the tables is the slow part)."""
    return Lark(SOQL_GRAMMAR, parser="lalr", maybe_placeholders=True, propagate_positions=True)
