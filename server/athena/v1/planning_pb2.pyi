import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PlanStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_STATUS_UNSPECIFIED: _ClassVar[PlanStatus]
    PLAN_STATUS_DRAFT: _ClassVar[PlanStatus]
    PLAN_STATUS_ACTIVE: _ClassVar[PlanStatus]
    PLAN_STATUS_COMPLETED: _ClassVar[PlanStatus]
    PLAN_STATUS_FAILED: _ClassVar[PlanStatus]
    PLAN_STATUS_CANCELLED: _ClassVar[PlanStatus]
    PLAN_STATUS_REPLANNED: _ClassVar[PlanStatus]

class PlanStepStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_STEP_STATUS_UNSPECIFIED: _ClassVar[PlanStepStatus]
    PLAN_STEP_STATUS_PENDING: _ClassVar[PlanStepStatus]
    PLAN_STEP_STATUS_DONE: _ClassVar[PlanStepStatus]
    PLAN_STEP_STATUS_FAILED: _ClassVar[PlanStepStatus]

class PlanFindingSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_FINDING_SEVERITY_UNSPECIFIED: _ClassVar[PlanFindingSeverity]
    PLAN_FINDING_SEVERITY_INFO: _ClassVar[PlanFindingSeverity]
    PLAN_FINDING_SEVERITY_WARNING: _ClassVar[PlanFindingSeverity]
    PLAN_FINDING_SEVERITY_ERROR: _ClassVar[PlanFindingSeverity]
PLAN_STATUS_UNSPECIFIED: PlanStatus
PLAN_STATUS_DRAFT: PlanStatus
PLAN_STATUS_ACTIVE: PlanStatus
PLAN_STATUS_COMPLETED: PlanStatus
PLAN_STATUS_FAILED: PlanStatus
PLAN_STATUS_CANCELLED: PlanStatus
PLAN_STATUS_REPLANNED: PlanStatus
PLAN_STEP_STATUS_UNSPECIFIED: PlanStepStatus
PLAN_STEP_STATUS_PENDING: PlanStepStatus
PLAN_STEP_STATUS_DONE: PlanStepStatus
PLAN_STEP_STATUS_FAILED: PlanStepStatus
PLAN_FINDING_SEVERITY_UNSPECIFIED: PlanFindingSeverity
PLAN_FINDING_SEVERITY_INFO: PlanFindingSeverity
PLAN_FINDING_SEVERITY_WARNING: PlanFindingSeverity
PLAN_FINDING_SEVERITY_ERROR: PlanFindingSeverity

class Plan(_message.Message):
    __slots__ = ("id", "title", "description", "status", "goal_id", "steps", "strategy", "replaces_plan_id", "revision", "status_reason", "llm_usage", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    REPLACES_PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    LLM_USAGE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    description: str
    status: PlanStatus
    goal_id: str
    steps: _containers.RepeatedCompositeFieldContainer[PlanStep]
    strategy: str
    replaces_plan_id: str
    revision: int
    status_reason: str
    llm_usage: PlanLlmUsage
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., status: _Optional[_Union[PlanStatus, str]] = ..., goal_id: _Optional[str] = ..., steps: _Optional[_Iterable[_Union[PlanStep, _Mapping]]] = ..., strategy: _Optional[str] = ..., replaces_plan_id: _Optional[str] = ..., revision: _Optional[int] = ..., status_reason: _Optional[str] = ..., llm_usage: _Optional[_Union[PlanLlmUsage, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PlanStep(_message.Message):
    __slots__ = ("key", "title", "description", "depends_on", "status", "source", "task_id", "estimate_seconds")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    key: str
    title: str
    description: str
    depends_on: _containers.RepeatedScalarFieldContainer[str]
    status: PlanStepStatus
    source: str
    task_id: str
    estimate_seconds: float
    def __init__(self, key: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., depends_on: _Optional[_Iterable[str]] = ..., status: _Optional[_Union[PlanStepStatus, str]] = ..., source: _Optional[str] = ..., task_id: _Optional[str] = ..., estimate_seconds: _Optional[float] = ...) -> None: ...

class PlanStepSpec(_message.Message):
    __slots__ = ("key", "title", "description", "depends_on")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    key: str
    title: str
    description: str
    depends_on: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., depends_on: _Optional[_Iterable[str]] = ...) -> None: ...

class PlanLlmUsage(_message.Message):
    __slots__ = ("model", "calls", "failed_calls", "input_tokens", "output_tokens", "cost_usd")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    CALLS_FIELD_NUMBER: _ClassVar[int]
    FAILED_CALLS_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COST_USD_FIELD_NUMBER: _ClassVar[int]
    model: str
    calls: int
    failed_calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    def __init__(self, model: _Optional[str] = ..., calls: _Optional[int] = ..., failed_calls: _Optional[int] = ..., input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., cost_usd: _Optional[float] = ...) -> None: ...

class PlanFinding(_message.Message):
    __slots__ = ("severity", "code", "step_key", "message")
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    STEP_KEY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    severity: PlanFindingSeverity
    code: str
    step_key: str
    message: str
    def __init__(self, severity: _Optional[_Union[PlanFindingSeverity, str]] = ..., code: _Optional[str] = ..., step_key: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class EffortEstimate(_message.Message):
    __slots__ = ("expected_seconds", "low_seconds", "high_seconds", "confidence", "sample_count", "basis")
    EXPECTED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    HIGH_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    expected_seconds: float
    low_seconds: float
    high_seconds: float
    confidence: float
    sample_count: int
    basis: str
    def __init__(self, expected_seconds: _Optional[float] = ..., low_seconds: _Optional[float] = ..., high_seconds: _Optional[float] = ..., confidence: _Optional[float] = ..., sample_count: _Optional[int] = ..., basis: _Optional[str] = ...) -> None: ...

class StepEffortEstimate(_message.Message):
    __slots__ = ("step_key", "estimate")
    STEP_KEY_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    step_key: str
    estimate: EffortEstimate
    def __init__(self, step_key: _Optional[str] = ..., estimate: _Optional[_Union[EffortEstimate, _Mapping]] = ...) -> None: ...

class CreatePlanRequest(_message.Message):
    __slots__ = ("title", "description", "goal_id", "steps", "max_steps", "disable_llm", "request_id")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    MAX_STEPS_FIELD_NUMBER: _ClassVar[int]
    DISABLE_LLM_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    title: str
    description: str
    goal_id: str
    steps: _containers.RepeatedCompositeFieldContainer[PlanStepSpec]
    max_steps: int
    disable_llm: bool
    request_id: str
    def __init__(self, title: _Optional[str] = ..., description: _Optional[str] = ..., goal_id: _Optional[str] = ..., steps: _Optional[_Iterable[_Union[PlanStepSpec, _Mapping]]] = ..., max_steps: _Optional[int] = ..., disable_llm: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreatePlanResponse(_message.Message):
    __slots__ = ("plan", "findings", "replayed")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    findings: _containers.RepeatedCompositeFieldContainer[PlanFinding]
    replayed: bool
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ..., findings: _Optional[_Iterable[_Union[PlanFinding, _Mapping]]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class ValidatePlanRequest(_message.Message):
    __slots__ = ("plan_id", "steps")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    steps: _containers.RepeatedCompositeFieldContainer[PlanStepSpec]
    def __init__(self, plan_id: _Optional[str] = ..., steps: _Optional[_Iterable[_Union[PlanStepSpec, _Mapping]]] = ...) -> None: ...

class ValidatePlanResponse(_message.Message):
    __slots__ = ("valid", "findings")
    VALID_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    findings: _containers.RepeatedCompositeFieldContainer[PlanFinding]
    def __init__(self, valid: _Optional[bool] = ..., findings: _Optional[_Iterable[_Union[PlanFinding, _Mapping]]] = ...) -> None: ...

class EstimateEffortRequest(_message.Message):
    __slots__ = ("plan_id", "description")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    description: str
    def __init__(self, plan_id: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class EstimateEffortResponse(_message.Message):
    __slots__ = ("total", "steps")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    total: EffortEstimate
    steps: _containers.RepeatedCompositeFieldContainer[StepEffortEstimate]
    def __init__(self, total: _Optional[_Union[EffortEstimate, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[StepEffortEstimate, _Mapping]]] = ...) -> None: ...

class GetPlanRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetPlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class ListPlansRequest(_message.Message):
    __slots__ = ("statuses", "goal_id", "page_size", "page_token")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedScalarFieldContainer[PlanStatus]
    goal_id: str
    page_size: int
    page_token: str
    def __init__(self, statuses: _Optional[_Iterable[_Union[PlanStatus, str]]] = ..., goal_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPlansResponse(_message.Message):
    __slots__ = ("plans", "next_page_token")
    PLANS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    plans: _containers.RepeatedCompositeFieldContainer[Plan]
    next_page_token: str
    def __init__(self, plans: _Optional[_Iterable[_Union[Plan, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdatePlanStatusRequest(_message.Message):
    __slots__ = ("id", "status", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: PlanStatus
    reason: str
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[PlanStatus, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class UpdatePlanStatusResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class ReplanOnFailureRequest(_message.Message):
    __slots__ = ("plan_id", "step_key", "failure_reason", "request_id")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_KEY_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    step_key: str
    failure_reason: str
    request_id: str
    def __init__(self, plan_id: _Optional[str] = ..., step_key: _Optional[str] = ..., failure_reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ReplanOnFailureResponse(_message.Message):
    __slots__ = ("plan", "findings", "replayed")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    findings: _containers.RepeatedCompositeFieldContainer[PlanFinding]
    replayed: bool
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ..., findings: _Optional[_Iterable[_Union[PlanFinding, _Mapping]]] = ..., replayed: _Optional[bool] = ...) -> None: ...
