"""mlineage: Snowflake query history, DDL and ML metadata to a lineage graph in Parquet."""

__version__ = "0.1.0"
