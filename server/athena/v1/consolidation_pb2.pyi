import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConsolidationRunState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSOLIDATION_RUN_STATE_UNSPECIFIED: _ClassVar[ConsolidationRunState]
    CONSOLIDATION_RUN_STATE_RUNNING: _ClassVar[ConsolidationRunState]
    CONSOLIDATION_RUN_STATE_SUCCEEDED: _ClassVar[ConsolidationRunState]
    CONSOLIDATION_RUN_STATE_FAILED: _ClassVar[ConsolidationRunState]
    CONSOLIDATION_RUN_STATE_INTERRUPTED: _ClassVar[ConsolidationRunState]

class ConsolidationPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSOLIDATION_PHASE_UNSPECIFIED: _ClassVar[ConsolidationPhase]
    CONSOLIDATION_PHASE_PRIORITISE: _ClassVar[ConsolidationPhase]
    CONSOLIDATION_PHASE_CLUSTER: _ClassVar[ConsolidationPhase]
    CONSOLIDATION_PHASE_EXTRACT: _ClassVar[ConsolidationPhase]
    CONSOLIDATION_PHASE_WRITE: _ClassVar[ConsolidationPhase]
    CONSOLIDATION_PHASE_MARK: _ClassVar[ConsolidationPhase]
    CONSOLIDATION_PHASE_DONE: _ClassVar[ConsolidationPhase]

class ConsolidationTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSOLIDATION_TRIGGER_UNSPECIFIED: _ClassVar[ConsolidationTrigger]
    CONSOLIDATION_TRIGGER_STREAM: _ClassVar[ConsolidationTrigger]
    CONSOLIDATION_TRIGGER_BACKGROUND: _ClassVar[ConsolidationTrigger]
    CONSOLIDATION_TRIGGER_SCHEDULE: _ClassVar[ConsolidationTrigger]

class ConsolidationPatternKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSOLIDATION_PATTERN_KIND_UNSPECIFIED: _ClassVar[ConsolidationPatternKind]
    CONSOLIDATION_PATTERN_KIND_ACTION_SEQUENCE: _ClassVar[ConsolidationPatternKind]
    CONSOLIDATION_PATTERN_KIND_ERROR_FIX: _ClassVar[ConsolidationPatternKind]
    CONSOLIDATION_PATTERN_KIND_STABLE_FACT: _ClassVar[ConsolidationPatternKind]
CONSOLIDATION_RUN_STATE_UNSPECIFIED: ConsolidationRunState
CONSOLIDATION_RUN_STATE_RUNNING: ConsolidationRunState
CONSOLIDATION_RUN_STATE_SUCCEEDED: ConsolidationRunState
CONSOLIDATION_RUN_STATE_FAILED: ConsolidationRunState
CONSOLIDATION_RUN_STATE_INTERRUPTED: ConsolidationRunState
CONSOLIDATION_PHASE_UNSPECIFIED: ConsolidationPhase
CONSOLIDATION_PHASE_PRIORITISE: ConsolidationPhase
CONSOLIDATION_PHASE_CLUSTER: ConsolidationPhase
CONSOLIDATION_PHASE_EXTRACT: ConsolidationPhase
CONSOLIDATION_PHASE_WRITE: ConsolidationPhase
CONSOLIDATION_PHASE_MARK: ConsolidationPhase
CONSOLIDATION_PHASE_DONE: ConsolidationPhase
CONSOLIDATION_TRIGGER_UNSPECIFIED: ConsolidationTrigger
CONSOLIDATION_TRIGGER_STREAM: ConsolidationTrigger
CONSOLIDATION_TRIGGER_BACKGROUND: ConsolidationTrigger
CONSOLIDATION_TRIGGER_SCHEDULE: ConsolidationTrigger
CONSOLIDATION_PATTERN_KIND_UNSPECIFIED: ConsolidationPatternKind
CONSOLIDATION_PATTERN_KIND_ACTION_SEQUENCE: ConsolidationPatternKind
CONSOLIDATION_PATTERN_KIND_ERROR_FIX: ConsolidationPatternKind
CONSOLIDATION_PATTERN_KIND_STABLE_FACT: ConsolidationPatternKind

class ConsolidationMetrics(_message.Message):
    __slots__ = ("events_considered", "events_skipped", "clusters", "patterns", "facts_created", "facts_superseded", "facts_unchanged", "procedure_candidates", "candidates_rejected", "llm_reviews", "llm_rewrites", "llm_rejections", "llm_failures", "duration", "llm_input_tokens", "llm_output_tokens")
    EVENTS_CONSIDERED_FIELD_NUMBER: _ClassVar[int]
    EVENTS_SKIPPED_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    PATTERNS_FIELD_NUMBER: _ClassVar[int]
    FACTS_CREATED_FIELD_NUMBER: _ClassVar[int]
    FACTS_SUPERSEDED_FIELD_NUMBER: _ClassVar[int]
    FACTS_UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_REJECTED_FIELD_NUMBER: _ClassVar[int]
    LLM_REVIEWS_FIELD_NUMBER: _ClassVar[int]
    LLM_REWRITES_FIELD_NUMBER: _ClassVar[int]
    LLM_REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    LLM_FAILURES_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    LLM_INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LLM_OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    events_considered: int
    events_skipped: int
    clusters: int
    patterns: int
    facts_created: int
    facts_superseded: int
    facts_unchanged: int
    procedure_candidates: int
    candidates_rejected: int
    llm_reviews: int
    llm_rewrites: int
    llm_rejections: int
    llm_failures: int
    duration: _duration_pb2.Duration
    llm_input_tokens: int
    llm_output_tokens: int
    def __init__(self, events_considered: _Optional[int] = ..., events_skipped: _Optional[int] = ..., clusters: _Optional[int] = ..., patterns: _Optional[int] = ..., facts_created: _Optional[int] = ..., facts_superseded: _Optional[int] = ..., facts_unchanged: _Optional[int] = ..., procedure_candidates: _Optional[int] = ..., candidates_rejected: _Optional[int] = ..., llm_reviews: _Optional[int] = ..., llm_rewrites: _Optional[int] = ..., llm_rejections: _Optional[int] = ..., llm_failures: _Optional[int] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., llm_input_tokens: _Optional[int] = ..., llm_output_tokens: _Optional[int] = ...) -> None: ...

class ConsolidationRun(_message.Message):
    __slots__ = ("id", "request_id", "trigger", "state", "phase", "items_done", "items_total", "metrics", "error", "start_time", "end_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_DONE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    request_id: str
    trigger: ConsolidationTrigger
    state: ConsolidationRunState
    phase: ConsolidationPhase
    items_done: int
    items_total: int
    metrics: ConsolidationMetrics
    error: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., request_id: _Optional[str] = ..., trigger: _Optional[_Union[ConsolidationTrigger, str]] = ..., state: _Optional[_Union[ConsolidationRunState, str]] = ..., phase: _Optional[_Union[ConsolidationPhase, str]] = ..., items_done: _Optional[int] = ..., items_total: _Optional[int] = ..., metrics: _Optional[_Union[ConsolidationMetrics, _Mapping]] = ..., error: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ConsolidationProgress(_message.Message):
    __slots__ = ("run_id", "phase", "items_done", "items_total")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_DONE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    phase: ConsolidationPhase
    items_done: int
    items_total: int
    def __init__(self, run_id: _Optional[str] = ..., phase: _Optional[_Union[ConsolidationPhase, str]] = ..., items_done: _Optional[int] = ..., items_total: _Optional[int] = ...) -> None: ...

class ConsolidateRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class ConsolidateResponse(_message.Message):
    __slots__ = ("progress", "summary")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    progress: ConsolidationProgress
    summary: ConsolidationRun
    def __init__(self, progress: _Optional[_Union[ConsolidationProgress, _Mapping]] = ..., summary: _Optional[_Union[ConsolidationRun, _Mapping]] = ...) -> None: ...

class StartConsolidationRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class StartConsolidationResponse(_message.Message):
    __slots__ = ("run", "replayed")
    RUN_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    run: ConsolidationRun
    replayed: bool
    def __init__(self, run: _Optional[_Union[ConsolidationRun, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetConsolidationRunRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetConsolidationRunResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: ConsolidationRun
    def __init__(self, run: _Optional[_Union[ConsolidationRun, _Mapping]] = ...) -> None: ...

class ListConsolidationRunsRequest(_message.Message):
    __slots__ = ("states", "page_size", "page_token")
    STATES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedScalarFieldContainer[ConsolidationRunState]
    page_size: int
    page_token: str
    def __init__(self, states: _Optional[_Iterable[_Union[ConsolidationRunState, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConsolidationRunsResponse(_message.Message):
    __slots__ = ("runs", "next_page_token")
    RUNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[ConsolidationRun]
    next_page_token: str
    def __init__(self, runs: _Optional[_Iterable[_Union[ConsolidationRun, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ConsolidationSchedule(_message.Message):
    __slots__ = ("interval", "next_run_time")
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_RUN_TIME_FIELD_NUMBER: _ClassVar[int]
    interval: _duration_pb2.Duration
    next_run_time: _timestamp_pb2.Timestamp
    def __init__(self, interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., next_run_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SetConsolidationScheduleRequest(_message.Message):
    __slots__ = ("interval",)
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    interval: _duration_pb2.Duration
    def __init__(self, interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class SetConsolidationScheduleResponse(_message.Message):
    __slots__ = ("schedule",)
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    schedule: ConsolidationSchedule
    def __init__(self, schedule: _Optional[_Union[ConsolidationSchedule, _Mapping]] = ...) -> None: ...

class GetConsolidationScheduleRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetConsolidationScheduleResponse(_message.Message):
    __slots__ = ("schedule",)
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    schedule: ConsolidationSchedule
    def __init__(self, schedule: _Optional[_Union[ConsolidationSchedule, _Mapping]] = ...) -> None: ...

class ConsolidationPattern(_message.Message):
    __slots__ = ("id", "kind", "signature", "description", "steps", "confidence", "reviewed_by", "fact_id", "occurrences", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_BY_FIELD_NUMBER: _ClassVar[int]
    FACT_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: ConsolidationPatternKind
    signature: str
    description: str
    steps: _containers.RepeatedScalarFieldContainer[str]
    confidence: float
    reviewed_by: str
    fact_id: str
    occurrences: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[ConsolidationPatternKind, str]] = ..., signature: _Optional[str] = ..., description: _Optional[str] = ..., steps: _Optional[_Iterable[str]] = ..., confidence: _Optional[float] = ..., reviewed_by: _Optional[str] = ..., fact_id: _Optional[str] = ..., occurrences: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListConsolidationPatternsRequest(_message.Message):
    __slots__ = ("kind", "page_size", "page_token")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    kind: ConsolidationPatternKind
    page_size: int
    page_token: str
    def __init__(self, kind: _Optional[_Union[ConsolidationPatternKind, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConsolidationPatternsResponse(_message.Message):
    __slots__ = ("patterns", "next_page_token")
    PATTERNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    patterns: _containers.RepeatedCompositeFieldContainer[ConsolidationPattern]
    next_page_token: str
    def __init__(self, patterns: _Optional[_Iterable[_Union[ConsolidationPattern, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ProcedureCandidate(_message.Message):
    __slots__ = ("id", "pattern_id", "name", "steps", "event_sequence", "confidence", "occurrences", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PATTERN_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    EVENT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    pattern_id: str
    name: str
    steps: _containers.RepeatedScalarFieldContainer[str]
    event_sequence: _containers.RepeatedScalarFieldContainer[str]
    confidence: float
    occurrences: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., pattern_id: _Optional[str] = ..., name: _Optional[str] = ..., steps: _Optional[_Iterable[str]] = ..., event_sequence: _Optional[_Iterable[str]] = ..., confidence: _Optional[float] = ..., occurrences: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListProcedureCandidatesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListProcedureCandidatesResponse(_message.Message):
    __slots__ = ("candidates", "next_page_token")
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    candidates: _containers.RepeatedCompositeFieldContainer[ProcedureCandidate]
    next_page_token: str
    def __init__(self, candidates: _Optional[_Iterable[_Union[ProcedureCandidate, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
