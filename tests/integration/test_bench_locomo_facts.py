"""bench.locomo_facts on a tiny hand-made conversation: the recall figures it computes are the
ones the data forces (an exactly worded question is found, an unreachable one never is)."""

from __future__ import annotations

import grpc
import pytest

from bench.locomo_facts import askers, evaluate, ingest, load_conversation, observation_evidence

CONVERSATION = {
    "speaker_a": "Caroline",
    "speaker_b": "Melanie",
    "session_1_date_time": "1:56 pm on 8 May, 2023",
    "session_2_date_time": "10:37 am on 27 June, 2023",
    # A date without a session, as one real file has: it must not make a session up.
    "session_3_date_time": "8:18 pm on 1 July, 2023",
    "session_1_observation": {
        "Caroline": [["Caroline adopted a golden retriever puppy named Biscuit.", "D1:3"]],
        "Melanie": [["Melanie painted a sunrise over the lake.", "D1:8"]],
    },
    "session_2_observation": {
        # Both odd evidence shapes of the real files: a list, and several ids in one string.
        "Caroline": [["Caroline started volunteering at the youth center.", ["D2:1", "D2:4"]]],
        "Melanie": [["Melanie ran a charity marathon for cancer research.", "D2:6, D2:9"]],
    },
    "qa": [
        {
            "question": "Caroline adopted a golden retriever puppy named Biscuit?",
            "answer": "yes",
            "evidence": ["D1:3"],
            "category": 4,
        },
        {
            "question": "When did Caroline start volunteering at the youth center?",
            "answer": "June 2023",
            "evidence": ["D2:4"],
            "category": 2,
        },
        {
            "question": "What instrument does Melanie play?",
            "answer": "clarinet",
            "evidence": ["D2:12"],
            "category": 1,
        },
        # Adversarial: not counted, like in bench/locomo.py.
        {"question": "What did Caroline paint?", "answer": "nothing", "evidence": ["D1:8"],
         "category": 5},
    ],
}  # fmt: skip


def test_observation_evidence_shapes() -> None:
    assert observation_evidence("D1:3") == ("D1:3",)
    assert observation_evidence(["D2:1", "D2:4"]) == ("D2:1", "D2:4")
    assert observation_evidence("D2:6, D2:9; D2:6") == ("D2:6", "D2:9")


async def test_recall_figures_on_a_tiny_conversation(channel: grpc.aio.Channel) -> None:
    observations, questions = load_conversation(CONVERSATION)
    assert len(observations) == 4 and len(questions) == 3
    assert {o.session for o in observations} == {1, 2}

    conversation = await ingest(channel, "locomo-facts-test", observations, questions)
    assert sorted(conversation.evidence.values()) == [
        ("D1:3",),
        ("D1:8",),
        ("D2:1", "D2:4"),
        ("D2:6", "D2:9"),
    ]
    report = await evaluate(channel, [conversation])

    assert report["facts"] == 4
    assert report["reachable"]["all"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["reachable"]["multi-hop"] == 0.0
    for way in ("search", "recall"):
        result = report["ways"][way]
        assert result["questions"] == 3
        assert result["count"] == {"all": 3, "single-hop": 1, "temporal": 1, "multi-hop": 1}
        recall = result["recall"]
        for k in (5, 10, 20):
            assert recall["single-hop"][f"R@{k}"] == 1.0, way
            assert recall["temporal"][f"R@{k}"] == 1.0, way
            assert recall["multi-hop"][f"R@{k}"] == 0.0, way
            assert recall["all"][f"R@{k}"] == pytest.approx(2 / 3, abs=1e-4), way
        assert 0 < result["latency_ms"]["p50"] <= result["latency_ms"]["p95"]
    # Stronger than "within 5" for the exactly worded question: it comes first either way.
    metadata = (("x-athena-project", "locomo-facts-test"),)
    for way, ask in askers(channel).items():
        ranked = await ask(questions[0].text, metadata)
        assert conversation.evidence[ranked[0]] == ("D1:3",), way
