"""Contract rules for SemanticMemoryService and KnowledgeGraphService: every List rpc pages, and
every rpc is served (reachable through the real server, health-checked and reflected)."""

from __future__ import annotations

import grpc
import pytest
from athena.v1 import graph_pb2, semantic_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

SERVICES = [
    semantic_pb2.DESCRIPTOR.services_by_name["SemanticMemoryService"],
    graph_pb2.DESCRIPTOR.services_by_name["KnowledgeGraphService"],
]


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_every_list_rpc_is_paginated(service) -> None:
    for method in service.methods:
        if method.name.startswith("List"):
            fields = method.input_type.fields_by_name
            assert {"page_size", "page_token"} <= set(fields), method.name
            assert "next_page_token" in method.output_type.fields_by_name, method.name


async def test_services_are_registered_and_healthy(channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    for service in SERVICES:
        response = await health.Check(health_pb2.HealthCheckRequest(service=service.full_name))
        assert response.status == health_pb2.HealthCheckResponse.SERVING
        for method in service.methods:
            call = channel.unary_unary(
                f"/{service.full_name}/{method.name}",
                request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=lambda b: b,
            )
            # An empty request reaches the servicer and is refused or answered, never UNIMPLEMENTED.
            try:
                await call(method.input_type._concrete_class())
            except grpc.aio.AioRpcError as err:
                assert err.code() != grpc.StatusCode.UNIMPLEMENTED, method.name
                assert err.code() != grpc.StatusCode.INTERNAL, (method.name, err.details())
