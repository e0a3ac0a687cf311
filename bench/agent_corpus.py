"""Synthetic coding-agent sessions with planted regularities, for the consolidation benchmark.

Sessions are sequences of episodes, each with its own task name, separated by pauses:
- workflows: fixed sequences of actions (test-driven fix, release, dependency upgrade, review,
  migration, debugging, docs) whose particulars (files, numbers, names) vary every time, with
  the agent's observations and messages interleaved;
- error episodes: one of a few recurring errors, sometimes a failed first attempt, then the
  error's usual fix and a passing check;
- chatter: unrelated tool calls, searches and remarks in random order, plus one-off statements.
Statements of project facts recur across sessions ("The api server listens on port 8080"); one
fact changes value halfway through (the database is upgraded), which consolidation must turn
into a superseding fact.

The ground truth lists, for every planted regularity, the indices of the events that show it,
so that found patterns can be matched by the events they came from, not by their wording.
Everything derives from the seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

FILES = [
    "src/app/api.py", "src/app/models.py", "src/app/auth.py", "src/app/cache.py",
    "src/app/db.py", "src/app/routes/users.py", "src/app/routes/orders.py", "src/app/config.py",
    "src/app/workers/email.py", "src/app/utils/dates.py", "web/src/App.tsx", "web/src/api.ts",
]  # fmt: skip
TESTS = [f"tests/test_{n}.py" for n in ("api", "models", "auth", "cache", "db", "orders")]
FUNCS = ["parse_config", "load_user", "create_order", "refresh_token", "send_email", "to_utc",
         "cache_get", "apply_discount", "validate_payload", "paginate"]  # fmt: skip
PACKAGES = ["requests", "pydantic", "sqlalchemy", "httpx", "fastapi", "celery", "redis"]
MODULES = ["yaml", "dateutil", "jwt", "toml", "ujson", "orjson", "boto3"]

# (type, outcome, template). Particulars are in {} and change per instance.
WORKFLOWS: dict[str, list[tuple[str, str, str]]] = {
    "tdd_fix": [
        ("tool_call", "success", "Read {file} to understand the failing code"),
        ("test_run", "failure", "Ran pytest {test}: {n} failed, {m} passed"),
        ("file_change", "success", "Edited {file}: changed `{func}`"),
        ("test_run", "success", "Ran pytest {test}: {m} passed"),
        ("action", "success", "Committed changes with message '{msg}'"),
    ],
    "release": [
        ("file_change", "success", "Bumped version to {ver} in pyproject.toml"),
        ("file_change", "success", "Updated CHANGELOG.md with {n} entries"),
        ("test_run", "success", "Ran the full test suite: {m} passed"),
        ("tool_call", "success", "Built wheel and sdist with python -m build"),
        ("action", "success", "Tagged release v{ver}"),
        ("action", "success", "Pushed tag v{ver} to origin"),
    ],
    "dependency_upgrade": [
        ("tool_call", "success", "Listed outdated packages with pip list --outdated: {n} found"),
        ("file_change", "success", "Upgraded '{pkg}' to {ver} in requirements.txt"),
        ("tool_call", "success", "Installed requirements with pip install -r requirements.txt"),
        ("test_run", "success", "Ran pytest after the upgrade: {m} passed"),
    ],
    "code_review": [
        ("tool_call", "success", "Fetched pull request #{n} from GitHub"),
        ("tool_call", "success", "Read the diff of {file}"),
        ("tool_call", "success", "Ran ruff check on {file}: {n} issues"),
        ("action", "success", "Left review comment on {file} line {m}"),
        ("action", "success", "Approved pull request #{n}"),
    ],
    "db_migration": [
        ("file_change", "success", "Created migration migrations/{n}_add_{col}.py"),
        ("tool_call", "success", "Ran alembic upgrade head"),
        ("tool_call", "success", "Checked the schema with psql: table '{col}' has {m} columns"),
        ("file_change", "success", "Updated model in {file}"),
    ],
    "debug_endpoint": [
        ("tool_call", "success", "Reproduced the bug with curl against /api/{col}: status 500"),
        ("file_change", "success", "Added debug logging to {file}"),
        ("tool_call", "success", "Read the server log for request {hex}"),
        ("file_change", "success", "Fixed missing null check in {file}"),
        ("tool_call", "success", "Verified with curl against /api/{col}: status 200"),
    ],
    "docs_update": [
        ("tool_call", "success", "Built the docs with sphinx-build: {n} warnings"),
        ("file_change", "success", "Fixed broken links in docs/{col}.md"),
        ("tool_call", "success", "Previewed the docs locally on port {port}"),
    ],
}

# Share of workflow occurrences with one middle step left out (not counted as occurrences), and
# of error occurrences followed by an unrelated action instead of the error's usual fix.
VARIATION = 0.15

# error kind -> (error template, fix template, check template)
ERRORS: dict[str, tuple[str, str, str]] = {
    "missing_module": (
        "ModuleNotFoundError: No module named '{mod}'",
        "Installed the missing package with pip install {mod}",
        "Ran pytest {test}: {m} passed",
    ),
    "db_refused": (
        "OperationalError: connection to server at localhost port 5432 refused",
        "Started PostgreSQL with docker compose up -d db",
        "Ran pytest {test}: {m} passed",
    ),
    "none_subscript": (
        "TypeError: 'NoneType' object is not subscriptable in {file}",
        "Added a None check before indexing in {file}",
        "Ran pytest {test}: {m} passed",
    ),
    "snapshot_mismatch": (
        "AssertionError: snapshot mismatch in {test}",
        "Updated snapshots with pytest --snapshot-update",
        "Ran pytest {test}: {m} passed",
    ),
    "lint_line_length": (
        "ruff E501 line too long in {file}",
        "Reformatted the code with ruff format",
        "Ran ruff check: no issues",
    ),
}

# (subject, predicate, object) said again and again; the database changes value halfway.
FACTS: list[tuple[str, str, str]] = [
    ("api server", "listens on", "port 8080"),
    ("project", "uses", "poetry for dependency management"),
    ("frontend", "is written in", "typescript"),
    ("ci pipeline", "runs on", "github actions"),
    ("staging environment", "is deployed to", "fly.io"),
]
CHANGING_FACT = ("database", "is", "postgres {v}")
FACT_PHRASES = ["The {s} {p} {o}.", "Note: the {s} {p} {o}.", "Confirmed that the {s} {p} {o}."]

CHATTER_ACTIONS = [
    ("tool_call", "Listed directory {dir}"),
    ("tool_call", "Searched the code for '{word}'"),
    ("tool_call", "Opened {file}"),
    ("tool_call", "Ran git status: {n} files changed"),
    ("tool_call", "Ran git log -n {n}"),
    ("tool_call", "Checked disk usage: {n}% used"),
    ("tool_call", "Viewed the ci dashboard"),
    ("action", "Switched to branch feature/{word}"),
    ("tool_call", "Grepped the logs for '{word}'"),
    ("tool_call", "Printed environment variable '{word}'"),
    ("action", "Took a short break"),
    ("tool_call", "Formatted {file} with the editor"),
]
REMARKS = [
    "Thinking about how to structure the {word} module",
    "The {word} logic looks more complicated than needed",
    "User asked about the {word} behaviour",
    "Not sure the {word} change is safe yet",
    "This might be related to the earlier {word} issue",
    "Remember to revisit the {word} tests",
]
WORDS = ["cache", "retry", "auth", "billing", "export", "scheduler", "timezone", "pagination",
         "webhook", "search", "metrics", "upload", "session", "locale"]  # fmt: skip
# Said once each (a host or ticket number makes them unique): not facts to learn.
ONE_OFF = ["The {w} service on host-{n} is experimental", "The {w} flag of ticket {n} is odd",
           "Our {w} budget for sprint {n} is small"]  # fmt: skip


@dataclass
class AgentEvent:
    """One event as a client would record it."""

    session_id: str
    occur_time: datetime
    type: str
    content: str
    outcome: str = "unspecified"
    task: str = ""
    files: tuple[str, ...] = ()
    importance: float = 0.5


@dataclass
class Truth:
    """Where the planted regularities are: event indices per occurrence."""

    workflows: dict[str, list[list[int]]] = field(default_factory=dict)
    workflow_steps: dict[str, int] = field(default_factory=dict)
    # error kind -> [(error index, fix index)]
    errors: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    # (subject, predicate) -> final object, and how many times each value was stated.
    facts: dict[tuple[str, str], str] = field(default_factory=dict)
    superseded: dict[tuple[str, str], str] = field(default_factory=dict)


class AgentCorpus:
    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)

    def _fill(self, template: str) -> str:
        r = self.rng
        return template.format(
            file=r.choice(FILES), test=r.choice(TESTS), func=r.choice(FUNCS),
            n=r.randint(1, 40), m=r.randint(5, 300), msg=f"fix {r.choice(WORDS)}",
            ver=f"{r.randint(0, 3)}.{r.randint(0, 20)}.{r.randint(0, 9)}", pkg=r.choice(PACKAGES),
            col=r.choice(WORDS), hex=f"{r.getrandbits(48):012x}", port=r.choice([8000, 8080, 3000]),
            mod=r.choice(MODULES), dir=r.choice(["src/app", "web/src", "tests", "docs"]),
            word=r.choice(WORDS),
        )  # fmt: skip

    def generate(self, total: int = 8128) -> tuple[list[AgentEvent], Truth]:
        r = self.rng
        events: list[AgentEvent] = []
        truth = Truth(workflow_steps={k: len(v) for k, v in WORKFLOWS.items()})
        clock = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        session = 0
        halfway = total // 2
        while len(events) < total:
            session += 1
            sid = f"session-{session:04d}"
            for _ in range(r.randint(4, 9)):
                if len(events) >= total:
                    break
                clock += timedelta(minutes=r.randint(35, 120))  # a pause between episodes
                kind = r.random()
                task = f"{r.choice(WORDS)}-{r.randint(1, 999)}"

                def add(
                    etype: str,
                    content: str,
                    outcome: str = "unspecified",
                    sid: str = sid,
                    task: str = task,
                ) -> int:
                    nonlocal clock
                    clock += timedelta(seconds=r.randint(5, 90))
                    files = tuple(f for f in FILES + TESTS if f in content)
                    events.append(
                        AgentEvent(sid, clock, etype, content, outcome, task, files,
                                   round(r.uniform(0.3, 0.8), 2))
                    )  # fmt: skip
                    return len(events) - 1

                if kind < 0.45:
                    name = r.choice(sorted(WORKFLOWS))
                    indices = []
                    steps = WORKFLOWS[name]
                    # Now and then the agent skips a step: real workflows are not verbatim.
                    skip = r.randrange(1, len(steps) - 1) if r.random() < VARIATION else -1
                    for n, (etype, outcome, template) in enumerate(steps):
                        if n == skip:
                            continue
                        indices.append(add(etype, self._fill(template), outcome))
                        if r.random() < 0.3:
                            add("observation", self._fill(r.choice(REMARKS)))
                    if skip < 0:
                        truth.workflows.setdefault(name, []).append(indices)
                elif kind < 0.7:
                    name = r.choice(sorted(ERRORS))
                    error, fix, check = ERRORS[name]
                    for _ in range(r.randint(0, 2)):
                        etype, template = r.choice(CHATTER_ACTIONS)
                        add(etype, self._fill(template), "success")
                    mod = r.choice(MODULES)
                    e = add("error", self._fill(error.replace("{mod}", mod)), "failure")
                    if r.random() < 0.2:
                        add("action", "Retried the command", "failure")
                    if r.random() < VARIATION:
                        # Sometimes something else happens to make the error go away.
                        fix = r.choice(["Restarted the dev server", "Cleared the build cache"])
                    f = add("action", self._fill(fix.replace("{mod}", mod)), "success")
                    add("test_run", self._fill(check), "success")
                    truth.errors.setdefault(name, []).append((e, f))
                else:
                    for _ in range(r.randint(4, 10)):
                        if r.random() < 0.3:
                            add("observation", self._fill(r.choice(REMARKS)))
                        else:
                            etype, template = r.choice(CHATTER_ACTIONS)
                            add(etype, self._fill(template), "success")
                    if r.random() < 0.15:
                        add(
                            "observation",
                            r.choice(ONE_OFF).format(w=r.choice(WORDS), n=r.randint(1, 9999)),
                        )
                if r.random() < 0.35:
                    s, p, o = r.choice(FACTS)
                    if r.random() < 0.3:
                        s, p, o = CHANGING_FACT
                        o = o.format(v=15 if len(events) < halfway else 16)
                    phrase = r.choice(FACT_PHRASES)
                    add(r.choice(["observation", "message", "reflection"]),
                        phrase.format(s=s, p=p, o=o))  # fmt: skip
        del events[total:]
        for s, p, o in FACTS:
            truth.facts[(s, p)] = o
        truth.facts[(CHANGING_FACT[0], CHANGING_FACT[1])] = "postgres 16"
        truth.superseded[(CHANGING_FACT[0], CHANGING_FACT[1])] = "postgres 15"
        return events, truth
