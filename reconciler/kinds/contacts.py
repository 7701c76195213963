"""Contacts: created for an external user whose account has no contact with their email."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reconciler.kinds.field import Field
from reconciler.kinds.kind import Kind, Phase
from reconciler.kinds.spec import KindSpec
from reconciler.model import Snapshot


def _records(snapshot: Snapshot) -> Iterator[tuple[str, Any, str]]:
    for contact in snapshot.contacts.values():
        yield contact.id, contact, f"contact {contact.email}"


CONTACT = KindSpec(
    Kind.CONTACT, "Contact", "Contacts", "contact", Phase.CONTACTS,
    fields=(Field("email", "Email"), Field("first_name", "FirstName", private="name"),
            Field("last_name", "LastName", private="name")),
    other_fields=(Field("account", "AccountId", in_config=False),),
    records=_records,
)
