"""What each SOQL feature returns on the fixture org, in Salesforce's JSON shape."""

from __future__ import annotations

import pytest

from reconciler.sandbox.ids import to18

from .fixture_org import Org


def url(sobject: str, record_id: str, version: str = "59.0") -> str:
    return f"/services/data/v{version}/sobjects/{sobject}/{record_id}"


def attrs(sobject: str, record_id: str) -> dict:
    return {"type": sobject, "url": url(sobject, record_id)}


# --- select lists and shapes ------------------------------------------------------------------------------------------


def test_fields_come_back_in_select_order_with_api_casing_and_attributes(org: Org) -> None:
    alice = org.ids["alice"]
    result = org.query(f"select username, id, isactive from user where id = '{alice}'")
    assert result.total_size == 1
    assert result.records == [
        {
            "attributes": attrs("User", org.ids["alice"]),
            "Username": "alice@acme.com",
            "Id": org.ids["alice"],
            "IsActive": True,
        }
    ]
    assert list(result.records[0]) == ["attributes", "Username", "Id", "IsActive"]


def test_json_types_follow_the_field_types(org: Org) -> None:
    record = org.query("SELECT Name, NumberOfEmployees, AnnualRevenue FROM Account WHERE Name = 'Acme'").records[0]
    assert record["NumberOfEmployees"] == 250 and isinstance(record["NumberOfEmployees"], int)
    assert record["AnnualRevenue"] == 1.5e6 and isinstance(record["AnnualRevenue"], float)
    group = org.query("SELECT CanHaveGuests FROM CollaborationGroup WHERE Name = 'Sales'").records[0]
    assert group["CanHaveGuests"] is False


def test_api_version_goes_into_the_urls(org: Org) -> None:
    record = org.query("SELECT Id FROM User WHERE Username = 'alice@acme.com'", api_version="52.0").records[0]
    assert record["attributes"]["url"] == url("User", org.ids["alice"], "52.0")


def test_parent_lookups_nest_with_their_own_attributes(org: Org) -> None:
    record = org.query(
        "SELECT Username, Profile.UserLicense.Name, Profile.Name, Manager.Username FROM User "
        "WHERE Username = 'bob@acme.com'"
    ).records[0]
    assert record == {
        "attributes": attrs("User", org.ids["bob"]),
        "Username": "bob@acme.com",
        "Profile": {
            "attributes": attrs("Profile", org.ids["p_admin"]),
            "UserLicense": {"attributes": attrs("UserLicense", org.ids["lic_sf"]), "Name": "Salesforce"},
            "Name": "System Administrator",
        },
        "Manager": {"attributes": attrs("User", org.ids["alice"]), "Username": "alice@acme.com"},
    }


def test_null_lookups_are_null_not_a_record_of_nulls(org: Org) -> None:
    records = {
        r["Username"]: r
        for r in org.query("SELECT Username, Profile.UserLicense.Name, Manager.Username FROM User").records
    }
    assert records["alice@acme.com"]["Manager"] is None
    assert records["erin_x@acme.com"]["Profile"] is None  # no profile at all
    orphan = records["dave@acme.com"]["Profile"]  # a profile without a licence: null one level down
    assert orphan == {"attributes": attrs("Profile", org.ids["p_orphan"]), "UserLicense": None}


def test_lookup_owner_of_groups(org: Org) -> None:
    records = org.query("SELECT Name, Owner.Username FROM CollaborationGroup ORDER BY Name").records
    assert [(r["Name"], r["Owner"]["Username"]) for r in records] == [
        ("Empty Room", "carol@acme.com"),
        ("Partners", "bob@acme.com"),
        ("Sales", "alice@acme.com"),
    ]


def test_three_level_lookup_through_a_child_object(org: Org) -> None:
    records = org.query(
        "SELECT CollaborationGroup.Owner.Username, Member.Username FROM CollaborationGroupMember "
        "WHERE CollaborationGroup.Name = 'Partners' ORDER BY Member.Username"
    ).records
    assert [(r["CollaborationGroup"]["Owner"]["Username"], r["Member"]["Username"]) for r in records] == [
        ("bob@acme.com", "bob@acme.com"),
        ("bob@acme.com", "dave@acme.com"),
    ]


def test_fields_may_be_qualified_by_the_object_name_or_its_alias(org: Org) -> None:
    by_alias = org.query("SELECT u.Username FROM User u WHERE u.Username = 'bob@acme.com'").records
    by_name = org.query("SELECT User.Username FROM User WHERE User.Username = 'bob@acme.com'").records
    assert by_alias == by_name and by_alias[0]["Username"] == "bob@acme.com"


def test_address_fields_come_back_as_one_object(org: Org) -> None:
    records = {r["LastName"]: r for r in org.query("SELECT LastName, MailingAddress FROM Contact").records}
    assert records["Cy"]["MailingAddress"] == {
        "city": "Lyon",
        "country": "France",
        "geocodeAccuracy": None,
        "latitude": None,
        "longitude": None,
        "postalCode": None,
        "state": None,
        "street": None,
    }
    assert records["Ann"]["MailingAddress"] is None


# --- child subqueries -------------------------------------------------------------------------------------------------


def test_parent_to_child_subquery(org: Org) -> None:
    records = org.query(
        "SELECT Name, (SELECT Member.Username, CollaborationRole FROM GroupMembers ORDER BY Member.Username) "
        "FROM CollaborationGroup ORDER BY Name"
    ).records
    by_name = {r["Name"]: r["GroupMembers"] for r in records}
    assert by_name["Empty Room"] is None  # no child: null, not an empty list
    sales = by_name["Sales"]
    assert (sales["totalSize"], sales["done"]) == (3, True)
    assert [(m["Member"]["Username"], m["CollaborationRole"]) for m in sales["records"]] == [
        ("alice@acme.com", "Admin"),
        ("bob@acme.com", "Standard"),
        ("carol@acme.com", "Standard"),
    ]
    assert sales["records"][0]["attributes"] == attrs("CollaborationGroupMember", org.ids["m1"])


def test_child_subquery_with_where_and_limit_per_parent(org: Org) -> None:
    records = org.query(
        "SELECT Name, (SELECT MemberId FROM GroupMembers WHERE CollaborationRole = 'Standard' "
        "ORDER BY Member.Username DESC LIMIT 1) FROM CollaborationGroup WHERE Name IN ('Sales', 'Partners') "
        "ORDER BY Name"
    ).records
    assert [(r["Name"], [m["MemberId"] for m in r["GroupMembers"]["records"]]) for r in records] == [
        ("Partners", [org.ids["dave"]]),
        ("Sales", [org.ids["carol"]]),
    ]


def test_child_subquery_leaves_out_soft_deleted_children(org: Org) -> None:
    soql = "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account WHERE Name = 'Acme'"
    record = org.query(soql).records[0]
    assert [c["LastName"] for c in record["Contacts"]["records"]] == ["Ann", "Ben"]
    with_deleted = org.query(soql, include_deleted=True).records[0]
    assert [c["LastName"] for c in with_deleted["Contacts"]["records"]] == ["Ann", "Ben", "Deleted"]


def test_child_subqueries_run_once_per_batch_of_parents_not_per_row(org: Org) -> None:
    statements: list[str] = []
    org.conn.set_trace_callback(statements.append)
    try:
        org.query("SELECT Id, (SELECT MemberId FROM GroupMembers) FROM CollaborationGroup")
    finally:
        org.conn.set_trace_callback(None)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2  # the groups, then the members of all of them at once


# --- counting and aggregates ------------------------------------------------------------------------------------------


def test_count_gives_only_a_total(org: Org) -> None:
    result = org.query("SELECT COUNT() FROM User WHERE IsActive = true")
    assert (result.total_size, result.records) == (4, [])


def test_count_respects_limit_and_offset(org: Org) -> None:
    assert org.query("SELECT COUNT() FROM User LIMIT 2").total_size == 2
    assert org.query("SELECT COUNT() FROM User LIMIT 10 OFFSET 3").total_size == 2


def test_count_of_a_field_is_an_aggregate_result(org: Org) -> None:
    result = org.query("SELECT COUNT(Id) FROM User")
    assert result.total_size == 1
    assert result.records == [{"attributes": {"type": "AggregateResult"}, "expr0": 5}]


def test_aggregates_with_and_without_aliases(org: Org) -> None:
    record = org.query(
        "SELECT COUNT(Department) d, COUNT(Id), COUNT_DISTINCT(ProfileId), MIN(CreatedDate), MAX(LastName) FROM User"
    ).records[0]
    assert record == {
        "attributes": {"type": "AggregateResult"},
        "d": 4,
        "expr0": 5,
        "expr1": 3,
        "expr2": "2025-12-31T12:00:00.000+0000",
        "expr3": "Zed",
    }


def test_sum_and_avg(org: Org) -> None:
    record = org.query("SELECT SUM(NumberOfEmployees) s, AVG(NumberOfEmployees) a FROM Account").records[0]
    assert (record["s"], record["a"]) == (260, 130.0)


# --- WHERE ------------------------------------------------------------------------------------------------------------


def users_where(org: Org, where: str) -> list[str]:
    """The fixture users matching a WHERE clause, by their short name (alice, bob, ...)."""
    records = org.query(f"SELECT Username FROM User WHERE {where} ORDER BY Username").records
    return [r["Username"].split("@")[0].removesuffix("_x") for r in records]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("LastName = 'SMITH'", ["bob", "carol"]),  # text equality ignores case
        ("LastName != 'smith'", ["alice", "dave", "erin"]),
        ("LastName <> 'smith'", ["alice", "dave", "erin"]),
        ("Department = 'sales'", ["alice", "carol"]),
        ("Department != 'Sales'", ["bob", "dave", "erin"]),  # null Department matches !=
        ("Department = null", ["bob"]),
        ("Department != null", ["alice", "carol", "dave", "erin"]),
        ("NOT Department = 'Sales'", ["bob", "dave", "erin"]),
        ("LastName < 'p'", ["alice", "dave"]),
        ("LastName >= 'SMITH'", ["bob", "carol", "erin"]),
        ("LastName LIKE 's%'", ["bob", "carol"]),
        ("LastName LIKE 'SM_TH'", ["bob", "carol"]),
        ("Username LIKE '%\\_x%'", ["erin"]),  # escaped underscore is literal
        ("Username LIKE 'b_b%'", ["bob"]),  # '_' matches any one character
        ("Department LIKE '100\\% %'", ["erin"]),
        ("LastName = 'O\\'Brien'", ["dave"]),
        ("LastName IN ('archer', 'ZED')", ["alice", "erin"]),
        ("LastName NOT IN ('archer', 'ZED')", ["bob", "carol", "dave"]),
        ("Department IN ('Ops', null)", ["bob", "dave"]),
        ("Department NOT IN ('Ops')", ["alice", "bob", "carol", "erin"]),
        ("IsActive = false", ["dave"]),
        ("IsActive != true", ["dave"]),
        ("IsActive = true AND LastName = 'smith'", ["bob", "carol"]),
        ("IsActive = false AND LastName = 'O\\'BRIEN'", ["dave"]),
        ("LastName = 'Zed' OR LastName = 'Archer' OR Department = 'Ops'", ["alice", "dave", "erin"]),
        ("IsActive = true AND (LastName = 'smith' OR Department = 'Sales')", ["alice", "bob", "carol"]),
        ("(IsActive = true AND Department = 'SALES') OR Department = 'Ops'", ["alice", "carol", "dave"]),
        ("NOT (LastName = 'smith' OR Department = 'Sales')", ["dave", "erin"]),
        ("NOT (Department = 'Sales' AND IsActive = true)", ["bob", "dave", "erin"]),
        ("Profile.Name = 'System Administrator'", ["alice", "bob"]),
        ("Profile.Name != 'System Administrator'", ["carol", "dave", "erin"]),  # erin has no profile
        ("Profile.UserLicense.Name = null", ["dave", "erin"]),
        ("Manager.Username = 'alice@acme.com'", ["bob", "carol"]),
        ("CreatedDate = TODAY", ["alice"]),
        ("CreatedDate = YESTERDAY", ["bob"]),
        ("CreatedDate > TODAY", ["erin"]),
        ("CreatedDate < TODAY", ["bob", "carol", "dave"]),
        ("CreatedDate >= YESTERDAY AND CreatedDate <= TODAY", ["alice", "bob"]),
        ("CreatedDate = LAST_N_DAYS:1", ["alice", "bob"]),
        ("CreatedDate = THIS_MONTH", ["alice", "bob", "carol", "erin"]),
        ("CreatedDate = LAST_YEAR", ["dave"]),
        ("CreatedDate != THIS_YEAR", ["dave"]),
        ("CreatedDate = THIS_WEEK", ["alice", "bob", "erin"]),
        ("CreatedDate > 2026-03-18T00:00:00Z", ["alice", "erin"]),
        ("CreatedDate > 2026-03-18T09:00:00+01:00", ["alice", "erin"]),  # 08:00 UTC
        ("CreatedDate = 2026-03-01T00:00:00.000+0000", ["carol"]),
    ],
)
def test_where(org: Org, where: str, expected: list[str]) -> None:
    assert users_where(org, where) == expected


def test_or_of_case_variants_on_an_indexed_text_field(org: Org) -> None:
    """SQLite would answer this from Account.Name's case-sensitive index if the collation sat on the values."""
    names = org.query("SELECT Name FROM Account WHERE Name = 'ACME' OR Name = 'acme' OR Name = 'GLOBEX'").records
    assert [r["Name"] for r in names] == ["Acme", "Globex"]


def test_id_literals_accept_15_or_18_characters_in_any_checksum_case(org: Org) -> None:
    alice = org.ids["alice"]
    for literal in (alice, alice[:15], alice[:15] + alice[15:].lower()):
        assert org.ids_of(f"SELECT Id FROM User WHERE Id = '{literal}'") == [alice]
        assert org.ids_of(f"SELECT Id FROM User WHERE ManagerId IN ('{literal}') ORDER BY Id") == sorted(
            [org.ids["bob"], org.ids["carol"]]
        )
    assert to18(alice[:15]) == alice


def test_ids_are_case_sensitive(org: Org) -> None:
    alice = org.ids["alice"]
    swapped = alice[:15].swapcase()
    assert org.ids_of(f"SELECT Id FROM User WHERE Id = '{swapped}'") == []


def test_semi_join_and_anti_join(org: Org) -> None:
    inviters = org.ids_of(
        "SELECT Id FROM User WHERE Id IN (SELECT AssigneeId FROM PermissionSetAssignment "
        "WHERE PermissionSet.Name = 'Invite_Customers')"
    )
    assert inviters == [org.ids["alice"]]
    not_in_groups = org.ids_of(
        "SELECT Id FROM User WHERE Id NOT IN (SELECT MemberId FROM CollaborationGroupMember) ORDER BY Id"
    )
    assert not_in_groups == [org.ids["erin"]]


def test_anti_join_keeps_rows_with_a_null_key(org: Org) -> None:
    users = org.query(
        "SELECT Username FROM User WHERE ManagerId NOT IN (SELECT Id FROM User WHERE LastName = 'Archer') "
        "ORDER BY Username"
    ).records
    assert [u["Username"] for u in users] == ["alice@acme.com", "dave@acme.com", "erin_x@acme.com"]


def test_date_fields_and_date_literals(org: Org) -> None:
    assert [r["LastName"] for r in org.query("SELECT LastName FROM Contact WHERE Birthdate = 1990-03-18").records] == [
        "Ann"
    ]
    assert [r["LastName"] for r in org.query("SELECT LastName FROM Contact WHERE Birthdate < TODAY").records] == ["Ann"]


def test_number_comparisons(org: Org) -> None:
    names = [r["Name"] for r in org.query("SELECT Name FROM Account WHERE NumberOfEmployees > 20.5").records]
    assert names == ["Acme"]


# --- soft delete ------------------------------------------------------------------------------------------------------


def test_soft_deleted_rows_only_with_include_deleted(org: Org) -> None:
    assert [r["Name"] for r in org.query("SELECT Name FROM Account ORDER BY Name").records] == ["Acme", "Globex"]
    everything = org.query("SELECT Name, IsDeleted FROM Account ORDER BY Name", include_deleted=True).records
    assert [(r["Name"], r["IsDeleted"]) for r in everything] == [
        ("Acme", False),
        ("Globex", False),
        ("Gone Corp", True),
    ]
    assert org.query("SELECT COUNT() FROM Contact").total_size == 3
    assert org.query("SELECT COUNT() FROM Contact", include_deleted=True).total_size == 4


# --- ORDER BY, LIMIT, OFFSET ------------------------------------------------------------------------------------------


def test_order_by_is_case_insensitive_with_nulls_first_by_default(org: Org) -> None:
    def order(clause: str) -> list[str | None]:
        return [r["Department"] for r in org.query(f"SELECT Department FROM User ORDER BY {clause}").records]

    assert order("Department") == [None, "100% Sales", "Ops", "Sales", "sales"]
    assert order("Department ASC NULLS LAST") == ["100% Sales", "Ops", "Sales", "sales", None]
    assert order("Department DESC") == [None, "Sales", "sales", "Ops", "100% Sales"]
    assert order("Department DESC NULLS LAST") == ["Sales", "sales", "Ops", "100% Sales", None]


def test_order_by_several_fields_and_parent_fields(org: Org) -> None:
    records = org.query("SELECT Username FROM User ORDER BY Profile.Name DESC NULLS LAST, LastName DESC").records
    assert [r["Username"] for r in records] == [
        "bob@acme.com",  # System Administrator: smith > Archer
        "alice@acme.com",
        "dave@acme.com",  # Orphan Profile
        "carol@acme.com",  # Chatter Free User
        "erin_x@acme.com",  # no profile
    ]


def test_picklists_sort_in_value_order(org: Org) -> None:
    soql = "SELECT CollaborationRole FROM CollaborationGroupMember ORDER BY CollaborationRole DESC"
    records = org.query(soql).records
    assert [r["CollaborationRole"] for r in records] == ["Standard", "Standard", "Standard", "Admin", "Admin"]


def test_limit_and_offset(org: Org) -> None:
    everyone = org.ids_of("SELECT Id FROM User ORDER BY Username")
    assert org.ids_of("SELECT Id FROM User ORDER BY Username LIMIT 2") == everyone[:2]
    assert org.ids_of("SELECT Id FROM User ORDER BY Username LIMIT 2 OFFSET 2") == everyone[2:4]
    assert org.ids_of("SELECT Id FROM User ORDER BY Username OFFSET 4") == everyone[4:]
    assert org.ids_of("SELECT Id FROM User ORDER BY Username LIMIT 0") == []
    assert org.query("SELECT Id FROM User LIMIT 2").total_size == 2
