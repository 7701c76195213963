"""Salesforce error codes explained in plain language."""

from __future__ import annotations

from reconciler.apply.explain import explain
from reconciler.org.writes import RecordError


def test_validation_rule_names_the_object_and_the_rule_message() -> None:
    error = RecordError("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Users need a department")
    assert explain("User", error) == "a validation rule on User rejected it: Users need a department"


def test_licence_and_username() -> None:
    assert "Customer Community" in explain("User", RecordError("LICENSE_LIMIT_EXCEEDED",
                                                               "License Limit Exceeded - Customer Community"))
    assert explain("User", RecordError("LICENSE_LIMIT_EXCEEDED", "License Limit Exceeded")).startswith("no licence")
    assert explain("User", RecordError("DUPLICATE_USERNAME", "Duplicate Username.<br>...")).startswith(
        "this username is taken in another org")


def test_unknown_codes_fall_back_to_the_org_message() -> None:
    assert explain("User", RecordError("SOMETHING_NEW", "the org says no")) == "the org says no"
    assert "server error (503)" in explain("User", RecordError("HTTP_503", ""))
