"""GRANT and REVOKE for ``MlSnowflake``: expression classes, parser and generator methods, and
``grant_parts``, the one way consumers read them.

Upstream parses ``GRANT privs ON [kind] name TO [ROLE] r`` into ``exp.Grant`` when the kind is one
word it knows, misreads ``ON ACCOUNT`` as a table named ACCOUNT and upper-cases routine names, and
makes every other form an ``exp.Command``: ``ON ALL|FUTURE <kinds> IN …``, two-word kinds
(``DYNAMIC TABLE``), ML kinds (``MODEL``), ``GRANT OWNERSHIP … COPY CURRENT GRANTS``, role grants,
grantees other than an account role. Here every form listed below is a tree:

- privileges: ``GRANT { priv [, …] | ALL [PRIVILEGES] } ON { <kind> <name>[(<arg types>)] |
  ACCOUNT | { ALL | FUTURE } <kinds> IN { SCHEMA | DATABASE } <name> } TO <grantee>
  [WITH GRANT OPTION]`` → ``GrantPrivileges``;
  https://docs.snowflake.com/en/sql-reference/sql/grant-privilege
- ownership: ``GRANT OWNERSHIP ON … TO <grantee> [{ REVOKE | COPY } CURRENT GRANTS]`` →
  ``GrantPrivileges`` with the privilege OWNERSHIP;
  https://docs.snowflake.com/en/sql-reference/sql/grant-ownership
- ``REVOKE [GRANT OPTION FOR] … ON … FROM <grantee> [CASCADE | RESTRICT]`` →
  ``RevokePrivileges``; https://docs.snowflake.com/en/sql-reference/sql/revoke-privilege
- roles: ``GRANT { ROLE | DATABASE ROLE | APPLICATION ROLE } r TO <grantee>`` → ``GrantRole``,
  ``REVOKE … FROM <grantee>`` → ``RevokeRole``;
  https://docs.snowflake.com/en/sql-reference/sql/grant-role
  https://docs.snowflake.com/en/sql-reference/sql/grant-database-role
  https://docs.snowflake.com/en/sql-reference/sql/grant-application-role
  https://docs.snowflake.com/en/sql-reference/sql/revoke-role

A grantee is ``[{ ROLE | USER | DATABASE ROLE | APPLICATION ROLE | SHARE | APPLICATION }] name``.
Kinds are not checked against a list: the words between ON and the name are the kind, so kinds
Snowflake adds later parse too. Other shapes (no kind, column lists, several grantees, caller
grants, ``GRANT SERVICE ROLE``, a name that is not an identifier such as ``<YOUR_USER>``) fall
back to ``exp.Command`` with sqlglot's warning, as upstream's ``_parse_as_command`` does.

The four classes subclass upstream's ``exp.Grant`` / ``exp.Revoke`` (so a handler keyed on those
still matches) and reuse its ``exp.GrantPrivilege`` and ``exp.GrantPrincipal`` nodes; every name
in them is an ``exp.Table``.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

if t.TYPE_CHECKING:
    from sqlglot.generators.snowflake import SnowflakeGenerator
    from sqlglot.parsers.snowflake import SnowflakeParser

    _ParserBase = SnowflakeParser
    _GeneratorBase = SnowflakeGenerator
else:
    _ParserBase = object
    _GeneratorBase = object


# --------------------------------------------------------------------------------------------------
# Expression classes
# --------------------------------------------------------------------------------------------------

# Args shared by GrantPrivileges and RevokePrivileges.
_PRIVILEGE_ARGS: dict[str, bool] = {
    "privileges": True,
    "kind": True,
    "securable": False,
    "signature": False,
    "bulk": False,
    "container": False,
    "principals": True,
    "grant_option": False,
}


class GrantPrivileges(exp.Grant):
    """``GRANT privs ON target TO grantee [WITH GRANT OPTION]``, and ``GRANT OWNERSHIP ON target
    TO grantee [{REVOKE | COPY} CURRENT GRANTS]``.

    https://docs.snowflake.com/en/sql-reference/sql/grant-privilege
    https://docs.snowflake.com/en/sql-reference/sql/grant-ownership

    Args:
        privileges: ``exp.GrantPrivilege`` nodes whose ``this`` is an ``exp.Var`` holding the
            privilege's words, upper-cased and single-spaced (``CREATE TABLE``, ``ALL
            PRIVILEGES``, ``OWNERSHIP``).
        kind: the object kind as a singular upper-case string (``TABLE``, ``DYNAMIC TABLE``,
            ``FUNCTION``, ``ACCOUNT``); for ``ON ALL TABLES IN …`` it is ``TABLE``.
        securable: the object's ``exp.Table``; for ``ALL``/``FUTURE`` the container's; None for
            ``ON ACCOUNT``.
        signature: a ``RoutineSignature`` for ``FUNCTION f(INT)`` / ``PROCEDURE p()``.
        bulk: ``"ALL"`` or ``"FUTURE"`` for ``ON { ALL | FUTURE } <kinds> IN …``.
        container: ``"SCHEMA"`` or ``"DATABASE"``, with ``bulk``.
        principals: one ``exp.GrantPrincipal``: ``this`` the grantee's ``exp.Table``, ``kind``
            the word(s) before it (``ROLE``, ``DATABASE ROLE``, …) or None when omitted.
        grant_option: WITH GRANT OPTION.
        current_grants: ``"COPY"`` or ``"REVOKE"`` (ownership only).
    """

    arg_types: t.ClassVar[dict[str, bool]] = {**_PRIVILEGE_ARGS, "current_grants": False}


class RevokePrivileges(exp.Revoke):
    """``REVOKE [GRANT OPTION FOR] privs ON target FROM grantee [CASCADE | RESTRICT]``.

    https://docs.snowflake.com/en/sql-reference/sql/revoke-privilege

    Args as ``GrantPrivileges`` (no ``current_grants``); ``grant_option`` is GRANT OPTION FOR and
    ``cascade`` is ``"CASCADE"`` or ``"RESTRICT"``.
    """

    arg_types: t.ClassVar[dict[str, bool]] = {**_PRIVILEGE_ARGS, "cascade": False}


class GrantRole(exp.Grant):
    """``GRANT { ROLE | DATABASE ROLE | APPLICATION ROLE } r TO grantee``.

    https://docs.snowflake.com/en/sql-reference/sql/grant-role
    https://docs.snowflake.com/en/sql-reference/sql/grant-database-role
    https://docs.snowflake.com/en/sql-reference/sql/grant-application-role

    Args: ``kind``: ``ROLE``, ``DATABASE ROLE`` or ``APPLICATION ROLE``; ``securable``: the
    role's ``exp.Table`` (``d.r`` has ``db`` d); ``principals``: as in ``GrantPrivileges``.
    """

    arg_types: t.ClassVar[dict[str, bool]] = {"kind": True, "securable": True, "principals": True}


class RevokeRole(exp.Revoke):
    """``REVOKE { ROLE | DATABASE ROLE | APPLICATION ROLE } r FROM grantee``; args as
    ``GrantRole``. https://docs.snowflake.com/en/sql-reference/sql/revoke-role"""

    arg_types: t.ClassVar[dict[str, bool]] = {"kind": True, "securable": True, "principals": True}


class RoutineSignature(exp.Expression):
    """The argument types after a function or procedure name, ``(INT, VARCHAR)`` or ``()``:
    Snowflake tells overloads apart by them. ``expressions`` are ``exp.DataType`` nodes (sqlglot
    normalises them: ``NUMBER`` becomes ``DECIMAL(38, 0)``, ``FLOAT`` ``DOUBLE``)."""

    arg_types: t.ClassVar[dict[str, bool]] = {"expressions": False}


# --------------------------------------------------------------------------------------------------
# Consumer helper
# --------------------------------------------------------------------------------------------------

ROLE_KINDS: frozenset[str] = frozenset({"ROLE", "DATABASE ROLE", "APPLICATION ROLE"})


@dataclass(frozen=True, slots=True)
class GrantParts:
    """What a GRANT or REVOKE says, read the same way for every form.

    Strings are upper-case and single-spaced; names are the statement's own ``exp.Table`` nodes
    (not copies, not resolved: an unquoted part folds to upper case and a missing database or
    schema comes from the session, as for any other name). A role, user, share or application
    name has only ``this``; a database role ``d.r`` or application role ``a.r`` has ``db``.

    Attributes:
        action: ``"GRANT"`` or ``"REVOKE"``.
        privileges: e.g. ``("SELECT", "INSERT")``, ``("CREATE TABLE",)``; ``("ALL",)`` for ALL
            [PRIVILEGES]; ``("OWNERSHIP",)``; ``("USAGE",)`` for a role grant, the privilege
            ``SHOW GRANTS`` and ``GRANTS_TO_ROLES`` list for it.
        on_type: the object kind, singular: ``TABLE``, ``DYNAMIC TABLE``, ``MODEL``, ``FUNCTION``,
            ``ACCOUNT``; for role grants ``ROLE``, ``DATABASE ROLE`` or ``APPLICATION ROLE``; for
            ``ON ALL TABLES IN …`` ``TABLE``.
        on_name: the object's (or granted role's) name; None for ACCOUNT and for ALL/FUTURE.
        on_arguments: a routine's argument types (``exp.DataType`` nodes; empty for ``p()``),
            None when the name has no signature.
        bulk: ``"ALL"`` (every existing object of ``on_type`` in the container) or ``"FUTURE"``
            (objects created there later), None for a single object.
        container_type: ``"SCHEMA"`` or ``"DATABASE"`` with ``bulk``, else None.
        container_name: the container's name with ``bulk``, else None.
        grantee_type: ``ROLE`` (also when the word is omitted), ``USER``, ``DATABASE ROLE``,
            ``APPLICATION ROLE``, ``SHARE`` or ``APPLICATION``.
        grantee_name: the grantee's name.
        with_grant_option: GRANT … WITH GRANT OPTION.
        grant_option_for: REVOKE GRANT OPTION FOR … (only the option is revoked).
        cascade: ``"CASCADE"`` or ``"RESTRICT"`` (REVOKE), else None.
        current_grants: ``"COPY"`` or ``"REVOKE"`` (GRANT OWNERSHIP … CURRENT GRANTS), else None.
    """

    action: str
    privileges: tuple[str, ...]
    on_type: str
    on_name: exp.Table | None
    on_arguments: tuple[exp.DataType, ...] | None
    bulk: str | None
    container_type: str | None
    container_name: exp.Table | None
    grantee_type: str
    grantee_name: exp.Table
    with_grant_option: bool
    grant_option_for: bool
    cascade: str | None
    current_grants: str | None


def _privilege_name(privilege: exp.GrantPrivilege) -> str:
    name = privilege.this.name
    return "ALL" if name == "ALL PRIVILEGES" else name


def grant_parts(tree: exp.Expr) -> GrantParts:
    """The ``GrantParts`` of a ``GrantPrivileges``, ``RevokePrivileges``, ``GrantRole`` or
    ``RevokeRole``; ``TypeError`` for any other node (a GRANT that fell back to ``exp.Command``
    has no parts)."""
    if not isinstance(tree, GrantPrivileges | RevokePrivileges | GrantRole | RevokeRole):
        raise TypeError(f"not a GRANT or REVOKE tree: {type(tree).__name__}")
    revoke = isinstance(tree, exp.Revoke)
    principal = tree.args["principals"][0]
    role_grant = isinstance(tree, GrantRole | RevokeRole)
    bulk = tree.args.get("bulk")
    signature = tree.args.get("signature")
    return GrantParts(
        action="REVOKE" if revoke else "GRANT",
        privileges=(
            ("USAGE",) if role_grant else tuple(_privilege_name(p) for p in tree.args["privileges"])
        ),
        on_type=tree.args["kind"],
        on_name=None if bulk else tree.args.get("securable"),
        on_arguments=tuple(signature.expressions) if signature is not None else None,
        bulk=bulk,
        container_type=tree.args.get("container") if bulk else None,
        container_name=tree.args.get("securable") if bulk else None,
        grantee_type=principal.args.get("kind") or "ROLE",
        grantee_name=principal.this,
        with_grant_option=bool(tree.args.get("grant_option")) and not revoke,
        grant_option_for=bool(tree.args.get("grant_option")) and revoke,
        cascade=tree.args.get("cascade"),
        current_grants=tree.args.get("current_grants"),
    )


# --------------------------------------------------------------------------------------------------
# Parser methods
# --------------------------------------------------------------------------------------------------

# Word sequences that name a grantee's type, longest first.
GRANTEE_KINDS: tuple[tuple[str, ...], ...] = (
    ("DATABASE", "ROLE"),
    ("APPLICATION", "ROLE"),
    ("ROLE",),
    ("USER",),
    ("SHARE",),
    ("APPLICATION",),
)

GRANTEE_KIND_WORDS: frozenset[str] = frozenset(w for words in GRANTEE_KINDS for w in words)

# Word sequences after GRANT / REVOKE that make a role grant.
ROLE_GRANT_KINDS: tuple[tuple[str, ...], ...] = (
    ("DATABASE", "ROLE"),
    ("APPLICATION", "ROLE"),
    ("ROLE",),
)

BULK_CONTAINERS: frozenset[str] = frozenset({"SCHEMA", "DATABASE"})

# Words that make ``GRANT … ON … TO`` a caller grant, not a privilege grant (they would otherwise
# read as part of a privilege name): https://docs.snowflake.com/en/sql-reference/sql/grant-caller
CALLER_GRANT_WORDS: frozenset[str] = frozenset({"CALLER", "INHERITED"})


def singular_kind(plural: str) -> str | None:
    """``TABLES`` → ``TABLE``, ``MASKING POLICIES`` → ``MASKING POLICY``; None if ``plural`` is not
    a plural that ``plural_kind`` gives back."""
    *head, last = plural.split(" ")
    if last.endswith("IES"):
        last = f"{last[:-3]}Y"
    elif last.endswith("S"):
        last = last[:-1]
    else:
        return None
    singular = " ".join([*head, last])
    return singular if plural_kind(singular) == plural else None


def plural_kind(singular: str) -> str:
    """The plural Snowflake writes after ``ON ALL`` / ``ON FUTURE``: ``FILE FORMAT`` → ``FILE
    FORMATS``, ``IMAGE REPOSITORY`` → ``IMAGE REPOSITORIES``."""
    *head, last = singular.split(" ")
    last = f"{last[:-1]}IES" if last.endswith("Y") else f"{last}S"
    return " ".join([*head, last])


def _word(token: Token | None) -> str | None:
    """The upper-cased text of an unquoted word token (keyword or plain name), else None: a quoted
    ``"TO"`` is a name, never the keyword. Some keywords are one token of several words (``FILE
    FORMAT``), given single-spaced. Past the last token the parser holds a falsy sentinel token
    (text ``SENTINEL``), which is no word either."""
    if not token or token.token_type in (TokenType.IDENTIFIER, TokenType.STRING):
        return None
    words = token.text.split()
    for word in words:
        if not (word[0].isalpha() or word[0] == "_"):
            return None
        if not word.replace("_", "").replace("$", "").isalnum():
            return None
    return " ".join(words).upper() if words else None


class GrantParserMixin(_ParserBase):
    """``_parse_grant`` / ``_parse_revoke`` for every form above, replacing upstream's (bound
    through upstream's ``STATEMENT_PARSERS[GRANT | REVOKE]``)."""

    def _parse_grant(self) -> exp.Expr:
        return self._parse_grant_or_revoke(revoke=False)

    def _parse_revoke(self) -> exp.Expr:
        return self._parse_grant_or_revoke(revoke=True)

    def _parse_grant_or_revoke(self, revoke: bool) -> exp.Expr:
        """After GRANT or REVOKE: a role grant, else a privilege grant; unknown shapes a
        Command."""
        start = self._prev
        preposition = "FROM" if revoke else "TO"
        tree: exp.Expr | None = None
        role_kind = self._match_grant_words_of(ROLE_GRANT_KINDS)
        if role_kind:
            role = self._parse_grant_name()
            if role is not None and self._match_grant_words(preposition):
                principal = self._parse_grantee()
                if principal is not None:
                    role_class = RevokeRole if revoke else GrantRole
                    tree = role_class(kind=role_kind, securable=role, principals=[principal])
        else:
            tree = self._parse_privilege_grant(revoke, preposition)
        if tree is None or self._curr:
            return self._parse_as_command(start)
        return self.expression(tree)

    def _parse_privilege_grant(
        self, revoke: bool, preposition: str
    ) -> GrantPrivileges | RevokePrivileges | None:
        """``[GRANT OPTION FOR] privs ON target {TO | FROM} grantee [tail]``; None on any other
        shape."""
        grant_option = revoke and self._match_grant_words("GRANT", "OPTION", "FOR")
        privileges = self._parse_grant_privileges()
        if not privileges or not self._match(TokenType.ON):
            return None
        target = self._parse_grant_target(preposition)
        if target is None or not self._match_grant_words(preposition):
            return None
        principal = self._parse_grantee()
        if principal is None:
            return None
        if revoke:
            cascade = self._match_grant_words_of((("CASCADE",), ("RESTRICT",)))
            return RevokePrivileges(
                privileges=privileges,
                principals=[principal],
                grant_option=grant_option,
                cascade=cascade,
                **target,
            )
        grant_option = self._match_grant_words("WITH", "GRANT", "OPTION")
        current_grants = self._match_grant_words_of((("COPY",), ("REVOKE",)))
        if current_grants and not self._match_grant_words("CURRENT", "GRANTS"):
            return None
        return GrantPrivileges(
            privileges=privileges,
            principals=[principal],
            grant_option=grant_option,
            current_grants=current_grants,
            **target,
        )

    def _parse_grant_privileges(self) -> list[exp.GrantPrivilege] | None:
        """``priv [, priv …]``, each one or more words (``APPLY MASKING POLICY``), up to ON."""
        privileges: list[exp.GrantPrivilege] = []
        while True:
            words: list[str] = []
            while not self._match(TokenType.ON, advance=False) and (word := _word(self._curr)):
                words.append(word)
                self._advance()
            if not words or CALLER_GRANT_WORDS.intersection(words):
                return None
            privileges.append(self.expression(exp.GrantPrivilege(this=exp.var(" ".join(words)))))
            if not self._match(TokenType.COMMA):
                return privileges

    def _parse_grant_target(self, preposition: str) -> dict[str, t.Any] | None:
        """What follows ON: ``ACCOUNT``, ``{ALL | FUTURE} <kinds> IN {SCHEMA | DATABASE} name``,
        or ``<kind words> name[(types)]``, as ``GrantPrivileges`` args."""
        if _word(self._curr) == "ACCOUNT" and _word(self._next) == preposition:
            self._advance()
            return {"kind": "ACCOUNT"}

        if _word(self._curr) in ("ALL", "FUTURE"):
            bulk = _word(self._curr)
            self._advance()
            words: list[str] = []
            while _word(self._curr) not in (None, "IN"):
                words.append(t.cast(str, _word(self._curr)))
                self._advance()
            kind = singular_kind(" ".join(words)) if words else None
            if kind and self._match(TokenType.IN) and _word(self._curr) in BULK_CONTAINERS:
                container = _word(self._curr)
                self._advance()
                name = self._parse_grant_name()
                if name is not None:
                    return {"kind": kind, "bulk": bulk, "container": container, "securable": name}
            # no object kind starts with ALL or FUTURE: ``ON ALL TABLE IN …`` is no statement
            return None

        # The kind is every word that another word (not "." or "(" or the preposition) follows.
        kind_words: list[str] = []
        while (
            (word := _word(self._curr))
            and self._next
            and self._next.token_type not in (TokenType.DOT, TokenType.L_PAREN)
            and _word(self._next) != preposition
        ):
            kind_words.append(word)
            self._advance()
        name = self._parse_grant_name() if kind_words else None
        if name is None:
            return None
        target: dict[str, t.Any] = {"kind": " ".join(kind_words), "securable": name}
        if self._match(TokenType.L_PAREN):
            types = [] if self._match(TokenType.R_PAREN, advance=False) else None
            if types is None:
                types = self._parse_csv(self._parse_types)
            if not all(isinstance(e, exp.DataType) for e in types):
                return None
            if not self._match(TokenType.R_PAREN):
                return None
            target["signature"] = self.expression(RoutineSignature(expressions=types))
        return target

    def _parse_grantee(self) -> exp.GrantPrincipal | None:
        """``[ROLE | USER | DATABASE ROLE | APPLICATION ROLE | SHARE | APPLICATION] name``."""
        for words in GRANTEE_KINDS:
            index = self._index
            if self._match_grant_words(*words):
                name = self._parse_grant_name()
                if name is not None:
                    kind = " ".join(words)
                    return self.expression(exp.GrantPrincipal(this=name, kind=kind))
                self._retreat(index)
        # ``TO ROLE`` without a name is an unfinished statement, not a role named ROLE
        if _word(self._curr) in GRANTEE_KIND_WORDS:
            return None
        name = self._parse_grant_name()
        return self.expression(exp.GrantPrincipal(this=name)) if name is not None else None

    def _parse_grant_name(self) -> exp.Table | None:
        """A name of up to three parts, quoted or not, or ``IDENTIFIER('…' | $var)``; not a
        call, so ``f(INT)`` leaves ``(INT)`` for the signature."""
        if _word(self._curr) == "IDENTIFIER" and self._next.token_type == TokenType.L_PAREN:
            table = self._parse_table_parts()
            return table if isinstance(table, exp.Table) else None
        index = self._index
        parts: list[exp.Identifier] = []
        while True:
            part = self._parse_id_var(any_token=False)
            if not isinstance(part, exp.Identifier):
                self._retreat(index)
                return None
            parts.append(part)
            if len(parts) == 3 or not self._match(TokenType.DOT):
                break
        names = dict(zip(("this", "db", "catalog"), reversed(parts), strict=False))
        return self.expression(exp.Table(**names))

    def _match_grant_words(self, *words: str) -> bool:
        """Like ``_match_text_seq`` but only unquoted words match (``TO "ROLE"`` is a name)."""
        index = self._index
        for word in words:
            if _word(self._curr) != word:
                self._retreat(index)
                return False
            self._advance()
        return True

    def _match_grant_words_of(self, options: tuple[tuple[str, ...], ...]) -> str | None:
        """The first of ``options`` that matches, joined with spaces; None if none does."""
        for words in options:
            if self._match_grant_words(*words):
                return " ".join(words)
        return None


# --------------------------------------------------------------------------------------------------
# Generator methods
# --------------------------------------------------------------------------------------------------


class GrantGeneratorMixin(_GeneratorBase):
    """``*_sql`` methods for the classes above, bound in ``GRANT_TRANSFORMS``."""

    def _grant_target_sql(self, expression: GrantPrivileges | RevokePrivileges) -> str:
        kind = expression.args["kind"]
        securable = self.sql(expression, "securable")
        bulk = expression.args.get("bulk")
        if bulk:
            return f"{bulk} {plural_kind(kind)} IN {expression.args['container']} {securable}"
        if not securable:
            return kind
        return f"{kind} {securable}{self.sql(expression, 'signature')}"

    def grantprivileges_sql(self, expression: GrantPrivileges) -> str:
        privileges = self.expressions(expression, key="privileges", flat=True)
        target = self._grant_target_sql(expression)
        principal = self.expressions(expression, key="principals", flat=True)
        option = " WITH GRANT OPTION" if expression.args.get("grant_option") else ""
        current = expression.args.get("current_grants")
        current = f" {current} CURRENT GRANTS" if current else ""
        return f"GRANT {privileges} ON {target} TO {principal}{option}{current}"

    def revokeprivileges_sql(self, expression: RevokePrivileges) -> str:
        option = "GRANT OPTION FOR " if expression.args.get("grant_option") else ""
        privileges = self.expressions(expression, key="privileges", flat=True)
        target = self._grant_target_sql(expression)
        principal = self.expressions(expression, key="principals", flat=True)
        cascade = expression.args.get("cascade")
        cascade = f" {cascade}" if cascade else ""
        return f"REVOKE {option}{privileges} ON {target} FROM {principal}{cascade}"

    def grantrole_sql(self, expression: GrantRole) -> str:
        principal = self.expressions(expression, key="principals", flat=True)
        role = self.sql(expression, "securable")
        return f"GRANT {expression.args['kind']} {role} TO {principal}"

    def revokerole_sql(self, expression: RevokeRole) -> str:
        principal = self.expressions(expression, key="principals", flat=True)
        role = self.sql(expression, "securable")
        return f"REVOKE {expression.args['kind']} {role} FROM {principal}"

    def routinesignature_sql(self, expression: RoutineSignature) -> str:
        return f"({self.expressions(expression, flat=True)})"


# Generator dispatch for the classes above (sqlglot finds ``<key>_sql`` only for its own classes).
GRANT_TRANSFORMS: dict[type[exp.Expr], t.Callable[..., str]] = {
    GrantPrivileges: GrantGeneratorMixin.grantprivileges_sql,
    RevokePrivileges: GrantGeneratorMixin.revokeprivileges_sql,
    GrantRole: GrantGeneratorMixin.grantrole_sql,
    RevokeRole: GrantGeneratorMixin.revokerole_sql,
    RoutineSignature: GrantGeneratorMixin.routinesignature_sql,
}
