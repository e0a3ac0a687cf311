"""Which entities an event mentions: a protocol, and the deterministic default extractor.

The default extractor reads only what an agent's events reliably carry (structured context,
attributes, tags, and code-shaped tokens in the text), so it is fast (regexes, no model), gives
the same answer every time, and rarely invents entities. A model-backed extractor can replace
it through the `EntityExtractor` protocol (config `graph_extractor = "package.module:factory"`).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from athena.memory import Event, EventType


@dataclass(frozen=True)
class Mention:
    """An entity an event refers to: its display name and lower-case type."""

    name: str
    type: str


@runtime_checkable
class EntityExtractor(Protocol):
    """Finds the entities an event mentions. Must be quick: it runs on the write path."""

    def extract(self, event: Event) -> list[Mention]:
        """Mentions in first-seen order; duplicates are removed by the caller."""
        ...


# Paths and file names with a known extension (src/app.py, ./README.md, Makefile excluded).
_FILE = re.compile(
    r"(?<![\w/.-])((?:[\w.-]+/)*[\w-][\w.-]*\."
    r"(?:py|pyi|ts|tsx|js|jsx|mjs|go|rs|java|kt|c|h|cc|cpp|hpp|cs|rb|php|swift|scala|sh|sql|"
    r"proto|md|rst|txt|toml|yaml|yml|json|ini|cfg|html|css|lock|tf|ipynb))(?![\w/])"
)
# Calls and definitions: `parse_config()`, `Client.connect(`, `def load_queries`.
_CALL = re.compile(r"\b([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)\(")
# Definitions by keyword; "function" and "class" are ordinary English words, so only the
# unambiguous keywords count (a JavaScript `function name(` is caught as a call anyway).
_DEF = re.compile(r"\b(?:def|func|fn)\s+([A-Za-z_]\w*)")
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z][\w.-]{1,38})")
_HASHTAG = re.compile(r"(?<![\w#&])#([A-Za-z][\w-]{1,48})")
# Call-shaped words that are prose or control flow, not functions.
_NOT_FUNCTIONS = frozenset(
    {"if", "for", "while", "return", "print", "and", "or", "not", "in", "e.g", "i.e", "see",
     "with", "switch", "catch", "elif", "assert", "lambda", "yield", "await", "async"}
)  # fmt: skip
_TOOL_EVENTS = frozenset({EventType.TOOL_CALL, EventType.TOOL_RESULT})
_SPEAKER_EVENTS = frozenset({EventType.MESSAGE, EventType.OBSERVATION})
# Attribute keys that name an entity of that type.
_ATTRIBUTE_TYPES = {"tool": "tool", "project": "project", "repo": "project", "person": "person",
                    "user": "person", "function": "function", "file": "file"}  # fmt: skip
MAX_MENTIONS = 32


class DefaultExtractor:
    """Files, functions, tools, people, projects and concepts from an event, by rule."""

    def extract(self, event: Event) -> list[Mention]:
        found: list[Mention] = []
        for path in event.context.files:
            found.append(Mention(path, "file"))
        for key, kind in _ATTRIBUTE_TYPES.items():
            value = event.attributes.get(key, "").strip()
            if value:
                found.append(Mention(value, kind))
        if event.actor:
            if event.type in _TOOL_EVENTS:
                kind = "tool"
            elif event.type in _SPEAKER_EVENTS:
                kind = "person"
            else:
                kind = "agent"
            found.append(Mention(event.actor, kind))
        text = event.content
        found.extend(Mention(m, "file") for m in _FILE.findall(text))
        for pattern in (_DEF, _CALL):
            found.extend(
                Mention(m, "function")
                for m in pattern.findall(text)
                if m.lower() not in _NOT_FUNCTIONS and not _FILE.fullmatch(m)
            )
        found.extend(Mention(m, "person") for m in _MENTION.findall(text))
        found.extend(Mention(m.lower(), "concept") for m in _HASHTAG.findall(text))
        found.extend(Mention(tag, "concept") for tag in event.tags)
        return found[:MAX_MENTIONS]


class NoExtractor:
    """Extraction switched off."""

    def extract(self, event: Event) -> list[Mention]:
        return []


def create_extractor(spec: str) -> EntityExtractor:
    """`builtin`, `none`, or `package.module:factory` (a zero-argument callable)."""
    if spec == "builtin":
        return DefaultExtractor()
    if spec == "none":
        return NoExtractor()
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"graph extractor {spec!r}: expected builtin, none or module:factory")
    factory: Callable[[], EntityExtractor] = getattr(
        importlib.import_module(module_name), attribute
    )
    extractor = factory()
    if not isinstance(extractor, EntityExtractor):
        raise ValueError(f"graph extractor {spec!r} does not provide extract(event)")
    return extractor
