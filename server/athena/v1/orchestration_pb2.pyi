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

class TaskState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_STATE_UNSPECIFIED: _ClassVar[TaskState]
    TASK_STATE_BLOCKED: _ClassVar[TaskState]
    TASK_STATE_READY: _ClassVar[TaskState]
    TASK_STATE_LEASED: _ClassVar[TaskState]
    TASK_STATE_SUCCEEDED: _ClassVar[TaskState]
    TASK_STATE_DEAD: _ClassVar[TaskState]
    TASK_STATE_CANCELLED: _ClassVar[TaskState]
    TASK_STATE_SKIPPED: _ClassVar[TaskState]

class TaskListOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_LIST_ORDER_UNSPECIFIED: _ClassVar[TaskListOrder]
    TASK_LIST_ORDER_OLDEST_FIRST: _ClassVar[TaskListOrder]
    TASK_LIST_ORDER_NEWEST_FIRST: _ClassVar[TaskListOrder]

class AgentState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGENT_STATE_UNSPECIFIED: _ClassVar[AgentState]
    AGENT_STATE_HEALTHY: _ClassVar[AgentState]
    AGENT_STATE_UNHEALTHY: _ClassVar[AgentState]
    AGENT_STATE_DEREGISTERED: _ClassVar[AgentState]

class WorkflowState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WORKFLOW_STATE_UNSPECIFIED: _ClassVar[WorkflowState]
    WORKFLOW_STATE_RUNNING: _ClassVar[WorkflowState]
    WORKFLOW_STATE_SUCCEEDED: _ClassVar[WorkflowState]
    WORKFLOW_STATE_FAILED: _ClassVar[WorkflowState]
    WORKFLOW_STATE_CANCELLED: _ClassVar[WorkflowState]

class ParentFailurePolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARENT_FAILURE_POLICY_UNSPECIFIED: _ClassVar[ParentFailurePolicy]
    PARENT_FAILURE_POLICY_FAIL: _ClassVar[ParentFailurePolicy]
    PARENT_FAILURE_POLICY_SKIP: _ClassVar[ParentFailurePolicy]
TASK_STATE_UNSPECIFIED: TaskState
TASK_STATE_BLOCKED: TaskState
TASK_STATE_READY: TaskState
TASK_STATE_LEASED: TaskState
TASK_STATE_SUCCEEDED: TaskState
TASK_STATE_DEAD: TaskState
TASK_STATE_CANCELLED: TaskState
TASK_STATE_SKIPPED: TaskState
TASK_LIST_ORDER_UNSPECIFIED: TaskListOrder
TASK_LIST_ORDER_OLDEST_FIRST: TaskListOrder
TASK_LIST_ORDER_NEWEST_FIRST: TaskListOrder
AGENT_STATE_UNSPECIFIED: AgentState
AGENT_STATE_HEALTHY: AgentState
AGENT_STATE_UNHEALTHY: AgentState
AGENT_STATE_DEREGISTERED: AgentState
WORKFLOW_STATE_UNSPECIFIED: WorkflowState
WORKFLOW_STATE_RUNNING: WorkflowState
WORKFLOW_STATE_SUCCEEDED: WorkflowState
WORKFLOW_STATE_FAILED: WorkflowState
WORKFLOW_STATE_CANCELLED: WorkflowState
PARENT_FAILURE_POLICY_UNSPECIFIED: ParentFailurePolicy
PARENT_FAILURE_POLICY_FAIL: ParentFailurePolicy
PARENT_FAILURE_POLICY_SKIP: ParentFailurePolicy

class Task(_message.Message):
    __slots__ = ("id", "name", "capability", "min_level", "priority", "payload", "labels", "state", "attempt", "max_attempts", "agent_id", "lease_expire_time", "ready_time", "result", "error", "idempotency_key", "workflow_id", "workflow_key", "create_time", "start_time", "finish_time", "backoff", "max_backoff")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    MIN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    READY_TIME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_KEY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    BACKOFF_FIELD_NUMBER: _ClassVar[int]
    MAX_BACKOFF_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    capability: str
    min_level: int
    priority: int
    payload: bytes
    labels: _containers.ScalarMap[str, str]
    state: TaskState
    attempt: int
    max_attempts: int
    agent_id: str
    lease_expire_time: _timestamp_pb2.Timestamp
    ready_time: _timestamp_pb2.Timestamp
    result: bytes
    error: str
    idempotency_key: str
    workflow_id: str
    workflow_key: str
    create_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    finish_time: _timestamp_pb2.Timestamp
    backoff: _duration_pb2.Duration
    max_backoff: _duration_pb2.Duration
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., capability: _Optional[str] = ..., min_level: _Optional[int] = ..., priority: _Optional[int] = ..., payload: _Optional[bytes] = ..., labels: _Optional[_Mapping[str, str]] = ..., state: _Optional[_Union[TaskState, str]] = ..., attempt: _Optional[int] = ..., max_attempts: _Optional[int] = ..., agent_id: _Optional[str] = ..., lease_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ready_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., result: _Optional[bytes] = ..., error: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., workflow_id: _Optional[str] = ..., workflow_key: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., backoff: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_backoff: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class NewTask(_message.Message):
    __slots__ = ("name", "capability", "min_level", "priority", "payload", "labels", "max_attempts", "backoff", "max_backoff", "ready_time", "idempotency_key")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    MIN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    BACKOFF_FIELD_NUMBER: _ClassVar[int]
    MAX_BACKOFF_FIELD_NUMBER: _ClassVar[int]
    READY_TIME_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    name: str
    capability: str
    min_level: int
    priority: int
    payload: bytes
    labels: _containers.ScalarMap[str, str]
    max_attempts: int
    backoff: _duration_pb2.Duration
    max_backoff: _duration_pb2.Duration
    ready_time: _timestamp_pb2.Timestamp
    idempotency_key: str
    def __init__(self, name: _Optional[str] = ..., capability: _Optional[str] = ..., min_level: _Optional[int] = ..., priority: _Optional[int] = ..., payload: _Optional[bytes] = ..., labels: _Optional[_Mapping[str, str]] = ..., max_attempts: _Optional[int] = ..., backoff: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_backoff: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., ready_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class TaskFilter(_message.Message):
    __slots__ = ("states", "capability", "agent_id", "workflow_id")
    STATES_FIELD_NUMBER: _ClassVar[int]
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedScalarFieldContainer[TaskState]
    capability: str
    agent_id: str
    workflow_id: str
    def __init__(self, states: _Optional[_Iterable[_Union[TaskState, str]]] = ..., capability: _Optional[str] = ..., agent_id: _Optional[str] = ..., workflow_id: _Optional[str] = ...) -> None: ...

class CreateTaskRequest(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: NewTask
    def __init__(self, task: _Optional[_Union[NewTask, _Mapping]] = ...) -> None: ...

class CreateTaskResponse(_message.Message):
    __slots__ = ("task", "replayed")
    TASK_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    task: Task
    replayed: bool
    def __init__(self, task: _Optional[_Union[Task, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class CreateTasksRequest(_message.Message):
    __slots__ = ("tasks",)
    TASKS_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[NewTask]
    def __init__(self, tasks: _Optional[_Iterable[_Union[NewTask, _Mapping]]] = ...) -> None: ...

class CreateTasksResponse(_message.Message):
    __slots__ = ("tasks", "replayed_count")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_COUNT_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[Task]
    replayed_count: int
    def __init__(self, tasks: _Optional[_Iterable[_Union[Task, _Mapping]]] = ..., replayed_count: _Optional[int] = ...) -> None: ...

class GetTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class GetTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: Task
    def __init__(self, task: _Optional[_Union[Task, _Mapping]] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("filter", "order", "page_size", "page_token")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filter: TaskFilter
    order: TaskListOrder
    page_size: int
    page_token: str
    def __init__(self, filter: _Optional[_Union[TaskFilter, _Mapping]] = ..., order: _Optional[_Union[TaskListOrder, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks", "next_page_token")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[Task]
    next_page_token: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[Task, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ClaimTasksRequest(_message.Message):
    __slots__ = ("agent_id", "max_tasks", "lease")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_TASKS_FIELD_NUMBER: _ClassVar[int]
    LEASE_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    max_tasks: int
    lease: _duration_pb2.Duration
    def __init__(self, agent_id: _Optional[str] = ..., max_tasks: _Optional[int] = ..., lease: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ClaimTasksResponse(_message.Message):
    __slots__ = ("tasks",)
    TASKS_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[Task]
    def __init__(self, tasks: _Optional[_Iterable[_Union[Task, _Mapping]]] = ...) -> None: ...

class StreamAssignmentsRequest(_message.Message):
    __slots__ = ("agent_id", "lease", "max_batch")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    lease: _duration_pb2.Duration
    max_batch: int
    def __init__(self, agent_id: _Optional[str] = ..., lease: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_batch: _Optional[int] = ...) -> None: ...

class StreamAssignmentsResponse(_message.Message):
    __slots__ = ("tasks",)
    TASKS_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[Task]
    def __init__(self, tasks: _Optional[_Iterable[_Union[Task, _Mapping]]] = ...) -> None: ...

class HeartbeatTasksRequest(_message.Message):
    __slots__ = ("agent_id", "task_ids", "lease")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_IDS_FIELD_NUMBER: _ClassVar[int]
    LEASE_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    task_ids: _containers.RepeatedScalarFieldContainer[str]
    lease: _duration_pb2.Duration
    def __init__(self, agent_id: _Optional[str] = ..., task_ids: _Optional[_Iterable[str]] = ..., lease: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class HeartbeatTasksResponse(_message.Message):
    __slots__ = ("extended_task_ids", "lost_task_ids", "lease_expire_time")
    EXTENDED_TASK_IDS_FIELD_NUMBER: _ClassVar[int]
    LOST_TASK_IDS_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    extended_task_ids: _containers.RepeatedScalarFieldContainer[str]
    lost_task_ids: _containers.RepeatedScalarFieldContainer[str]
    lease_expire_time: _timestamp_pb2.Timestamp
    def __init__(self, extended_task_ids: _Optional[_Iterable[str]] = ..., lost_task_ids: _Optional[_Iterable[str]] = ..., lease_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CompleteTaskRequest(_message.Message):
    __slots__ = ("task_id", "agent_id", "attempt", "result")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    agent_id: str
    attempt: int
    result: bytes
    def __init__(self, task_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., attempt: _Optional[int] = ..., result: _Optional[bytes] = ...) -> None: ...

class CompleteTaskResponse(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class CompleteTasksRequest(_message.Message):
    __slots__ = ("agent_id", "completions")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    COMPLETIONS_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    completions: _containers.RepeatedCompositeFieldContainer[TaskCompletion]
    def __init__(self, agent_id: _Optional[str] = ..., completions: _Optional[_Iterable[_Union[TaskCompletion, _Mapping]]] = ...) -> None: ...

class TaskCompletion(_message.Message):
    __slots__ = ("task_id", "attempt", "result")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    attempt: int
    result: bytes
    def __init__(self, task_id: _Optional[str] = ..., attempt: _Optional[int] = ..., result: _Optional[bytes] = ...) -> None: ...

class TaskAck(_message.Message):
    __slots__ = ("task_id", "accepted", "reason")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    accepted: bool
    reason: str
    def __init__(self, task_id: _Optional[str] = ..., accepted: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class CompleteTasksResponse(_message.Message):
    __slots__ = ("acks",)
    ACKS_FIELD_NUMBER: _ClassVar[int]
    acks: _containers.RepeatedCompositeFieldContainer[TaskAck]
    def __init__(self, acks: _Optional[_Iterable[_Union[TaskAck, _Mapping]]] = ...) -> None: ...

class FailTaskRequest(_message.Message):
    __slots__ = ("task_id", "agent_id", "attempt", "error", "permanent")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    PERMANENT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    agent_id: str
    attempt: int
    error: str
    permanent: bool
    def __init__(self, task_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., attempt: _Optional[int] = ..., error: _Optional[str] = ..., permanent: _Optional[bool] = ...) -> None: ...

class FailTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: Task
    def __init__(self, task: _Optional[_Union[Task, _Mapping]] = ...) -> None: ...

class CancelTaskRequest(_message.Message):
    __slots__ = ("task_id", "reason")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    reason: str
    def __init__(self, task_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: Task
    def __init__(self, task: _Optional[_Union[Task, _Mapping]] = ...) -> None: ...

class RetryDeadTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class RetryDeadTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: Task
    def __init__(self, task: _Optional[_Union[Task, _Mapping]] = ...) -> None: ...

class GetQueueStatsRequest(_message.Message):
    __slots__ = ("window",)
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    window: _duration_pb2.Duration
    def __init__(self, window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Percentiles(_message.Message):
    __slots__ = ("count", "p50_ms", "p90_ms", "p99_ms")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    P50_MS_FIELD_NUMBER: _ClassVar[int]
    P90_MS_FIELD_NUMBER: _ClassVar[int]
    P99_MS_FIELD_NUMBER: _ClassVar[int]
    count: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    def __init__(self, count: _Optional[int] = ..., p50_ms: _Optional[float] = ..., p90_ms: _Optional[float] = ..., p99_ms: _Optional[float] = ...) -> None: ...

class CapabilityStats(_message.Message):
    __slots__ = ("capability", "ready", "leased", "oldest_ready_ms", "wait", "run", "succeeded", "failed")
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    LEASED_FIELD_NUMBER: _ClassVar[int]
    OLDEST_READY_MS_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    capability: str
    ready: int
    leased: int
    oldest_ready_ms: float
    wait: Percentiles
    run: Percentiles
    succeeded: int
    failed: int
    def __init__(self, capability: _Optional[str] = ..., ready: _Optional[int] = ..., leased: _Optional[int] = ..., oldest_ready_ms: _Optional[float] = ..., wait: _Optional[_Union[Percentiles, _Mapping]] = ..., run: _Optional[_Union[Percentiles, _Mapping]] = ..., succeeded: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...

class AgentLoad(_message.Message):
    __slots__ = ("agent_id", "state", "leased", "max_concurrency", "utilisation")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LEASED_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    UTILISATION_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    state: AgentState
    leased: int
    max_concurrency: int
    utilisation: float
    def __init__(self, agent_id: _Optional[str] = ..., state: _Optional[_Union[AgentState, str]] = ..., leased: _Optional[int] = ..., max_concurrency: _Optional[int] = ..., utilisation: _Optional[float] = ...) -> None: ...

class QueueAnomaly(_message.Message):
    __slots__ = ("kind", "capability", "baseline", "current", "description")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    kind: str
    capability: str
    baseline: float
    current: float
    description: str
    def __init__(self, kind: _Optional[str] = ..., capability: _Optional[str] = ..., baseline: _Optional[float] = ..., current: _Optional[float] = ..., description: _Optional[str] = ...) -> None: ...

class GetQueueStatsResponse(_message.Message):
    __slots__ = ("task_counts", "depth", "wait", "run", "throughput_per_second", "capabilities", "agents", "longest_waits", "slowest_capabilities", "anomalies", "window")
    class TaskCountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    TASK_COUNTS_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    THROUGHPUT_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    LONGEST_WAITS_FIELD_NUMBER: _ClassVar[int]
    SLOWEST_CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    ANOMALIES_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    task_counts: _containers.ScalarMap[str, int]
    depth: int
    wait: Percentiles
    run: Percentiles
    throughput_per_second: float
    capabilities: _containers.RepeatedCompositeFieldContainer[CapabilityStats]
    agents: _containers.RepeatedCompositeFieldContainer[AgentLoad]
    longest_waits: _containers.RepeatedScalarFieldContainer[str]
    slowest_capabilities: _containers.RepeatedScalarFieldContainer[str]
    anomalies: _containers.RepeatedCompositeFieldContainer[QueueAnomaly]
    window: _duration_pb2.Duration
    def __init__(self, task_counts: _Optional[_Mapping[str, int]] = ..., depth: _Optional[int] = ..., wait: _Optional[_Union[Percentiles, _Mapping]] = ..., run: _Optional[_Union[Percentiles, _Mapping]] = ..., throughput_per_second: _Optional[float] = ..., capabilities: _Optional[_Iterable[_Union[CapabilityStats, _Mapping]]] = ..., agents: _Optional[_Iterable[_Union[AgentLoad, _Mapping]]] = ..., longest_waits: _Optional[_Iterable[str]] = ..., slowest_capabilities: _Optional[_Iterable[str]] = ..., anomalies: _Optional[_Iterable[_Union[QueueAnomaly, _Mapping]]] = ..., window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Agent(_message.Message):
    __slots__ = ("agent_id", "capabilities", "max_concurrency", "metadata", "state", "last_heartbeat_time", "register_time", "leased", "succeeded_count", "failed_count", "success_rate", "mean_run_ms")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LAST_HEARTBEAT_TIME_FIELD_NUMBER: _ClassVar[int]
    REGISTER_TIME_FIELD_NUMBER: _ClassVar[int]
    LEASED_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_COUNT_FIELD_NUMBER: _ClassVar[int]
    FAILED_COUNT_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_RATE_FIELD_NUMBER: _ClassVar[int]
    MEAN_RUN_MS_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    capabilities: _containers.RepeatedCompositeFieldContainer[AgentCapability]
    max_concurrency: int
    metadata: _containers.ScalarMap[str, str]
    state: AgentState
    last_heartbeat_time: _timestamp_pb2.Timestamp
    register_time: _timestamp_pb2.Timestamp
    leased: int
    succeeded_count: int
    failed_count: int
    success_rate: float
    mean_run_ms: float
    def __init__(self, agent_id: _Optional[str] = ..., capabilities: _Optional[_Iterable[_Union[AgentCapability, _Mapping]]] = ..., max_concurrency: _Optional[int] = ..., metadata: _Optional[_Mapping[str, str]] = ..., state: _Optional[_Union[AgentState, str]] = ..., last_heartbeat_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., register_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., leased: _Optional[int] = ..., succeeded_count: _Optional[int] = ..., failed_count: _Optional[int] = ..., success_rate: _Optional[float] = ..., mean_run_ms: _Optional[float] = ...) -> None: ...

class AgentCapability(_message.Message):
    __slots__ = ("name", "level")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    name: str
    level: int
    def __init__(self, name: _Optional[str] = ..., level: _Optional[int] = ...) -> None: ...

class RegisterAgentRequest(_message.Message):
    __slots__ = ("agent_id", "capabilities", "max_concurrency", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    capabilities: _containers.RepeatedCompositeFieldContainer[AgentCapability]
    max_concurrency: int
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, agent_id: _Optional[str] = ..., capabilities: _Optional[_Iterable[_Union[AgentCapability, _Mapping]]] = ..., max_concurrency: _Optional[int] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RegisterAgentResponse(_message.Message):
    __slots__ = ("agent",)
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ("agent_id",)
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    def __init__(self, agent_id: _Optional[str] = ...) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ("agent",)
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class GetAgentRequest(_message.Message):
    __slots__ = ("agent_id",)
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    def __init__(self, agent_id: _Optional[str] = ...) -> None: ...

class GetAgentResponse(_message.Message):
    __slots__ = ("agent",)
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class ListAgentsRequest(_message.Message):
    __slots__ = ("state", "capability", "page_size", "page_token")
    STATE_FIELD_NUMBER: _ClassVar[int]
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    state: AgentState
    capability: str
    page_size: int
    page_token: str
    def __init__(self, state: _Optional[_Union[AgentState, str]] = ..., capability: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAgentsResponse(_message.Message):
    __slots__ = ("agents", "next_page_token")
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    agents: _containers.RepeatedCompositeFieldContainer[Agent]
    next_page_token: str
    def __init__(self, agents: _Optional[_Iterable[_Union[Agent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class FindCapableAgentsRequest(_message.Message):
    __slots__ = ("capability", "min_level", "limit")
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    MIN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    capability: str
    min_level: int
    limit: int
    def __init__(self, capability: _Optional[str] = ..., min_level: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class FindCapableAgentsResponse(_message.Message):
    __slots__ = ("agents",)
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    agents: _containers.RepeatedCompositeFieldContainer[Agent]
    def __init__(self, agents: _Optional[_Iterable[_Union[Agent, _Mapping]]] = ...) -> None: ...

class DeregisterAgentRequest(_message.Message):
    __slots__ = ("agent_id",)
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    def __init__(self, agent_id: _Optional[str] = ...) -> None: ...

class DeregisterAgentResponse(_message.Message):
    __slots__ = ("agent", "released_task_count")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    RELEASED_TASK_COUNT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    released_task_count: int
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ..., released_task_count: _Optional[int] = ...) -> None: ...

class BusEvent(_message.Message):
    __slots__ = ("offset", "topic", "data", "attributes", "publish_time")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    offset: int
    topic: str
    data: bytes
    attributes: _containers.ScalarMap[str, str]
    publish_time: _timestamp_pb2.Timestamp
    def __init__(self, offset: _Optional[int] = ..., topic: _Optional[str] = ..., data: _Optional[bytes] = ..., attributes: _Optional[_Mapping[str, str]] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NewBusEvent(_message.Message):
    __slots__ = ("topic", "data", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    topic: str
    data: bytes
    attributes: _containers.ScalarMap[str, str]
    def __init__(self, topic: _Optional[str] = ..., data: _Optional[bytes] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class TopicPattern(_message.Message):
    __slots__ = ("exact", "prefix", "regex")
    EXACT_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    REGEX_FIELD_NUMBER: _ClassVar[int]
    exact: str
    prefix: str
    regex: str
    def __init__(self, exact: _Optional[str] = ..., prefix: _Optional[str] = ..., regex: _Optional[str] = ...) -> None: ...

class PublishRequest(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[NewBusEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[NewBusEvent, _Mapping]]] = ...) -> None: ...

class PublishResponse(_message.Message):
    __slots__ = ("published_count",)
    PUBLISHED_COUNT_FIELD_NUMBER: _ClassVar[int]
    published_count: int
    def __init__(self, published_count: _Optional[int] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("patterns", "after_offset")
    PATTERNS_FIELD_NUMBER: _ClassVar[int]
    AFTER_OFFSET_FIELD_NUMBER: _ClassVar[int]
    patterns: _containers.RepeatedCompositeFieldContainer[TopicPattern]
    after_offset: int
    def __init__(self, patterns: _Optional[_Iterable[_Union[TopicPattern, _Mapping]]] = ..., after_offset: _Optional[int] = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[BusEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[BusEvent, _Mapping]]] = ...) -> None: ...

class Workflow(_message.Message):
    __slots__ = ("id", "name", "state", "tasks", "create_time", "finish_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    state: WorkflowState
    tasks: _containers.RepeatedCompositeFieldContainer[WorkflowTask]
    create_time: _timestamp_pb2.Timestamp
    finish_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., state: _Optional[_Union[WorkflowState, str]] = ..., tasks: _Optional[_Iterable[_Union[WorkflowTask, _Mapping]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WorkflowTask(_message.Message):
    __slots__ = ("key", "task", "depends_on", "on_parent_failure")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    ON_PARENT_FAILURE_FIELD_NUMBER: _ClassVar[int]
    key: str
    task: Task
    depends_on: _containers.RepeatedScalarFieldContainer[str]
    on_parent_failure: ParentFailurePolicy
    def __init__(self, key: _Optional[str] = ..., task: _Optional[_Union[Task, _Mapping]] = ..., depends_on: _Optional[_Iterable[str]] = ..., on_parent_failure: _Optional[_Union[ParentFailurePolicy, str]] = ...) -> None: ...

class NewWorkflowTask(_message.Message):
    __slots__ = ("key", "task", "depends_on", "on_parent_failure")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    ON_PARENT_FAILURE_FIELD_NUMBER: _ClassVar[int]
    key: str
    task: NewTask
    depends_on: _containers.RepeatedScalarFieldContainer[str]
    on_parent_failure: ParentFailurePolicy
    def __init__(self, key: _Optional[str] = ..., task: _Optional[_Union[NewTask, _Mapping]] = ..., depends_on: _Optional[_Iterable[str]] = ..., on_parent_failure: _Optional[_Union[ParentFailurePolicy, str]] = ...) -> None: ...

class SubmitWorkflowRequest(_message.Message):
    __slots__ = ("name", "tasks", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    tasks: _containers.RepeatedCompositeFieldContainer[NewWorkflowTask]
    request_id: str
    def __init__(self, name: _Optional[str] = ..., tasks: _Optional[_Iterable[_Union[NewWorkflowTask, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class SubmitWorkflowResponse(_message.Message):
    __slots__ = ("workflow", "replayed")
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    workflow: Workflow
    replayed: bool
    def __init__(self, workflow: _Optional[_Union[Workflow, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetWorkflowRequest(_message.Message):
    __slots__ = ("workflow_id",)
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    def __init__(self, workflow_id: _Optional[str] = ...) -> None: ...

class GetWorkflowResponse(_message.Message):
    __slots__ = ("workflow",)
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    workflow: Workflow
    def __init__(self, workflow: _Optional[_Union[Workflow, _Mapping]] = ...) -> None: ...

class CancelWorkflowRequest(_message.Message):
    __slots__ = ("workflow_id",)
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    def __init__(self, workflow_id: _Optional[str] = ...) -> None: ...

class CancelWorkflowResponse(_message.Message):
    __slots__ = ("workflow",)
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    workflow: Workflow
    def __init__(self, workflow: _Optional[_Union[Workflow, _Mapping]] = ...) -> None: ...

class WatchWorkflowRequest(_message.Message):
    __slots__ = ("workflow_id",)
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    def __init__(self, workflow_id: _Optional[str] = ...) -> None: ...

class WatchWorkflowResponse(_message.Message):
    __slots__ = ("workflow",)
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    workflow: Workflow
    def __init__(self, workflow: _Optional[_Union[Workflow, _Mapping]] = ...) -> None: ...
