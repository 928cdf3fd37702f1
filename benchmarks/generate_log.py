#!/usr/bin/env python3
"""Generate a realistic, seeded Snowflake ``SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY`` log.

Why: mlineage's cost grows with *distinct* statements, and real logs repeat scheduled statements
thousands of times with only their literals changed. A benchmark on hand-written fixtures says
nothing about that, and real logs cannot be shipped. This script writes logs of any size that
look like an account's history: a warehouse of a few databases and hundreds of tables, hundreds
of statement templates over them (dashboards, dbt-style CTAS, INSERT…SELECT, MERGE, UPDATE…FROM,
COPY INTO and unloads, views, dynamic tables and feature views, clones, renames, grants, Snowflake
ML datasets, models and ``!PREDICT``), connector noise (USE/SHOW/DESCRIBE/ALTER SESSION), ~3%
failed rows, and a few 50–200 KB statements (long IN lists, many UNION ALL branches, wide
column lists).

About 80% of rows come from scheduled templates whose text only changes with the day's date
literals, so they repeat; ad-hoc rows mostly get fresh literals. ``--distinct-ratio R`` instead
gives every row a fresh (never repeated) literal with probability R, for tests that need mostly
distinct statements.

The same arguments always give the same bytes: one ``random.Random(seed)`` drives everything and
no clock or environment is read. Rows are written in chunks, so memory stays flat whatever
``--rows`` is.

Usage::

    python benchmarks/generate_log.py --rows 1000000 --seed 1 --format csv --out /tmp/qh.csv
    python benchmarks/generate_log.py --rows 100000 --format parquet --gzip --out /tmp/qh.parquet.gz
"""

from __future__ import annotations

import argparse
import bisect
import csv
import gzip
import io
import json
import random
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

COLUMNS: tuple[str, ...] = (
    "QUERY_ID",
    "QUERY_TEXT",
    "DATABASE_NAME",
    "SCHEMA_NAME",
    "QUERY_TYPE",
    "SESSION_ID",
    "USER_NAME",
    "ROLE_NAME",
    "WAREHOUSE_NAME",
    "EXECUTION_STATUS",
    "ERROR_CODE",
    "ERROR_MESSAGE",
    "START_TIME",
    "END_TIME",
)

DAY_MS = 86_400_000
# The account's session time zone, as Snowsight prints it in CSV downloads (fixed offset: the
# exact zone does not matter to a reader, only that the offset is written).
UTC_OFFSET = timedelta(hours=-8)
OFFSET_TEXT = "-0800"
OFFSET_ISO = "-08:00"
DEFAULT_START = date(2026, 3, 2)
FAIL_RATE = 0.03
CHUNK_ROWS = 4096
# Odd multiplier: i -> i * M mod 2**48 is a bijection, so query ids never collide.
_ID_MULTIPLIER = 0x5DEECE66D1
_MASK48 = (1 << 48) - 1


# --------------------------------------------------------------------------------------------
# The warehouse being queried


@dataclass(frozen=True)
class Entity:
    """A business entity; each has one table per layer (raw, staging, marts, …)."""

    plural: str
    key: str
    source: str
    is_dim: bool
    fks: tuple[str, ...] = ()
    attrs: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()

    @property
    def lower(self) -> str:
        return self.plural.lower()

    @property
    def raw(self) -> str:
        return f"RAW.{self.source}.{self.plural}"

    @property
    def stg(self) -> str:
        return f"ANALYTICS.STAGING.STG_{self.source}__{self.plural}"

    @property
    def mart_name(self) -> str:
        return f"{'DIM' if self.is_dim else 'FCT'}_{self.plural}"

    @property
    def mart(self) -> str:
        return f"ANALYTICS.MARTS.{self.mart_name}"

    def intermediate(self, suffix: str) -> str:
        return f"ANALYTICS.INTERMEDIATE.INT_{self.plural}_{suffix}"

    def agg(self, grain: str) -> str:
        return f"ANALYTICS.REPORTING.AGG_{self.plural}_{grain}"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.key, *self.fks, "EVENT_DATE", *self.attrs, *self.measures, "UPDATED_AT")


# (plural, key column, source system, is a dimension)
_ENTITY_SPECS: tuple[tuple[str, str, str, bool], ...] = (
    ("CUSTOMERS", "CUSTOMER_ID", "CRM", True),
    ("PRODUCTS", "PRODUCT_ID", "ERP", True),
    ("STORES", "STORE_ID", "ERP", True),
    ("CAMPAIGNS", "CAMPAIGN_ID", "ADS", True),
    ("ACCOUNTS", "ACCOUNT_ID", "CRM", True),
    ("SUPPLIERS", "SUPPLIER_ID", "ERP", True),
    ("REGIONS", "REGION_ID", "ERP", True),
    ("CATEGORIES", "CATEGORY_ID", "ERP", True),
    ("BRANDS", "BRAND_ID", "ERP", True),
    ("EMPLOYEES", "EMPLOYEE_ID", "HR", True),
    ("DEVICES", "DEVICE_ID", "WEB", True),
    ("PROMOTIONS", "PROMOTION_ID", "ADS", True),
    ("COUPONS", "COUPON_ID", "ADS", True),
    ("CONTRACTS", "CONTRACT_ID", "CRM", True),
    ("ORDERS", "ORDER_ID", "OMS", False),
    ("ORDER_ITEMS", "ORDER_ITEM_ID", "OMS", False),
    ("PAYMENTS", "PAYMENT_ID", "PAY", False),
    ("REFUNDS", "REFUND_ID", "PAY", False),
    ("SHIPMENTS", "SHIPMENT_ID", "OMS", False),
    ("RETURNS", "RETURN_ID", "OMS", False),
    ("INVENTORY_SNAPSHOTS", "SNAPSHOT_ID", "ERP", False),
    ("WEB_SESSIONS", "WEB_SESSION_ID", "WEB", False),
    ("PAGE_VIEWS", "PAGE_VIEW_ID", "WEB", False),
    ("APP_EVENTS", "APP_EVENT_ID", "WEB", False),
    ("AD_SPEND", "AD_SPEND_ID", "ADS", False),
    ("LEADS", "LEAD_ID", "CRM", False),
    ("SUBSCRIPTIONS", "SUBSCRIPTION_ID", "PAY", False),
    ("INVOICES", "INVOICE_ID", "PAY", False),
    ("LEDGER_ENTRIES", "LEDGER_ENTRY_ID", "ERP", False),
    ("SUPPORT_TICKETS", "TICKET_ID", "SUPPORT", False),
    ("REVIEWS", "REVIEW_ID", "WEB", False),
    ("CARTS", "CART_ID", "WEB", False),
    ("EMAIL_SENDS", "EMAIL_SEND_ID", "ADS", False),
    ("CLICKS", "CLICK_ID", "ADS", False),
    ("IMPRESSIONS", "IMPRESSION_ID", "ADS", False),
    ("FX_RATES", "FX_RATE_ID", "ERP", False),
    ("PRICE_CHANGES", "PRICE_CHANGE_ID", "ERP", False),
    ("WAREHOUSE_TRANSFERS", "TRANSFER_ID", "ERP", False),
    ("OPPORTUNITIES", "OPPORTUNITY_ID", "CRM", False),
    ("USAGE_EVENTS", "USAGE_EVENT_ID", "WEB", False),
)
_ATTRS = (
    "STATUS",
    "CHANNEL",
    "COUNTRY",
    "SEGMENT",
    "CATEGORY_NAME",
    "DEVICE_TYPE",
    "CURRENCY",
    "PLAN_TIER",
    "SOURCE_SYSTEM",
    "REGION_NAME",
    "BRAND_NAME",
    "PAYMENT_METHOD",
)
_MEASURES = (
    "AMOUNT_USD",
    "QUANTITY",
    "UNIT_PRICE",
    "DISCOUNT_USD",
    "COST_USD",
    "REVENUE_USD",
    "DURATION_S",
    "SCORE",
    "TAX_USD",
    "MARGIN_USD",
    "CLICK_COUNT",
    "IMPRESSION_COUNT",
)
_COUNTRIES = ("US", "CA", "GB", "DE", "FR", "JP", "AU", "BR", "IN", "MX")
_LAGS = ("1 minute", "5 minutes", "1 hour", "1 day", "DOWNSTREAM")


@dataclass(frozen=True)
class Actor:
    """Who runs a family of statements: service users for schedules, people for ad-hoc work."""

    user: str
    role: str
    warehouse: str
    index: int


@dataclass
class Model:
    """The account: entities and everything built from them, fixed for a seed."""

    entities: list[Entity]
    dims: list[Entity]
    facts: list[Entity]
    by_key: dict[str, Entity]
    actors: dict[str, list[Actor]]
    feature_views: list[tuple[str, Entity]] = field(default_factory=list)
    datasets: list[tuple[str, list[str]]] = field(default_factory=list)
    models: list[tuple[str, str, Entity]] = field(default_factory=list)


def build_model(rng: random.Random) -> Model:
    """Entities with seeded foreign keys, attributes and measures, plus the ML artifacts."""
    dim_keys = [key for _, key, _, is_dim in _ENTITY_SPECS if is_dim]
    entities: list[Entity] = []
    for plural, key, source, is_dim in _ENTITY_SPECS:
        candidates = [k for k in dim_keys if k != key]
        fks = tuple(rng.sample(candidates, rng.randint(1, 2) if is_dim else rng.randint(2, 4)))
        attrs = tuple(rng.sample(_ATTRS, 3))
        measures = tuple(rng.sample(_MEASURES, 3))
        entities.append(Entity(plural, key, source, is_dim, fks, attrs, measures))
    dims = [e for e in entities if e.is_dim]
    facts = [e for e in entities if not e.is_dim]
    by_key = {e.key: e for e in entities}

    names = [
        "ALICE_K",
        "BOB_M",
        "CARLA_S",
        "DEV_P",
        "ERIN_W",
        "FARID_H",
        "GRACE_L",
        "HUGO_B",
        "IRIS_N",
        "JONAS_T",
        "KEMAL_O",
        "LENA_V",
    ]
    counter = iter(range(1000))

    def actor(user: str, role: str, wh: str) -> Actor:
        return Actor(user, role, wh, next(counter))

    actors = {
        "bi": [actor("LOOKER_SVC", "REPORTER", "BI_WH"), actor("TABLEAU_SVC", "REPORTER", "BI_WH")],
        "dbt": [actor("DBT_SVC", "TRANSFORMER", "TRANSFORM_WH")],
        "airflow": [actor("AIRFLOW_SVC", "TRANSFORMER", "TRANSFORM_WH")],
        "loader": [actor("FIVETRAN_SVC", "LOADER", "LOAD_WH")],
        "ml": [actor("ML_PIPELINE_SVC", "ML_ENGINEER", "ML_WH")],
        "analyst": [actor(n, "ANALYST", "ADHOC_WH") for n in names],
        "admin": [
            actor("PLATFORM_ADMIN", "SYSADMIN", "ADMIN_WH"),
            actor("SEC_ADMIN", "SECURITYADMIN", "ADMIN_WH"),
        ],
    }
    model = Model(entities, dims, facts, by_key, actors)
    for dim in rng.sample(dims, 6):
        model.feature_views.append(
            (
                f"{dim.plural[:-1] if dim.plural.endswith('S') else dim.plural}"
                f"_FEATURES$V{rng.randint(1, 3)}",
                dim,
            )
        )
    for purpose in ("CHURN", "LTV", "FRAUD", "DEMAND"):
        fvs = [name for name, _ in rng.sample(model.feature_views, 2)]
        model.datasets.append((f"ML.DATASETS.{purpose}_TRAINING", fvs))
        fv_name, fv_dim = model.feature_views[len(model.models) % len(model.feature_views)]
        model.models.append((f"ML.MODELS.{purpose}_MODEL", fv_name, fv_dim))
    return model


# --------------------------------------------------------------------------------------------
# Statement templates


@dataclass
class Template:
    """One statement shape bound to concrete objects. ``fmt`` is a ``str.format`` pattern whose
    fields are the day's dates (``{d}``, ``{d1}``, ``{d7}``, ``{d30}``, ``{dn}``, ``{dm}``) and one
    variable literal ``{v}`` (an id, a limit, a watermark, a version…) of kind ``vkind``.

    Scheduled templates draw ``{v}`` from a small ``domain`` so their text repeats; a "fresh" row
    (probability ``p_unique``, or ``--distinct-ratio``) gets a never-seen value instead. Where
    ``{v}`` is part of an object's name (vkind ``name``: clones, sandbox tables, model versions)
    ``--distinct-ratio`` does not apply, so that the account's set of objects stays the size of
    an account and not of the log. ``weight`` scales the template's share within its family."""

    family: str
    query_type: str
    fmt: str
    database: str
    schema: str
    actor_group: str
    vkind: str = "none"
    domain: tuple[str, ...] = ("",)
    p_unique: float = 0.02
    main_object: str = ""
    duration_ms: int = 2000
    weight: float = 1.0


def _q(fqn: str) -> str:
    """Quote the last part of a name when it is not a plain upper-case identifier ($ is fine
    unquoted in Snowflake, but feature-view names are quoted by the ML library)."""
    db, schema, name = fqn.split(".", 2)
    return f'{db}.{schema}."{name}"' if "$" in name else fqn


def _alias(e: Entity) -> str:
    return "".join(part[0] for part in e.plural.split("_")).lower()


def _join_dim(model: Model, e: Entity, rng: random.Random) -> tuple[Entity, str]:
    dim = model.by_key[rng.choice(e.fks)]
    return dim, dim.key


def dashboards(model: Model, rng: random.Random) -> Iterator[Template]:
    """BI dashboards: joins of facts and dimensions over the last days, grouped, limited."""
    for e in model.facts:
        for variant in range(3):
            dim, fk = _join_dim(model, e, rng)
            attr = rng.choice(dim.attrs)
            m1, m2 = rng.sample(e.measures, 2)
            if variant == 0:
                fmt = (
                    f"SELECT d.{attr} AS {attr.lower()},\n"
                    f"       DATE_TRUNC('day', f.EVENT_DATE) AS day,\n"
                    f"       COUNT(DISTINCT f.{e.key}) AS {e.lower}_count,\n"
                    f"       SUM(f.{m1}) AS total_{m1.lower()},\n"
                    f"       AVG(f.{m2}) AS avg_{m2.lower()}\n"
                    f"FROM {e.mart} f\n"
                    f"JOIN {dim.mart} d ON d.{fk} = f.{fk}\n"
                    f"WHERE f.EVENT_DATE >= '{{d7}}' AND f.EVENT_DATE < '{{d}}'\n"
                    f"GROUP BY 1, 2\nORDER BY 2 DESC, 4 DESC\nLIMIT {{v}}"
                )
                yield Template(
                    "dashboard",
                    "SELECT",
                    fmt,
                    "ANALYTICS",
                    "REPORTING",
                    "bi",
                    "limit",
                    (str(rng.choice((100, 500, 1000, 5000))),),
                    0.03,
                    e.mart,
                    3000,
                )
            elif variant == 1:
                dim2, fk2 = _join_dim(model, e, rng)
                country = rng.choice(_COUNTRIES)
                fmt = (
                    f'-- Looker Query Context \'{{{{"user_id":{rng.randint(2, 400)},'
                    f'"history_slug":"{rng.getrandbits(40):010x}","instance_slug":"acme"}}}}\'\n'
                    f'SELECT\n    "{_alias(dim)}"."{attr}" AS "{_alias(dim)}.{attr.lower()}",\n'
                    f'    COALESCE(SUM("{_alias(e)}"."{m1}"), 0)'
                    f' AS "{_alias(e)}.total_{m1.lower()}"\n'
                    f'FROM {e.mart.replace("ANALYTICS.", "")} AS "{_alias(e)}"\n'
                    f'LEFT JOIN {dim.mart.replace("ANALYTICS.", "")} AS "{_alias(dim)}" '
                    f'ON "{_alias(e)}"."{fk}" = "{_alias(dim)}"."{fk}"\n'
                    f'LEFT JOIN {dim2.mart.replace("ANALYTICS.", "")} AS "{_alias(dim2)}_2" '
                    f'ON "{_alias(e)}"."{fk2}" = "{_alias(dim2)}_2"."{fk2}"\n'
                    f'WHERE ("{_alias(e)}"."EVENT_DATE") >= (TO_DATE(\'{{d30}}\'))\n'
                    f'  AND "{_alias(dim2)}_2"."{dim2.key}" = {{v}}\n'
                    f'  AND "{_alias(e)}"."{e.attrs[0]}" <> \'{country}\'\n'
                    f"GROUP BY 1\nORDER BY 2 DESC\nFETCH NEXT 500 ROWS ONLY"
                )
                domain = tuple(str(rng.randint(1, 5000)) for _ in range(rng.randint(1, 4)))
                yield Template(
                    "dashboard",
                    "SELECT",
                    fmt,
                    "ANALYTICS",
                    "MARTS",
                    "bi",
                    "id",
                    domain,
                    0.03,
                    e.mart,
                    4000,
                )
            else:
                fmt = (
                    f"SELECT v.{attr}, COUNT(*) AS n, SUM(v.total_{m1.lower()}) AS total\n"
                    f"FROM ANALYTICS.REPORTING.V_{e.plural}_SUMMARY v\n"
                    f"WHERE v.day BETWEEN '{{d30}}' AND '{{d1}}'\n"
                    f"GROUP BY v.{attr}\nHAVING COUNT(*) > {{v}}\nORDER BY total DESC"
                )
                yield Template(
                    "dashboard",
                    "SELECT",
                    fmt,
                    "ANALYTICS",
                    "REPORTING",
                    "bi",
                    "limit",
                    (str(rng.choice((0, 1, 10))),),
                    0.03,
                    f"ANALYTICS.REPORTING.V_{e.plural}_SUMMARY",
                    2500,
                )


def cte_windows(model: Model, rng: random.Random) -> Iterator[Template]:
    """Analytical queries: several CTEs, joins and window functions (ranking, running sums, LAG)."""
    for e in model.facts:
        dim, fk = _join_dim(model, e, rng)
        m = rng.choice(e.measures)
        attr = rng.choice(dim.attrs)
        fmt = (
            f"WITH base AS (\n"
            f"    SELECT s.{e.key}, s.{fk}, s.EVENT_DATE, s.{m}, s.UPDATED_AT\n"
            f"    FROM {e.stg} s\n"
            f"    WHERE s.EVENT_DATE >= '{{d30}}'\n"
            f"), ranked AS (\n"
            f"    SELECT b.*,\n"
            f"           ROW_NUMBER() OVER (PARTITION BY b.{fk}\n"
            f"                              ORDER BY b.UPDATED_AT DESC) AS rn,\n"
            f"           SUM(b.{m}) OVER (PARTITION BY b.{fk} ORDER BY b.EVENT_DATE\n"
            f"                            ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)"
            f" AS {m.lower()}_7d,\n"
            f"           LAG(b.{m}) OVER (PARTITION BY b.{fk} ORDER BY b.EVENT_DATE)"
            f" AS prev_{m.lower()}\n"
            f"    FROM base b\n"
            f"), enriched AS (\n"
            f"    SELECT r.*, d.{attr}\n"
            f"    FROM ranked r\n"
            f"    LEFT JOIN {dim.mart} d ON d.{fk} = r.{fk}\n"
            f")\n"
            f"SELECT {attr}, COUNT(*) AS n, AVG({m.lower()}_7d) AS avg_{m.lower()}_7d,\n"
            f"       PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY {m}) AS p90\n"
            f"FROM enriched\nWHERE rn <= {{v}}\nGROUP BY {attr}\nORDER BY n DESC"
        )
        yield Template(
            "cte_window",
            "SELECT",
            fmt,
            "ANALYTICS",
            "STAGING",
            "bi",
            "limit",
            (str(rng.choice((1, 3, 10))),),
            0.03,
            e.stg,
            8000,
        )
        fmt2 = (
            f"with daily as (\n"
            f"  select event_date, {fk.lower()}, sum({m.lower()}) as total\n"
            f"  from {e.mart.lower()}\n"
            f"  where event_date between '{{d30}}' and '{{d}}'\n"
            f"  group by 1, 2\n"
            f")\n"
            f"select event_date, {fk.lower()}, total,\n"
            f"       rank() over (partition by event_date order by total desc) as day_rank\n"
            f"from daily\n"
            f"qualify day_rank <= {{v}}"
        )
        yield Template(
            "cte_window",
            "SELECT",
            fmt2,
            "ANALYTICS",
            "MARTS",
            "bi",
            "limit",
            (str(rng.choice((5, 10, 20))),),
            0.03,
            e.mart,
            5000,
        )


def _dbt_header(node: str) -> str:
    """dbt prefixes every statement with a JSON comment naming the node (braces doubled for
    str.format)."""
    return (
        '/* {{"app": "dbt", "dbt_version": "1.8.3", "profile_name": "analytics", '
        f'"target_name": "prod", "node_id": "model.analytics.{node}"}}}} */\n'
    )


def transforms(model: Model, rng: random.Random) -> Iterator[Template]:
    """The nightly pipeline: dbt CTAS, INSERT…SELECT into aggregates, MERGE, UPDATE…FROM, DELETE."""
    for e in model.entities:
        cols = ", ".join(e.columns)
        # staging model (dbt, transient CTAS)
        node = f"stg_{e.source.lower()}__{e.lower}"
        fmt = (
            _dbt_header(node) + f"create or replace transient table {e.stg.lower()}\n  as\n  (\n"
            f"with source as (\n    select * from {e.raw.lower()}\n),\n"
            f"renamed as (\n    select\n"
            + "".join(f"        {c.lower()},\n" for c in e.columns[:-1])
            + "        _loaded_at as updated_at\n    from source\n"
            "    where _loaded_at >= '{v}'\n)\nselect * from renamed\n  );"
        )
        yield Template(
            "ctas",
            "CREATE_TABLE_AS_SELECT",
            fmt,
            "ANALYTICS",
            "STAGING",
            "dbt",
            "ts",
            ("{d7} 00:00:00",),
            0.02,
            e.stg,
            20000,
        )
        # intermediate models
        dim, fk = _join_dim(model, e, rng)
        fmt = (
            _dbt_header(f"int_{e.lower}_enriched")
            + f"create or replace transient table {e.intermediate('ENRICHED').lower()} as (\n"
            f"    select s.*, d.{dim.attrs[0].lower()} as {dim.lower}_{dim.attrs[0].lower()}\n"
            f"    from {e.stg.lower()} s\n"
            f"    left join {dim.stg.lower()} d on d.{fk.lower()} = s.{fk.lower()}\n"
            f"    where s.event_date >= '{{d30}}' and s.{e.measures[0].lower()} > {{v}}\n);"
        )
        yield Template(
            "ctas",
            "CREATE_TABLE_AS_SELECT",
            fmt,
            "ANALYTICS",
            "INTERMEDIATE",
            "dbt",
            "id",
            ("0",),
            0.02,
            e.intermediate("ENRICHED"),
            30000,
        )
        fmt = (
            f"CREATE OR REPLACE TABLE {e.intermediate('DEDUPED')} AS\n"
            f"SELECT *\nFROM {e.intermediate('ENRICHED')}\n"
            f"WHERE EVENT_DATE >= '{{d7}}'\n"
            f"QUALIFY ROW_NUMBER() OVER (PARTITION BY {e.key} ORDER BY UPDATED_AT DESC) = {{v}}"
        )
        yield Template(
            "ctas",
            "CREATE_TABLE_AS_SELECT",
            fmt,
            "ANALYTICS",
            "INTERMEDIATE",
            "airflow",
            "limit",
            ("1",),
            0.02,
            e.intermediate("DEDUPED"),
            25000,
        )
        if e.is_dim:
            # SCD-1 merge of the dimension
            updates = ", ".join(f"{c} = src.{c}" for c in (*e.attrs, "UPDATED_AT"))
            fmt = (
                f"MERGE INTO {e.mart} tgt\nUSING (\n"
                f"    SELECT {cols}\n    FROM {e.intermediate('DEDUPED')}\n"
                f"    WHERE UPDATED_AT >= '{{v}}'\n) src\n"
                f"ON tgt.{e.key} = src.{e.key}\n"
                f"WHEN MATCHED AND src.UPDATED_AT > tgt.UPDATED_AT THEN UPDATE SET {updates}\n"
                f"WHEN NOT MATCHED THEN INSERT ({cols})\n"
                f"VALUES ({', '.join('src.' + c for c in e.columns)})"
            )
            yield Template(
                "merge",
                "MERGE",
                fmt,
                "ANALYTICS",
                "MARTS",
                "dbt",
                "ts",
                ("{d1} 00:00:00",),
                0.02,
                e.mart,
                40000,
            )
        else:
            fmt = (
                f"INSERT INTO {e.mart} ({cols})\n"
                f"SELECT {', '.join('i.' + c for c in e.columns)}\n"
                f"FROM {e.intermediate('DEDUPED')} i\n"
                f"WHERE i.EVENT_DATE = '{{d1}}' AND i.{e.key} > {{v}}"
            )
            yield Template(
                "insert",
                "INSERT",
                fmt,
                "ANALYTICS",
                "MARTS",
                "airflow",
                "id",
                ("0",),
                0.02,
                e.mart,
                30000,
            )
            update_dim, ufk = _join_dim(model, e, rng)
            attr = e.attrs[0]
            fmt = (
                f"UPDATE {e.mart} f\nSET {attr} = d.{update_dim.attrs[0]}, UPDATED_AT = "
                f"CURRENT_TIMESTAMP()\nFROM {update_dim.mart} d\n"
                f"WHERE f.{ufk} = d.{ufk} AND d.UPDATED_AT >= '{{v}}'"
            )
            yield Template(
                "update",
                "UPDATE",
                fmt,
                "ANALYTICS",
                "MARTS",
                "airflow",
                "ts",
                ("{d1} 00:00:00",),
                0.02,
                e.mart,
                30000,
            )
            fmt = f"DELETE FROM {e.mart} WHERE EVENT_DATE < DATEADD(day, -{{v}}, '{{d}}'::DATE)"
            yield Template(
                "delete",
                "DELETE",
                fmt,
                "ANALYTICS",
                "MARTS",
                "airflow",
                "limit",
                (str(rng.choice((365, 730, 1095))),),
                0.02,
                e.mart,
                8000,
            )
        for grain, trunc in (("DAILY", "day"), ("WEEKLY", "week")):
            dim, fk = _join_dim(model, e, rng)
            attr = rng.choice(dim.attrs)
            sums = ", ".join(f"SUM(f.{m}) AS {m}" for m in e.measures)
            fmt = (
                f"INSERT INTO {e.agg(grain)} (PERIOD, {attr}, ROW_COUNT, {', '.join(e.measures)})\n"
                f"SELECT DATE_TRUNC('{trunc}', f.EVENT_DATE) AS PERIOD, d.{attr}, COUNT(*),"
                f" {sums}\n"
                f"FROM {e.mart} f\nJOIN {dim.mart} d ON d.{fk} = f.{fk}\n"
                f"WHERE f.EVENT_DATE = '{{d1}}' AND f.{e.measures[0]} >= {{v}}\nGROUP BY 1, 2"
            )
            yield Template(
                "insert",
                "INSERT",
                fmt,
                "ANALYTICS",
                "REPORTING",
                "dbt",
                "id",
                ("0",),
                0.02,
                e.agg(grain),
                15000,
            )
        if rng.random() < 0.25:
            # multi-table insert, as ELT tools write it
            fmt = (
                f"INSERT ALL\n"
                f"  WHEN {e.measures[0]} > {{v}} THEN INTO {e.agg('LARGE')}\n"
                f"  ELSE INTO {e.agg('SMALL')}\n"
                f"SELECT {cols} FROM {e.stg} WHERE EVENT_DATE = '{{d1}}'"
            )
            yield Template(
                "insert",
                "MULTI_TABLE_INSERT",
                fmt,
                "ANALYTICS",
                "REPORTING",
                "airflow",
                "id",
                ("1000",),
                0.02,
                e.stg,
                12000,
            )


def loads(model: Model, rng: random.Random) -> Iterator[Template]:
    """COPY INTO from the landing stages, and unloads to partner and user stages."""
    for e in model.entities:
        stage = f"RAW.{e.source}.{e.source}_LANDING"
        if rng.random() < 0.7:
            fmt = (
                f"COPY INTO {e.raw}\nFROM @{stage}/{e.lower}/{{dn}}/\n"
                f"FILE_FORMAT = (FORMAT_NAME = 'RAW.{e.source}.CSV_GZ')\n"
                f"PATTERN = '.*{e.lower}_[0-9]+[.]csv[.]gz'\nON_ERROR = 'CONTINUE'\n"
                f"SIZE_LIMIT = {{v}}"
            )
            domain = (str(rng.choice((100000000, 500000000, 1000000000))),)
        else:
            casts = ",\n       ".join(f"$1:{c.lower()}::VARCHAR" for c in e.columns[:6])
            fmt = (
                f"COPY INTO {e.raw} ({', '.join(e.columns[:6])})\n"
                f"FROM (\n SELECT {casts}\n FROM @{stage}/{e.lower}/json/{{dn}}/\n)\n"
                f"FILE_FORMAT = (TYPE = JSON STRIP_OUTER_ARRAY = TRUE)\n"
                f"MATCH_BY_COLUMN_NAME = NONE\nSIZE_LIMIT = {{v}}"
            )
            domain = (str(rng.choice((100000000, 500000000))),)
        yield Template(
            "copy", "COPY", fmt, "RAW", e.source, "loader", "id", domain, 0.02, e.raw, 20000
        )
    for e in rng.sample(model.facts, 10):
        dim, fk = _join_dim(model, e, rng)
        fmt = (
            f"COPY INTO @RAW.EXPORTS.PARTNER_STAGE/export/{e.lower}/{{d}}/\nFROM (\n"
            f"    SELECT f.{e.key}, f.EVENT_DATE, f.{e.measures[0]}, d.{dim.attrs[0]}\n"
            f"    FROM {e.mart} f\n    JOIN {dim.mart} d ON d.{fk} = f.{fk}\n"
            f"    WHERE f.EVENT_DATE = '{{d1}}' AND f.{e.measures[0]} > {{v}}\n)\n"
            f"FILE_FORMAT = (TYPE = PARQUET)\nHEADER = TRUE\nOVERWRITE = TRUE"
        )
        yield Template(
            "unload",
            "UNLOAD",
            fmt,
            "ANALYTICS",
            "MARTS",
            "airflow",
            "id",
            ("0",),
            0.02,
            e.mart,
            15000,
        )
        fmt = (
            f"COPY INTO @~/unload/{e.lower}_{{dn}}.csv.gz\n"
            f"FROM (SELECT * FROM {e.agg('DAILY')} WHERE PERIOD >= '{{d7}}' LIMIT {{v}})\n"
            f"FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP) SINGLE = TRUE"
        )
        yield Template(
            "unload",
            "UNLOAD",
            fmt,
            "ANALYTICS",
            "REPORTING",
            "analyst",
            "limit",
            ("100000",),
            0.3,
            e.agg("DAILY"),
            6000,
        )


def definitions(model: Model, rng: random.Random) -> Iterator[Template]:
    """Views and dynamic tables, re-created by the scheduler (same text every day)."""
    for e in model.facts:
        fmt = (
            f"CREATE OR REPLACE VIEW ANALYTICS.REPORTING.V_{e.plural}_LATEST AS\n"
            f"SELECT *\nFROM MARTS.{e.mart_name}\nWHERE EVENT_DATE >= '{{v}}'\n"
            f"QUALIFY ROW_NUMBER() OVER (PARTITION BY {e.key} ORDER BY UPDATED_AT DESC) = 1"
        )
        yield Template(
            "view_ddl",
            "CREATE_VIEW",
            fmt,
            "ANALYTICS",
            "REPORTING",
            "dbt",
            "date",
            ("2025-01-01",),
            0.02,
            f"ANALYTICS.REPORTING.V_{e.plural}_LATEST",
            800,
        )
        m = e.measures[0]
        dim, fk = _join_dim(model, e, rng)
        attr = rng.choice(dim.attrs)
        fmt = (
            f"create or replace view analytics.reporting.v_{e.lower}_summary as\n"
            f"select f.event_date as day, d.{attr.lower()}, count(*) as n,\n"
            f"       sum(f.{m.lower()}) as total_{m.lower()}\n"
            f"from analytics.marts.{e.mart_name.lower()} f\n"
            f"join analytics.marts.{dim.mart_name.lower()} d on d.{fk.lower()} = f.{fk.lower()}\n"
            f"where f.{m.lower()} >= {{v}}\ngroup by 1, 2"
        )
        yield Template(
            "view_ddl",
            "CREATE_VIEW",
            fmt,
            "ANALYTICS",
            "REPORTING",
            "dbt",
            "id",
            ("0",),
            0.02,
            f"ANALYTICS.REPORTING.V_{e.plural}_SUMMARY",
            900,
        )
    for e in rng.sample(model.facts, 20):
        dim, fk = _join_dim(model, e, rng)
        fmt = (
            f"CREATE OR REPLACE DYNAMIC TABLE ANALYTICS.MARTS.DT_{e.plural}_BY_{dim.plural}\n"
            f"  TARGET_LAG = '{{v}}'\n  WAREHOUSE = TRANSFORM_WH\n  REFRESH_MODE = AUTO\nAS\n"
            f"SELECT d.{dim.key}, d.{dim.attrs[0]}, COUNT(f.{e.key}) AS n,\n"
            f"       SUM(f.{e.measures[0]}) AS total, MAX(f.EVENT_DATE) AS last_date\n"
            f"FROM {e.mart} f\nJOIN {dim.mart} d ON d.{fk} = f.{fk}\n"
            f"GROUP BY d.{dim.key}, d.{dim.attrs[0]}"
        )
        yield Template(
            "dt_ddl",
            "CREATE_DYNAMIC_TABLE",
            fmt,
            "ANALYTICS",
            "MARTS",
            "dbt",
            "lag",
            (rng.choice(_LAGS),),
            0.3,
            e.mart,
            5000,
        )
        fmt = f"ALTER DYNAMIC TABLE ANALYTICS.MARTS.DT_{e.plural}_BY_{dim.plural} REFRESH"
        yield Template(
            "dt_refresh",
            "ALTER_DYNAMIC_TABLE",
            fmt,
            "ANALYTICS",
            "MARTS",
            "airflow",
            "none",
            ("",),
            0.0,
            "",
            20000,
        )


def ml(model: Model, rng: random.Random) -> Iterator[Template]:
    """Snowflake ML: feature views, datasets, model versions, scoring with ``!PREDICT``."""
    fs = "ML.FEATURE_STORE"
    for fv_name, dim in model.feature_views:
        entity = dim.plural[:-1] if dim.plural.endswith("S") else dim.plural
        fmt = (
            f'CREATE OR REPLACE DYNAMIC TABLE {fs}."{fv_name}" ({dim.key}, '
            + ", ".join(f"{m}_30D COMMENT '30-day {m.lower()}'" for m in dim.measures)
            + ")\n    TARGET_LAG = '{v}'\n    COMMENT = 'features for "
            + dim.lower
            + "'\n"
            f"    TAG ({fs}.SNOWML_FEATURE_STORE_OBJECT = "
            '\'{{"type": "MANAGED_FEATURE_VIEW", "pkg_version": "1.7.1"}}\',\n'
            f"         {fs}.SNOWML_FEATURE_VIEW_METADATA = "
            f'\'{{{{"entities": ["{entity}"], "timestamp_col": "NULL"}}}}\',\n'
            f"         {fs}.SNOWML_FEATURE_STORE_ENTITY_{entity} = '{dim.key}')\n"
            f"    WAREHOUSE = ML_WH REFRESH_MODE = AUTO INITIALIZE = ON_CREATE\n"
            f"    AS SELECT {dim.key}, "
            + ", ".join(f"SUM({m}) AS {m}_30D" for m in dim.measures)
            + f" FROM {dim.mart} WHERE EVENT_DATE >= DATEADD(day, -30, CURRENT_DATE()) "
            f"GROUP BY {dim.key}"
        )
        yield Template(
            "fv_ddl",
            "CREATE_DYNAMIC_TABLE",
            fmt,
            "ML",
            "FEATURE_STORE",
            "ml",
            "lag",
            ("1d",),
            0.3,
            dim.mart,
            6000,
        )
        yield Template(
            "noise",
            "SHOW",
            f"SHOW DYNAMIC TABLES LIKE '{fv_name}' IN SCHEMA {fs}",
            "ML",
            "FEATURE_STORE",
            "ml",
            "none",
            ("",),
            0.0,
            "",
            200,
        )
    for (dataset, fvs), (model_name, fv_name, dim) in zip(
        model.datasets, model.models, strict=True
    ):
        yield Template(
            "dataset",
            "CREATE",
            f"CREATE DATASET IF NOT EXISTS {dataset}",
            "ML",
            "DATASETS",
            "ml",
            "none",
            ("",),
            0.0,
            dataset,
            400,
        )
        spine = rng.choice(model.facts)
        joins = "".join(
            f'\n    LEFT JOIN {fs}."{fv}" f{i} ON f{i}.{fdim.key} = s.{fdim.key}'
            for i, (fv, fdim) in enumerate(
                (name, d) for name, d in model.feature_views if name in fvs
            )
        )
        fmt = (
            f"ALTER DATASET {dataset} ADD VERSION '{{v}}' FROM (\n"
            f"    SELECT s.*{''.join(f', f{i}.*' for i in range(len(fvs)))}\n"
            f"    FROM {spine.mart} s{joins}\n"
            f"    WHERE s.EVENT_DATE < '{{d}}'\n)"
        )
        yield Template(
            "dataset_version",
            "ALTER",
            fmt,
            "ML",
            "DATASETS",
            "ml",
            "ver",
            ("{dn}",),
            0.05,
            dataset,
            60000,
        )
        stage = f"ML.MODELS.SNOWPARK_TEMP_STAGE_{rng.getrandbits(40):010X}"
        yield Template(
            "model",
            "CREATE",
            f"CREATE MODEL {model_name} WITH VERSION V{{v}} FROM @{stage}/model",
            "ML",
            "MODELS",
            "ml",
            "name",
            ("1",),
            0.1,
            model_name,
            30000,
        )
        yield Template(
            "model",
            "ALTER",
            f"ALTER MODEL {model_name} ADD VERSION V{{v}} FROM @{stage}/model",
            "ML",
            "MODELS",
            "ml",
            "name",
            ("2",),
            0.1,
            model_name,
            30000,
        )
        yield Template(
            "model",
            "ALTER",
            f"ALTER MODEL {model_name} SET DEFAULT_VERSION = V{{v}}",
            "ML",
            "MODELS",
            "ml",
            "name",
            ("2",),
            0.1,
            model_name,
            300,
        )
        feats = ", ".join(f"f.{m}_30D" for m in dim.measures)
        fmt = (
            f"SELECT f.{dim.key}, {model_name}!PREDICT({feats}):output_feature_0::FLOAT AS score\n"
            f'FROM {fs}."{fv_name}" f\nWHERE f.{dim.key} > {{v}}'
        )
        yield Template(
            "predict", "SELECT", fmt, "ML", "MODELS", "ml", "id", ("0",), 0.1, model_name, 9000
        )
        short = model_name.rsplit(".", 1)[1]
        fmt = (
            f"INSERT INTO ML.SCORING.{short}_SCORES ({dim.key}, SCORE, SCORED_AT)\n"
            f"WITH m AS MODEL {model_name} VERSION V{{v}}\n"
            f"SELECT f.{dim.key}, m!PREDICT({feats}):output_feature_0::FLOAT, CURRENT_TIMESTAMP()\n"
            f'FROM {fs}."{fv_name}" f'
        )
        yield Template(
            "predict_insert",
            "INSERT",
            fmt,
            "ML",
            "SCORING",
            "ml",
            "name",
            ("2",),
            0.05,
            f"ML.SCORING.{short}_SCORES",
            12000,
        )
        yield Template(
            "grant",
            "GRANT",
            f"GRANT USAGE ON MODEL {model_name} TO ROLE REPORTER",
            "ML",
            "MODELS",
            "admin",
            "none",
            ("",),
            0.0,
            model_name,
            150,
        )


def admin(model: Model, rng: random.Random) -> Iterator[Template]:
    """Clones, renames and swaps, grants and revokes: the account's housekeeping."""
    for e in rng.sample(model.entities, 14):
        yield Template(
            "clone",
            "CREATE_TABLE",
            f"CREATE OR REPLACE TABLE {e.mart}_BKP_{{dn}} CLONE {e.mart}",
            "ANALYTICS",
            "MARTS",
            "admin",
            "none",
            ("",),
            0.0,
            e.mart,
            1500,
        )
        yield Template(
            "clone",
            "CREATE_TABLE",
            f"CREATE TABLE {e.mart}_AS_OF_{{v}} CLONE {e.mart}\n"
            f"  AT (TIMESTAMP => '{{d1}} 12:00:00'::TIMESTAMP_LTZ)",
            "ANALYTICS",
            "MARTS",
            "admin",
            "name",
            ("1", "2"),
            0.05,
            e.mart,
            1500,
        )
    for schema in ("MARTS", "REPORTING", "STAGING"):
        yield Template(
            "clone",
            "CREATE",
            f"CREATE OR REPLACE SCHEMA ANALYTICS.{schema}_DEV_{{v}} CLONE ANALYTICS.{schema}",
            "ANALYTICS",
            schema,
            "admin",
            "name",
            ("1", "2", "3"),
            0.02,
            f"ANALYTICS.{schema}",
            5000,
            weight=0.3,
        )
    yield Template(
        "clone",
        "CREATE",
        "CREATE OR REPLACE DATABASE ANALYTICS_QA CLONE ANALYTICS",
        "",
        "",
        "admin",
        "none",
        ("",),
        0.0,
        "ANALYTICS",
        20000,
        weight=0.05,
    )
    for e in rng.sample(model.facts, 8):
        yield Template(
            "rename",
            "ALTER_TABLE",
            f"ALTER TABLE {e.mart}_STAGING_{{v}} SWAP WITH {e.mart}",
            "ANALYTICS",
            "MARTS",
            "airflow",
            "name",
            ("1",),
            0.0,
            e.mart,
            400,
        )
        yield Template(
            "rename",
            "RENAME_TABLE",
            f"ALTER TABLE IF EXISTS {e.agg('DAILY')}_OLD RENAME TO {e.agg('DAILY')}_ARCHIVE_{{v}}",
            "ANALYTICS",
            "REPORTING",
            "admin",
            "name",
            ("1",),
            0.05,
            e.agg("DAILY"),
            400,
        )
    for schema in ("ANALYTICS.REPORTING", "ANALYTICS.MARTS", "ML.FEATURE_STORE", "RAW.OMS"):
        for role in ("BI_READER", "ANALYST", "DATA_SCIENTIST"):
            yield Template(
                "grant",
                "GRANT",
                f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO ROLE {role}",
                "",
                "",
                "admin",
                "none",
                ("",),
                0.0,
                schema,
                300,
            )
            yield Template(
                "grant",
                "GRANT",
                f"GRANT SELECT ON FUTURE TABLES IN SCHEMA {schema} TO ROLE {role}",
                "",
                "",
                "admin",
                "none",
                ("",),
                0.0,
                schema,
                300,
            )
        yield Template(
            "grant",
            "GRANT",
            f"GRANT USAGE ON SCHEMA {schema} TO ROLE BI_READER",
            "",
            "",
            "admin",
            "none",
            ("",),
            0.0,
            schema,
            200,
        )
    for e in rng.sample(model.facts, 8):
        yield Template(
            "grant",
            "GRANT",
            f"GRANT SELECT ON VIEW ANALYTICS.REPORTING.V_{e.plural}_SUMMARY TO ROLE BI_READER",
            "",
            "",
            "admin",
            "none",
            ("",),
            0.0,
            "",
            200,
        )
        yield Template(
            "grant",
            "REVOKE",
            f"REVOKE INSERT, UPDATE ON TABLE {e.mart} FROM ROLE ANALYST",
            "",
            "",
            "admin",
            "none",
            ("",),
            0.0,
            e.mart,
            200,
        )
        yield Template(
            "grant",
            "GRANT",
            f"GRANT OWNERSHIP ON TABLE {e.agg('WEEKLY')} TO ROLE TRANSFORMER COPY CURRENT GRANTS",
            "",
            "",
            "admin",
            "none",
            ("",),
            0.0,
            "",
            200,
        )
    yield Template(
        "grant",
        "GRANT",
        "GRANT ROLE ANALYST TO USER {v}",
        "",
        "",
        "admin",
        "user",
        ("ALICE_K",),
        0.2,
        "",
        150,
    )


def adhoc(model: Model, rng: random.Random) -> Iterator[Template]:
    """People exploring: short lower-case queries with fresh literals, and misc DDL."""
    for e in model.entities:
        t = rng.choice((e.mart, e.stg, e.raw, e.intermediate("ENRICHED")))
        yield Template(
            "adhoc",
            "SELECT",
            f"select * from {t.lower()} where {e.key.lower()} = {{v}} limit 100",
            "ANALYTICS",
            "PUBLIC",
            "analyst",
            "id",
            ("42",),
            0.7,
            t,
            1500,
        )
        attr = rng.choice(e.attrs)
        yield Template(
            "adhoc",
            "SELECT",
            f"SELECT {attr}, COUNT(*)\nFROM {e.mart}\nWHERE {attr} ILIKE '%{{v}}%'\n"
            f"GROUP BY 1\nORDER BY 2 DESC",
            "ANALYTICS",
            "MARTS",
            "analyst",
            "str",
            ("test",),
            0.7,
            e.mart,
            2500,
        )
        yield Template(
            "adhoc",
            "SELECT",
            f"select count(*), min(event_date), max(event_date) from {e.mart_name} "
            f"where updated_at > '{{v}}'",
            "ANALYTICS",
            "MARTS",
            "analyst",
            "ts",
            ("{d} 00:00:00",),
            0.7,
            e.mart,
            1200,
        )
        if rng.random() < 0.5:
            yield Template(
                "misc_ddl",
                "CREATE_TABLE",
                f"CREATE TABLE IF NOT EXISTS ANALYTICS.SANDBOX.{e.plural}_SAMPLE_{{v}} "
                f"AS SELECT * FROM {e.mart} SAMPLE (1)",
                "ANALYTICS",
                "SANDBOX",
                "analyst",
                "name",
                ("1", "2", "3"),
                0.1,
                e.mart,
                4000,
            )
            yield Template(
                "misc_ddl",
                "DROP",
                f"DROP TABLE IF EXISTS ANALYTICS.SANDBOX.{e.plural}_SAMPLE_{{v}}",
                "ANALYTICS",
                "SANDBOX",
                "analyst",
                "name",
                ("1", "2", "3"),
                0.1,
                "",
                300,
            )
            yield Template(
                "misc_ddl",
                "TRUNCATE_TABLE",
                f"TRUNCATE TABLE IF EXISTS {e.agg('DAILY')}",
                "ANALYTICS",
                "REPORTING",
                "airflow",
                "none",
                ("",),
                0.0,
                e.agg("DAILY"),
                700,
            )
            yield Template(
                "misc_ddl",
                "ALTER_TABLE_ADD_COLUMN",
                f"ALTER TABLE {e.stg} ADD COLUMN IF NOT EXISTS NOTE_{{v}} VARCHAR",
                "ANALYTICS",
                "STAGING",
                "dbt",
                "name",
                ("1",),
                0.1,
                e.stg,
                400,
            )
            yield Template(
                "misc_ddl",
                "CREATE_TABLE",
                f"CREATE TEMPORARY TABLE ANALYTICS.STAGING.TMP_{e.plural}_DELTA AS\n"
                f"SELECT * FROM {e.raw} WHERE _LOADED_AT >= '{{v}}'",
                "ANALYTICS",
                "STAGING",
                "airflow",
                "ts",
                ("{d1} 00:00:00",),
                0.05,
                e.raw,
                6000,
            )


def noise(model: Model, rng: random.Random) -> Iterator[Template]:
    """What drivers and people send around the real work: no lineage, lots of rows."""
    schemas = (
        "ANALYTICS.MARTS",
        "ANALYTICS.REPORTING",
        "ANALYTICS.STAGING",
        "RAW.OMS",
        "ML.FEATURE_STORE",
    )
    fixed = [
        ("USE", "USE WAREHOUSE BI_WH"),
        ("USE", "USE WAREHOUSE TRANSFORM_WH"),
        ("USE", "USE ROLE ANALYST"),
        ("USE", "USE ROLE TRANSFORMER"),
        ("USE", "USE DATABASE ANALYTICS"),
        ("SELECT", "SELECT 1"),
        ("SELECT", "SELECT CURRENT_VERSION()"),
        (
            "SELECT",
            "select current_warehouse(), current_role(), current_database(), current_schema()",
        ),
        ("ALTER_SESSION", "ALTER SESSION SET TIMEZONE = 'UTC'"),
        ("ALTER_SESSION", "alter session set quoted_identifiers_ignore_case = false"),
        ("BEGIN_TRANSACTION", "BEGIN"),
        ("COMMIT", "COMMIT"),
        ("ROLLBACK", "ROLLBACK"),
        ("SHOW", "SHOW WAREHOUSES"),
        ("SHOW", "SHOW PARAMETERS LIKE 'TIMEZONE' IN SESSION"),
        ("SHOW", "show terse schemas in account"),
    ]
    for qtype, text in fixed:
        yield Template("noise", qtype, text, "", "", "bi", "none", ("",), 0.0, "", 60)
    for schema in schemas:
        yield Template(
            "noise", "USE", f"USE SCHEMA {schema}", "", "", "dbt", "none", ("",), 0.0, "", 60
        )
        yield Template(
            "noise",
            "SHOW",
            f"SHOW TABLES IN SCHEMA {schema}",
            "",
            "",
            "bi",
            "none",
            ("",),
            0.0,
            "",
            300,
        )
        yield Template(
            "noise",
            "SHOW",
            f"SHOW TABLES LIKE '{{v}}%' IN SCHEMA {schema}",
            "",
            "",
            "analyst",
            "str",
            ("FCT",),
            0.3,
            "",
            300,
        )
        yield Template(
            "noise",
            "SHOW",
            f"SHOW GRANTS ON SCHEMA {schema}",
            "",
            "",
            "admin",
            "none",
            ("",),
            0.0,
            "",
            200,
        )
    for e in rng.sample(model.entities, 16):
        yield Template(
            "noise",
            "DESCRIBE",
            f"DESCRIBE TABLE {e.mart}",
            "",
            "",
            "bi",
            "none",
            ("",),
            0.0,
            "",
            100,
        )
    yield Template(
        "noise",
        "ALTER_SESSION",
        'ALTER SESSION SET QUERY_TAG = \'{{"job": "nightly", "run": "{v}"}}\'',
        "",
        "",
        "airflow",
        "str",
        ("{dn}",),
        0.05,
        "",
        60,
    )
    yield Template(
        "noise",
        "LIST_FILES",
        "LIST @RAW.OMS.OMS_LANDING/orders/{dn}/",
        "RAW",
        "OMS",
        "loader",
        "none",
        ("",),
        0.0,
        "",
        900,
    )


# Share of rows for each family. Scheduled families (first block) add up to ~0.8.
FAMILY_WEIGHTS: dict[str, float] = {
    "dashboard": 0.31,
    "cte_window": 0.10,
    "insert": 0.07,
    "ctas": 0.05,
    "merge": 0.03,
    "update": 0.015,
    "delete": 0.01,
    "copy": 0.05,
    "unload": 0.01,
    "predict": 0.01,
    "predict_insert": 0.005,
    "dataset_version": 0.003,
    "dt_refresh": 0.005,
    "view_ddl": 0.02,
    "noise": 0.12,
    "adhoc": 0.08,
    "dt_ddl": 0.003,
    "fv_ddl": 0.002,
    "clone": 0.006,
    "rename": 0.003,
    "grant": 0.012,
    "model": 0.003,
    "dataset": 0.002,
    "misc_ddl": 0.03,
}
BUILDERS: tuple[Callable[[Model, random.Random], Iterator[Template]], ...] = (
    dashboards,
    cte_windows,
    transforms,
    loads,
    definitions,
    ml,
    admin,
    adhoc,
    noise,
)


def build_templates(model: Model, rng: random.Random) -> tuple[list[Template], list[float]]:
    """All templates and their cumulative row weights: each family's share is spread over its
    templates with a Zipf-like skew, as a few dashboards and jobs dominate real accounts."""
    by_family: dict[str, list[Template]] = {}
    for builder in BUILDERS:
        for template in builder(model, rng):
            by_family.setdefault(template.family, []).append(template)
    templates: list[Template] = []
    cumulative: list[float] = []
    total = 0.0
    for family, weight in FAMILY_WEIGHTS.items():
        members = by_family.get(family, [])
        if family != "noise":  # noise is listed most frequent first
            rng.shuffle(members)
        raw = [t.weight / (k + 1) ** 0.7 for k, t in enumerate(members)]
        scale = weight / sum(raw) if raw else 0.0
        for template, w in zip(members, raw, strict=True):
            total += w * scale
            templates.append(template)
            cumulative.append(total)
    return templates, cumulative


# --------------------------------------------------------------------------------------------
# Huge statements


def big_statement(
    model: Model, rng: random.Random, kind: int, target: int, day: dict[str, str], serial: int
) -> tuple[str, str, str, str]:
    """A 50–200 KB statement: text, query type, database and schema. These are the inputs that
    make parsers slow or recurse deeply, so a benchmark must contain a few."""
    parts: list[str] = []
    size = 0
    if kind == 0:
        e = rng.choice(model.facts)
        head = (
            f"SELECT f.{e.key}, f.{e.fks[0]}, f.{e.measures[0]}\nFROM {e.mart} f\n"
            f"WHERE f.EVENT_DATE >= '{day['d30']}'\n  AND f.{e.fks[0]} IN ("
        )
        size = len(head)
        base = 10_000_000 + serial * 100_000
        while size < target:
            value = str(base + rng.randrange(90_000))
            parts.append(value)
            size += len(value) + 2
        return head + ", ".join(parts) + ")", "SELECT", "ANALYTICS", "MARTS"
    if kind == 1:
        head = (
            f"INSERT INTO ANALYTICS.REPORTING.TABLE_ROW_COUNTS_{serial} "
            f"(SOURCE_TABLE, PERIOD, ROW_COUNT, TOTAL)\n"
        )
        size = len(head)
        while size < target:
            e = rng.choice(model.facts)
            table = rng.choice((e.mart, e.agg("DAILY"), e.stg))
            branch = (
                f"SELECT '{table}' AS SOURCE_TABLE, EVENT_DATE AS PERIOD, COUNT(*) AS "
                f"ROW_COUNT, SUM({e.measures[0]}) AS TOTAL FROM {table} "
                f"WHERE EVENT_DATE = '{day['d1']}' GROUP BY EVENT_DATE"
            )
            parts.append(branch)
            size += len(branch) + 11
        return head + "\nUNION ALL\n".join(parts), "INSERT", "ANALYTICS", "REPORTING"
    e = rng.choice(model.facts)
    names: list[str] = []
    exprs: list[str] = []
    width = 0
    while size < target:
        name = f"ATTR_{width:05d}"
        names.append(name)
        expr = f"PAYLOAD:attributes.{name.lower()}::VARCHAR AS {name}"
        exprs.append(expr)
        size += len(name) * 2 + len(expr) + 6
        width += 1
    text = (
        f"INSERT INTO ANALYTICS.STAGING.{e.plural}_WIDE_{serial} ({', '.join(names)})\n"
        f"SELECT {', '.join(exprs)}\nFROM {e.raw}\nWHERE EVENT_DATE = '{day['d']}'"
    )
    return text, "INSERT", "ANALYTICS", "STAGING"


# --------------------------------------------------------------------------------------------
# Literals


# A column alias in a select list: ``AS NAME`` followed by a comma, a line end or FROM (not a
# type in CAST(x AS INT), not ``AS SELECT`` or ``AS (`` of a CTAS or a CTE).
_ALIAS = re.compile(
    r"\bAS (?!SELECT\b|MODEL\b|WITH\b)([A-Za-z_][A-Za-z0-9_]*)(?=\s*,|\s*\n|\s+FROM\b)"
)


_WHERE = re.compile(r"\bWHERE\b")


def reshape(text: str, serial: int) -> str:
    """The statement in a shape of its own (as ad-hoc and edited queries are), not only with
    literals of its own: its first column alias renamed after ``serial``, else a filter on a
    column of that name. Same objects, so the lineage and the account stay as they were."""
    text, renamed = _ALIAS.subn(lambda m: f"AS {m.group(1)}_S{serial}", text, count=1)
    if renamed:
        return text
    return _WHERE.sub(f"WHERE C_S{serial} IS NULL OR", text, count=1)


def unique_literal(vkind: str, serial: int) -> str:
    """A literal of the template's kind that no other row gets (``serial`` is a row counter)."""
    if vkind in ("id", "limit"):
        return str(1_000_000 + serial)
    if vkind == "name":
        return str(3 + serial)
    if vkind == "ts":
        seconds, millis = divmod(serial, 1000)
        days, seconds = divmod(seconds, 86_400)
        hours, seconds = divmod(seconds, 3600)
        stamp = date(2025, 1, 1) + timedelta(days=days)
        minutes, seconds = divmod(seconds, 60)
        return f"{stamp.isoformat()} {hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"
    if vkind == "date":
        return unique_literal("ts", serial)
    if vkind == "ver":
        return f"v{serial}"
    if vkind == "lag":
        return f"{1 + serial} minutes"
    if vkind == "user":
        return f"CONTRACTOR_{serial}"
    if vkind == "str":
        return f"q{serial}"
    return ""


_ERRORS: tuple[tuple[str, str, float], ...] = (
    ("002003", "SQL compilation error:\nObject '{obj}' does not exist or not authorized.", 0.35),
    (
        "001003",
        "SQL compilation error:\nsyntax error line 1 at position 0 unexpected '{word}'.",
        0.2,
    ),
    (
        "000630",
        "Statement reached its statement or warehouse timeout of 3,600 second(s) and was canceled.",
        0.15,
    ),
    (
        "003001",
        "SQL access control error:\nInsufficient privileges to operate on table '{obj}'",
        0.1,
    ),
    ("100038", "Numeric value 'N/A' is not recognized", 0.1),
    ("000604", "SQL execution canceled", 0.1),
)


def _mangle(text: str) -> tuple[str, str]:
    """Make a statement that fails to compile the way people's typos do."""
    for good, bad in (
        (" FROM ", " FORM "),
        ("\nFROM ", "\nFORM "),
        (" from ", " form "),
        ("SELECT ", "SELET "),
        ("select ", "selet "),
    ):
        if good in text:
            return text.replace(good, bad, 1), bad.strip()
    return text + " )", ")"


# --------------------------------------------------------------------------------------------
# Writers


class RowWriter:
    """Writes chunks of row tuples ``(query_id, text, db, schema, type, session, user, role,
    warehouse, status, error_code, error_message, start_ms, end_ms)``; times are milliseconds
    since midnight of the first day, local time."""

    def __init__(self, start: date, days: int) -> None:
        self.dates = [(start + timedelta(days=i)).isoformat() for i in range(days + 3)]
        midnight = datetime(start.year, start.month, start.day, tzinfo=timezone(UTC_OFFSET))
        self.epoch_ms = int(midnight.timestamp() * 1000)

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def stamp(self, ms: int, sep: str = " ", offset: str = " " + OFFSET_TEXT) -> str:
        day, rest = divmod(ms, DAY_MS)
        seconds, millis = divmod(rest, 1000)
        minutes, seconds = divmod(seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return f"{self.dates[day]}{sep}{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}{offset}"


class _GzipOut(gzip.GzipFile):
    """A gzip file at level 1 (level 6 would dominate the run time, and logs this repetitive
    still shrink ~20x) with no name and no time in its header, so that its bytes depend on the
    arguments only. It owns the file under it (GzipFile does not close a ``fileobj``)."""

    def __init__(self, path: Path) -> None:
        self._raw = open(path, "wb")  # noqa: SIM115 — closed in close()
        super().__init__(filename="", mode="wb", compresslevel=1, mtime=0, fileobj=self._raw)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


def _open_text(path: Path, gzipped: bool) -> IO[str]:
    if gzipped:
        return io.TextIOWrapper(_GzipOut(path), encoding="utf-8", newline="")
    return open(path, "w", encoding="utf-8", newline="")


class CsvWriter(RowWriter):
    """Snowsight's download: upper-case header, every field double-quoted, ``-0800`` stamps."""

    def __init__(self, path: Path, gzipped: bool, start: date, days: int) -> None:
        super().__init__(start, days)
        self.handle = _open_text(path, gzipped)
        self.writer = csv.writer(self.handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        self.writer.writerow(COLUMNS)

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        stamp = self.stamp
        self.writer.writerows((*r[:12], stamp(r[12]), stamp(r[13])) for r in rows)

    def close(self) -> None:
        self.handle.close()


class JsonlWriter(RowWriter):
    """One JSON object a line, as ``COPY INTO … FILE_FORMAT = (TYPE = JSON)`` unloads it; ISO
    8601 stamps with offset; empty error fields are null."""

    def __init__(self, path: Path, gzipped: bool, start: date, days: int) -> None:
        super().__init__(start, days)
        self.handle = _open_text(path, gzipped)

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        dumps = json.dumps
        lines = []
        for r in rows:
            record = dict(zip(COLUMNS, r, strict=True))
            record["SESSION_ID"] = int(r[5])
            record["ERROR_CODE"] = r[10] or None
            record["ERROR_MESSAGE"] = r[11] or None
            record["START_TIME"] = self.stamp(r[12], "T", OFFSET_ISO)
            record["END_TIME"] = self.stamp(r[13], "T", OFFSET_ISO)
            lines.append(dumps(record, ensure_ascii=False))
        self.handle.write("\n".join(lines) + "\n")

    def close(self) -> None:
        self.handle.close()


class ParquetWriter(RowWriter):
    """Parquet with typed columns (session id int64, UTC timestamps), one row group a chunk."""

    def __init__(
        self, path: Path, gzipped: bool, start: date, days: int, group_rows: int = 16384
    ) -> None:
        super().__init__(start, days)
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        self.schema = pa.schema(
            [(c, pa.string()) for c in COLUMNS[:5]]
            + [("SESSION_ID", pa.int64())]
            + [(c, pa.string()) for c in COLUMNS[6:12]]
            + [
                ("START_TIME", pa.timestamp("ms", tz="UTC")),
                ("END_TIME", pa.timestamp("ms", tz="UTC")),
            ]
        )
        self.gzip = _GzipOut(path) if gzipped else None
        self.writer = pq.ParquetWriter(
            self.gzip if self.gzip else str(path), self.schema, compression="zstd"
        )
        self.pending: list[tuple[Any, ...]] = []
        self.group_rows = group_rows

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self.pending.extend(rows)
        if len(self.pending) >= self.group_rows:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        pa = self.pa
        columns = list(zip(*self.pending, strict=True))
        arrays = []
        for i, field_ in enumerate(self.schema):
            values = columns[i]
            if i in (12, 13):
                values = [self.epoch_ms + v for v in values]
            elif i in (10, 11):
                values = [v or None for v in values]
            elif i == 5:
                values = [int(v) for v in values]
            arrays.append(pa.array(values, field_.type))
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.pending = []

    def close(self) -> None:
        self._flush()
        self.writer.close()
        if self.gzip:
            self.gzip.close()


WRITERS: dict[str, type[RowWriter]] = {
    "csv": CsvWriter,
    "jsonl": JsonlWriter,
    "parquet": ParquetWriter,
}


# --------------------------------------------------------------------------------------------
# The log


@dataclass
class Stats:
    rows: int = 0
    failed: int = 0
    big: int = 0
    fresh: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


def generate(
    writer: RowWriter,
    rows: int,
    seed: int,
    days: int,
    start: date,
    distinct_ratio: float | None,
    fresh_shapes: bool = False,
) -> Stats:
    """Write ``rows`` rows, time-ordered over ``days`` days, in chunks of ``CHUNK_ROWS``."""
    rng = random.Random(seed)
    model = build_model(rng)
    templates, cumulative = build_templates(model, rng)
    total_weight = cumulative[-1]
    big_count = min(rows, max(3, rows // 25_000))
    big_at = set(rng.sample(range(rows), big_count)) if rows else set()
    day_values = [_day_values(start + timedelta(days=i)) for i in range(days + 1)]
    actors = model.actors
    id_salt = rng.getrandbits(48)
    clusters = ("0902", "0003", "0a03", "0002", "0b02")
    span = days * DAY_MS
    stats = Stats()
    serial = 0
    buffer: list[tuple[Any, ...]] = []
    random_ = rng.random
    randrange = rng.randrange
    for i in range(rows):
        start_ms = ((i + random_()) * span) // rows if rows else 0
        start_ms = int(start_ms)
        day = start_ms // DAY_MS
        values = day_values[day]
        if i in big_at:
            text, qtype, db, schema = big_statement(
                model, rng, stats.big % 3, 50_000 + randrange(150_001), values, stats.big
            )
            actor = actors["airflow"][0]
            duration = 60_000 + randrange(600_000)
            main_object = ""
            stats.big += 1
        else:
            template = templates[bisect.bisect_right(cumulative, random_() * total_weight)]
            if distinct_ratio is None:
                fresh = template.vkind != "none" and random_() < template.p_unique
            else:
                # A fresh row needs a template with a literal to vary: redraw a few times.
                fresh = random_() < distinct_ratio
                for _ in range(8):
                    if not fresh or template.vkind not in ("none", "name"):
                        break
                    template = templates[bisect.bisect_right(cumulative, random_() * total_weight)]
                fresh = fresh and template.vkind not in ("none", "name")
            if template.vkind == "none":
                v = ""
            elif fresh:
                v = unique_literal(template.vkind, serial)
                serial += 1
                stats.fresh += 1
            else:
                domain = template.domain
                v = domain[randrange(len(domain))] if len(domain) > 1 else domain[0]
                if "{" in v:
                    v = v.format_map(values)
            text = template.fmt.format_map({**values, "v": v})
            if fresh and fresh_shapes:
                text = reshape(text, serial)
            qtype, db, schema = template.query_type, template.database, template.schema
            group = actors[template.actor_group]
            actor = group[randrange(len(group))] if len(group) > 1 else group[0]
            duration = int(template.duration_ms * (0.2 + 1.6 * random_()))
            main_object = template.main_object
        status, code, message = "SUCCESS", "", ""
        if random_() < FAIL_RATE:
            status = "FAIL"
            stats.failed += 1
            code, message, text, qtype = _failure(rng, text, qtype, main_object)
            duration = min(duration, 3_600_000)
        session = 17_592_186_040_000 + actor.index * 65_536 + day * 97 + (i & 3)
        minute = start_ms // 60_000
        query_id = (
            f"{0x01C28000 + minute:08x}-{clusters[i % 5]}-{rng.getrandbits(16):04x}-0000-"
            f"{(i * _ID_MULTIPLIER + id_salt) & _MASK48:012x}"
        )
        buffer.append(
            (
                query_id,
                text,
                db,
                schema,
                qtype,
                str(session),
                actor.user,
                actor.role,
                actor.warehouse,
                status,
                code,
                message,
                start_ms,
                start_ms + duration,
            )
        )
        stats.by_type[qtype] = stats.by_type.get(qtype, 0) + 1
        if len(buffer) >= CHUNK_ROWS:
            writer.write(buffer)
            buffer = []
    if buffer:
        writer.write(buffer)
    stats.rows = rows
    return stats


def _failure(
    rng: random.Random, text: str, qtype: str, main_object: str
) -> tuple[str, str, str, str]:
    code, message, _ = rng.choices(_ERRORS, weights=[w for _, _, w in _ERRORS])[0]
    if code == "001003":
        text, word = _mangle(text)
        return code, message.format(word=word), text, "UNKNOWN"
    return code, message.format(obj=main_object or "UNKNOWN_OBJECT"), text, qtype


def _day_values(day: date) -> dict[str, str]:
    return {
        "d": day.isoformat(),
        "d1": (day - timedelta(days=1)).isoformat(),
        "d7": (day - timedelta(days=7)).isoformat(),
        "d30": (day - timedelta(days=30)).isoformat(),
        "dn": day.strftime("%Y%m%d"),
        "dm": day.replace(day=1).isoformat(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=sorted(WRITERS), default="csv")
    parser.add_argument("--gzip", action="store_true", help="gzip the output file")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--days", type=int, default=7, help="days the log spans (default 7)")
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=DEFAULT_START,
        help=f"first day, local time (default {DEFAULT_START})",
    )
    parser.add_argument(
        "--distinct-ratio",
        type=float,
        default=None,
        metavar="R",
        help="give each row a never-repeated literal with probability R "
        "(default: per template, ~80%% of rows repeat)",
    )
    parser.add_argument(
        "--fresh-shapes",
        action="store_true",
        help="a row given a fresh literal also gets a column alias of its own, so that its "
        "statement is distinct in shape, not only in literals",
    )
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.rows < 0 or args.days < 1:
        parser.error("--rows must be >= 0 and --days >= 1")
    if args.distinct_ratio is not None and not 0.0 <= args.distinct_ratio <= 1.0:
        parser.error("--distinct-ratio must be between 0 and 1")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    clock = time.perf_counter()
    writer = WRITERS[args.format](args.out, args.gzip, args.start, args.days)
    try:
        stats = generate(
            writer,
            args.rows,
            args.seed,
            args.days,
            args.start,
            args.distinct_ratio,
            args.fresh_shapes,
        )
    finally:
        writer.close()
    if not args.quiet:
        seconds = time.perf_counter() - clock
        size = args.out.stat().st_size
        print(
            f"{args.out}: {stats.rows} rows, {size / 2**20:.1f} MiB, {stats.failed} failed, "
            f"{stats.big} huge, {stats.fresh} fresh literals, {seconds:.1f} s",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
