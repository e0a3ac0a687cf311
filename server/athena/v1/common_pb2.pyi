import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SortOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SORT_ORDER_UNSPECIFIED: _ClassVar[SortOrder]
    SORT_ORDER_ASCENDING: _ClassVar[SortOrder]
    SORT_ORDER_DESCENDING: _ClassVar[SortOrder]

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_REASON_UNSPECIFIED: _ClassVar[ErrorReason]
    ERROR_REASON_INVALID_ARGUMENT: _ClassVar[ErrorReason]
    ERROR_REASON_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_REQUEST_ID_REUSED: _ClassVar[ErrorReason]
    ERROR_REASON_EMBEDDING_MISMATCH: _ClassVar[ErrorReason]
    ERROR_REASON_INVALID_PAGE_TOKEN: _ClassVar[ErrorReason]
    ERROR_REASON_UNAUTHENTICATED: _ClassVar[ErrorReason]
    ERROR_REASON_STORAGE_UNAVAILABLE: _ClassVar[ErrorReason]
    ERROR_REASON_INTERNAL: _ClassVar[ErrorReason]
    ERROR_REASON_FAILED_PRECONDITION: _ClassVar[ErrorReason]
    ERROR_REASON_FACT_SUPERSEDED: _ClassVar[ErrorReason]
    ERROR_REASON_LEASE_LOST: _ClassVar[ErrorReason]
    ERROR_REASON_ILLEGAL_STATUS_TRANSITION: _ClassVar[ErrorReason]
    ERROR_REASON_DEPENDENCIES_NOT_DONE: _ClassVar[ErrorReason]
    ERROR_REASON_CYCLE: _ClassVar[ErrorReason]
    ERROR_REASON_TASK_FINISHED: _ClassVar[ErrorReason]
    ERROR_REASON_CONSOLIDATION_RUNNING: _ClassVar[ErrorReason]
    ERROR_REASON_SANDBOX_UNAVAILABLE: _ClassVar[ErrorReason]
    ERROR_REASON_LLM_FAILED: _ClassVar[ErrorReason]
    ERROR_REASON_LLM_UNAVAILABLE: _ClassVar[ErrorReason]
    ERROR_REASON_LLM_REJECTED: _ClassVar[ErrorReason]
    ERROR_REASON_LLM_MALFORMED_REPLY: _ClassVar[ErrorReason]
    ERROR_REASON_ILLEGAL_PLAN_TRANSITION: _ClassVar[ErrorReason]
    ERROR_REASON_PLAN_INVALID: _ClassVar[ErrorReason]
    ERROR_REASON_PERMISSION_DENIED: _ClassVar[ErrorReason]
SORT_ORDER_UNSPECIFIED: SortOrder
SORT_ORDER_ASCENDING: SortOrder
SORT_ORDER_DESCENDING: SortOrder
ERROR_REASON_UNSPECIFIED: ErrorReason
ERROR_REASON_INVALID_ARGUMENT: ErrorReason
ERROR_REASON_NOT_FOUND: ErrorReason
ERROR_REASON_REQUEST_ID_REUSED: ErrorReason
ERROR_REASON_EMBEDDING_MISMATCH: ErrorReason
ERROR_REASON_INVALID_PAGE_TOKEN: ErrorReason
ERROR_REASON_UNAUTHENTICATED: ErrorReason
ERROR_REASON_STORAGE_UNAVAILABLE: ErrorReason
ERROR_REASON_INTERNAL: ErrorReason
ERROR_REASON_FAILED_PRECONDITION: ErrorReason
ERROR_REASON_FACT_SUPERSEDED: ErrorReason
ERROR_REASON_LEASE_LOST: ErrorReason
ERROR_REASON_ILLEGAL_STATUS_TRANSITION: ErrorReason
ERROR_REASON_DEPENDENCIES_NOT_DONE: ErrorReason
ERROR_REASON_CYCLE: ErrorReason
ERROR_REASON_TASK_FINISHED: ErrorReason
ERROR_REASON_CONSOLIDATION_RUNNING: ErrorReason
ERROR_REASON_SANDBOX_UNAVAILABLE: ErrorReason
ERROR_REASON_LLM_FAILED: ErrorReason
ERROR_REASON_LLM_UNAVAILABLE: ErrorReason
ERROR_REASON_LLM_REJECTED: ErrorReason
ERROR_REASON_LLM_MALFORMED_REPLY: ErrorReason
ERROR_REASON_ILLEGAL_PLAN_TRANSITION: ErrorReason
ERROR_REASON_PLAN_INVALID: ErrorReason
ERROR_REASON_PERMISSION_DENIED: ErrorReason

class TimeRange(_message.Message):
    __slots__ = ("start_time", "end_time")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ProjectRef(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...
