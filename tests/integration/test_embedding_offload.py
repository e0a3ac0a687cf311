"""Large batches are embedded in a worker process; the vectors are the same, a dead worker is
survived."""

from __future__ import annotations

import os
import signal

import asyncpg
import numpy as np
from athena.embeddings import HashingEmbedder
from athena.embeddings.offload import EmbeddingOffload
from athena.v1 import memory_pb2 as pb


def batch(tag: str, n: int = 100) -> pb.RecordEventsRequest:
    return pb.RecordEventsRequest(
        events=[
            pb.NewEvent(session_id="s", type=pb.EVENT_TYPE_ACTION, content=f"{tag} step {i} ok")
            for i in range(n)
        ]
    )


async def stored_vectors(database_url: str) -> dict[str, np.ndarray]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT e.content, q.embedding::text AS v FROM event_vector_queue q "
            "JOIN events e ON e.id = q.event_id"
        )
    finally:
        await conn.close()
    return {r["content"]: np.array([float(x) for x in r["v"].strip("[]").split(",")]) for r in rows}


async def test_worker_vectors_equal_in_process_ones(make_config, database_url) -> None:
    import grpc
    from athena.server import create_server
    from athena.v1 import memory_pb2_grpc

    srv, port = await create_server(make_config(embed_processes=1))
    await srv.start(background=False)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            memory = memory_pb2_grpc.MemoryServiceStub(channel)
            await memory.RecordEvents(batch("first"))
            offload = srv.components["memory"].domain["episodic"]._offload
            assert offload._pool is not None, "a 100-event batch must use the worker"
            # A killed worker: the next batch is still stored (embedded in-process).
            for pid in list(offload._pool._processes):
                os.kill(pid, signal.SIGKILL)
            await memory.RecordEvents(batch("second"))
            await memory.RecordEvents(batch("third"))
    finally:
        await srv.stop(grace=0)
    vectors = await stored_vectors(database_url)
    assert len(vectors) == 300
    texts = sorted(vectors)
    expected = HashingEmbedder().embed(texts)
    got = np.stack([vectors[t] for t in texts])
    assert np.allclose(got, expected, atol=1e-6)


async def test_zero_processes_embeds_in_process() -> None:
    offload = EmbeddingOffload(HashingEmbedder(), 0)
    vectors = await offload.embed(["a b c", "d e f"])
    assert vectors.shape == (2, 384)
    assert offload._pool is None
