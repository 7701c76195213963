"""The Metadata API through simple-salesforce's mdapi (zeep, bound to our session): ChatterSettings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import zeep.exceptions
from simple_salesforce import Salesforce

from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import AdminClient, connect


@pytest.fixture
def mdapi_sf(fresh: RunningSandbox) -> Iterator[Salesforce]:
    sf = connect(fresh.info)
    sf.mdapi._client.transport.session = sf.session  # zeep has its own session otherwise (clients.md §1.5)
    yield sf


def test_read_chatter_settings(mdapi_sf: Salesforce) -> None:
    settings = mdapi_sf.mdapi.ChatterSettings.read(["Chatter"])
    assert settings.fullName == "Chatter"
    assert settings.enableChatter is True
    assert settings.unlistedGroupsEnabled is True
    assert settings.enableInviteCsnUsers is False  # the demo org's "setting off"


def test_update_chatter_settings_and_read_back(mdapi_sf: Salesforce) -> None:
    settings = mdapi_sf.mdapi.ChatterSettings.read(["Chatter"])
    settings.enableInviteCsnUsers = True
    settings.enableFeedPinning = True
    mdapi_sf.mdapi.ChatterSettings.update([settings])
    again = mdapi_sf.mdapi.ChatterSettings.read(["Chatter"])
    assert (again.enableInviteCsnUsers, again.enableFeedPinning, again.enableChatter) == (True, True, True)


def test_update_built_from_scratch_changes_only_given_fields(mdapi_sf: Salesforce) -> None:
    mdapi_sf.mdapi.ChatterSettings.update([mdapi_sf.mdapi.ChatterSettings(fullName="Chatter",
                                                                           unlistedGroupsEnabled=False)])
    again = mdapi_sf.mdapi.ChatterSettings.read(["Chatter"])
    assert (again.unlistedGroupsEnabled, again.enableChatter) == (False, True)


def test_a_failed_component_is_reported_in_its_save_result(mdapi_sf: Salesforce) -> None:
    with pytest.raises(Exception, match="INVALID_CROSS_REFERENCE_KEY"):
        mdapi_sf.mdapi.ChatterSettings.update([mdapi_sf.mdapi.ChatterSettings(fullName="Elsewhere",
                                                                              enableChatter=False)])
    assert mdapi_sf.mdapi.ChatterSettings.read(["Chatter"]).enableChatter is True


def test_unsupported_types_and_operations_are_soap_faults(mdapi_sf: Salesforce) -> None:
    with pytest.raises(zeep.exceptions.Fault) as caught:
        mdapi_sf.mdapi.AccountSettings.read(["Account"])
    assert caught.value.code == "sf:INVALID_TYPE"
    with pytest.raises(zeep.exceptions.Fault) as caught:
        mdapi_sf.mdapi.ChatterSettings.delete(["Chatter"])
    assert caught.value.code == "sf:INVALID_OPERATION"


def test_a_bad_session_is_an_invalid_session_fault(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info, token="00D000000000000!nope")
    sf.mdapi._client.transport.session = sf.session
    with pytest.raises(zeep.exceptions.Fault) as caught:
        sf.mdapi.ChatterSettings.read(["Chatter"])
    assert caught.value.code == "sf:INVALID_SESSION_ID"
    assert caught.value.message.startswith("INVALID_SESSION_ID: Invalid Session ID found in SessionHeader")


def test_metadata_calls_count_against_the_allowance(fresh: RunningSandbox, mdapi_sf: Salesforce) -> None:
    admin = AdminClient(fresh.info)
    before = admin.call("GET", "/limits")["daily_api_requests"]["used"]
    mdapi_sf.mdapi.ChatterSettings.read(["Chatter"])
    assert admin.call("GET", "/limits")["daily_api_requests"]["used"] == before + 1


def test_describe_lists_unlisted_groups_only_while_they_are_enabled(mdapi_sf: Salesforce) -> None:
    def collaboration_types() -> list[str]:
        fields = {f["name"]: f for f in mdapi_sf.CollaborationGroup.describe()["fields"]}
        return [v["value"] for v in fields["CollaborationType"]["picklistValues"]]

    assert collaboration_types() == ["Public", "Private", "Unlisted"]  # the demo org has them on
    mdapi_sf.mdapi.ChatterSettings.update([mdapi_sf.mdapi.ChatterSettings(fullName="Chatter",
                                                                           unlistedGroupsEnabled=False)])
    assert collaboration_types() == ["Public", "Private"]
