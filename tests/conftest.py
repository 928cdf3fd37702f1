"""Shared helpers: facts and graphs written as short strings, so tests read like tables."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def short(obj) -> str:
    """``table:DB.S.T`` style name of an ObjectName (RELATION written as ``rel``)."""
    from extractor.facts import format_node_id

    domain = "rel" if obj.domain == "relation" else obj.domain
    return format_node_id(domain, obj.database, obj.schema, obj.name, obj.version)


def lineage_strings(facts) -> set[str]:
    """Lineage facts as ``source -> target (edge_type)`` strings; clones as ``… (clone)``."""
    from extractor import facts as f

    out: set[str] = set()
    for fact in facts:
        if isinstance(fact, f.Lineage):
            if not fact.sources:
                out.add(f"-> {short(fact.target)} ({fact.edge_type})")
            out.update(
                f"{short(s)} -> {short(fact.target)} ({fact.edge_type})" for s in fact.sources
            )
        elif isinstance(fact, f.CloneObject):
            out.add(f"{short(fact.source)} -> {short(fact.target)} (clone)")
    return out


@pytest.fixture
def contract_check():
    """tools/check_contract.py from shared/, as a function returning its problems."""
    sys.path.insert(0, str(SHARED / "tools"))
    try:
        import check_contract
    finally:
        sys.path.pop(0)
    return lambda out: check_contract.check(Path(out))
