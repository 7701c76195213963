"""The grammar: what parses, what is refused (MALFORMED_QUERY with row and column), and the tree it builds."""

from __future__ import annotations

import datetime as dt

import pytest

from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.soql import nodes, parse

ACCEPTED = [
    "SELECT Id FROM User",
    "select id from user",
    "SeLeCt Id FrOm User WhErE IsActive = TrUe",
    "SELECT Id, Name, CollaborationType, CanHaveGuests, Owner.Username FROM CollaborationGroup "
    "WHERE CanHaveGuests = true AND Name IN ('A','B') ORDER BY Name LIMIT 10",
    "SELECT Id, (SELECT MemberId FROM GroupMembers) FROM CollaborationGroup",
    "SELECT Id, Profile.UserLicense.Name FROM User",
    "SELECT COUNT() FROM User",
    "SELECT COUNT(Id) FROM User",
    "SELECT COUNT(Id) n FROM User",
    "SELECT COUNT_DISTINCT(Department), MAX(CreatedDate) latest FROM User",
    "SELECT Id FROM User WHERE Name LIKE 'A%'",
    "SELECT Id FROM User WHERE Name NOT IN ('a', 'b')",
    "SELECT Id FROM User WHERE Id IN (SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSet.Name = 'X')",
    "SELECT Id FROM User WHERE Id NOT IN (SELECT MemberId FROM CollaborationGroupMember)",
    "SELECT Id FROM User WHERE CreatedDate > 2024-01-01T00:00:00Z",
    "SELECT Id FROM User WHERE CreatedDate > 2024-01-01T00:00:00.000+0000",
    "SELECT Id FROM User WHERE CreatedDate > 2024-01-01T00:00:00-08:00",
    "SELECT Id FROM Contact WHERE Birthdate = 1990-03-18",
    "SELECT Id FROM User WHERE CreatedDate = LAST_N_DAYS:7",
    "SELECT Id FROM User WHERE CreatedDate < TODAY",
    "SELECT Id FROM User WHERE Name = null",
    "SELECT Id FROM User WHERE Name != null AND Name <> 'x'",
    "SELECT Id FROM User WHERE NOT Name = 'x'",
    "SELECT Id FROM User WHERE a = 1 AND (b = 2 OR c = 3)",
    "SELECT Id FROM User WHERE (a = 1 AND b = 2) OR c = 3",
    "SELECT Id FROM User WHERE a = 1 AND (NOT b = 2)",
    "SELECT Id FROM User WHERE ((a = 1))",
    "SELECT Id FROM User WHERE a = 1 OR b = 2 OR c = 3",
    "SELECT Id FROM User WHERE a = -1.5 AND b >= 0 AND c <= .5",
    "SELECT Id FROM User WHERE Name = 'O\\'Brien \\\\ \\n \\t \\u00e9'",
    "SELECT Id FROM User ORDER BY Name DESC NULLS LAST, Id ASC NULLS FIRST",
    "SELECT Id FROM User LIMIT 5 OFFSET 10",
    "SELECT Id FROM User OFFSET 10",
    "SELECT u.Id FROM User u WHERE u.IsActive = true",
    "SELECT Id FROM Group",
    "SELECT Id\nFROM User\nWHERE Name = 'x'\nORDER BY Name",
    "SELECT Id FROM User WHERE Name IN ('a', null)",
]

REJECTED = [
    ("", "<EOF>"),
    ("SELECT", "<EOF>"),
    ("SELECT Id", "<EOF>"),
    ("SELECT Id FORM User", "FORM"),
    ("SELECT Id FROM", "<EOF>"),
    ("SELECT Id, FROM User", "FROM"),
    ("SELECT Id FROM User WHERE", "<EOF>"),
    ("SELECT Id FROM User WHERE Name", "<EOF>"),
    ("SELECT Id FROM User WHERE Name =", "<EOF>"),
    ("SELECT Id FROM User WHERE a = 1 AND b = 2 OR c = 3", "OR"),
    ("SELECT Id FROM User WHERE a = 1 OR b = 2 AND c = 3", "AND"),
    ("SELECT Id FROM User WHERE NOT a = 1 AND b = 2", "AND"),
    ("SELECT Id FROM User WHERE a = 1 AND NOT b = 2", "NOT"),
    ("SELECT Id FROM User WHERE NOT NOT a = 1", "NOT"),
    ("SELECT Id FROM User WHERE (Name = 'a'", "<EOF>"),
    ("SELECT Id FROM User WHERE Name = 'a')", ")"),
    ("SELECT Id FROM User WHERE Name IN ('a', 'b',)", ")"),
    ("SELECT Id FROM User WHERE Name IN ()", ")"),
    ('SELECT Id FROM User WHERE Name = "x"', '"'),
    ("SELECT Id FROM User WHERE Name == 'x'", "="),
    ("SELECT Id FROM User WHERE Name NOT LIKE 'x'", "LIKE"),
    ("SELECT Id FROM User LIMIT 5 LIMIT 6", "LIMIT"),
    ("SELECT Id FROM User LIMIT -1", "-1"),
    ("SELECT Id FROM User OFFSET 1 LIMIT 1", "LIMIT"),
    ("SELECT Id FROM User ORDER BY", "<EOF>"),
    ("SELECT Id FROM User ORDER BY Name NULLS", "<EOF>"),
    ("SELECT Id FROM User x y", "y"),
    ("SELECT from FROM User", "from"),
    ("SELECT Id FROM User WHERE Name = 'x' trailing", "trailing"),
    ("SELECT * FROM User", "*"),
    ("SELECT Id FROM User JOIN Profile ON ProfileId = Id", "Profile"),  # JOIN reads as an alias
    ("DELETE FROM User", "DELETE"),
    ("SELECT Id FROM User WHERE Name = 'unterminated", "'"),
]

UNSUPPORTED = [
    ("SELECT Name FROM User GROUP BY Name", "GROUP BY is not supported by the guestlist sandbox"),
    ("SELECT Id FROM User WITH SECURITY_ENFORCED", "WITH is not supported by the guestlist sandbox"),
    ("SELECT Id FROM User WHERE Name = :name", "Bind variables only allowed in Apex code"),
    ("SELECT Id FROM User FOR UPDATE", "FOR VIEW/REFERENCE/UPDATE is not supported by the guestlist sandbox"),
    ("SELECT TYPEOF Owner WHEN User THEN Name END FROM Event", "TYPEOF is not supported by the guestlist sandbox"),
    ("SELECT Id FROM User WHERE Name = 'x\\q'", "Illegal character sequence '\\q' in string literal."),
    ("SELECT Id FROM User WHERE CreatedDate > 2024-02-30", "invalid date: 2024-02-30"),
]


@pytest.mark.parametrize("soql", ACCEPTED)
def test_valid_soql_parses(soql: str) -> None:
    assert isinstance(parse(soql), nodes.Query)


@pytest.mark.parametrize(("soql", "token"), REJECTED)
def test_invalid_soql_is_malformed_at_the_unexpected_token(soql: str, token: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse(soql)
    error = caught.value
    assert (error.status, error.code) == (400, "MALFORMED_QUERY")
    assert error.message.endswith(f"unexpected token: '{token}'")
    assert "\nERROR at Row:1:Column:" in error.message


@pytest.mark.parametrize(("soql", "text"), UNSUPPORTED)
def test_unsupported_soql_says_what_is_not_supported(soql: str, text: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse(soql)
    assert caught.value.code == "MALFORMED_QUERY"
    assert caught.value.message.endswith(text)


def test_lists_are_long_enough_to_mean_something() -> None:
    assert len(ACCEPTED) >= 30 and len(REJECTED) >= 30


def test_error_message_points_at_row_and_column_like_salesforce() -> None:
    soql = "SELECT Id, Email, Name\nFROM Contact\nWHERE a LIKE 'x' OR b LIKE 'y' AND c = 'z'"
    with pytest.raises(ApiError) as caught:
        parse(soql)
    line = "WHERE a LIKE 'x' OR b LIKE 'y' AND c = 'z'"
    column = line.index("AND") + 1
    assert caught.value.message == (
        f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:3:Column:{column}\nunexpected token: 'AND'"
    )


def test_long_lines_are_cut_to_a_window_around_the_error() -> None:
    soql = "SELECT " + ", ".join(f"Field{i}" for i in range(40)) + " FORM User"
    with pytest.raises(ApiError) as caught:
        parse(soql)
    excerpt, caret, where, text = caught.value.message.split("\n")[1:]
    assert len(excerpt) < 100 and "FORM" in excerpt
    assert excerpt[caret.index("^") :].startswith("FORM")
    assert where == f"ERROR at Row:1:Column:{soql.index('FORM') + 1}" and text == "unexpected token: 'FORM'"


def test_tree_of_a_full_query() -> None:
    query = parse(
        "SELECT Id, Owner.Username, COUNT(Id) n, (SELECT MemberId FROM GroupMembers) FROM CollaborationGroup g "
        "WHERE (Name LIKE 'A\\_%' OR (NOT CanHaveGuests = false)) AND Id NOT IN ('0F9000000000001AAA') "
        "ORDER BY Name DESC NULLS LAST LIMIT 10 OFFSET 5"
    )
    assert query.sobject == "CollaborationGroup" and query.alias == "g"
    assert query.select[:3] == (
        nodes.FieldRef(("Id",)),
        nodes.FieldRef(("Owner", "Username")),
        nodes.FunctionCall("COUNT", nodes.FieldRef(("Id",)), "n"),
    )
    assert query.select[3] == nodes.Subquery(nodes.Query((nodes.FieldRef(("MemberId",)),), "GroupMembers"))
    name_like = nodes.Comparison(nodes.FieldRef(("Name",)), "LIKE", nodes.StringValue("A\\_%", "A\\_%"))
    guests = nodes.Not(nodes.Comparison(nodes.FieldRef(("CanHaveGuests",)), "=", nodes.BooleanValue(False)))
    group_id = nodes.StringValue("0F9000000000001AAA", "0F9000000000001AAA")
    not_in = nodes.InList(nodes.FieldRef(("Id",)), (group_id,), True)
    assert query.where == nodes.And((nodes.Or((name_like, guests)), not_in))
    assert query.order_by == (nodes.OrderItem(nodes.FieldRef(("Name",)), True, False),)
    assert (query.limit, query.offset) == (10, 5)


def test_literals() -> None:
    where = parse(
        "SELECT Id FROM User WHERE a = 'x\\'y' AND b = 42 AND c = 2.5 AND d = TRUE AND e = null "
        "AND f = 2024-01-31 AND g = 2024-01-31T10:00:00+01:00 AND h = LAST_N_DAYS:30 AND i = today AND j <> 'k'"
    ).where
    assert isinstance(where, nodes.And)
    values = [c.value for c in where.operands if isinstance(c, nodes.Comparison)]
    assert values == [
        nodes.StringValue("x'y", "x'y"),
        nodes.NumberValue(42),
        nodes.NumberValue(2.5),
        nodes.BooleanValue(True),
        nodes.NullValue(),
        nodes.DateValue(dt.date(2024, 1, 31)),
        nodes.DateTimeValue(dt.datetime(2024, 1, 31, 9, 0, tzinfo=dt.UTC)),
        nodes.RelativeDate("LAST_N_DAYS", 30),
        nodes.RelativeDate("TODAY", None),
        nodes.StringValue("k", "k"),
    ]
    assert where.operands[-1].op == "!="  # '<>' reads as '!='


def test_string_escapes_and_like_patterns() -> None:
    def literal(text: str) -> nodes.StringValue:
        where = parse(f"SELECT Id FROM User WHERE Name = '{text}'").where
        assert isinstance(where, nodes.Comparison) and isinstance(where.value, nodes.StringValue)
        return where.value

    assert literal("a\\nb\\tc\\rd\\\\e\\\"f\\'g") == nodes.StringValue("a\nb\tc\rd\\e\"f'g", "a\nb\tc\rd\\\\e\"f'g")
    assert literal("\\N\\T\\u00E9") == nodes.StringValue("\n\té", "\n\té")
    assert literal("50\\%\\_x%_") == nodes.StringValue("50\\%\\_x%_", "50\\%\\_x%_")


def test_keywords_are_names_where_they_cannot_be_keywords() -> None:
    assert parse("SELECT Id FROM Order ORDER BY Id").sobject == "Order"
    assert parse("SELECT Id FROM Account Offset 5").offset == 5
    assert parse("SELECT Id FROM Account a LIMIT 5").alias == "a"


def test_parse_is_cached_per_text() -> None:
    soql = "SELECT Id FROM User WHERE Name = 'cached'"
    assert parse(soql) is parse(soql)
