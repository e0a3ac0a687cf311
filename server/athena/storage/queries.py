"""Named SQL loaded once from `sql/*.sql`.

A file holds blocks introduced by `-- name: NAME` followed by a one-line `-- description`.
`-- fragment: NAME` blocks are reusable pieces; `{{NAME}}` in a query is replaced by that
fragment at load time, so the SQL that runs is still static text.

Lines `-- plan: generic` (or `any`) and `-- session: stateful` may follow the description:
- `plan: generic` runs the statement with a cached generic plan. Connections default to custom
  plans (planned for each call's parameters), which `($n IS NULL OR col = $n)` filters need; a
  statement whose best plan does not depend on its parameters (the hot writes) would pay that
  planning on every call, 2 ms for a task create's CTE against 0.1 ms of execution. Only for
  statements whose plan cannot turn bad as tables grow: a generic plan is made once, from the
  statistics of that moment, and a `LIMIT $n` is planned blind (the bus sequencer's generic plan,
  made on an empty table, ran for seconds once 60k events had queued). `plan: any`
  marks a statement without a plan (SET LOCAL), run in whichever mode the connection is in.
- `session: stateful` leaves state on the connection beyond its transaction (a session advisory
  lock), so the pool resets the connection on release; others skip that round trip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"
_HEADER = re.compile(r"^--\s*(name|fragment):\s*(\w+)\s*$", re.MULTILINE)
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_OPTION = re.compile(r"^--\s*(plan|session):\s*(\w+)\s*$")
_OPTIONS = {("plan", "generic"), ("plan", "any"), ("session", "stateful")}


@dataclass(frozen=True)
class Query:
    """One named statement."""

    name: str
    description: str
    sql: str
    # "custom", "generic" or "any" (see the module docstring).
    plan: str = "custom"
    stateful: bool = False


class Queries:
    """Attribute access to loaded queries: `queries.insert_event.sql`."""

    def __init__(self, queries: dict[str, Query]) -> None:
        self._queries = queries

    def __getattr__(self, name: str) -> Query:
        try:
            return self._queries[name]
        except KeyError:
            raise AttributeError(f"no SQL query named {name!r}") from None

    def names(self) -> list[str]:
        return sorted(self._queries)


def parse(text: str, source: str = "<sql>") -> tuple[dict[str, Query], dict[str, str]]:
    queries: dict[str, Query] = {}
    fragments: dict[str, str] = {}
    headers = list(_HEADER.finditer(text))
    for i, match in enumerate(headers):
        kind, name = match.group(1), match.group(2)
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        body = text[match.end() : end].strip("\n")
        lines = body.splitlines()
        description = ""
        if lines and lines[0].lstrip().startswith("--"):
            description = lines[0].lstrip()[2:].strip()
            lines = lines[1:]
        options: dict[str, str] = {}
        while lines and (option := _OPTION.match(lines[0].strip())):
            if (option.group(1), option.group(2)) not in _OPTIONS or option.group(1) in options:
                raise ValueError(f"{source}: query {name!r} has a bad option {lines[0]!r}")
            options[option.group(1)] = option.group(2)
            lines = lines[1:]
        sql = "\n".join(lines).strip().rstrip(";")
        target = queries if kind == "name" else fragments
        if name in target:
            raise ValueError(f"{source}: duplicate {kind} {name!r}")
        if kind == "name":
            if not description:
                raise ValueError(f"{source}: query {name!r} has no description line")
            queries[name] = Query(
                name,
                description,
                sql,
                plan=options.get("plan", "custom"),
                stateful=options.get("session") == "stateful",
            )
        else:
            fragments[name] = sql
    return queries, fragments


def _expand(query: Query, fragments: dict[str, str]) -> Query:
    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in fragments:
            raise ValueError(f"query {query.name!r} uses unknown fragment {key!r}")
        return fragments[key]

    return replace(query, sql=_PLACEHOLDER.sub(sub, query.sql))


def load_queries(directory: Path = SQL_DIR) -> Queries:
    """Load and expand every `.sql` file in `directory`; names are global across files."""
    queries: dict[str, Query] = {}
    fragments: dict[str, str] = {}
    for path in sorted(directory.glob("*.sql")):
        file_queries, file_fragments = parse(path.read_text(), str(path))
        for name in file_queries.keys() & queries.keys():
            raise ValueError(f"{path}: query {name!r} defined twice")
        queries.update(file_queries)
        fragments.update(file_fragments)
    return Queries({name: _expand(q, fragments) for name, q in queries.items()})
