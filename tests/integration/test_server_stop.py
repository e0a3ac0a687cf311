"""Stopping the server cannot hang on a background task that swallows a cancellation."""

from __future__ import annotations

import asyncio


async def test_stop_re_cancels_a_task_that_ignored_the_first_cancellation(make_config) -> None:
    from athena.server import create_server

    srv, _ = await create_server(make_config())
    await srv.start(background=False)
    swallowed = 0
    stopped = asyncio.Event()

    async def stubborn() -> None:
        # What asyncio.wait_for does on Python 3.11 when the cancellation races its inner
        # future: the CancelledError never reaches the loop.
        nonlocal swallowed
        try:
            while True:
                try:
                    await asyncio.sleep(3600)
                except asyncio.CancelledError:
                    if swallowed == 0:
                        swallowed += 1
                        continue
                    raise
        finally:
            stopped.set()

    srv._background.append(asyncio.create_task(stubborn(), name="stubborn"))
    await asyncio.sleep(0)
    await asyncio.wait_for(srv.stop(grace=0), timeout=60)
    assert swallowed == 1
    assert stopped.is_set()
