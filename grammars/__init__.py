"""mlineage grammars: sqlglot dialects extended for lineage."""

from grammars.snowflake import MlSnowflake

__all__ = ["MlSnowflake"]
