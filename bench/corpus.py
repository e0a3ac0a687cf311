"""Deterministic synthetic agent events: coding sessions of actions, tool calls and results,
errors with stack-ish text, file changes, test runs, messages, decisions and reflections.

The vocabulary is a few thousand words: about 700 plain English and programming words plus
generated identifiers (functions, classes, file paths, modules). Words are drawn with a Zipf-like
skew, and each session keeps a small working set of files, functions and classes that it keeps
coming back to, so word statistics look like a real agent's log rather than uniform noise.
Everything derives from one seed: the same seed gives the same events and queries everywhere.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

VERBS = """
add fix refactor rename parse load validate merge split update remove delete create build
deploy rollback retry cache flush sync fetch render compile lint format migrate index query
insert select join filter sort group encode decode serialize deserialize hash sign verify
encrypt decrypt compress decompress upload download stream buffer queue schedule dispatch
handle raise catch log trace profile benchmark measure test mock patch stub assert check
inspect debug bisect revert rebase commit push pull clone checkout release tag bump pin
upgrade downgrade install configure initialize bootstrap register resolve lookup map reduce
normalize sanitize escape quote truncate pad wrap unwrap extract inject import export read
write open close lock unlock acquire release spawn kill restart reload watch poll notify
subscribe publish emit listen bind connect disconnect reconnect authenticate authorize
throttle paginate prefetch preload evict expire invalidate warm drain shard replicate backup
restore snapshot archive prune compact vacuum reindex tune optimize simplify extract inline
document annotate type generate scaffold review approve reject investigate reproduce
""".split()

NOUNS = """
config parser cache token session request response handler client server router endpoint
middleware interceptor service worker queue scheduler job task pipeline stage step build
artifact package module function method class interface struct enum field column table row
index schema migration query transaction connection pool cursor batch stream buffer channel
socket port host address url path route header cookie payload body message event signal
callback promise future thread process lock mutex semaphore deadlock race timeout retry
backoff limit quota budget metric counter gauge histogram span trace log logger level
error exception failure panic crash bug regression warning assertion fixture mock stub spy
test suite case coverage report benchmark profile snapshot diff patch commit branch merge
conflict rebase tag release version dependency lockfile manifest registry image container
cluster node pod volume secret credential key certificate signature hash digest checksum
encoding charset locale timezone timestamp date duration interval window offset page cursor
filter predicate sort order group aggregate join view materialization trigger constraint
foreign primary unique null default value type generic template macro plugin extension hook
flag option argument parameter variable constant environment profile setting preference user
account role permission policy scope tenant project workspace repository directory file line
character byte bit integer float string array list map dict set tuple vector matrix tensor
embedding model prompt completion context memory store database storage disk network latency
throughput bandwidth memory heap stack frame pointer reference allocation leak garbage
collector compiler interpreter runtime kernel driver library framework component widget
button form input output layout style theme icon font color screen dialog modal menu tooltip
notification email webhook cron daemon proxy gateway balancer firewall dns certificate tls
http grpc json yaml toml csv xml protobuf sql postgres redis kafka docker kubernetes terraform
""".split()

ADJECTIVES = """
flaky slow fast stale fresh broken missing duplicate invalid valid empty null nested optional
required deprecated legacy async sync concurrent parallel serial atomic idempotent transient
permanent partial complete incremental recursive lazy eager cached expired pending failed
successful unexpected intermittent silent verbose noisy strict lenient unsafe secure public
private internal external remote local global shared default custom generic specific dynamic
static mutable immutable readonly blocking nonblocking unhandled unused redundant circular
orphaned corrupted truncated malformed unicode binary compressed encrypted signed unsigned
large small huge tiny hot cold dirty clean new old first last next previous upstream downstream
""".split()

GENERAL = """
because seems probably maybe actually instead already still again also only just really
likely unlikely clearly apparently think believe expect assume notice found saw looks
means causes happens works fails breaks passes returns takes makes keeps needs wants
should would could might must will can user team reviewer maintainer customer production
staging local machine laptop morning afternoon yesterday today tomorrow week sprint deadline
ticket issue pull discussion comment note plan idea approach solution workaround tradeoff
risk cost benefit reason result outcome problem question answer example detail summary
overview progress status blocker priority impact scope estimate hour minute second
everything nothing something anything everyone nobody whole part half most least more less
better worse same different similar correct wrong right left top bottom start end middle
before after during while until since when where why how what which who whose whether
""".split()

STOPWORDS = "the a an to of in on for with and or but is was it this that by at from as".split()

REPOS = """
athena payments-api web-frontend data-pipeline auth-service infra mobile-app search-indexer
billing-worker notification-hub analytics-etl admin-console
""".split()

LANGUAGES = ["python", "typescript", "go", "rust", "sql"]

DIRS = """
src lib core api internal pkg app services handlers models storage utils common tests
scripts migrations cmd server client web components hooks workers jobs config
""".split()

EXTENSIONS = {"python": ".py", "typescript": ".ts", "go": ".go", "rust": ".rs", "sql": ".sql"}

TOOLS = """
bash grep read_file write_file edit_file list_dir git pytest npm cargo go_test web_search
run_sql http_request docker kubectl terraform ruff mypy eslint tsc
""".split()

AGENTS = ["claude-coder", "builder-bot", "review-agent", "ops-agent", "test-runner"]

ERRORS = """
TypeError ValueError KeyError AttributeError IndexError RuntimeError AssertionError
TimeoutError ConnectionError ConnectionRefusedError PermissionError FileNotFoundError
ImportError ModuleNotFoundError NotImplementedError RecursionError MemoryError OSError
UnicodeDecodeError JSONDecodeError IntegrityError OperationalError DeadlockDetected
UniqueViolation SerializationFailure CancelledError BrokenPipeError SSLError HTTPError
""".split()

TAGS = """
bug fix feature refactor perf test flaky ci docs security db api frontend backend infra
deploy release hotfix cleanup dependency migration config logging monitoring cache auth
billing search regression investigation review planning oncall incident data
""".split()

PHASES = ["plan", "implement", "test", "debug", "review", "deploy"]

TYPES = (
    "ACTION",
    "OBSERVATION",
    "DECISION",
    "ERROR",
    "TOOL_CALL",
    "TOOL_RESULT",
    "MESSAGE",
    "FILE_CHANGE",
    "TEST_RUN",
    "REFLECTION",
)

# How often each event type occurs in each phase (relative weights, in TYPES order).
_PHASE_WEIGHTS = {
    "plan": (6, 8, 8, 1, 12, 12, 10, 2, 1, 6),
    "implement": (10, 5, 4, 4, 18, 18, 4, 16, 4, 3),
    "test": (6, 5, 2, 8, 14, 14, 3, 6, 16, 3),
    "debug": (8, 9, 4, 14, 16, 16, 3, 8, 8, 5),
    "review": (4, 8, 6, 2, 10, 10, 14, 4, 4, 8),
    "deploy": (10, 6, 4, 5, 14, 14, 6, 2, 4, 3),
}

_BASE_IMPORTANCE = {
    "ACTION": 0.4,
    "OBSERVATION": 0.45,
    "DECISION": 0.7,
    "ERROR": 0.75,
    "TOOL_CALL": 0.25,
    "TOOL_RESULT": 0.3,
    "MESSAGE": 0.55,
    "FILE_CHANGE": 0.5,
    "TEST_RUN": 0.5,
    "REFLECTION": 0.6,
}

EPOCH = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
SPAN_DAYS = 180


def _dedupe(words: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(words))


class _Zipf:
    """Draws items with probability proportional to 1 / (rank + offset) ** s."""

    def __init__(self, items: Sequence[str], s: float = 1.0, offset: float = 2.0) -> None:
        self.items = list(items)
        self._cum = list(itertools.accumulate(1.0 / (r + offset) ** s for r in range(len(items))))

    def draw(self, rng: random.Random) -> str:
        i = bisect.bisect_left(self._cum, rng.random() * self._cum[-1])
        return self.items[min(i, len(self.items) - 1)]


@dataclass(frozen=True)
class Vocabulary:
    """Every word and identifier the corpus draws from, built deterministically from a seed."""

    verbs: list[str]
    nouns: list[str]
    adjectives: list[str]
    general: list[str]
    functions: list[str]
    classes: list[str]
    files: list[str]
    modules: list[str]
    tests: list[str]

    @classmethod
    def build(cls, seed: int) -> Vocabulary:
        rng = random.Random(f"vocab-{seed}")
        verbs, nouns = _dedupe(VERBS), _dedupe(NOUNS)
        adjectives, general = _dedupe(ADJECTIVES), _dedupe(GENERAL)
        # Shuffled once so the Zipf head is a mix, not the alphabetically first words.
        for words in (verbs, nouns, adjectives, general):
            rng.shuffle(words)
        functions = _dedupe(
            f"{rng.choice(verbs)}_{rng.choice(adjectives) + '_' if rng.random() < 0.25 else ''}"
            f"{rng.choice(nouns)}"
            for _ in range(1800)
        )[:1400]
        classes = _dedupe(
            f"{rng.choice(adjectives).title() if rng.random() < 0.3 else ''}"
            f"{rng.choice(nouns).title()}{rng.choice(nouns).title()}"
            for _ in range(500)
        )[:400]
        modules = _dedupe(
            f"{rng.choice(nouns)}{'_' + rng.choice(nouns) if rng.random() < 0.5 else ''}"
            for _ in range(500)
        )[:350]
        files = []
        for module in modules:
            language = rng.choice(LANGUAGES)
            depth = rng.choice((1, 1, 2, 2, 3))
            parts = [rng.choice(DIRS) for _ in range(depth)]
            files.append("/".join([*parts, module + EXTENSIONS[language]]))
        tests = _dedupe(f"test_{f}" for f in functions[:600])
        return cls(verbs, nouns, adjectives, general, functions, classes, files, modules, tests)

    def size(self) -> int:
        """Distinct words and identifiers (file paths count once each)."""
        return len(
            set(self.verbs)
            | set(self.nouns)
            | set(self.adjectives)
            | set(self.general)
            | set(self.functions)
            | set(self.classes)
            | set(self.files)
            | set(self.modules)
            | set(self.tests)
        )


@dataclass(frozen=True)
class SyntheticEvent:
    """One generated event, in the shape of athena.v1.NewEvent (enums by short name)."""

    session_id: str
    occur_time: datetime
    type: str
    actor: str
    content: str
    outcome: str
    cwd: str
    files: tuple[str, ...]
    task: str
    phase: str
    branch: str
    importance: float
    confidence: float
    tags: tuple[str, ...]
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class _Session:
    id: str
    repo: str
    language: str
    agent: str
    task: str
    branch: str
    files: list[str]
    functions: list[str]
    classes: list[str]
    tags: list[str]
    time: datetime


class Corpus:
    """Generates events and queries from one seed."""

    def __init__(self, seed: int = 42) -> None:
        self.seed = seed
        self.vocab = Vocabulary.build(seed)
        v = self.vocab
        self._verb = _Zipf(v.verbs, s=0.8, offset=8)
        self._noun = _Zipf(v.nouns, s=0.8, offset=8)
        self._adj = _Zipf(v.adjectives, s=0.8, offset=8)
        self._general = _Zipf(v.general, s=0.8, offset=8)
        self._function = _Zipf(v.functions, s=0.8, offset=5)
        self._class = _Zipf(v.classes, s=0.8, offset=5)
        self._file = _Zipf(v.files, s=0.8, offset=5)
        self._tool = _Zipf(TOOLS, s=0.8)
        self._error = _Zipf(ERRORS, s=1.0)
        self._tag = _Zipf(TAGS, s=0.8)

    # -- words -------------------------------------------------------------------------------

    def _sentence(self, rng: random.Random, s: _Session) -> str:
        """One filler sentence mixing plain words, stop words and the session's identifiers."""
        n, v, a, g = self._noun.draw, self._verb.draw, self._adj.draw, self._general.draw
        f = rng.choice(s.functions)
        c = rng.choice(s.classes)
        p = rng.choice(s.files)
        frames = (
            lambda: f"the {n(rng)} {n(rng)} {g(rng)} {v(rng)} the {a(rng)} {n(rng)}",
            lambda: f"{g(rng)} {f} {g(rng)} {v(rng)} {a(rng)} {n(rng)} in {p}",
            lambda: f"{c} {v(rng)} {n(rng)} {g(rng)} {a(rng)} {n(rng)} {n(rng)}",
            lambda: f"{v(rng)} {n(rng)} with {a(rng)} {n(rng)} before {f}",
            lambda: f"{g(rng)} {g(rng)} {n(rng)} is {a(rng)} {g(rng)} {v(rng)} {n(rng)}",
            lambda: f"{n(rng)} {n(rng)} from {c} {g(rng)} {v(rng)} {f}",
            lambda: f"{a(rng)} {n(rng)} {g(rng)} {v(rng)} on {n(rng)} {n(rng)}",
        )
        return rng.choice(frames)()

    def _fill(self, rng: random.Random, s: _Session, head: str, target: int) -> str:
        words = head.split()
        while len(words) < target:
            words.extend(self._sentence(rng, s).split())
            words[-1] += "."
        return " ".join(words[: max(target, 10)])

    # -- sessions ----------------------------------------------------------------------------

    def _new_session(self, rng: random.Random, index: int, start: datetime) -> _Session:
        repo = rng.choice(REPOS)
        language = rng.choice(LANGUAGES)
        verb, adj, noun = self._verb.draw(rng), self._adj.draw(rng), self._noun.draw(rng)
        module = rng.choice(self.vocab.modules)
        task = rng.choice(
            (
                f"{verb} {adj} {noun} in {module}",
                f"{verb} the {noun} {self._noun.draw(rng)} for {repo}",
                f"investigate {adj} {noun} failures in {module}",
                f"{verb} {noun} handling after {self._error.draw(rng)} reports",
            )
        )
        slug = "-".join(task.split()[:4]).replace("_", "-")
        branch = f"{rng.choice(('fix', 'feat', 'chore', 'perf', 'refactor'))}/{slug}"
        return _Session(
            id=f"sess-{index:06d}-{repo}",
            repo=repo,
            language=language,
            agent=rng.choice(AGENTS),
            task=task,
            branch=branch,
            files=[self._file.draw(rng) for _ in range(rng.randint(3, 10))],
            functions=[self._function.draw(rng) for _ in range(rng.randint(6, 20))],
            classes=[self._class.draw(rng) for _ in range(rng.randint(2, 6))],
            tags=_dedupe([repo, language, *(self._tag.draw(rng) for _ in range(2))]),
            time=start,
        )

    def _content(self, rng: random.Random, s: _Session, kind: str, target: int) -> tuple:
        """(content, actor, outcome, files, attributes) for one event."""
        f, p, c = rng.choice(s.functions), rng.choice(s.files), rng.choice(s.classes)
        n, v, a = self._noun.draw, self._verb.draw, self._adj.draw
        files: tuple[str, ...] = (p,)
        attributes: dict[str, str] = {}
        outcome, actor = "UNSPECIFIED", s.agent
        if kind == "TOOL_CALL":
            tool = self._tool.draw(rng)
            attributes = {"tool": tool}
            head = rng.choice(
                (
                    f"Called {tool} on {p} looking for {f} and {n(rng)} {n(rng)}",
                    f"Running {tool} with pattern '{f}' in {s.repo}/{p.rsplit('/', 1)[0]}",
                    f"Invoke {tool} to {v(rng)} {a(rng)} {n(rng)} of {c}",
                )
            )
        elif kind == "TOOL_RESULT":
            tool = self._tool.draw(rng)
            actor, outcome = tool, rng.choice(("SUCCESS", "SUCCESS", "SUCCESS", "FAILURE"))
            attributes = {"tool": tool, "duration_ms": str(int(rng.expovariate(1 / 400)))}
            head = rng.choice(
                (
                    f"{tool} returned {rng.randint(0, 40)} matches: {p}:{rng.randint(1, 900)} "
                    f"def {f}",
                    f"{tool} output: {c} {v(rng)} {n(rng)} {a(rng)} in {p}",
                    f"{tool} exited with code {rng.choice((0, 0, 1, 2))} after "
                    f"{rng.randint(1, 90)}s",
                )
            )
        elif kind == "ERROR":
            err, outcome = self._error.draw(rng), "FAILURE"
            line = rng.randint(10, 1500)
            attributes = {"error": err}
            head = (
                f"{err}: {a(rng)} {n(rng)} {rng.choice(s.functions)} {v(rng)} {n(rng)} "
                f'Traceback: File "{p}", line {line}, in {f} '
                f'File "{rng.choice(s.files)}", line {rng.randint(10, 900)}, in '
                f"{rng.choice(s.functions)} raise {err}({n(rng)} {a(rng)})"
            )
            target = max(target, 30)
        elif kind == "FILE_CHANGE":
            added, removed = rng.randint(1, 200), rng.randint(0, 120)
            outcome = "SUCCESS"
            files = tuple(_dedupe([p, *rng.sample(s.files, k=min(2, len(s.files)))]))
            attributes = {"lines_added": str(added), "lines_removed": str(removed)}
            head = (
                f"Edited {p}: {v(rng)} {f} to {v(rng)} {a(rng)} {n(rng)} in {c} "
                f"(+{added} -{removed})"
            )
        elif kind == "TEST_RUN":
            passed, failed = rng.randint(5, 600), rng.choice((0, 0, 0, 1, 2, 5))
            outcome = "SUCCESS" if failed == 0 else rng.choice(("FAILURE", "PARTIAL"))
            test = rng.choice(self.vocab.tests)
            attributes = {"passed": str(passed), "failed": str(failed)}
            head = f"{rng.choice(('pytest', 'npm test', 'go test', 'cargo test'))} {p}: " + (
                f"{passed} passed in {rng.uniform(0.5, 120):.1f}s"
                if failed == 0
                else f"{passed} passed {failed} failed; {test} AssertionError expected "
                f"{n(rng)} got {a(rng)} {n(rng)}"
            )
        elif kind == "MESSAGE":
            actor = rng.choice(("user", "user", s.agent, "reviewer"))
            head = rng.choice(
                (
                    f"Can you {v(rng)} the {a(rng)} {n(rng)} in {c} before the release",
                    f"I {self._general.draw(rng)} think {f} should {v(rng)} {n(rng)} first",
                    f"Done: {v(rng)} {n(rng)} {n(rng)} and {v(rng)} {f}",
                    f"Why does {c} {v(rng)} the {n(rng)} twice",
                )
            )
        elif kind == "DECISION":
            head = (
                f"Decided to {v(rng)} {a(rng)} {n(rng)} instead of {v(rng)} {n(rng)} "
                f"because {n(rng)} {self._general.draw(rng)} {a(rng)}"
            )
        elif kind == "OBSERVATION":
            head = f"Noticed {c} {v(rng)} {a(rng)} {n(rng)} when {f} {v(rng)} {n(rng)}"
        elif kind == "REFLECTION":
            head = (
                f"Lesson: {v(rng)} {n(rng)} {n(rng)} before {v(rng)} {f}; {a(rng)} {n(rng)} "
                f"caused {self._error.draw(rng)} last time"
            )
        else:  # ACTION
            outcome = rng.choice(("SUCCESS", "SUCCESS", "PARTIAL", "FAILURE", "UNSPECIFIED"))
            head = rng.choice(
                (
                    f"{v(rng).title()} {a(rng)} {n(rng)} in {p} via {f}",
                    f"Ran {rng.choice(TOOLS)} to {v(rng)} {n(rng)} {n(rng)} on {s.branch}",
                    f"{v(rng).title()} {c} {n(rng)} and {v(rng)} {n(rng)}",
                )
            )
        return self._fill(rng, s, head, target), actor, outcome, files, attributes

    def events(self, count: int) -> Iterator[SyntheticEvent]:
        """`count` events in session order; sessions start spread over SPAN_DAYS days."""
        rng = random.Random(f"events-{self.seed}")
        produced, index = 0, 0
        # Average session length is about 100 events; starts are spaced to cover the span.
        sessions = max(1, count // 100)
        step = timedelta(days=SPAN_DAYS) / sessions
        while produced < count:
            start = EPOCH + step * index + timedelta(seconds=rng.uniform(0, step.total_seconds()))
            s = self._new_session(rng, index, start)
            index += 1
            length = min(count - produced, rng.randint(20, 180))
            phase_index = 0
            for i in range(length):
                # Phases advance through the session (plan -> ... -> deploy), with back-tracking.
                if i and rng.random() < len(PHASES) / max(length, 1) * 0.8:
                    phase_index = min(len(PHASES) - 1, phase_index + rng.choice((1, 1, 1, -1)))
                    phase_index = max(phase_index, 0)
                phase = PHASES[phase_index]
                kind = rng.choices(TYPES, weights=_PHASE_WEIGHTS[phase])[0]
                target = min(80, max(10, int(rng.lognormvariate(math.log(26), 0.55))))
                content, actor, outcome, files, attributes = self._content(rng, s, kind, target)
                s.time += timedelta(seconds=rng.expovariate(1 / 45) + 1)
                importance = _BASE_IMPORTANCE[kind] + rng.gauss(0, 0.12)
                if outcome == "FAILURE":
                    importance += 0.1
                tags = _dedupe([*s.tags[: rng.randint(1, len(s.tags))], kind.lower()])
                if kind == "ERROR" or outcome == "FAILURE":
                    tags.append("failure")
                yield SyntheticEvent(
                    session_id=s.id,
                    occur_time=s.time,
                    type=kind,
                    actor=actor,
                    content=content,
                    outcome=outcome,
                    cwd=f"/home/dev/src/{s.repo}",
                    files=files,
                    task=s.task,
                    phase=phase,
                    branch=s.branch,
                    importance=round(min(1.0, max(0.0, importance)), 3),
                    confidence=1.0
                    if kind not in ("OBSERVATION", "REFLECTION")
                    else round(rng.uniform(0.6, 0.95), 2),
                    tags=tuple(tags[:8]),
                    attributes=attributes,
                )
                produced += 1

    def queries(self, count: int, salt: str = "") -> list[str]:
        """Realistic 2-6 word search queries drawn from the corpus vocabulary."""
        rng = random.Random(f"queries-{self.seed}-{salt}")
        v = self.vocab
        n, vb, a, g = self._noun.draw, self._verb.draw, self._adj.draw, self._general.draw
        out: list[str] = []
        for _ in range(count):
            f = self._function.draw(rng)
            c = self._class.draw(rng)
            style = rng.random()
            if style < 0.30:  # keywords
                q = " ".join(rng.choice((n, n, vb, a))(rng) for _ in range(rng.randint(2, 4)))
            elif style < 0.50:  # question about an error
                q = rng.choice(
                    (
                        f"why did {f} fail",
                        f"{self._error.draw(rng)} in {f}",
                        f"{a(rng)} {n(rng)} {self._error.draw(rng)}",
                        f"what caused {a(rng)} {n(rng)} {n(rng)}",
                    )
                )
            elif style < 0.70:  # identifier + context
                q = rng.choice(
                    (
                        f"{f} {n(rng)}",
                        f"{c} {vb(rng)} {n(rng)}",
                        f"changes to {self._file.draw(rng)}",
                        f"{rng.choice(v.tests)} failure",
                    )
                )
            elif style < 0.85:  # task-like phrase
                q = f"{vb(rng)} {a(rng)} {n(rng)} {n(rng)}"
            else:  # conversational
                q = f"{g(rng)} {vb(rng)} the {n(rng)} {g(rng)} {n(rng)}"
            words = q.split()[:6]
            out.append(" ".join(words))
        return out


if __name__ == "__main__":  # a quick look at the corpus
    corpus = Corpus()
    print("vocabulary:", corpus.vocab.size(), "distinct words and identifiers")
    for event in itertools.islice(corpus.events(40), 0, 40, 3):
        print(f"[{event.type}] {event.actor} {event.occur_time:%Y-%m-%d %H:%M} {event.tags}")
        print("   ", event.content)
    print("queries:", corpus.queries(12))
