"""Athena: memory, execution and coordination service for AI agents."""

__version__ = "0.1.0"
