"""Recorded-events listeners: how other areas learn of new events."""

from __future__ import annotations

from athena.v1 import memory_pb2 as pb


def new_event(content: str) -> pb.NewEvent:
    return pb.NewEvent(session_id="s", type=pb.EVENT_TYPE_ACTION, content=content)


async def test_listeners_see_committed_events_once_not_replays(server, memory) -> None:
    seen: list[tuple[str, list[str]]] = []

    async def listener(project, events) -> None:
        seen.append((project, [e.content for e in events]))

    server[0].components["memory"].domain["episodic"].add_recorded_listener(listener)
    request = pb.RecordEventsRequest(events=[new_event("a"), new_event("b")], request_id="r-1")
    await memory.RecordEvents(request)
    replay = await memory.RecordEvents(request)
    assert replay.replayed
    await memory.RecordEvent(
        pb.RecordEventRequest(event=new_event("c")), metadata=(("x-athena-project", "other"),)
    )
    assert seen == [("default", ["a", "b"]), ("other", ["c"])]


async def test_a_failing_listener_does_not_fail_the_committed_write(server, memory, caplog) -> None:
    async def broken(project, events) -> None:
        raise RuntimeError("listener bug")

    server[0].components["memory"].domain["episodic"].add_recorded_listener(broken)
    response = await memory.RecordEvent(pb.RecordEventRequest(event=new_event("kept")))
    fetched = await memory.GetEvent(pb.GetEventRequest(id=response.event.id))
    assert fetched.event.content == "kept"
    assert any("listener failed" in r.getMessage() for r in caplog.records)
