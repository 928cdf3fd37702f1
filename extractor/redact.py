"""Secrets never leave mlineage: any SQL text or message written out passes through here.

This is a safety net over text, not a parser (lineage never comes from it): it blanks the values
of the Snowflake parameters that carry credentials, whatever the quoting.
https://docs.snowflake.com/en/sql-reference/sql/create-stage (CREDENTIALS, ENCRYPTION),
https://docs.snowflake.com/en/sql-reference/sql/create-user (PASSWORD).
"""

from __future__ import annotations

import re

REDACTED = "'***'"

_SECRET_KEYS = (
    r"PASSWORD|AWS_KEY_ID|AWS_SECRET_KEY|AWS_TOKEN|AZURE_SAS_TOKEN|MASTER_KEY|KMS_KEY_ID|"
    r"OAUTH_CLIENT_SECRET|OAUTH_REFRESH_TOKEN|OAUTH_ACCESS_TOKEN|CLIENT_SECRET|TOKEN|SECRET|"
    r"PRIVATE_KEY|RSA_PUBLIC_KEY(?:_2)?|API_KEY|SECRET_STRING|SAS_TOKEN|ACCESS_TOKEN"
)
_VALUE = r"(?:'(?:[^'\\]|\\.|'')*'?|\"(?:[^\"]|\"\")*\"?|\$\$.*?(?:\$\$|\Z)|[^\s,)]+)"
_KEY_VALUE = re.compile(rf"\b({_SECRET_KEYS})(\s*=>?\s*){_VALUE}", re.IGNORECASE | re.DOTALL)
_CREDENTIALS = re.compile(
    r"\b(CREDENTIALS)(\s*=\s*)\((?:[^()'\"]|'(?:[^']|'')*'|\"[^\"]*\")*\)?", re.IGNORECASE
)


def redact_secrets(text: str) -> str:
    """``CREDENTIALS = (…)`` and ``KEY = value`` for credential keys become ``'***'``."""
    text = _CREDENTIALS.sub(lambda m: f"{m.group(1)}{m.group(2)}({REDACTED})", text)
    return _KEY_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
