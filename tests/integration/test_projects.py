"""Projects are created on first write, once, even when first writes race."""

from __future__ import annotations

import asyncio

import asyncpg
from athena.embeddings import HashingEmbedder
from athena.projects import Projects
from athena.storage import connect, load_queries


async def test_racing_first_writes_create_the_project_once(database_url) -> None:
    db = await connect(database_url, 4, 8)
    queries = load_queries()
    try:
        for round_ in range(5):
            # A fresh Projects per caller: no process cache, every call reaches the database.
            callers = [Projects(db, queries, HashingEmbedder()) for _ in range(8)]
            await asyncio.gather(*(p.ensure(f"race-{round_}") for p in callers))
    finally:
        await db.close()
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT id, embedder FROM projects WHERE id LIKE 'race-%'")
    finally:
        await conn.close()
    assert sorted(r["id"] for r in rows) == [f"race-{i}" for i in range(5)]
    assert {r["embedder"] for r in rows} == {"hash-ngram-v1"}
