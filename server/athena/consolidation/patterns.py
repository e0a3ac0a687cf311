"""Step 3: regularities in clustered events, each with a confidence in [0, 1].

- Repeated action sequences: contiguous runs of the same normalised actions (tool calls, edits,
  test runs...) in several clusters. Confidence grows with support and with cohesion — how often
  the whole sequence appears relative to its most frequent (n-1)-step part — so a sequence that
  only sometimes follows another one ("the end of workflow A, then the start of B") scores low.
- Recurring errors and their fixes: the same normalised error in several clusters, and the action
  that most often followed it before the episode succeeded. Confidence: the fix's share of the
  error's occurrences, scaled by support.
- Stable facts: "X is/uses/requires/runs on ... Y" statements made in several events. Confidence:
  support scaled by how consistently the subject was given that value.

`known` signatures (patterns stored by earlier runs) count with any support, so a new occurrence
of a known pattern is recorded even when it is alone in its batch.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from uuid import UUID

from athena.consolidation.models import Candidate, Cluster, FactStatement, PatternKind
from athena.consolidation.prioritise import failed, succeeded
from athena.consolidation.signatures import signature
from athena.memory import EventType

ACTION_TYPES = frozenset(
    {EventType.ACTION, EventType.TOOL_CALL, EventType.FILE_CHANGE, EventType.TEST_RUN}
)
STATEMENT_TYPES = frozenset(
    {EventType.OBSERVATION, EventType.MESSAGE, EventType.REFLECTION, EventType.DECISION}
)
STEP_SEPARATOR = " -> "
# How far after an error its fix is looked for (action events).
FIX_WINDOW = 4


@dataclass(frozen=True)
class PatternSettings:
    min_support: int = 3
    min_sequence: int = 3
    max_sequence: int = 8
    # A sub-sequence is dropped when a longer kept sequence holds it this often or more.
    maximal_share: float = 0.8


def _support_factor(support: int) -> float:
    return support / (support + 2)


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    n = len(shorter)
    return any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def _subsequence(shorter: tuple[str, ...], longer: tuple[str, ...]) -> bool:
    """Whether `shorter` is `longer` with some steps left out (order kept)."""
    steps = iter(longer)
    return all(any(step == s for s in steps) for step in shorter)


def action_sequences(
    clusters: Sequence[Cluster], settings: PatternSettings, known: Collection[str] = ()
) -> list[Candidate]:
    # gram -> {cluster index: event ids of its first occurrence there}
    seen: dict[tuple[str, ...], dict[int, tuple[UUID, ...]]] = defaultdict(dict)
    for ci, c in enumerate(clusters):
        steps = [s.item for s in c.items if s.item.event.type in ACTION_TYPES]
        sigs = [i.signature for i in steps]
        ids = [i.event.id for i in steps]
        for n in range(settings.min_sequence - 1, min(settings.max_sequence, len(sigs)) + 1):
            for start in range(len(sigs) - n + 1):
                gram = tuple(sigs[start : start + n])
                occurrences = seen[gram]
                if ci not in occurrences:
                    occurrences[ci] = tuple(ids[start : start + n])
    frequent = [
        g
        for g, occ in seen.items()
        if len(g) >= settings.min_sequence
        and len(set(g)) >= 2
        and (len(occ) >= settings.min_support or STEP_SEPARATOR.join(g) in known)
    ]
    frequent.sort(key=lambda g: (-len(g), -len(seen[g]), g))
    kept: list[tuple[str, ...]] = []
    for g in frequent:
        support = len(seen[g])
        if any(_contains(k, g) and len(seen[k]) >= settings.maximal_share * support for k in kept):
            continue
        kept.append(g)
    out: list[Candidate] = []
    for g in kept:
        support = len(seen[g])
        parts = max(len(seen.get(g[:-1], {})), len(seen.get(g[1:], {})), support)
        cohesion = support / parts
        # A variant (a kept sequence with a step left out) is as credible as it is common
        # next to the sequence it varies.
        main = max(
            (len(seen[k]) for k in kept if len(k) > len(g) and _subsequence(g, k)), default=0
        )
        if main > support:
            cohesion *= support / main
        out.append(
            Candidate(
                kind=PatternKind.ACTION_SEQUENCE,
                signature=STEP_SEPARATOR.join(g),
                description=f"{len(g)}-step sequence seen in {support} episodes",
                confidence=round(cohesion * _support_factor(support), 4),
                steps=g,
                instances=[seen[g][ci] for ci in sorted(seen[g])],
            )
        )
    return out


_QUOTED = re.compile(r"\"([^\"]+)\"|'([^']+)'|`([^`]+)`")


def _fix_signature(error_text: str, fix_text: str) -> str:
    """The fix's action with the particulars it shares with its error made generic
    ("No module named 'yaml'" -> "pip install yaml" becomes "pip install <ref>")."""
    refs = {next(g for g in m.groups() if g) for m in _QUOTED.finditer(error_text)}
    for ref in sorted(refs, key=len, reverse=True):
        if len(ref) >= 2:
            fix_text = re.sub(rf"(?<![\w]){re.escape(ref)}(?![\w])", "REFX", fix_text)
    return signature(fix_text).replace("refx", "<ref>")


def error_fixes(
    clusters: Sequence[Cluster], settings: PatternSettings, known: Collection[str] = ()
) -> list[Candidate]:
    occurrences: dict[str, list[tuple[UUID, ...]]] = defaultdict(list)
    fixes: dict[str, Counter[str]] = defaultdict(Counter)
    for c in clusters:
        items = [s.item for s in c.items]
        for i, item in enumerate(items):
            # Failed actions are the actions' own business (surprise); errors are what recur.
            if item.event.type is not EventType.ERROR:
                continue
            later = items[i + 1 :]
            fix_ids: tuple[UUID, ...] = ()
            fix_sig = ""
            actions = [x for x in later if x.event.type in ACTION_TYPES][:FIX_WINDOW]
            for j, action in enumerate(actions):
                if failed(action):
                    continue
                # The fix is the first non-failing action; it counts when the episode then succeeds.
                if any(succeeded(x) for x in actions[j:]):
                    fix_sig = _fix_signature(item.event.content, action.event.content)
                    fix_ids = (action.event.id,)
                break
            occurrences[item.signature].append((item.event.id, *fix_ids))
            if fix_sig:
                fixes[item.signature][fix_sig] += 1
    out: list[Candidate] = []
    for error_sig, instances in sorted(occurrences.items()):
        support = len(instances)
        if support < settings.min_support and error_sig not in known:
            continue
        best = fixes[error_sig].most_common(1)
        if best:
            fix_sig, fix_count = best[0]
            confidence = (fix_count / support) * _support_factor(fix_count)
            description = f"error seen {support} times; fixed by '{fix_sig}' {fix_count} times"
            fact = FactStatement(
                subject=f"error: {error_sig}", predicate="fixed_by", content=fix_sig
            )
            steps: tuple[str, ...] = (error_sig, fix_sig)
        else:
            confidence = _support_factor(support) * 0.5
            description = f"error seen {support} times; no fix seen yet"
            fact, steps = None, (error_sig,)
        out.append(
            Candidate(
                kind=PatternKind.ERROR_FIX,
                signature=error_sig,
                description=description,
                confidence=round(confidence, 4),
                steps=steps,
                instances=instances,
                fact=fact,
            )
        )
    return out


_PREDICATES = (
    "is written in", "is stored in", "is deployed to", "is configured with", "is set to",
    "runs on", "depends on", "listens on", "lives in", "requires", "uses", "targets", "is", "are",
)  # fmt: skip
_STATEMENT = re.compile(
    r"^(?:the |our |this )?(?P<subject>[a-z0-9_.-]+(?: [a-z0-9_.-]+){0,3}) "
    r"(?P<predicate>" + "|".join(re.escape(p) for p in _PREDICATES) + r") "
    r"(?P<object>[a-z0-9_.:/@+-]+(?: [a-z0-9_.:/@+-]+){0,7})$"
)
# A sentence ends at punctuation followed by space or the end ("fly.io" is one word).
_SENTENCES = re.compile(r"[.;!?]+(?:\s+|$)|\n+")
# Lead-ins that frame a statement without being part of it.
_LEAD_IN = re.compile(
    r"^(?:(?:note|fyi|update|reminder)\s*:\s*|(?:confirmed|remember|it turns out|i think|"
    r"we know|looks like|apparently)(?: that)?\s+)+"
)
_NOT_SUBJECTS = frozenset(
    {"it", "this", "that", "there", "what", "which", "who", "he", "she", "they"}
)


def statements(text: str) -> list[FactStatement]:
    """Simple declarative sentences of the form subject / predicate / object."""
    out = []
    for sentence in _SENTENCES.split(text.lower()):
        match = _STATEMENT.match(_LEAD_IN.sub("", sentence.strip().rstrip(",")))
        if not match:
            continue
        subject = match["subject"]
        if subject in _NOT_SUBJECTS or subject.split()[0] in _NOT_SUBJECTS:
            continue
        if " not " in f" {match['object']} " or match["object"].startswith(("not ", "no ")):
            continue
        out.append(FactStatement(subject, match["predicate"], match["object"]))
    return out


def stable_facts(
    clusters: Sequence[Cluster], settings: PatternSettings, known: Collection[str] = ()
) -> list[Candidate]:
    # (subject, predicate) -> object -> event ids (time order)
    said: dict[tuple[str, str], dict[str, list[UUID]]] = defaultdict(lambda: defaultdict(list))
    last_said: dict[tuple[str, str, str], tuple[object, UUID]] = {}
    for c in clusters:
        for s in c.items:
            event = s.item.event
            if event.type not in STATEMENT_TYPES:
                continue
            for st in statements(event.content):
                ids = said[(st.subject, st.predicate)][st.content]
                if event.id not in ids:
                    ids.append(event.id)
                key = (st.subject, st.predicate, st.content)
                stamp = (event.occur_time, event.id)
                if key not in last_said or stamp > last_said[key]:  # type: ignore[operator]
                    last_said[key] = stamp
    out: list[Candidate] = []
    for (subject, predicate), values in sorted(said.items()):
        total = sum(len(ids) for ids in values.values())
        qualifying = [
            v
            for v, ids in values.items()
            if len(ids) >= settings.min_support or f"{subject} {predicate} {v}" in known
        ]
        if not qualifying:
            continue
        # The value stated most recently is what holds now; older ones are history.
        current = max(qualifying, key=lambda v: last_said[(subject, predicate, v)])  # type: ignore[arg-type,return-value]
        ids = values[current]
        consistency = len(ids) / total
        out.append(
            Candidate(
                kind=PatternKind.STABLE_FACT,
                signature=f"{subject} {predicate} {current}",
                description=f"stated in {len(ids)} events ({consistency:.0%} of statements)",
                confidence=round(_support_factor(len(ids)) * (0.5 + 0.5 * consistency), 4),
                steps=(),
                instances=[(i,) for i in ids],
                fact=FactStatement(subject=subject, predicate=predicate, content=current),
            )
        )
    return out


def extract(
    clusters: Sequence[Cluster], settings: PatternSettings, known: Collection[str] = ()
) -> list[Candidate]:
    return [
        *action_sequences(clusters, settings, known),
        *error_fixes(clusters, settings, known),
        *stable_facts(clusters, settings, known),
    ]
