"""The `athena` module agents import inside the sandbox.

    import athena
    hits = athena.memory.search_events("deploy failed", top_k=20)
    athena.set_result([h["event"]["id"] for h in hits])

Every call is a request to the host over the sandbox's standard streams; the host runs it against
the caller's project with the same code as the gRPC services, within the run's quotas. Errors the
host reports are raised as `athena.HostError` (`reason` is the gRPC-style reason, e.g. NOT_FOUND).
"""

input = None  # The request's `input` (a JSON value), set before the agent's code runs.
_has_result = False
_result = None
_send = None
_recv = None


class HostError(Exception):
    """The host refused or failed a call; `reason` says why (NOT_FOUND, PERMISSION_DENIED...)."""

    def __init__(self, reason, message):
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


def _bind(send, recv):
    global _send, _recv
    _send, _recv = send, recv


def set_result(value):
    """Make `value` (anything JSON can encode) the run's result value."""
    global _has_result, _result
    _has_result, _result = True, value


def call(method, **params):
    """Send one host call and wait for its answer."""
    _send({"op": "call", "method": method, "params": params})
    reply = _recv()
    if not reply.get("ok"):
        error = reply.get("error") or {}
        raise HostError(error.get("reason", "UNKNOWN"), error.get("message", ""))
    return reply.get("value")


def _enum(prefix, value):
    value = str(value)
    return value if value.startswith(prefix) else prefix + value.upper()


def _filter(filters):
    """Keyword filters -> the EventFilter JSON of the gRPC API."""
    out = dict(filters)
    if "types" in out:
        out["types"] = [_enum("EVENT_TYPE_", t) for t in out["types"]]
    if "consolidation_status" in out:
        out["consolidation_status"] = _enum("CONSOLIDATION_STATUS_", out["consolidation_status"])
    span = {k: out.pop(k) for k in ("start_time", "end_time") if k in out}
    if span:
        out["time_range"] = span
    return out


class _Memory:
    """Episodic memory of the caller's project. Values are the gRPC API's JSON forms."""

    def search_events(self, query, top_k=10, mode="hybrid", **filters):
        """Hybrid search; returns [{"event": {...}, "score": float, ...}, ...]."""
        return call(
            "memory.search_events",
            query=query,
            top_k=top_k,
            mode=_enum("SEARCH_MODE_", mode),
            filter=_filter(filters),
        )

    def get_event(self, id):
        """One event by id; raises HostError(NOT_FOUND) when absent."""
        return call("memory.get_event", id=id)

    def list_events(self, page_size=100, page_token="", order_by="occur_time", **filters):
        """One page: {"events": [...], "next_page_token": str}; newest first."""
        return call(
            "memory.list_events",
            page_size=page_size,
            page_token=page_token,
            order_by=_enum("EVENT_ORDER_BY_", order_by),
            filter=_filter(filters),
        )

    def iter_events(self, page_size=500, **filters):
        """Every matching event, newest first, fetched page by page."""
        token = ""
        while True:
            page = self.list_events(page_size=page_size, page_token=token, **filters)
            yield from page["events"]
            token = page["next_page_token"]
            if not token:
                return

    def get_event_stats(self, **filters):
        """Counts and ranges over the matching events."""
        return call("memory.get_event_stats", filter=_filter(filters))

    def record_event(self, content, type="observation", session_id="", request_id="", **fields):
        """Record an event (needs read_write memory access); returns the stored event.

        `session_id` defaults to the run's session; `outcome` takes "success"/"failure"/...
        """
        event = dict(fields, content=content, type=_enum("EVENT_TYPE_", type))
        if session_id:
            event["session_id"] = session_id
        if "outcome" in event:
            event["outcome"] = _enum("OUTCOME_", event["outcome"])
        return call("memory.record_event", event=event, request_id=request_id)

    def recall(self, query, k=10, layers=(), max_tokens=0, **options):
        """Recall across memory layers (events, facts, entities...), best first, as RecallService
        returns it: {"results": [...], "context": str, ...}. `layers` take short names."""
        return call(
            "memory.recall",
            query=query,
            k=k,
            layers=[_enum("MEMORY_LAYER_", layer) for layer in layers],
            max_tokens=max_tokens,
            **options,
        )


memory = _Memory()
