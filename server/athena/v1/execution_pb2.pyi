from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MemoryAccess(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMORY_ACCESS_UNSPECIFIED: _ClassVar[MemoryAccess]
    MEMORY_ACCESS_NONE: _ClassVar[MemoryAccess]
    MEMORY_ACCESS_READ: _ClassVar[MemoryAccess]
    MEMORY_ACCESS_READ_WRITE: _ClassVar[MemoryAccess]

class OutputStream(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTPUT_STREAM_UNSPECIFIED: _ClassVar[OutputStream]
    OUTPUT_STREAM_STDOUT: _ClassVar[OutputStream]
    OUTPUT_STREAM_STDERR: _ClassVar[OutputStream]

class TerminationReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TERMINATION_REASON_UNSPECIFIED: _ClassVar[TerminationReason]
    TERMINATION_REASON_OK: _ClassVar[TerminationReason]
    TERMINATION_REASON_ERROR: _ClassVar[TerminationReason]
    TERMINATION_REASON_TIMEOUT: _ClassVar[TerminationReason]
    TERMINATION_REASON_CPU_LIMIT: _ClassVar[TerminationReason]
    TERMINATION_REASON_MEMORY_LIMIT: _ClassVar[TerminationReason]
    TERMINATION_REASON_OUTPUT_LIMIT: _ClassVar[TerminationReason]
    TERMINATION_REASON_CANCELLED: _ClassVar[TerminationReason]
    TERMINATION_REASON_FILES_LIMIT: _ClassVar[TerminationReason]
    TERMINATION_REASON_HOST_LIMIT: _ClassVar[TerminationReason]
MEMORY_ACCESS_UNSPECIFIED: MemoryAccess
MEMORY_ACCESS_NONE: MemoryAccess
MEMORY_ACCESS_READ: MemoryAccess
MEMORY_ACCESS_READ_WRITE: MemoryAccess
OUTPUT_STREAM_UNSPECIFIED: OutputStream
OUTPUT_STREAM_STDOUT: OutputStream
OUTPUT_STREAM_STDERR: OutputStream
TERMINATION_REASON_UNSPECIFIED: TerminationReason
TERMINATION_REASON_OK: TerminationReason
TERMINATION_REASON_ERROR: TerminationReason
TERMINATION_REASON_TIMEOUT: TerminationReason
TERMINATION_REASON_CPU_LIMIT: TerminationReason
TERMINATION_REASON_MEMORY_LIMIT: TerminationReason
TERMINATION_REASON_OUTPUT_LIMIT: TerminationReason
TERMINATION_REASON_CANCELLED: TerminationReason
TERMINATION_REASON_FILES_LIMIT: TerminationReason
TERMINATION_REASON_HOST_LIMIT: TerminationReason

class ExecutionLimits(_message.Message):
    __slots__ = ("wall_time_ms", "cpu_time_ms", "memory_bytes", "output_bytes", "files_bytes", "max_files", "max_host_calls", "max_host_bytes")
    WALL_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    CPU_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_BYTES_FIELD_NUMBER: _ClassVar[int]
    FILES_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_FILES_FIELD_NUMBER: _ClassVar[int]
    MAX_HOST_CALLS_FIELD_NUMBER: _ClassVar[int]
    MAX_HOST_BYTES_FIELD_NUMBER: _ClassVar[int]
    wall_time_ms: int
    cpu_time_ms: int
    memory_bytes: int
    output_bytes: int
    files_bytes: int
    max_files: int
    max_host_calls: int
    max_host_bytes: int
    def __init__(self, wall_time_ms: _Optional[int] = ..., cpu_time_ms: _Optional[int] = ..., memory_bytes: _Optional[int] = ..., output_bytes: _Optional[int] = ..., files_bytes: _Optional[int] = ..., max_files: _Optional[int] = ..., max_host_calls: _Optional[int] = ..., max_host_bytes: _Optional[int] = ...) -> None: ...

class ExecutionFile(_message.Message):
    __slots__ = ("path", "content")
    PATH_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    path: str
    content: bytes
    def __init__(self, path: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class OutputChunk(_message.Message):
    __slots__ = ("stream", "data")
    STREAM_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    stream: OutputStream
    data: bytes
    def __init__(self, stream: _Optional[_Union[OutputStream, str]] = ..., data: _Optional[bytes] = ...) -> None: ...

class HostCallEvent(_message.Message):
    __slots__ = ("method", "ok", "error_reason", "request_bytes", "response_bytes", "duration_us")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    ERROR_REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_BYTES_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_BYTES_FIELD_NUMBER: _ClassVar[int]
    DURATION_US_FIELD_NUMBER: _ClassVar[int]
    method: str
    ok: bool
    error_reason: str
    request_bytes: int
    response_bytes: int
    duration_us: int
    def __init__(self, method: _Optional[str] = ..., ok: _Optional[bool] = ..., error_reason: _Optional[str] = ..., request_bytes: _Optional[int] = ..., response_bytes: _Optional[int] = ..., duration_us: _Optional[int] = ...) -> None: ...

class ExecutionError(_message.Message):
    __slots__ = ("type", "message", "traceback")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TRACEBACK_FIELD_NUMBER: _ClassVar[int]
    type: str
    message: str
    traceback: str
    def __init__(self, type: _Optional[str] = ..., message: _Optional[str] = ..., traceback: _Optional[str] = ...) -> None: ...

class ExecutionUsage(_message.Message):
    __slots__ = ("wall_time_ms", "cpu_time_ms", "peak_memory_bytes", "output_bytes", "files_bytes", "host_calls")
    WALL_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    CPU_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    PEAK_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_BYTES_FIELD_NUMBER: _ClassVar[int]
    FILES_BYTES_FIELD_NUMBER: _ClassVar[int]
    HOST_CALLS_FIELD_NUMBER: _ClassVar[int]
    wall_time_ms: float
    cpu_time_ms: float
    peak_memory_bytes: int
    output_bytes: int
    files_bytes: int
    host_calls: int
    def __init__(self, wall_time_ms: _Optional[float] = ..., cpu_time_ms: _Optional[float] = ..., peak_memory_bytes: _Optional[int] = ..., output_bytes: _Optional[int] = ..., files_bytes: _Optional[int] = ..., host_calls: _Optional[int] = ...) -> None: ...

class WrittenFile(_message.Message):
    __slots__ = ("path", "size_bytes", "sha256", "content", "content_omitted")
    PATH_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_OMITTED_FIELD_NUMBER: _ClassVar[int]
    path: str
    size_bytes: int
    sha256: str
    content: bytes
    content_omitted: bool
    def __init__(self, path: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., content: _Optional[bytes] = ..., content_omitted: _Optional[bool] = ...) -> None: ...

class ExecutionResult(_message.Message):
    __slots__ = ("termination", "exit_code", "detail", "result", "error", "usage", "files", "code_sha256", "run_id")
    TERMINATION_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    CODE_SHA256_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    termination: TerminationReason
    exit_code: int
    detail: str
    result: _struct_pb2.Value
    error: ExecutionError
    usage: ExecutionUsage
    files: _containers.RepeatedCompositeFieldContainer[WrittenFile]
    code_sha256: str
    run_id: str
    def __init__(self, termination: _Optional[_Union[TerminationReason, str]] = ..., exit_code: _Optional[int] = ..., detail: _Optional[str] = ..., result: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., error: _Optional[_Union[ExecutionError, _Mapping]] = ..., usage: _Optional[_Union[ExecutionUsage, _Mapping]] = ..., files: _Optional[_Iterable[_Union[WrittenFile, _Mapping]]] = ..., code_sha256: _Optional[str] = ..., run_id: _Optional[str] = ...) -> None: ...

class ExecuteCodeRequest(_message.Message):
    __slots__ = ("code", "input", "limits", "files", "session_id", "memory_access")
    CODE_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMORY_ACCESS_FIELD_NUMBER: _ClassVar[int]
    code: str
    input: _struct_pb2.Value
    limits: ExecutionLimits
    files: _containers.RepeatedCompositeFieldContainer[ExecutionFile]
    session_id: str
    memory_access: MemoryAccess
    def __init__(self, code: _Optional[str] = ..., input: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., limits: _Optional[_Union[ExecutionLimits, _Mapping]] = ..., files: _Optional[_Iterable[_Union[ExecutionFile, _Mapping]]] = ..., session_id: _Optional[str] = ..., memory_access: _Optional[_Union[MemoryAccess, str]] = ...) -> None: ...

class ExecuteCodeResponse(_message.Message):
    __slots__ = ("sequence", "output", "host_call", "result")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    HOST_CALL_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    output: OutputChunk
    host_call: HostCallEvent
    result: ExecutionResult
    def __init__(self, sequence: _Optional[int] = ..., output: _Optional[_Union[OutputChunk, _Mapping]] = ..., host_call: _Optional[_Union[HostCallEvent, _Mapping]] = ..., result: _Optional[_Union[ExecutionResult, _Mapping]] = ...) -> None: ...

class ExecuteRequest(_message.Message):
    __slots__ = ("code", "input", "limits", "files", "session_id", "memory_access")
    CODE_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMORY_ACCESS_FIELD_NUMBER: _ClassVar[int]
    code: str
    input: _struct_pb2.Value
    limits: ExecutionLimits
    files: _containers.RepeatedCompositeFieldContainer[ExecutionFile]
    session_id: str
    memory_access: MemoryAccess
    def __init__(self, code: _Optional[str] = ..., input: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., limits: _Optional[_Union[ExecutionLimits, _Mapping]] = ..., files: _Optional[_Iterable[_Union[ExecutionFile, _Mapping]]] = ..., session_id: _Optional[str] = ..., memory_access: _Optional[_Union[MemoryAccess, str]] = ...) -> None: ...

class ExecuteResponse(_message.Message):
    __slots__ = ("stdout", "stderr", "host_calls", "result")
    STDOUT_FIELD_NUMBER: _ClassVar[int]
    STDERR_FIELD_NUMBER: _ClassVar[int]
    HOST_CALLS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    stdout: bytes
    stderr: bytes
    host_calls: _containers.RepeatedCompositeFieldContainer[HostCallEvent]
    result: ExecutionResult
    def __init__(self, stdout: _Optional[bytes] = ..., stderr: _Optional[bytes] = ..., host_calls: _Optional[_Iterable[_Union[HostCallEvent, _Mapping]]] = ..., result: _Optional[_Union[ExecutionResult, _Mapping]] = ...) -> None: ...

class ValidateCodeRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class CodeProblem(_message.Message):
    __slots__ = ("severity", "line", "column", "message")
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    severity: str
    line: int
    column: int
    message: str
    def __init__(self, severity: _Optional[str] = ..., line: _Optional[int] = ..., column: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class ValidateCodeResponse(_message.Message):
    __slots__ = ("valid", "problems")
    VALID_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    problems: _containers.RepeatedCompositeFieldContainer[CodeProblem]
    def __init__(self, valid: _Optional[bool] = ..., problems: _Optional[_Iterable[_Union[CodeProblem, _Mapping]]] = ...) -> None: ...
