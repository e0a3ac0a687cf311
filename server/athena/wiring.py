"""The components the server is made of, in start-up order (later ones may use earlier ones)."""

from __future__ import annotations

from athena.components import Builder
from athena.memory.component import build as memory

BUILDERS: list[Builder] = [
    memory,
]
