"""AsyncAthenaClient: the MemoryService over grpc.aio."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from types import TracebackType
from typing import Any, TypeVar

import grpc
from athena.v1 import memory_pb2 as pb
from athena.v1 import memory_pb2_grpc

from athena_client import _requests as rq
from athena_client._errors import from_rpc_error, status_code
from athena_client._requests import EnumLike, EventFilterLike, NewEventLike, TimeLike
from athena_client._retry import DEFAULT_RETRY
from athena_client._services import AsyncService, stub_class

_Req = TypeVar("_Req")
_Resp = TypeVar("_Resp")


class AsyncAthenaClient:
    """Asynchronous client of Athena's MemoryService.

    Use as `async with AsyncAthenaClient("host:port", project="my-agent") as client: ...`.
    Every call is scoped to `project` (the server's default project when None) and sends
    `api_key` as `authorization: Bearer ...` when given. Pass `channel` to use your own
    `grpc.aio.Channel` (for example a secure one); the client then leaves it open on close.
    `timeout` is the deadline of each attempt in seconds (None: no deadline).

    Failures raise `AthenaError` subclasses. Reads and `record_event(s)` (which always carry a
    `request_id`) are retried on UNAVAILABLE, up to 3 attempts with exponential backoff.
    """

    def __init__(
        self,
        target: str = "127.0.0.1:50051",
        *,
        project: str | None = None,
        api_key: str | None = None,
        channel: grpc.aio.Channel | None = None,
        timeout: float | None = 30.0,
    ) -> None:
        self._owns_channel = channel is None
        self._channel = channel if channel is not None else grpc.aio.insecure_channel(target)
        self._stub = memory_pb2_grpc.MemoryServiceStub(self._channel)
        self._metadata = rq.metadata(project, api_key)
        self._timeout = timeout
        self._retry = DEFAULT_RETRY
        self._services: dict[str, AsyncService] = {}

    async def __aenter__(self) -> AsyncAthenaClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def service(self, name: str) -> AsyncService:
        """Any Athena service by name ("ExecutionService", "OrchestrationService", ...): its rpcs
        as methods taking and returning the generated messages, scoped and retried like the
        methods of this client. `NotFoundError` etc. on failure, as everywhere."""
        found = self._services.get(name)
        if found is None:
            stub = stub_class(name)(self._channel)
            found = AsyncService(stub, self._metadata, self._timeout, self._retry)
            self._services[name] = found
        return found

    async def close(self) -> None:
        """Closes the channel if the client created it."""
        if self._owns_channel:
            await self._channel.close()

    async def _call(
        self, method: grpc.aio.UnaryUnaryMultiCallable[_Req, _Resp], request: _Req, *, retry: bool
    ) -> _Resp:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await method(request, metadata=self._metadata, timeout=self._timeout)
            except grpc.RpcError as exc:
                if retry and self._retry.should_retry(status_code(exc), attempt):
                    await asyncio.sleep(self._retry.backoff(attempt))
                    continue
                raise from_rpc_error(exc) from exc

    async def record_event(
        self,
        session_id: str,
        type: EnumLike,
        content: str,
        *,
        occur_time: TimeLike | None = None,
        actor: str = "",
        outcome: EnumLike = 0,
        context: pb.EventContext | Mapping[str, Any] | None = None,
        importance: float | None = None,
        confidence: float | None = None,
        tags: Iterable[str] = (),
        attributes: Mapping[str, str] | None = None,
        request_id: str | None = None,
    ) -> pb.Event:
        """Records one event and returns it as stored. `type` and `outcome` take the enum int or
        a short name ("action", "success"). Without `request_id` a fresh one is generated, so a
        retry after a lost response is replayed by the server rather than stored twice."""
        event = rq.to_new_event(
            session_id,
            type,
            content,
            occur_time=occur_time,
            actor=actor,
            outcome=outcome,
            context=context,
            importance=importance,
            confidence=confidence,
            tags=tags,
            attributes=attributes,
        )
        request = rq.record_event_request(event, request_id)
        response = await self._call(self._stub.RecordEvent, request, retry=True)
        return response.event

    async def record_events(
        self, events: Iterable[NewEventLike], *, request_id: str | None = None
    ) -> list[pb.Event]:
        """Records up to 1,000 events atomically (`NewEvent`s or dicts of their fields) and returns
        them as stored, in order. Idempotent like `record_event`."""
        request = rq.record_events_request(events, request_id)
        response = await self._call(self._stub.RecordEvents, request, retry=True)
        return list(response.events)

    async def get_event(self, id: str) -> pb.Event:
        """The event with this id; `NotFoundError` if the project has none."""
        response = await self._call(self._stub.GetEvent, pb.GetEventRequest(id=id), retry=True)
        return response.event

    async def list_events(
        self,
        filter: EventFilterLike | None = None,
        *,
        order_by: EnumLike = 0,
        order: EnumLike = 0,
        page_size: int = 0,
        page_token: str = "",
    ) -> pb.ListEventsResponse:
        """One page of events; pass its `next_page_token` back (same filter and order) for the
        next. `order_by` is "occur_time" or "importance", `order` "ascending" or "descending"
        (default newest first)."""
        request = rq.list_events_request(filter, order_by, order, page_size, page_token)
        return await self._call(self._stub.ListEvents, request, retry=True)

    async def iter_events(
        self,
        filter: EventFilterLike | None = None,
        *,
        order_by: EnumLike = 0,
        order: EnumLike = 0,
        page_size: int = 100,
    ) -> AsyncIterator[pb.Event]:
        """Every matching event, fetching pages of `page_size` as the iteration goes."""
        request = rq.list_events_request(filter, order_by, order, page_size, "")
        while True:
            page = await self._call(self._stub.ListEvents, request, retry=True)
            for event in page.events:
                yield event
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    async def search_events(
        self,
        query: str,
        *,
        filter: EventFilterLike | None = None,
        top_k: int = 10,
        mode: EnumLike = 0,
    ) -> list[pb.ScoredEvent]:
        """The best `top_k` events for `query`, best first. `mode` is "hybrid" (default),
        "full_text" or "vector"."""
        request = rq.search_events_request(query, filter, top_k, mode)
        response = await self._call(self._stub.SearchEvents, request, retry=True)
        return list(response.results)

    async def delete_event(self, id: str, *, reason: str = "") -> None:
        """Deletes one event (audited with `reason`); `NotFoundError` if the project has none.

        Not retried: a retry after a lost response would report NOT_FOUND for a deletion that
        succeeded."""
        request = pb.DeleteEventRequest(id=id, reason=reason)
        await self._call(self._stub.DeleteEvent, request, retry=False)

    async def delete_events(
        self,
        filter: EventFilterLike | None,
        *,
        allow_all: bool = False,
        validate_only: bool = False,
        reason: str = "",
    ) -> int:
        """Deletes every event matching `filter` and returns how many. An empty filter is refused
        unless `allow_all`; with `validate_only` only the count is returned. Not retried."""
        request = rq.delete_events_request(filter, allow_all, validate_only, reason)
        response = await self._call(self._stub.DeleteEvents, request, retry=False)
        return response.deleted_count

    async def get_event_stats(
        self, filter: EventFilterLike | None = None
    ) -> pb.GetEventStatsResponse:
        """Counts and ranges describing the matching events (all of the project's by default)."""
        request = pb.GetEventStatsRequest(filter=rq.to_event_filter(filter))
        return await self._call(self._stub.GetEventStats, request, retry=True)
