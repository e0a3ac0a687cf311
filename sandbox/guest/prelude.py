# Runs inside the sandbox (CPython 3.12 for WASI) when a warm instance boots.
#
# It prepares the interpreter, announces readiness to the host, then blocks reading one job from
# stdin. Nothing here is trusted by the host: every frame the guest sends is validated host-side,
# and the agent's code could send the same frames itself.
#
# Wire format (host <-> guest), see server/athena/execution/frames.py:
#   host -> guest, stdin:  4-byte big-endian length + marshal (JSON-shaped values only)
#   guest -> host, stderr: MAGIC + 4-byte big-endian length + JSON
import builtins
import io
import marshal
import os
import sys

# Imports are slow in this interpreter (~10-50 ms per stdlib module from its zip), so the boot
# path imports only built-in modules: replies arrive in marshal format from the (trusted) host,
# requests leave as JSON from the small encoder below, and traceback/ast load only when needed.
_MAGIC = b"\x1e\x1fATHENA"
_ESCAPES = {i: f"\\u{i:04x}" for i in range(32)}
_ESCAPES[34] = '\\"'
_ESCAPES[92] = "\\\\"


def _read_exact(n):
    buf = b""
    while len(buf) < n:
        chunk = os.read(0, n - len(buf))
        if not chunk:
            # The host closed stdin: shutdown of an idle instance, or a run that was stopped.
            raise SystemExit(0)
        buf += chunk
    return buf


def _recv():
    size = int.from_bytes(_read_exact(4), "big")
    return marshal.loads(_read_exact(size))


def _json(value, out):
    """Append compact JSON for `value` to `out`; values JSON cannot hold become their repr (like
    json's default=repr). Plain Python recursion only: C-level recursion (generators inside
    str.join) overflows this interpreter's small C stack long before RecursionError."""
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append('"' + value.translate(_ESCAPES) + '"')
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        if value != value:
            out.append("NaN")
        elif value in (float("inf"), float("-inf")):
            out.append("Infinity" if value > 0 else "-Infinity")
        else:
            out.append(float.__repr__(value))
    elif isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            _json(str(key), out)
            out.append(":")
            _json(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _json(item, out)
        out.append("]")
    else:
        _json(repr(value), out)


def _send(message):
    out = []
    _json(message, out)
    data = "".join(out).encode("utf-8", "replace")
    sys.stderr.flush()
    frame = _MAGIC + len(data).to_bytes(4, "big") + data
    view = memoryview(frame)
    while view:
        view = view[os.write(2, view) :]


def _make_module():
    module = type(sys)("athena")
    exec(compile(ATHENA_SOURCE, "athena.py", "exec"), module.__dict__)  # noqa: F821
    module._bind(_send, _recv)
    sys.modules["athena"] = module
    return module


def _validate(code):
    import ast

    problems = []
    try:
        tree = ast.parse(code, "<agent>")
    except SyntaxError as exc:
        problems.append(
            {
                "severity": "error",
                "line": exc.lineno or 0,
                "column": exc.offset or 0,
                "message": f"{type(exc).__name__}: {exc.msg}",
            }
        )
        return problems
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            root = name.split(".")[0]
            if root in _UNAVAILABLE:
                problems.append(
                    {
                        "severity": "warning",
                        "line": node.lineno,
                        "column": node.col_offset + 1,
                        "message": f"module {root!r} is not usable in the sandbox: "
                        + _UNAVAILABLE[root],
                    }
                )
    return problems


_UNAVAILABLE = {
    "socket": "there is no network",
    "ssl": "there is no network",
    "urllib": "there is no network",
    "http": "there is no network",
    "requests": "there is no network (and the package is not installed)",
    "subprocess": "processes cannot be created",
    "multiprocessing": "processes cannot be created",
    "threading": "threads cannot be started",
    "ctypes": "native code cannot be loaded",
}


def _run(job, athena):
    athena.input = job.get("input")
    sys.stdin = io.StringIO("")
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    exit_code = 0
    try:
        exec(compile(job["code"], "<agent>", "exec"), namespace)
    except SystemExit as exc:
        code = exc.code
        exit_code = code if isinstance(code, int) else (0 if code is None else 1)
        if not isinstance(code, int) and code is not None:
            print(code, file=sys.stderr)
    except BaseException as exc:
        exit_code = 1
        try:
            import traceback

            text = "".join(traceback.format_exception(exc))
        except BaseException:
            text = f"{type(exc).__name__}: {exc}\n"
        sys.stderr.write(text)
        _send({"op": "error", "type": type(exc).__name__, "message": str(exc), "traceback": text})
    try:
        sys.stdout.flush()
    except BaseException:
        pass
    if athena._has_result:
        try:
            _send({"op": "result", "value": athena._result})
        except (TypeError, ValueError, RecursionError) as exc:
            _send({"op": "error", "type": type(exc).__name__, "message": f"result: {exc}"})
            exit_code = exit_code or 1
    return exit_code


def _main():
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr.reconfigure(line_buffering=True)
    try:
        os.chdir("/work")
    except OSError:
        pass
    athena = _make_module()
    # The first compile() of a process is slow; pay it at boot, not in the agent's run.
    exec(compile("_warm = [i * 2 for i in range(3)]", "<warm>", "exec"), {})
    import time

    # The host maps guest monotonic deadlines (absolute sleeps) onto its own clock with this.
    _send({"op": "ready", "clock": time.monotonic_ns()})
    job = _recv()
    if job.get("mode") == "validate":
        _send({"op": "validation", "problems": _validate(job["code"])})
        return 0
    return _run(job, athena)


_code = _main()
try:
    sys.stdout.flush()
    sys.stderr.flush()
finally:
    # Skip interpreter finalisation (~25 ms): the instance is discarded after one job anyway.
    os._exit(_code)
