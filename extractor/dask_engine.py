"""``--engine dask``: the derive step on a Dask cluster, one task per partition (file) of the
log; only occurrences and facts travel back, and the fold stays here, sequential and small.

``--scheduler tcp://host:8786`` joins a running cluster (its workers need mlineage installed and
the log's files at the same paths, e.g. a shared filesystem); without it a LocalCluster of this
machine's cores is started for the run. https://distributed.dask.org/en/stable/client.html
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import pyarrow as pa

from extractor.collect import Counts, PartitionResult, adopt_partition, collect_partition
from extractor.derive.cache import StatementCache
from extractor.facts import ErrorRecord
from extractor.sources import SourceError, expand_sources


def collect_with_dask(
    specs: Sequence[str],
    since: datetime | None,
    until: datetime | None,
    batch_rows: int,
    cache: StatementCache,
    counts: Counts,
    on_error: Callable[[ErrorRecord], None],
    scheduler: str | None = None,
) -> list[pa.RecordBatch]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise SourceError("--engine dask needs Dask: pip install 'mlineage[dask]'") from err
    files = [str(path) for path in expand_sources(specs)]
    cluster = None if scheduler else LocalCluster(processes=True, dashboard_address=None)
    try:
        with Client(scheduler or cluster) as client:
            futures = client.map(
                collect_partition,
                files,
                since=since,
                until=until,
                batch_rows=batch_rows,
                pure=False,
            )
            results: list[PartitionResult] = client.gather(futures)
    finally:
        if cluster is not None:
            cluster.close()
    batches: list[pa.RecordBatch] = []
    for result in results:  # in file order, so ids (and so output) do not depend on timing
        batches += adopt_partition(result, cache)
        for error in result.errors:
            on_error(error)
        counts.add(result.counts)
    return batches
