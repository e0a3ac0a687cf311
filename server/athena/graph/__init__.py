"""The knowledge graph: entities, relations, communities, and links drawn from episodic events."""

from athena.graph.extraction import DefaultExtractor, EntityExtractor, Mention
from athena.graph.knowledge import CommunityStore, KnowledgeGraph
from athena.graph.models import (
    Community,
    CommunityRun,
    Direction,
    Entity,
    EventLink,
    Neighbor,
    NewEntity,
    NewRelation,
    Relation,
    RelationFilter,
    ScoredEntity,
    TraversalFilter,
)

__all__ = [
    "Community",
    "CommunityRun",
    "CommunityStore",
    "DefaultExtractor",
    "Direction",
    "Entity",
    "EntityExtractor",
    "EventLink",
    "KnowledgeGraph",
    "Mention",
    "Neighbor",
    "NewEntity",
    "NewRelation",
    "Relation",
    "RelationFilter",
    "ScoredEntity",
    "TraversalFilter",
]
