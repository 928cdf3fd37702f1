"""Snowflake ML statements for ``MlSnowflake``: expression classes, parser and generator methods.

The classes below give trees to the SQL that snowflake-ml-python and its users write for datasets,
models, model inference and services; upstream sqlglot turns all of it into ``exp.Command`` (or a
parse error). The parser and generator methods are mixins: ``grammars/snowflake.py`` puts them in
``MlSnowflakeParser`` / ``MlSnowflakeGenerator`` and binds them through its tables
(``STATEMENT_PARSERS``, ``ALTER_KIND_PARSERS``, ``FUNCTIONS``, …). Shapes a method does not know
fall back to ``exp.Command`` with a logged warning, as upstream's ``_parse_undrop`` does.

What a consumer reads (see also each class's docstring):

- ``exp.Create(kind="DATASET")``, ``CreateModel`` and ``CreateService`` (both ``exp.Create``
  subclasses): the object name is ``create.this`` (an ``exp.Table``).
- ``exp.Alter(kind="DATASET" | "MODEL")``: the object is ``alter.this``; ``alter.actions[0]`` is
  one of the action classes below (or upstream's ``exp.AlterRename`` / ``exp.AlterSet``).
- ``exp.Drop(kind="DATASET" | "MODEL" | "SERVICE")``: the names are ``drop.args["tables"]``.
- ``ModelRef``: every reference to a model version (``MODEL m VERSION v`` in a WITH clause or after
  ``FROM`` of CREATE/ALTER MODEL, ``MODEL(m, v)`` before ``!method``). Its name is *not* an
  ``exp.Table``, so ``find_all(exp.Table)`` never counts a model as a table read. A bare
  ``m!PREDICT(…)`` holds only an identifier: use ``resolve_model`` / ``model_refs``.
- ``Call``: ``CALL proc(args)``; ``SYSTEM$DEPLOY_MODEL`` is the function class ``DeployModel``.
"""

from __future__ import annotations

import typing as t

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


class ModelRef(exp.Expression, exp.DDL):
    """A model, optionally pinned to a version or alias.

    Written ``MODEL name [VERSION v]`` as a WITH body (``WITH mv AS MODEL db.s.m VERSION v1 SELECT
    mv!PREDICT(…)``) or as the source of CREATE/ALTER MODEL … ``FROM MODEL m [VERSION v]``, and
    ``MODEL(name[, v])`` before ``!method`` (``call`` is True).
    https://docs.snowflake.com/en/developer-guide/snowflake-ml/model-registry/warehouse#calling-model-methods

    Args: ``this`` / ``db`` / ``catalog``: the name's identifiers, laid out as in ``exp.Table``
    (``to_table()`` builds one for name resolution); ``version``: an ``exp.Identifier`` (a version
    or an alias such as ``LAST``; unquoted means fold to upper case) or None for the default
    version; ``call``: True for the ``MODEL(…)`` form.

    The ``exp.DDL`` base is there only so that ``sqlglot.optimizer.scope`` skips a WITH body that
    is a ``ModelRef`` silently, as it skips DDL without a query (any other class logs "Cannot
    traverse scope" each time Snowflake's generator builds a scope): the alias names no source and
    no scope is built for it. Nothing inside a ``ModelRef`` is an ``exp.Table`` or ``exp.Column``.
    """

    arg_types: t.ClassVar[dict[str, bool]] = {
        "this": True,
        "db": False,
        "catalog": False,
        "version": False,
        "call": False,
    }

    @property
    def db(self) -> str:
        return self.text("db")

    @property
    def catalog(self) -> str:
        return self.text("catalog")

    @property
    def parts(self) -> list[exp.Identifier]:
        """The name's identifiers, outermost first (``[catalog, db, name]`` when all are given)."""
        return [p for p in (self.args.get(k) for k in ("catalog", "db", "this")) if p is not None]

    @property
    def version(self) -> exp.Identifier | None:
        return self.args.get("version")

    def to_table(self) -> exp.Table:
        """A detached ``exp.Table`` with the same name parts (not part of the tree)."""
        return exp.Table(
            **{k: v.copy() for k, v in self.args.items() if k in ("this", "db", "catalog") and v}
        )


class AddDatasetVersion(exp.Expression):
    """``ALTER DATASET d ADD VERSION 'v' FROM (query) [PARTITION BY e] [COMMENT=…] [METADATA=…]``.

    https://docs.snowflake.com/en/sql-reference/sql/alter-dataset

    Args: ``this``: the version (an ``exp.Literal`` string; case-sensitive); ``expression``: the
    query as parsed (an ``exp.Subquery`` when written in parentheses: ``.query`` unwraps it);
    ``partition_by``: an expression; ``comment``; ``metadata``: an ``exp.Literal`` for ``'…'``
    (its ``.name`` is the unescaped value) or an ``exp.RawString`` for ``$$…$$`` (its ``.name`` is
    the body exactly as written). ``metadata_text`` gives the JSON text for either.
    """

    arg_types: t.ClassVar[dict[str, bool]] = {
        "this": True,
        "expression": True,
        "partition_by": False,
        "comment": False,
        "metadata": False,
    }

    @property
    def query(self) -> exp.Expr:
        """The version's query with any parentheses removed."""
        return self.expression.unnest()

    @property
    def metadata_text(self) -> str | None:
        metadata = self.args.get("metadata")
        return metadata.name if metadata is not None else None


class DropVersion(exp.Expression):
    """``ALTER DATASET d DROP VERSION 'v'`` (``this`` a string ``exp.Literal``) and ``ALTER MODEL m
    DROP VERSION v`` (``this`` an ``exp.Identifier``).

    https://docs.snowflake.com/en/sql-reference/sql/alter-dataset
    https://docs.snowflake.com/en/sql-reference/sql/alter-model
    """


class CreateModel(exp.Create):
    """``CREATE [OR REPLACE] MODEL [IF NOT EXISTS] m [WITH [LIVE] VERSION v] [FROM source]``.

    https://docs.snowflake.com/en/sql-reference/sql/create-model

    An ``exp.Create`` with ``kind="MODEL"`` and ``this`` the model's ``exp.Table``, plus:
    ``version``: an ``exp.Identifier`` or None; ``live``: True for ``WITH LIVE VERSION`` (which
    may have no source); ``source``: an ``exp.Var`` holding the stage location as written
    (``@db.s.stage/path``, ``@~/p``, ``@%t/p``) or a ``ModelRef`` for
    ``FROM MODEL m2 [VERSION v2]``.
    """

    arg_types: t.ClassVar[dict[str, bool]] = {
        **exp.Create.arg_types,
        "version": False,
        "live": False,
        "source": False,
    }


class AddModelVersion(exp.Expression):
    """``ALTER MODEL m ADD [LIVE] VERSION v [FROM source]``.

    https://docs.snowflake.com/en/sql-reference/sql/alter-model

    Args: ``this``: the version ``exp.Identifier``; ``live``; ``source``: as in ``CreateModel``.
    """

    arg_types: t.ClassVar[dict[str, bool]] = {"this": True, "live": False, "source": False}


class CommitModelVersion(exp.Expression):
    """``ALTER MODEL m COMMIT VERSION v`` (``this``: the version ``exp.Identifier``)."""


class SetDefaultVersion(exp.Expression):
    """``ALTER MODEL m SET DEFAULT_VERSION = v`` (``this``: an ``exp.Identifier``, or a string
    ``exp.Literal`` if quoted so)."""


class ModelVersionAlias(exp.Expression):
    """``ALTER MODEL m VERSION v SET ALIAS = a`` / ``… VERSION v UNSET ALIAS``.

    Args: ``this``: the version (or alias) ``exp.Identifier``; ``alias``: the new alias
    ``exp.Identifier``, None for UNSET.
    """

    arg_types: t.ClassVar[dict[str, bool]] = {"this": True, "alias": False}


class ModifyModelVersion(exp.Expression):
    """``ALTER MODEL m MODIFY VERSION v SET COMMENT=… | METADATA=…``, as the ML library writes.

    Args: ``this``: the version ``exp.Identifier``; ``expressions``: ``exp.Property`` nodes
    (``this`` an ``exp.Var`` key, ``value`` an ``exp.Literal`` or ``exp.RawString``).
    """

    arg_types: t.ClassVar[dict[str, bool]] = {"this": True, "expressions": True}


class CreateService(exp.Create):
    """``CREATE SERVICE [IF NOT EXISTS] s IN COMPUTE POOL p FROM …  [properties]``.

    https://docs.snowflake.com/en/sql-reference/sql/create-service

    An ``exp.Create`` with ``kind="SERVICE"`` and ``this`` the service's ``exp.Table``, plus:
    ``compute_pool``: an ``exp.Identifier``; ``stage``: an ``exp.Var`` (``FROM @stage …``) and
    ``specification_file``: an ``exp.Literal``; or ``specification``: the inline text
    (``exp.RawString`` for ``$$…$$``, else ``exp.Literal``); ``template``: True for the
    ``SPECIFICATION_TEMPLATE[_FILE]`` forms, whose ``using`` holds the ``exp.Kwarg`` values.
    The trailing properties (``MIN_INSTANCES = 1``, ``TAG (…)``, ``COMMENT = '…'``) are upstream
    property nodes in ``properties``.
    """

    arg_types: t.ClassVar[dict[str, bool]] = {
        **exp.Create.arg_types,
        "compute_pool": True,
        "stage": False,
        "specification_file": False,
        "specification": False,
        "template": False,
        "using": False,
    }


class Call(exp.Expression):
    """``CALL proc(args)``. https://docs.snowflake.com/en/sql-reference/sql/call

    ``this`` is the call as an expression parses it: the function node itself (``exp.Anonymous``,
    ``DeployModel`` or any known ``exp.Func``, its arguments parsed), or an ``exp.Dot`` whose last
    part is that node for a qualified name. ``function`` gives the function node,
    ``procedure_name`` the dotted name as written.
    """

    @property
    def function(self) -> exp.Func:
        this = self.this
        while isinstance(this, exp.Dot):
            this = this.expression
        return t.cast(exp.Func, this)

    @property
    def procedure_name(self) -> str:
        """The procedure's dotted name; quoted parts keep their quotes."""
        parts: list[exp.Expr] = []
        stack: list[exp.Expr] = [self.this]
        while stack:
            node = stack.pop()
            if isinstance(node, exp.Dot):
                stack.extend((node.expression, node.this))
            else:
                parts.append(node)
        *qualifiers, function = parts
        if isinstance(function, exp.Anonymous):
            name = function.this if isinstance(function.this, str) else function.this.sql()
        else:
            name = t.cast(exp.Func, function).sql_name()
        return ".".join([*(q.sql(dialect="snowflake") for q in qualifiers), name])


class DeployModel(exp.Expression, exp.Func):
    """``SYSTEM$DEPLOY_MODEL('<spec>')``: deploys a model version as a service.

    ``this`` is the spec as parsed: a string ``exp.Literal`` holding the YAML text (unescaped) or a
    stage path ``'@stage/spec.yaml'``; an expression such as ``'…' || ? || '…'`` when the library
    bound parameters into it. ``spec`` returns the text of a literal, else None.
    https://github.com/snowflakedb/snowflake-ml-python (``ServiceSQLClient.deploy_model``)
    """

    arg_types: t.ClassVar[dict[str, bool]] = {"this": True}
    _sql_names: t.ClassVar[list[str]] = ["SYSTEM$DEPLOY_MODEL"]

    @property
    def spec(self) -> str | None:
        this = self.this
        return this.name if isinstance(this, exp.Literal) and this.is_string else None


def build_deploy_model(args: list[exp.Expr]) -> exp.Func:
    """``SYSTEM$DEPLOY_MODEL`` with one argument is a ``DeployModel``; other arities stay
    ``exp.Anonymous``."""
    if len(args) == 1:
        return DeployModel(this=args[0])
    return exp.Anonymous(this="SYSTEM$DEPLOY_MODEL", expressions=args)


# --------------------------------------------------------------------------------------------------
# Consumer helpers
# --------------------------------------------------------------------------------------------------


def _fold(identifier: exp.Identifier) -> str:
    """Snowflake's identifier resolution: unquoted names compare upper-cased."""
    return identifier.this if identifier.quoted else identifier.this.upper()


def _name_identifiers(name: exp.Expr | None) -> list[exp.Identifier] | None:
    """The identifiers of a (possibly dotted) name, or None if it is not a plain name."""
    if isinstance(name, exp.Identifier):
        return [name]
    if isinstance(name, exp.Var):
        return [exp.to_identifier(name.name)]
    parts: list[exp.Expr] = []
    if isinstance(name, exp.Column):
        parts = list(name.parts)
    elif isinstance(name, exp.Dot):
        stack: list[exp.Expr] = [name]
        while stack:
            node = stack.pop()
            if isinstance(node, exp.Dot):
                stack.extend((node.expression, node.this))
            else:
                parts.append(node)
    if parts and all(isinstance(p, exp.Identifier) for p in parts):
        return t.cast(list[exp.Identifier], parts)
    return None


def resolve_model(attribute: exp.ModelAttribute) -> ModelRef | None:
    """The model an ``exp.ModelAttribute`` (``target!METHOD(…)``) calls.

    The target is a ``ModelRef`` (``MODEL(m, v)!…``), or a name: a WITH alias bound to
    ``MODEL m VERSION v`` in an enclosing statement (that ``ModelRef`` is returned), else the
    model itself at its default version (a new, detached ``ModelRef`` without version is
    returned). None if the target is an alias of a non-model CTE or not a name.
    """
    target = attribute.this
    if isinstance(target, ModelRef):
        return target
    parts = _name_identifiers(target)
    if not parts:
        return None
    if len(parts) == 1:
        key = _fold(parts[0])
        node: exp.Expr | None = attribute.parent
        while node is not None:
            with_ = node.args.get("with_")
            if isinstance(with_, exp.With):
                for cte in with_.expressions:
                    alias = cte.args.get("alias")
                    if alias is not None and alias.this and _fold(alias.this) == key:
                        return cte.this if isinstance(cte.this, ModelRef) else None
            node = node.parent
    names = dict(zip(("this", "db", "catalog"), (p.copy() for p in reversed(parts)), strict=False))
    return ModelRef(**names)


def model_refs(expression: exp.Expr) -> list[ModelRef]:
    """Every model reference in a tree: the ``ModelRef`` nodes, plus a detached ``ModelRef`` for
    each ``name!METHOD(…)`` that names a model directly (not through a WITH alias)."""
    refs = list(expression.find_all(ModelRef))
    for attribute in expression.find_all(exp.ModelAttribute):
        if isinstance(attribute.this, ModelRef):
            continue
        ref = resolve_model(attribute)
        if ref is not None and ref.parent is None:
            refs.append(ref)
    return refs


def staged_file_location(table: exp.Table) -> str | None:
    """The location if ``table`` reads staged files rather than a table, else None.

    Upstream parses ``FROM 'snow://dataset/…/versions/v/' (FILE_FORMAT => …, PATTERN => …)`` into
    an ``exp.Table`` whose ``this`` is a string ``exp.Literal``, and ``FROM @stage/path`` into one
    whose ``this`` is an ``exp.Var`` starting with ``@``; ``format`` and ``pattern`` hold the
    options. https://docs.snowflake.com/en/user-guide/querying-stage
    """
    this = table.this
    if isinstance(this, exp.Literal) and this.is_string:
        return this.name
    if isinstance(this, exp.Var) and this.name.startswith("@"):
        return this.name
    return None


def tag_assignments(expression: exp.Expr) -> list[tuple[list[exp.Identifier], exp.Expr]]:
    """The object-level tags a statement sets, as (name identifiers, value) pairs.

    ``CREATE … TAG (db.s.t = 'v', …)`` holds them in an ``exp.Tags`` property, each an
    ``exp.Property`` whose ``this`` is an ``exp.Dot`` (or ``exp.Identifier``/``exp.Var``);
    ``ALTER … SET TAG db.s.t = 'v'`` in ``exp.AlterSet.args["tag"]``, each an ``exp.EQ`` whose
    ``this`` is an ``exp.Column``. Column-level ``WITH TAG`` constraints are not included.
    https://docs.snowflake.com/en/user-guide/object-tagging/work
    """
    pairs: list[tuple[list[exp.Identifier], exp.Expr]] = []
    for tags in expression.find_all(exp.Tags):
        if not isinstance(tags.parent, exp.Properties):
            continue
        for prop in tags.expressions:
            name = _name_identifiers(prop.this)
            if name is not None and isinstance(prop, exp.Property):
                pairs.append((name, prop.args["value"]))
    for alter_set in expression.find_all(exp.AlterSet):
        for eq in alter_set.args.get("tag") or []:
            name = _name_identifiers(eq.this)
            if name is not None:
                pairs.append((name, eq.expression))
    return pairs


# --------------------------------------------------------------------------------------------------
# Parser methods
# --------------------------------------------------------------------------------------------------


class MlParserMixin(_ParserBase):
    """``_parse_*`` methods for the ML statements; the tables binding them are in
    ``MlSnowflakeParser``."""

    # CREATE ------------------------------------------------------------------------------------

    def _parse_create_dataset(self, start: Token, replace: bool) -> exp.Create | exp.Command:
        """``CREATE [OR REPLACE] DATASET [IF NOT EXISTS] name``.
        https://docs.snowflake.com/en/sql-reference/sql/create-dataset"""
        exists = self._parse_exists(not_=True)
        this = self._parse_table_parts()
        if this is None or self._curr:
            return self._parse_as_command(start)
        return self.expression(
            exp.Create(this=this, kind="DATASET", replace=replace, exists=exists)
        )

    def _parse_create_model(self, start: Token, replace: bool) -> CreateModel | exp.Command:
        """``CREATE [OR REPLACE] MODEL [IF NOT EXISTS] m [WITH [LIVE] VERSION v] [FROM source]``.
        https://docs.snowflake.com/en/sql-reference/sql/create-model"""
        exists = self._parse_exists(not_=True)
        this = self._parse_table_parts()
        live = False
        version = None
        if self._match(TokenType.WITH):
            live = self._match_text_seq("LIVE")
            if not self._match_text_seq("VERSION"):
                return self._parse_as_command(start)
            version = self._parse_id_var()
        source = self._parse_model_source()
        if this is None or (source is None and not live) or self._curr:
            return self._parse_as_command(start)
        return self.expression(
            CreateModel(
                this=this,
                kind="MODEL",
                replace=replace,
                exists=exists,
                version=version,
                live=live,
                source=source,
            )
        )

    def _parse_create_service(self, start: Token, replace: bool) -> CreateService | exp.Command:
        """``CREATE SERVICE [IF NOT EXISTS] s IN COMPUTE POOL p FROM {@stage SPECIFICATION_FILE =
        '…' | SPECIFICATION text | @stage SPECIFICATION_TEMPLATE_FILE = '…' USING (…) |
        SPECIFICATION_TEMPLATE text USING (…)} [properties]``.
        https://docs.snowflake.com/en/sql-reference/sql/create-service"""
        exists = self._parse_exists(not_=True)
        this = self._parse_table_parts()
        if replace or this is None or not self._match_text_seq("IN", "COMPUTE", "POOL"):
            return self._parse_as_command(start)
        pool = self._parse_id_var()
        if not self._match(TokenType.FROM):
            return self._parse_as_command(start)

        stage = spec_file = spec = None
        template = False
        if self._match_text_seq("@", advance=False):
            stage = self._parse_location_path()
            template = self._match_text_seq("SPECIFICATION_TEMPLATE_FILE")
            if template or self._match_text_seq("SPECIFICATION_FILE"):
                self._match(TokenType.EQ)
                spec_file = self._parse_string()
        else:
            template = self._match_text_seq("SPECIFICATION_TEMPLATE")
            if template or self._match_text_seq("SPECIFICATION"):
                spec = self._parse_string()
        if spec_file is None and spec is None:
            return self._parse_as_command(start)

        using = None
        if template:
            if not self._match(TokenType.USING):
                return self._parse_as_command(start)
            using = self._parse_wrapped_csv(self._parse_lambda)

        properties = self._parse_properties()
        if self._curr:
            return self._parse_as_command(start)
        return self.expression(
            CreateService(
                this=this,
                kind="SERVICE",
                exists=exists,
                compute_pool=pool,
                stage=stage,
                specification_file=spec_file,
                specification=spec,
                template=template,
                using=using,
                properties=properties,
            )
        )

    # ALTER -------------------------------------------------------------------------------------

    def _parse_dataset_action(self) -> exp.Expr | None:
        """The action of ``ALTER DATASET d …``: ADD VERSION or DROP VERSION; None otherwise.
        https://docs.snowflake.com/en/sql-reference/sql/alter-dataset"""
        index = self._index
        if self._match_text_seq("ADD", "VERSION"):
            version = self._parse_string() or self._parse_id_var(any_token=False)
            if version is not None and self._match(TokenType.FROM):
                query = self._parse_ddl_select()
                if isinstance(query, exp.Query):
                    action = self.expression(AddDatasetVersion(this=version, expression=query))
                    while self._curr:
                        if self._match(TokenType.PARTITION_BY):
                            action.set("partition_by", self._parse_assignment())
                        elif self._match_texts(("COMMENT", "METADATA")):
                            key = self._prev.text.lower()
                            self._match(TokenType.EQ)
                            action.set(key, self._parse_string())
                        else:
                            break
                    return action
        elif self._match_text_seq("DROP", "VERSION"):
            version = self._parse_string() or self._parse_id_var(any_token=False)
            if version is not None:
                return self.expression(DropVersion(this=version))
        self._retreat(index)
        return None

    def _parse_model_action(self) -> exp.Expr | None:
        """The model-specific action of ``ALTER MODEL m …``; None for other tails (RENAME TO,
        SET COMMENT, SET TAG … are then parsed as for other objects).
        https://docs.snowflake.com/en/sql-reference/sql/alter-model"""
        index = self._index
        action: exp.Expr | None = None
        if self._match_text_seq("ADD"):
            live = self._match_text_seq("LIVE")
            if self._match_text_seq("VERSION"):
                version = self._parse_id_var()
                source = self._parse_model_source()
                if source is not None or live:
                    action = AddModelVersion(this=version, live=live, source=source)
        elif self._match_text_seq("DROP", "VERSION"):
            action = DropVersion(this=self._parse_id_var())
        elif self._match_text_seq("COMMIT", "VERSION"):
            action = CommitModelVersion(this=self._parse_id_var())
        elif self._match_text_seq("SET", "DEFAULT_VERSION"):
            self._match(TokenType.EQ)
            action = SetDefaultVersion(this=self._parse_string() or self._parse_id_var())
        elif self._match_text_seq("VERSION"):
            version = self._parse_id_var()
            if self._match_text_seq("SET", "ALIAS"):
                self._match(TokenType.EQ)
                action = ModelVersionAlias(this=version, alias=self._parse_id_var())
            elif self._match_text_seq("UNSET", "ALIAS"):
                action = ModelVersionAlias(this=version)
        elif self._match_text_seq("MODIFY", "VERSION"):
            version = self._parse_id_var()
            if self._match(TokenType.SET):
                settings = self._parse_csv(self._parse_model_version_setting)
                if settings and all(settings):
                    action = ModifyModelVersion(this=version, expressions=settings)

        if action is None or not action.this:
            self._retreat(index)
            return None
        return self.expression(action)

    def _parse_model_version_setting(self) -> exp.Property | None:
        """``COMMENT = '…'`` / ``METADATA = $$…$$`` after ``MODIFY VERSION v SET``."""
        if not self._match_texts(("COMMENT", "METADATA")):
            return None
        key = exp.var(self._prev.text.upper())
        self._match(TokenType.EQ)
        value = self._parse_string()
        return self.expression(exp.Property(this=key, value=value)) if value else None

    def _parse_model_source(self) -> exp.Expr | None:
        """``FROM @stage[/path]`` (an ``exp.Var``) or ``FROM MODEL m [VERSION v]`` (a
        ``ModelRef``); None when no FROM follows."""
        index = self._index
        if not self._match(TokenType.FROM):
            return None
        if self._match_text_seq("@", advance=False):
            return self._parse_location_path()
        if self._match_text_seq("MODEL"):
            ref = self._parse_model_ref_tail()
            if ref is not None:
                return ref
        self._retreat(index)
        return None

    # Model references in queries ---------------------------------------------------------------

    def _parse_model_ref_tail(self) -> ModelRef | None:
        """``name [VERSION v]`` after the word MODEL."""
        table = self._try_parse(self._parse_table_parts)
        if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
            return None
        version = self._parse_id_var() if self._match_text_seq("VERSION") else None
        return self.expression(
            ModelRef(
                this=table.this,
                db=table.args.get("db"),
                catalog=table.args.get("catalog"),
                version=version,
            )
        )

    def _parse_model_call(self) -> exp.Expr:
        """The arguments of ``MODEL(name[, version])!…`` (a FUNCTION_PARSERS entry); other
        argument shapes, or no ``!`` after the call, give ``exp.Anonymous`` as before."""
        index = self._index
        table = self._try_parse(self._parse_table_parts)
        version = None
        if self._match(TokenType.COMMA):
            version = self._parse_id_var(any_token=False)
        if (
            isinstance(table, exp.Table)
            and isinstance(table.this, exp.Identifier)
            and self._match(TokenType.R_PAREN, advance=False)
            and self._next is not None
            and self._next.token_type == TokenType.EXCLAMATION
        ):
            return self.expression(
                ModelRef(
                    this=table.this,
                    db=table.args.get("db"),
                    catalog=table.args.get("catalog"),
                    version=version,
                    call=True,
                )
            )
        self._retreat(index)
        return self.expression(
            exp.Anonymous(this="MODEL", expressions=self._parse_csv(self._parse_lambda))
        )

    def _parse_cte(self) -> exp.CTE | exp.FunctionSpecification | None:
        """Adds ``alias AS MODEL name [VERSION v]`` to upstream's CTEs."""
        index = self._index
        alias = self._parse_table_alias(self.ID_VAR_TOKENS)
        if (
            alias is not None
            and alias.this
            and self._match(TokenType.ALIAS)
            and self._match_text_seq("MODEL")
            and not self._match(TokenType.L_PAREN, advance=False)
        ):
            ref = self._parse_model_ref_tail()
            if ref is not None:
                return self.expression(exp.CTE(this=ref, alias=alias))
        self._retreat(index)
        return super()._parse_cte()

    # CALL --------------------------------------------------------------------------------------

    def _parse_call(self) -> Call | exp.Command:
        """``CALL proc(args)`` (the EXECUTE token stands for CALL, see ``MlSnowflake.Tokenizer``);
        EXECUTE statements and unknown tails (``INTO :var``) stay Commands.
        https://docs.snowflake.com/en/sql-reference/sql/call"""
        start = self._prev
        if start.text.upper() != "CALL":
            return self._parse_as_command(start)
        index = self._index
        this = self._parse_column()
        function = this
        while isinstance(function, exp.Dot):
            function = function.expression
        if not isinstance(function, exp.Func) or self._curr:
            self._retreat(index)
            return self._parse_as_command(start)
        return self.expression(Call(this=this))


# --------------------------------------------------------------------------------------------------
# Generator methods
# --------------------------------------------------------------------------------------------------


class MlGeneratorMixin(_GeneratorBase):
    """``*_sql`` methods for the classes above, bound in ``ML_TRANSFORMS``."""

    def _ml_string(self, expression: exp.Expr | None) -> str:
        """A string as written: ``$$…$$`` bodies stay raw, other literals are quoted."""
        if isinstance(expression, exp.RawString):
            return f"$${expression.name}$$"
        return self.sql(expression)

    def _ml_name(self, expression: exp.Expr) -> str:
        return ".".join(self.sql(p) for p in t.cast(ModelRef, expression).parts)

    def modelref_sql(self, expression: ModelRef) -> str:
        name = self._ml_name(expression)
        version = self.sql(expression, "version")
        if expression.args.get("call"):
            return f"MODEL({name}, {version})" if version else f"MODEL({name})"
        return f"MODEL {name} VERSION {version}" if version else f"MODEL {name}"

    def cte_sql(self, expression: exp.CTE) -> str:
        if isinstance(expression.this, ModelRef):
            return f"{self.sql(expression, 'alias')} AS {self.sql(expression, 'this')}"
        return super().cte_sql(expression)

    def createmodel_sql(self, expression: CreateModel) -> str:
        replace = " OR REPLACE" if expression.args.get("replace") else ""
        exists = " IF NOT EXISTS" if expression.args.get("exists") else ""
        version = self.sql(expression, "version")
        if version:
            live = "LIVE " if expression.args.get("live") else ""
            version = f" WITH {live}VERSION {version}"
        source = self.sql(expression, "source")
        source = f" FROM {source}" if source else ""
        return f"CREATE{replace} MODEL{exists} {self.sql(expression, 'this')}{version}{source}"

    def createservice_sql(self, expression: CreateService) -> str:
        exists = " IF NOT EXISTS" if expression.args.get("exists") else ""
        pool = self.sql(expression, "compute_pool")
        template = "_TEMPLATE" if expression.args.get("template") else ""
        stage = self.sql(expression, "stage")
        if stage:
            spec_file = self._ml_string(expression.args.get("specification_file"))
            source = f"{stage} SPECIFICATION{template}_FILE = {spec_file}"
        else:
            source = f"SPECIFICATION{template} {self._ml_string(expression.args['specification'])}"
        using = self.expressions(expression, key="using", flat=True)
        using = f" USING ({using})" if expression.args.get("using") is not None else ""
        props = expression.args.get("properties")
        props_sql = (
            self.properties(props, prefix=" ", sep=" ", wrapped=False) if props is not None else ""
        )
        this = self.sql(expression, "this")
        return (
            f"CREATE SERVICE{exists} {this} IN COMPUTE POOL {pool} FROM {source}{using}{props_sql}"
        )

    def adddatasetversion_sql(self, expression: AddDatasetVersion) -> str:
        parts = [
            f"ADD VERSION {self.sql(expression, 'this')} FROM {self.sql(expression.expression)}"
        ]
        partition_by = self.sql(expression, "partition_by")
        if partition_by:
            parts.append(f"PARTITION BY {partition_by}")
        for key in ("comment", "metadata"):
            value = expression.args.get(key)
            if value is not None:
                parts.append(f"{key.upper()}={self._ml_string(value)}")
        return " ".join(parts)

    def dropversion_sql(self, expression: DropVersion) -> str:
        return f"DROP VERSION {self.sql(expression, 'this')}"

    def addmodelversion_sql(self, expression: AddModelVersion) -> str:
        live = "LIVE " if expression.args.get("live") else ""
        source = self.sql(expression, "source")
        source = f" FROM {source}" if source else ""
        return f"ADD {live}VERSION {self.sql(expression, 'this')}{source}"

    def commitmodelversion_sql(self, expression: CommitModelVersion) -> str:
        return f"COMMIT VERSION {self.sql(expression, 'this')}"

    def setdefaultversion_sql(self, expression: SetDefaultVersion) -> str:
        return f"SET DEFAULT_VERSION = {self.sql(expression, 'this')}"

    def modelversionalias_sql(self, expression: ModelVersionAlias) -> str:
        version = self.sql(expression, "this")
        alias = self.sql(expression, "alias")
        if alias:
            return f"VERSION {version} SET ALIAS = {alias}"
        return f"VERSION {version} UNSET ALIAS"

    def modifymodelversion_sql(self, expression: ModifyModelVersion) -> str:
        settings = ", ".join(
            f"{self.sql(p, 'this')}={self._ml_string(p.args['value'])}"
            for p in expression.expressions
        )
        return f"MODIFY VERSION {self.sql(expression, 'this')} SET {settings}"

    def call_sql(self, expression: Call) -> str:
        return f"CALL {self.sql(expression, 'this')}"


# Generator dispatch for the classes above: sqlglot finds ``<key>_sql`` methods only for its own
# classes, so ``MlSnowflakeGenerator.TRANSFORMS`` binds these.
ML_TRANSFORMS: dict[type[exp.Expr], t.Callable[..., str]] = {
    ModelRef: MlGeneratorMixin.modelref_sql,
    CreateModel: MlGeneratorMixin.createmodel_sql,
    CreateService: MlGeneratorMixin.createservice_sql,
    AddDatasetVersion: MlGeneratorMixin.adddatasetversion_sql,
    DropVersion: MlGeneratorMixin.dropversion_sql,
    AddModelVersion: MlGeneratorMixin.addmodelversion_sql,
    CommitModelVersion: MlGeneratorMixin.commitmodelversion_sql,
    SetDefaultVersion: MlGeneratorMixin.setdefaultversion_sql,
    ModelVersionAlias: MlGeneratorMixin.modelversionalias_sql,
    ModifyModelVersion: MlGeneratorMixin.modifymodelversion_sql,
    Call: MlGeneratorMixin.call_sql,
}
