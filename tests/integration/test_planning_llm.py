"""CreatePlan with a configured OpenAI-compatible model served by a fake HTTP server: the
model's steps are used, usage is recorded, and a malformed or failing model falls back to the
heuristics without writing anything from the bad reply."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import grpc
import pytest
from athena.server import create_server
from athena.v1 import planning_pb2 as pb
from athena.v1 import planning_pb2_grpc

from tests.integration.test_llm_providers import FakeLLMServer, ok, openai_body


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLLMServer]:
    server = FakeLLMServer()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    yield server
    listener.close()
    for task in list(server.handlers):
        task.cancel()
    await asyncio.gather(*server.handlers, return_exceptions=True)
    await listener.wait_closed()


@pytest.fixture
async def planning(make_config, fake_llm: FakeLLMServer) -> AsyncIterator:
    config = make_config(
        llm_provider="openai",
        llm_base_url=f"http://127.0.0.1:{fake_llm.port}/v1",
        llm_model="fake-model",
        llm_max_retries=0,
        llm_timeout_seconds=10.0,
        llm_input_cost_per_mtok=3.0,
    )
    server, port = await create_server(config)
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield planning_pb2_grpc.PlanningServiceStub(channel)
    await server.stop(grace=0)


async def test_llm_steps_are_used_and_counted(planning, fake_llm: FakeLLMServer) -> None:
    reply = {
        "steps": [
            {"key": "plan", "title": "draft the schema"},
            {"key": "apply", "title": "apply the migration", "depends_on": ["plan"]},
        ]
    }
    fake_llm.script(ok(openai_body(json.dumps(reply), tokens_in=1000, tokens_out=50)))
    plan = (await planning.CreatePlan(pb.CreatePlanRequest(title="add a column"))).plan
    assert [(s.key, s.source) for s in plan.steps] == [("plan", "llm"), ("apply", "llm")]
    assert plan.strategy == "llm: openai/fake-model"
    usage = plan.llm_usage
    assert (usage.calls, usage.input_tokens, usage.output_tokens) == (1, 1000, 50)
    assert usage.cost_usd == pytest.approx(0.003) and usage.model == "openai/fake-model"
    assert "add a column" in fake_llm.requests[0][2]["messages"][-1]["content"]


async def test_malformed_model_falls_back_to_heuristics(planning, fake_llm) -> None:
    fake_llm.script(
        ok(openai_body('{"steps": [{"key": "a", "title": "x", "depends_on": ["zz"]}]}')),
        ok(openai_body("I cannot help with that.")),
    )
    plan = (
        await planning.CreatePlan(
            pb.CreatePlanRequest(title="t", description="first thing, then second thing")
        )
    ).plan
    assert [s.title for s in plan.steps] == ["first thing", "second thing"]
    assert {s.source for s in plan.steps} == {"text"}
    assert plan.strategy.startswith("llm failed (LLM_MALFORMED_REPLY)")
    assert plan.llm_usage.calls == 2 and plan.llm_usage.failed_calls == 2


async def test_unreachable_model_and_disable_llm(planning, fake_llm) -> None:
    fake_llm.script((500, {}, b"boom", 0.0, False))
    plan = (await planning.CreatePlan(pb.CreatePlanRequest(title="a, b"))).plan
    assert plan.strategy.startswith("llm failed (LLM_UNAVAILABLE)")
    assert [s.title for s in plan.steps] == ["a", "b"]
    before = len(fake_llm.requests)
    plan = (await planning.CreatePlan(pb.CreatePlanRequest(title="a, b", disable_llm=True))).plan
    assert len(fake_llm.requests) == before and plan.llm_usage.calls == 0


async def test_replan_asks_the_model_when_no_fix_is_known(planning, fake_llm) -> None:
    plan = (
        await planning.CreatePlan(
            pb.CreatePlanRequest(
                title="t",
                disable_llm=True,
                steps=[pb.PlanStepSpec(key="a", title="compile"), pb.PlanStepSpec(title="ship")],
            )
        )
    ).plan
    reply = {"steps": [{"title": "install the compiler"}, {"title": "compile again"}]}
    fake_llm.script(ok(openai_body(json.dumps(reply))))
    new = (
        await planning.ReplanOnFailure(
            pb.ReplanOnFailureRequest(plan_id=plan.id, step_key="a", failure_reason="no cc")
        )
    ).plan
    assert [s.title for s in new.steps] == ["install the compiler", "compile again", "ship"]
    assert new.strategy.endswith("llm: openai/fake-model") and new.llm_usage.calls == 1
    prompt = fake_llm.requests[-1][2]["messages"][-1]["content"]
    assert "compile" in prompt and "no cc" in prompt
