"""What a role may see of the lineage graph, from ``grants.parquet`` (reference §7.2).

A role R sees lineage at all only with VIEW LINEAGE on the account (granted to PUBLIC by default
in current Snowflake, behaviour change 2025_01; ``public_view_lineage=False`` models an account
where it was revoked or not yet granted). It sees an object when R, or a role R inherits, holds
any privilege on the object and USAGE (or ownership) on its database and schema; RESOLVE ALL on
the account sees every object. Other objects stay in the answer, MASKED, and are not walked
through (Snowsight's grey nodes). https://docs.snowflake.com/en/user-guide/ui-snowsight-lineage
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from extractor.facts import dotted_name, quote_part
from extractor.grants import DOMAIN_KINDS

# Snowflake's system roles and how they nest; every role inherits PUBLIC.
# https://docs.snowflake.com/en/user-guide/security-access-control-overview#system-defined-roles
SYSTEM_HIERARCHY: dict[str, tuple[str, ...]] = {
    "ACCOUNTADMIN": ("SYSADMIN", "SECURITYADMIN"),
    "SECURITYADMIN": ("USERADMIN",),
    "ORGADMIN": (),
    "SYSADMIN": (),
    "USERADMIN": (),
}
ROLE_TYPES = frozenset({"ROLE", "DATABASE ROLE", "APPLICATION ROLE"})


class VisibilityError(Exception):
    """The role may not see lineage at all (Snowflake: 'Insufficient privileges to view data
    lineage')."""


def grants_open_at(
    rows: Iterable[Mapping[str, Any]], at: datetime | None
) -> list[Mapping[str, Any]]:
    """Grants in force at ``at`` (now, when None)."""

    def open_(row: Mapping[str, Any]) -> bool:
        if at is None:
            return row["revoked_at"] is None
        granted = row["granted_at"] is None or row["granted_at"] <= at
        return granted and (row["revoked_at"] is None or row["revoked_at"] > at)

    return [r for r in rows if open_(r)]


def inherited_roles(role: str, rows: Iterable[Mapping[str, Any]]) -> set[str]:
    """``role`` and every role granted to it, transitively, plus PUBLIC."""
    children: dict[str, set[str]] = {r: set(c) for r, c in SYSTEM_HIERARCHY.items()}
    for row in rows:
        if row["on_type"] in ROLE_TYPES and row["grantee_type"] in ROLE_TYPES:
            children.setdefault(row["grantee"], set()).add(row["on_name"])
    seen, stack = set(), [role]
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(children.get(current, ()))
    return seen | {"PUBLIC"}


@dataclass
class Visibility:
    role: str
    rows: list[Mapping[str, Any]]
    public_view_lineage: bool = True
    roles: set[str] = field(init=False)
    privileges: dict[tuple[str, str], set[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.roles = inherited_roles(self.role, self.rows)
        self.privileges = {}
        for row in self.rows:
            if row["grantee_type"] in ROLE_TYPES and row["grantee"] in self.roles:
                self.privileges.setdefault((row["on_type"], row["on_name"]), set()).add(
                    row["privilege"]
                )

    @classmethod
    def for_role(
        cls,
        role: str,
        grant_rows: Iterable[Mapping[str, Any]],
        at: datetime | None = None,
        public_view_lineage: bool = True,
    ) -> Visibility:
        return cls(
            role.upper() if not role.startswith('"') else role.strip('"'),
            grants_open_at(grant_rows, at),
            public_view_lineage,
        )

    def _account(self, privilege: str) -> bool:
        return privilege in self.privileges.get(("ACCOUNT", ""), set()) or (
            "ALL" in self.privileges.get(("ACCOUNT", ""), set())
        )

    def can_view_lineage(self) -> bool:
        if self.public_view_lineage or self.role == "ACCOUNTADMIN":
            return True
        return self._account("VIEW LINEAGE")

    def _holds(self, kinds: Iterable[str], name: str) -> bool:
        return any(self.privileges.get((kind, name)) for kind in kinds)

    def can_see(self, node: Any) -> bool:
        """Any privilege on the object, and USAGE (or more) on its database and schema."""
        if self._account("RESOLVE ALL"):
            return True
        domain = node.domain
        name = node.name
        if domain == "feature_view":
            name = f"{node.name}${node.version}"
        if domain == "database":
            return self._holds(("DATABASE",), quote_part(name))
        database = quote_part(node.database) if node.database else ""
        if domain == "schema":
            return self._holds(("SCHEMA",), dotted_name(node.database or "", "", name)) and (
                self._holds(("DATABASE",), database)
            )
        if not self._holds(
            DOMAIN_KINDS.get(domain, ()), dotted_name(node.database or "", node.schema or "", name)
        ):
            return False
        return self._holds(("DATABASE",), database) and self._holds(
            ("SCHEMA",), dotted_name(node.database or "", "", node.schema or "")
        )
