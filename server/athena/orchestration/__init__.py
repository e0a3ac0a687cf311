"""Orchestration: durable task queue, agent registry and routing, event bus, workflows."""
