"""MemoryService: validate (done by the interceptor) -> call the domain -> map the result."""

from __future__ import annotations

import uuid

import grpc

from athena.api import convert
from athena.api.interceptors import current_principal, current_project, current_request_id
from athena.audit import Actor
from athena.memory import EpisodicMemory
from athena.v1 import memory_pb2, memory_pb2_grpc


def _actor() -> Actor:
    return Actor(principal=current_principal(), request_id=current_request_id())


class MemoryServicer(memory_pb2_grpc.MemoryServiceServicer):
    """Thin adapter over the episodic domain."""

    def __init__(self, episodic: EpisodicMemory) -> None:
        self._episodic = episodic

    async def RecordEvent(
        self, request: memory_pb2.RecordEventRequest, context: grpc.aio.ServicerContext
    ) -> memory_pb2.RecordEventResponse:
        events, replayed = await self._episodic.record(
            current_project(), [convert.new_event(request.event)], request.request_id
        )
        return memory_pb2.RecordEventResponse(
            event=convert.event(events[0]) if events else None, replayed=replayed
        )

    async def RecordEvents(
        self, request: memory_pb2.RecordEventsRequest, context: grpc.aio.ServicerContext
    ) -> memory_pb2.RecordEventsResponse:
        new = [convert.new_event(e, f"events[{i}]") for i, e in enumerate(request.events)]
        events, replayed = await self._episodic.record(current_project(), new, request.request_id)
        return memory_pb2.RecordEventsResponse(
            events=[convert.event(e) for e in events], replayed=replayed
        )

    async def GetEvent(
        self, request: memory_pb2.GetEventRequest, context: grpc.aio.ServicerContext
    ) -> memory_pb2.GetEventResponse:
        found = await self._episodic.get(current_project(), uuid.UUID(request.id))
        return memory_pb2.GetEventResponse(event=convert.event(found))

    async def ListEvents(
        self, request: memory_pb2.ListEventsRequest, context: grpc.aio.ServicerContext
    ) -> memory_pb2.ListEventsResponse:
        events, next_token = await self._episodic.list(
            current_project(),
            convert.event_filter(request.filter),
            convert.event_order(request.order_by, request.order),
            request.page_size,
            request.page_token,
        )
        return memory_pb2.ListEventsResponse(
            events=[convert.event(e) for e in events], next_page_token=next_token
        )

    async def SearchEvents(
        self, request: memory_pb2.SearchEventsRequest, context: grpc.aio.ServicerContext
    ) -> memory_pb2.SearchEventsResponse:
        hits = await self._episodic.search(
            current_project(),
            request.query,
            convert.event_filter(request.filter),
            request.top_k or 10,
            convert.search_mode(request.mode),
        )
        return memory_pb2.SearchEventsResponse(results=[convert.scored_event(h) for h in hits])

    async def DeleteEvent(
        self, request: memory_pb2.DeleteEventRequest, context: grpc.aio.ServicerContext
    ) -> memory_pb2.DeleteEventResponse:
        await self._episodic.delete(
            current_project(), uuid.UUID(request.id), _actor(), request.reason
        )
        return memory_pb2.DeleteEventResponse(id=request.id)

    async def DeleteEvents(
        self, request: memory_pb2.DeleteEventsRequest, context: grpc.aio.ServicerContext
    ) -> memory_pb2.DeleteEventsResponse:
        count = await self._episodic.delete_many(
            current_project(),
            convert.event_filter(request.filter),
            _actor(),
            allow_all=request.allow_all,
            validate_only=request.validate_only,
            reason=request.reason,
        )
        return memory_pb2.DeleteEventsResponse(deleted_count=count)

    async def GetEventStats(
        self, request: memory_pb2.GetEventStatsRequest, context: grpc.aio.ServicerContext
    ) -> memory_pb2.GetEventStatsResponse:
        project = current_project()
        stats = await self._episodic.stats(project, convert.event_filter(request.filter))
        return convert.stats(project, stats)
