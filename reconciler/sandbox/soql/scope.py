"""Name resolution for one FROM: field paths -> columns of the base table or of LEFT JOINed parent tables."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.schema import FieldSpec, ObjectSpec, Schema
from reconciler.sandbox.soql import nodes
from reconciler.sandbox.soql.errors import malformed, no_such_column, unknown_relationship

_POLYMORPHIC = assumed("soql-polymorphic")


@dataclass(frozen=True)
class Join:
    """One parent lookup: LEFT JOIN "<sobject>" AS <alias> ON <alias>."Id" = <parent_alias>."<via>"."""

    alias: str
    sobject: ObjectSpec
    via: FieldSpec  # the reference field on the parent side of the join (OwnerId)
    parent_alias: str
    path: tuple[str, ...]  # canonical relationship names from the base object: ("Profile", "UserLicense")

    def sql(self) -> str:
        return (
            f'LEFT JOIN "{self.sobject.name}" AS {self.alias} '
            f'ON {self.alias}."Id" = {self.parent_alias}."{self.via.name}"'
        )


@dataclass(frozen=True)
class Column:
    """A resolved field path."""

    spec: FieldSpec
    table_alias: str
    relationship_path: tuple[str, ...]  # () for a field of the base object
    owner: ObjectSpec  # the object the field belongs to

    @property
    def sql(self) -> str:
        return f'{self.table_alias}."{self.spec.name}"'

    @property
    def canonical(self) -> tuple[str, ...]:
        return (*self.relationship_path, self.spec.name)


class Scope:
    """The FROM object of one (sub)query and the parent joins its field paths need, in first-use order."""

    def __init__(self, schema: Schema, soql: str, sobject: ObjectSpec, alias: str | None, prefix: str) -> None:
        self.schema = schema
        self.soql = soql
        self.sobject = sobject
        self.alias = alias
        self.base = f"{prefix}0"
        self._prefix = prefix
        self._joins: dict[tuple[str, ...], Join] = {}

    @property
    def joins(self) -> list[Join]:
        return list(self._joins.values())

    def join_for(self, path: tuple[str, ...]) -> Join:
        return self._joins[tuple(p.lower() for p in path)]

    def _strip_qualifier(self, path: tuple[str, ...]) -> tuple[str, ...]:
        """Drop a leading FROM alias or object name ('a.Name', 'Account.Name' in FROM Account a)."""
        if len(path) < 2:
            return path
        head = path[0].lower()
        if self.alias is not None and head == self.alias.lower():
            return path[1:]
        if head == self.sobject.name.lower() and self.sobject.relationship(path[0]) is None:
            return path[1:]
        return path

    def _parent_object(self, spec: FieldSpec, ref: nodes.FieldRef) -> ObjectSpec:
        present = [self.schema.get(name) for name in spec.reference_to]
        targets = [obj for obj in present if obj is not None]
        if len(targets) == 1:
            return targets[0]
        if not targets:
            text = (
                f"Relationship '{spec.relationship_name}' leads to {', '.join(spec.reference_to) or 'no object'}, "
                "which the guestlist sandbox does not have"
            )
        else:
            text = f"Polymorphic relationship '{spec.relationship_name}' is not supported by the guestlist sandbox"
        raise malformed(self.soql, ref.pos, text)

    def resolve(self, ref: nodes.FieldRef) -> Column:
        """The column a field path names; INVALID_FIELD when a relationship or field does not exist."""
        path = self._strip_qualifier(ref.path)
        current, table = self.sobject, self.base
        canonical: tuple[str, ...] = ()
        for name in path[:-1]:
            reference = current.relationship(name)
            if reference is None:
                raise unknown_relationship(self.soql, ref.pos, name)
            canonical = (*canonical, reference.relationship_name or name)
            key = tuple(p.lower() for p in canonical)
            join = self._joins.get(key)
            if join is None:
                join = Join(
                    f"{self._prefix}{len(self._joins) + 1}",
                    self._parent_object(reference, ref),
                    reference,
                    table,
                    canonical,
                )
                self._joins[key] = join
            current, table = join.sobject, join.alias
        spec = current.field(path[-1])
        if spec is None:
            raise no_such_column(self.soql, ref.pos, path[-1], current.name)
        return Column(spec, table, canonical, current)

    def from_sql(self) -> str:
        parts = [f'"{self.sobject.name}" AS {self.base}']
        parts.extend(join.sql() for join in self._joins.values())
        return " ".join(parts)
