"""The execution service as a server component: ExecutionService plus the warm sandbox pool."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from athena.api.execution import ExecutionServicer
from athena.components import Component, Context
from athena.execution.executor import Executor
from athena.v1 import execution_pb2, execution_pb2_grpc


async def build(ctx: Context) -> Component:
    episodic = ctx.components["memory"].domain["episodic"]
    recall = ctx.components.get("recall")
    executor = Executor(
        ctx.config, episodic, recall.domain.get("recall") if recall is not None else None
    )
    servicer = ExecutionServicer(executor)

    def background() -> list[Coroutine[Any, Any, None]]:
        return [executor.prewarm()] if ctx.config.sandbox_prewarm else []

    return Component(
        name="execution",
        service_names=(execution_pb2.DESCRIPTOR.services_by_name["ExecutionService"].full_name,),
        register=lambda server: execution_pb2_grpc.add_ExecutionServiceServicer_to_server(
            servicer, server
        ),
        background=background,
        close=executor.close,
        domain={"executor": executor},
    )
