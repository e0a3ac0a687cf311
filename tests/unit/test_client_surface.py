"""Pins the public surface of the Python client, so a change to it is a deliberate one."""

from __future__ import annotations

import inspect

import athena_client
from athena_client import AsyncAthenaClient, AthenaClient

PUBLIC_NAMES = [
    "AlreadyExistsError",
    "AsyncAthenaClient",
    "AthenaClient",
    "AthenaError",
    "EnumLike",
    "EventFilterLike",
    "FailedPreconditionError",
    "InvalidArgumentError",
    "NewEventLike",
    "NotFoundError",
    "TimeLike",
    "UnauthenticatedError",
    "UnavailableError",
]

METHODS = [
    "close",
    "delete_event",
    "delete_events",
    "get_event",
    "get_event_stats",
    "iter_events",
    "list_events",
    "record_event",
    "record_events",
    "search_events",
    "service",
]

ERROR_CLASSES = [
    "AlreadyExistsError",
    "FailedPreconditionError",
    "InvalidArgumentError",
    "NotFoundError",
    "UnauthenticatedError",
    "UnavailableError",
]


def public_methods(cls: type) -> list[str]:
    return sorted(
        name for name, member in vars(cls).items() if callable(member) and not name.startswith("_")
    )


def test_all_is_pinned() -> None:
    assert sorted(athena_client.__all__) == PUBLIC_NAMES
    for name in athena_client.__all__:
        assert hasattr(athena_client, name), name


def test_clients_have_the_same_pinned_methods() -> None:
    assert public_methods(AsyncAthenaClient) == METHODS
    assert public_methods(AthenaClient) == METHODS


def test_async_methods_are_coroutines_and_sync_ones_are_not() -> None:
    for name in METHODS:
        async_method = getattr(AsyncAthenaClient, name)
        sync_method = getattr(AthenaClient, name)
        if name == "iter_events":
            assert inspect.isasyncgenfunction(async_method)
            assert inspect.isgeneratorfunction(sync_method)
        elif name == "service":  # a plain accessor on both clients
            assert not inspect.iscoroutinefunction(async_method)
            assert not inspect.iscoroutinefunction(sync_method)
        else:
            assert inspect.iscoroutinefunction(async_method), name
            assert not inspect.iscoroutinefunction(sync_method), name


def test_clients_have_the_same_signatures() -> None:
    for name in [*METHODS, "__init__"]:
        async_params = inspect.signature(getattr(AsyncAthenaClient, name)).parameters
        sync_params = inspect.signature(getattr(AthenaClient, name)).parameters
        shape = [(p.name, p.kind, p.default) for p in async_params.values()]
        assert shape == [(p.name, p.kind, p.default) for p in sync_params.values()], name


def test_constructor_signature() -> None:
    params = inspect.signature(AsyncAthenaClient).parameters
    assert list(params) == ["target", "project", "api_key", "channel", "timeout"]
    assert params["target"].default == "127.0.0.1:50051"
    assert params["timeout"].default == 30.0
    assert all(params[n].kind is inspect.Parameter.KEYWORD_ONLY for n in list(params)[1:])


def test_context_managers() -> None:
    assert hasattr(AsyncAthenaClient, "__aenter__") and hasattr(AsyncAthenaClient, "__aexit__")
    assert hasattr(AthenaClient, "__enter__") and hasattr(AthenaClient, "__exit__")


def test_error_hierarchy() -> None:
    assert issubclass(athena_client.AthenaError, Exception)
    for name in ERROR_CLASSES:
        assert issubclass(getattr(athena_client, name), athena_client.AthenaError), name
    error = athena_client.NotFoundError("gone")
    for attribute in ("code", "reason", "field_violations", "request_id", "message"):
        assert hasattr(error, attribute), attribute
