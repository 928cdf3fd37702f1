"""Airflow DAG: the nightly lineage export, straight from the account.

Copy this file into your DAGs folder and adjust the three settings below. The task runs
``mlineage extract snowflake://… --since last --snapshot --keep N`` in the virtualenv where
``pip install 'mlineage[snowflake]'`` was done. ``--since last`` makes a retry or a missed night
safe: each run continues from the previous watermark (less a 45-minute lag, since ACCOUNT_USAGE
arrives late) and a query id is never counted twice.

Credentials stay out of the DAG: the connection named here lives in the worker's
``~/.snowflake/connections.toml`` (or ``$SNOWFLAKE_HOME``), preferably with a key pair
(``private_key_file``). The command exits non-zero only when it could not produce output, with
one line naming the window to rerun; the previous snapshot stays in place.

Works with Airflow 2.4+ and 3.x.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.operators.bash import BashOperator

MLINEAGE = "/srv/lineage/.venv/bin/mlineage"  # the venv with mlineage[snowflake]
CONNECTION = "prod"  # a connection of connections.toml
OUTPUT = "/srv/lineage/lineage"  # snapshots/, latest -> the newest, _cache/ (model manifests)
KEEP = 14

with DAG(
    dag_id="mlineage_nightly",
    description="Snowflake query history and ML metadata to a lineage snapshot",
    schedule="15 3 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,  # --since last already covers the nights a paused DAG missed
    max_active_runs=1,  # two runs must not write the same output folder at once
    default_args={"retries": 1, "retry_delay": timedelta(minutes=30)},
    tags=["lineage", "snowflake"],
) as dag:
    BashOperator(
        task_id="extract",
        bash_command=(
            f"{MLINEAGE} extract 'snowflake://?connection={CONNECTION}' --out {OUTPUT} "
            f"--since last --snapshot --keep {KEEP} --json"
        ),
        execution_timeout=timedelta(hours=3),
    )
