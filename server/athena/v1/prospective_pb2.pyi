import datetime

from athena.v1 import memory_pb2 as _memory_pb2
from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GoalStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GOAL_STATUS_UNSPECIFIED: _ClassVar[GoalStatus]
    GOAL_STATUS_ACTIVE: _ClassVar[GoalStatus]
    GOAL_STATUS_ACHIEVED: _ClassVar[GoalStatus]
    GOAL_STATUS_ABANDONED: _ClassVar[GoalStatus]

class ProspectiveTaskStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROSPECTIVE_TASK_STATUS_UNSPECIFIED: _ClassVar[ProspectiveTaskStatus]
    PROSPECTIVE_TASK_STATUS_PENDING: _ClassVar[ProspectiveTaskStatus]
    PROSPECTIVE_TASK_STATUS_ACTIVE: _ClassVar[ProspectiveTaskStatus]
    PROSPECTIVE_TASK_STATUS_BLOCKED: _ClassVar[ProspectiveTaskStatus]
    PROSPECTIVE_TASK_STATUS_DONE: _ClassVar[ProspectiveTaskStatus]
    PROSPECTIVE_TASK_STATUS_FAILED: _ClassVar[ProspectiveTaskStatus]
    PROSPECTIVE_TASK_STATUS_CANCELLED: _ClassVar[ProspectiveTaskStatus]

class TriggerKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIGGER_KIND_UNSPECIFIED: _ClassVar[TriggerKind]
    TRIGGER_KIND_TIME: _ClassVar[TriggerKind]
    TRIGGER_KIND_EVENT: _ClassVar[TriggerKind]
    TRIGGER_KIND_CONTEXT: _ClassVar[TriggerKind]
    TRIGGER_KIND_DEPENDENCY: _ClassVar[TriggerKind]
    TRIGGER_KIND_FILE: _ClassVar[TriggerKind]
GOAL_STATUS_UNSPECIFIED: GoalStatus
GOAL_STATUS_ACTIVE: GoalStatus
GOAL_STATUS_ACHIEVED: GoalStatus
GOAL_STATUS_ABANDONED: GoalStatus
PROSPECTIVE_TASK_STATUS_UNSPECIFIED: ProspectiveTaskStatus
PROSPECTIVE_TASK_STATUS_PENDING: ProspectiveTaskStatus
PROSPECTIVE_TASK_STATUS_ACTIVE: ProspectiveTaskStatus
PROSPECTIVE_TASK_STATUS_BLOCKED: ProspectiveTaskStatus
PROSPECTIVE_TASK_STATUS_DONE: ProspectiveTaskStatus
PROSPECTIVE_TASK_STATUS_FAILED: ProspectiveTaskStatus
PROSPECTIVE_TASK_STATUS_CANCELLED: ProspectiveTaskStatus
TRIGGER_KIND_UNSPECIFIED: TriggerKind
TRIGGER_KIND_TIME: TriggerKind
TRIGGER_KIND_EVENT: TriggerKind
TRIGGER_KIND_CONTEXT: TriggerKind
TRIGGER_KIND_DEPENDENCY: TriggerKind
TRIGGER_KIND_FILE: TriggerKind

class Goal(_message.Message):
    __slots__ = ("id", "parent_id", "title", "description", "status", "priority", "due_time", "tags", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    parent_id: str
    title: str
    description: str
    status: GoalStatus
    priority: int
    due_time: _timestamp_pb2.Timestamp
    tags: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., parent_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., status: _Optional[_Union[GoalStatus, str]] = ..., priority: _Optional[int] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tags: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NewGoal(_message.Message):
    __slots__ = ("parent_id", "title", "description", "priority", "due_time", "tags")
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    parent_id: str
    title: str
    description: str
    priority: int
    due_time: _timestamp_pb2.Timestamp
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, parent_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., priority: _Optional[int] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tags: _Optional[_Iterable[str]] = ...) -> None: ...

class ProspectiveTask(_message.Message):
    __slots__ = ("id", "goal_id", "parent_task_id", "title", "description", "status", "status_reason", "priority", "due_time", "tags", "dependency_ids", "create_time", "update_time", "start_time", "end_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCY_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    goal_id: str
    parent_task_id: str
    title: str
    description: str
    status: ProspectiveTaskStatus
    status_reason: str
    priority: int
    due_time: _timestamp_pb2.Timestamp
    tags: _containers.RepeatedScalarFieldContainer[str]
    dependency_ids: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., goal_id: _Optional[str] = ..., parent_task_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., status: _Optional[_Union[ProspectiveTaskStatus, str]] = ..., status_reason: _Optional[str] = ..., priority: _Optional[int] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tags: _Optional[_Iterable[str]] = ..., dependency_ids: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NewProspectiveTask(_message.Message):
    __slots__ = ("goal_id", "parent_task_id", "title", "description", "priority", "due_time", "tags", "dependency_ids")
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCY_IDS_FIELD_NUMBER: _ClassVar[int]
    goal_id: str
    parent_task_id: str
    title: str
    description: str
    priority: int
    due_time: _timestamp_pb2.Timestamp
    tags: _containers.RepeatedScalarFieldContainer[str]
    dependency_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, goal_id: _Optional[str] = ..., parent_task_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., priority: _Optional[int] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tags: _Optional[_Iterable[str]] = ..., dependency_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ProspectiveTaskFilter(_message.Message):
    __slots__ = ("statuses", "goal_id", "parent_task_id", "tags")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedScalarFieldContainer[ProspectiveTaskStatus]
    goal_id: str
    parent_task_id: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, statuses: _Optional[_Iterable[_Union[ProspectiveTaskStatus, str]]] = ..., goal_id: _Optional[str] = ..., parent_task_id: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ...) -> None: ...

class Trigger(_message.Message):
    __slots__ = ("id", "task_id", "kind", "description", "repeat", "armed", "fire_count", "last_fire_time", "create_time", "time", "event", "context", "dependency", "file")
    ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REPEAT_FIELD_NUMBER: _ClassVar[int]
    ARMED_FIELD_NUMBER: _ClassVar[int]
    FIRE_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_FIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCY_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    id: str
    task_id: str
    kind: TriggerKind
    description: str
    repeat: bool
    armed: bool
    fire_count: int
    last_fire_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    time: TimeTriggerCondition
    event: EventTriggerCondition
    context: ContextTriggerCondition
    dependency: DependencyTriggerCondition
    file: FileTriggerCondition
    def __init__(self, id: _Optional[str] = ..., task_id: _Optional[str] = ..., kind: _Optional[_Union[TriggerKind, str]] = ..., description: _Optional[str] = ..., repeat: _Optional[bool] = ..., armed: _Optional[bool] = ..., fire_count: _Optional[int] = ..., last_fire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time: _Optional[_Union[TimeTriggerCondition, _Mapping]] = ..., event: _Optional[_Union[EventTriggerCondition, _Mapping]] = ..., context: _Optional[_Union[ContextTriggerCondition, _Mapping]] = ..., dependency: _Optional[_Union[DependencyTriggerCondition, _Mapping]] = ..., file: _Optional[_Union[FileTriggerCondition, _Mapping]] = ...) -> None: ...

class TimeTriggerCondition(_message.Message):
    __slots__ = ("fire_time", "repeat_interval")
    FIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    REPEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    fire_time: _timestamp_pb2.Timestamp
    repeat_interval: _duration_pb2.Duration
    def __init__(self, fire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., repeat_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class EventTriggerCondition(_message.Message):
    __slots__ = ("types", "content_pattern", "tags", "actor", "session_id")
    TYPES_FIELD_NUMBER: _ClassVar[int]
    CONTENT_PATTERN_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    types: _containers.RepeatedScalarFieldContainer[_memory_pb2.EventType]
    content_pattern: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    actor: str
    session_id: str
    def __init__(self, types: _Optional[_Iterable[_Union[_memory_pb2.EventType, str]]] = ..., content_pattern: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., actor: _Optional[str] = ..., session_id: _Optional[str] = ...) -> None: ...

class ContextTriggerCondition(_message.Message):
    __slots__ = ("cwd", "branch", "task", "phase")
    CWD_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    cwd: str
    branch: str
    task: str
    phase: str
    def __init__(self, cwd: _Optional[str] = ..., branch: _Optional[str] = ..., task: _Optional[str] = ..., phase: _Optional[str] = ...) -> None: ...

class DependencyTriggerCondition(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FileTriggerCondition(_message.Message):
    __slots__ = ("glob",)
    GLOB_FIELD_NUMBER: _ClassVar[int]
    glob: str
    def __init__(self, glob: _Optional[str] = ...) -> None: ...

class NewTrigger(_message.Message):
    __slots__ = ("task_id", "description", "repeat", "time", "event", "context", "dependency", "file")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REPEAT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCY_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    description: str
    repeat: bool
    time: TimeTriggerCondition
    event: EventTriggerCondition
    context: ContextTriggerCondition
    dependency: DependencyTriggerCondition
    file: FileTriggerCondition
    def __init__(self, task_id: _Optional[str] = ..., description: _Optional[str] = ..., repeat: _Optional[bool] = ..., time: _Optional[_Union[TimeTriggerCondition, _Mapping]] = ..., event: _Optional[_Union[EventTriggerCondition, _Mapping]] = ..., context: _Optional[_Union[ContextTriggerCondition, _Mapping]] = ..., dependency: _Optional[_Union[DependencyTriggerCondition, _Mapping]] = ..., file: _Optional[_Union[FileTriggerCondition, _Mapping]] = ...) -> None: ...

class TriggerFiring(_message.Message):
    __slots__ = ("cursor", "trigger_id", "task_id", "kind", "fire_time", "event_id", "reason", "description")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    trigger_id: str
    task_id: str
    kind: TriggerKind
    fire_time: _timestamp_pb2.Timestamp
    event_id: str
    reason: str
    description: str
    def __init__(self, cursor: _Optional[str] = ..., trigger_id: _Optional[str] = ..., task_id: _Optional[str] = ..., kind: _Optional[_Union[TriggerKind, str]] = ..., fire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_id: _Optional[str] = ..., reason: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class CreateGoalRequest(_message.Message):
    __slots__ = ("goal", "request_id")
    GOAL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    goal: NewGoal
    request_id: str
    def __init__(self, goal: _Optional[_Union[NewGoal, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateGoalResponse(_message.Message):
    __slots__ = ("goal", "replayed")
    GOAL_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    goal: Goal
    replayed: bool
    def __init__(self, goal: _Optional[_Union[Goal, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetGoalRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetGoalResponse(_message.Message):
    __slots__ = ("goal",)
    GOAL_FIELD_NUMBER: _ClassVar[int]
    goal: Goal
    def __init__(self, goal: _Optional[_Union[Goal, _Mapping]] = ...) -> None: ...

class ListGoalsRequest(_message.Message):
    __slots__ = ("parent_id", "top_level_only", "statuses", "page_size", "page_token")
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    TOP_LEVEL_ONLY_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent_id: str
    top_level_only: bool
    statuses: _containers.RepeatedScalarFieldContainer[GoalStatus]
    page_size: int
    page_token: str
    def __init__(self, parent_id: _Optional[str] = ..., top_level_only: _Optional[bool] = ..., statuses: _Optional[_Iterable[_Union[GoalStatus, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListGoalsResponse(_message.Message):
    __slots__ = ("goals", "next_page_token")
    GOALS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    goals: _containers.RepeatedCompositeFieldContainer[Goal]
    next_page_token: str
    def __init__(self, goals: _Optional[_Iterable[_Union[Goal, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateGoalRequest(_message.Message):
    __slots__ = ("id", "goal", "update_mask")
    ID_FIELD_NUMBER: _ClassVar[int]
    GOAL_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    id: str
    goal: Goal
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, id: _Optional[str] = ..., goal: _Optional[_Union[Goal, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateGoalResponse(_message.Message):
    __slots__ = ("goal",)
    GOAL_FIELD_NUMBER: _ClassVar[int]
    goal: Goal
    def __init__(self, goal: _Optional[_Union[Goal, _Mapping]] = ...) -> None: ...

class DeleteGoalRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteGoalResponse(_message.Message):
    __slots__ = ("id", "deleted_goal_count")
    ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_GOAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    id: str
    deleted_goal_count: int
    def __init__(self, id: _Optional[str] = ..., deleted_goal_count: _Optional[int] = ...) -> None: ...

class CreateProspectiveTaskRequest(_message.Message):
    __slots__ = ("task", "request_id")
    TASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    task: NewProspectiveTask
    request_id: str
    def __init__(self, task: _Optional[_Union[NewProspectiveTask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateProspectiveTaskResponse(_message.Message):
    __slots__ = ("task", "replayed")
    TASK_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    task: ProspectiveTask
    replayed: bool
    def __init__(self, task: _Optional[_Union[ProspectiveTask, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetProspectiveTaskRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetProspectiveTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: ProspectiveTask
    def __init__(self, task: _Optional[_Union[ProspectiveTask, _Mapping]] = ...) -> None: ...

class ListProspectiveTasksRequest(_message.Message):
    __slots__ = ("filter", "page_size", "page_token")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filter: ProspectiveTaskFilter
    page_size: int
    page_token: str
    def __init__(self, filter: _Optional[_Union[ProspectiveTaskFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListProspectiveTasksResponse(_message.Message):
    __slots__ = ("tasks", "next_page_token")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[ProspectiveTask]
    next_page_token: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[ProspectiveTask, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateProspectiveTaskRequest(_message.Message):
    __slots__ = ("id", "task", "update_mask")
    ID_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    id: str
    task: ProspectiveTask
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, id: _Optional[str] = ..., task: _Optional[_Union[ProspectiveTask, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateProspectiveTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: ProspectiveTask
    def __init__(self, task: _Optional[_Union[ProspectiveTask, _Mapping]] = ...) -> None: ...

class DeleteProspectiveTaskRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteProspectiveTaskResponse(_message.Message):
    __slots__ = ("id", "deleted_task_count")
    ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_TASK_COUNT_FIELD_NUMBER: _ClassVar[int]
    id: str
    deleted_task_count: int
    def __init__(self, id: _Optional[str] = ..., deleted_task_count: _Optional[int] = ...) -> None: ...

class ListOverdueTasksRequest(_message.Message):
    __slots__ = ("goal_id", "as_of_time", "page_size", "page_token")
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    goal_id: str
    as_of_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, goal_id: _Optional[str] = ..., as_of_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListOverdueTasksResponse(_message.Message):
    __slots__ = ("tasks", "next_page_token")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[ProspectiveTask]
    next_page_token: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[ProspectiveTask, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListActiveTasksRequest(_message.Message):
    __slots__ = ("goal_id", "page_size", "page_token")
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    goal_id: str
    page_size: int
    page_token: str
    def __init__(self, goal_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListActiveTasksResponse(_message.Message):
    __slots__ = ("tasks", "next_page_token")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[ProspectiveTask]
    next_page_token: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[ProspectiveTask, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateTriggerRequest(_message.Message):
    __slots__ = ("trigger", "request_id")
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    trigger: NewTrigger
    request_id: str
    def __init__(self, trigger: _Optional[_Union[NewTrigger, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateTriggerResponse(_message.Message):
    __slots__ = ("trigger", "replayed")
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    trigger: Trigger
    replayed: bool
    def __init__(self, trigger: _Optional[_Union[Trigger, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetTriggerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetTriggerResponse(_message.Message):
    __slots__ = ("trigger",)
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    trigger: Trigger
    def __init__(self, trigger: _Optional[_Union[Trigger, _Mapping]] = ...) -> None: ...

class ListTriggersRequest(_message.Message):
    __slots__ = ("task_id", "kind", "armed_only", "page_size", "page_token")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ARMED_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    kind: TriggerKind
    armed_only: bool
    page_size: int
    page_token: str
    def __init__(self, task_id: _Optional[str] = ..., kind: _Optional[_Union[TriggerKind, str]] = ..., armed_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTriggersResponse(_message.Message):
    __slots__ = ("triggers", "next_page_token")
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    triggers: _containers.RepeatedCompositeFieldContainer[Trigger]
    next_page_token: str
    def __init__(self, triggers: _Optional[_Iterable[_Union[Trigger, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteTriggerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteTriggerResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WatchTriggersRequest(_message.Message):
    __slots__ = ("after_cursor", "task_id", "kinds")
    AFTER_CURSOR_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    after_cursor: str
    task_id: str
    kinds: _containers.RepeatedScalarFieldContainer[TriggerKind]
    def __init__(self, after_cursor: _Optional[str] = ..., task_id: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[TriggerKind, str]]] = ...) -> None: ...

class WatchTriggersResponse(_message.Message):
    __slots__ = ("cursor", "firing")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    FIRING_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    firing: TriggerFiring
    def __init__(self, cursor: _Optional[str] = ..., firing: _Optional[_Union[TriggerFiring, _Mapping]] = ...) -> None: ...
