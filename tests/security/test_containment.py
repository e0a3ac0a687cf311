"""Escape attempts: filesystem, network, processes and threads, import tricks, host crashes.

Each scenario runs hostile code that reports what happened to it; the assertion names the exact
containment (which error the guest saw, or which termination the host imposed). The suite-wide
fixture then checks that the server still answers other rpcs.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.security.sandbox_helpers import limits, run

QUICK = limits(wall_time_ms=3000, cpu_time_ms=1500)


def attempt(body: str) -> str:
    """Wrap `body`: prints ESCAPED if it completed, else BLOCKED and the exception's type."""
    return (
        "try:\n"
        + textwrap.indent(body, "    ")
        + "\n    print('ESCAPED')\nexcept BaseException as exc:\n"
        "    print('BLOCKED', type(exc).__name__, exc)\n"
    )


@dataclass(frozen=True)
class Blocked:
    """The guest's attempt raises `error` (and never completes)."""

    body: str
    error: str


FILESYSTEM = {
    "read /etc/passwd": Blocked("open('/etc/passwd').read()", "FileNotFoundError"),
    "read /etc/shadow": Blocked("open('/etc/shadow').read()", "FileNotFoundError"),
    "read ../ (host file beside the work dir)": Blocked(
        "open('../host-secret.txt').read()", "PermissionError"
    ),
    "read ../../../../etc/passwd": Blocked(
        "open('../../../../etc/passwd').read()", "PermissionError"
    ),
    "read /work/../ (escape via the preopen name)": Blocked(
        "open('/work/../host-secret.txt').read()", "PermissionError"
    ),
    "read /proc/self/environ": Blocked("open('/proc/self/environ').read()", "FileNotFoundError"),
    "read /proc/self/maps": Blocked("open('/proc/self/maps').read()", "FileNotFoundError"),
    "read /proc/self/mem": Blocked("open('/proc/self/mem','rb').read(8)", "FileNotFoundError"),
    "read /proc/1/cmdline": Blocked("open('/proc/1/cmdline').read()", "FileNotFoundError"),
    "list /sys": Blocked("import os; os.listdir('/sys')", "FileNotFoundError"),
    "list /": Blocked("import os; print(os.listdir('/'))", "FileNotFoundError"),
    "scandir /": Blocked("import os; print(list(os.scandir('/')))", "FileNotFoundError"),
    "list ..": Blocked("import os; print(os.listdir('..'))", "PermissionError"),
    "chdir .. then list": Blocked(
        "import os; os.chdir('..'); print(os.listdir('.'))", "PermissionError"
    ),
    "stat /etc": Blocked("import os; print(os.stat('/etc'))", "FileNotFoundError"),
    "write /tmp": Blocked("open('/tmp/athena-escape','w').write('x')", "FileNotFoundError"),
    "write ../": Blocked("open('../ESCAPE','w').write('x')", "PermissionError"),
    "mkdir /evil": Blocked("import os; os.mkdir('/evil')", "FileNotFoundError"),
    "mkdir ../evil": Blocked("import os; os.mkdir('../evil')", "PermissionError"),
    "rename out of the work dir": Blocked(
        "import os; open('a','w').write('x'); os.rename('a','../ESCAPE')", "PermissionError"
    ),
    "symlink to /etc/passwd": Blocked(
        "import os; os.symlink('/etc/passwd','l'); print(open('l').read())", "PermissionError"
    ),
    "symlink to ../ file": Blocked(
        "import os; os.symlink('../host-secret.txt','l'); print(open('l').read())",
        "PermissionError",
    ),
    "symlink to .. directory": Blocked(
        "import os; os.symlink('..','up'); print(os.listdir('up'))", "PermissionError"
    ),
    "symlink to an absolute path, then write": Blocked(
        "import os; os.symlink('/tmp/athena-escape','l'); open('l','w').write('x')",
        "PermissionError",
    ),
    "symlink whose target climbs through a subdir": Blocked(
        "import os; os.symlink('a/../../host-secret.txt','l'); os.mkdir('a');"
        " print(open('l').read())",
        "PermissionError",
    ),
    "hard link to /etc/passwd": Blocked(
        "import os; os.link('/etc/passwd','h'); print(open('h').read())", "FileNotFoundError"
    ),
    "hard link to ../ file": Blocked(
        "import os; os.link('../host-secret.txt','h'); print(open('h').read())",
        "PermissionError",
    ),
    "absolute host path of a host file": Blocked(
        "import athena; print(open(athena.input['secret']).read())", "FileNotFoundError"
    ),
    "/dev/null": Blocked("open('/dev/null','w').write('x')", "FileNotFoundError"),
    "/dev/mem": Blocked("open('/dev/mem','rb').read(1)", "FileNotFoundError"),
    "guess an inherited fd": Blocked("import os; print(os.read(3, 100))", "OSError"),
    "zipimport a host file": Blocked(
        "import zipimport; zipimport.zipimporter('/usr/lib/python3.zip')", "ZipImportError"
    ),
}

NETWORK = {
    "create a TCP socket": Blocked("import socket; socket.socket()", "OSError"),
    "connect to PostgreSQL": Blocked(
        "import socket; socket.create_connection(('127.0.0.1', 5432), timeout=1)",
        "AttributeError",
    ),
    "resolve localhost": Blocked(
        "import socket; print(socket.getaddrinfo('localhost', 80))", "AttributeError"
    ),
    "DNS lookup": Blocked(
        "import socket; print(socket.gethostbyname('pypi.org'))", "AttributeError"
    ),
    "urllib to the gRPC port": Blocked(
        "import urllib.request; urllib.request.urlopen('http://127.0.0.1:50051', timeout=1)",
        "AttributeError",
    ),
    "http.client request": Blocked(
        "import http.client; c = http.client.HTTPConnection('127.0.0.1', 80, timeout=1);"
        " c.request('GET', '/')",
        "AttributeError",
    ),
    "import ssl": Blocked("import ssl", "ModuleNotFoundError"),
    "asyncio open_connection": Blocked(
        "import asyncio; asyncio.run(asyncio.open_connection('127.0.0.1', 80))", "OSError"
    ),
    "socketpair": Blocked("import socket; socket.socketpair()", "OSError"),
    "UDP sendto": Blocked(
        "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);"
        " s.sendto(b'x', ('8.8.8.8', 53))",
        "OSError",
    ),
    "unix socket": Blocked("import socket; socket.socket(socket.AF_UNIX)", "AttributeError"),
    "socket from a guessed fd": Blocked("import socket; socket.socket(fileno=3)", "OSError"),
    "smtplib": Blocked(
        "import smtplib; smtplib.SMTP('127.0.0.1', 25, timeout=1)", "AttributeError"
    ),
    "ftplib": Blocked("import ftplib; ftplib.FTP('127.0.0.1', timeout=1)", "AttributeError"),
}

PROCESSES = {
    "subprocess.run": Blocked("import subprocess; subprocess.run(['ls'])", "OSError"),
    "os.system": Blocked("import os; os.system('ls')", "AttributeError"),
    "os.fork": Blocked("import os; os.fork()", "AttributeError"),
    "os.execv": Blocked("import os; os.execv('/bin/sh', ['sh'])", "AttributeError"),
    "os.spawnv": Blocked("import os; os.spawnv(os.P_WAIT, '/bin/sh', ['sh'])", "AttributeError"),
    "os.popen": Blocked("import os; os.popen('ls').read()", "OSError"),
    "os.posix_spawn": Blocked("import os; os.posix_spawn('/bin/sh', ['sh'], {})", "AttributeError"),
    "multiprocessing": Blocked(
        "import multiprocessing; multiprocessing.Process(target=print).start()",
        "ModuleNotFoundError",
    ),
    "threading.Thread": Blocked(
        "import threading; t = threading.Thread(target=print); t.start(); t.join()",
        "RuntimeError",
    ),
    "_thread.start_new_thread": Blocked(
        "import _thread; _thread.start_new_thread(print, ())", "RuntimeError"
    ),
    "thread pool": Blocked(
        "from concurrent.futures import ThreadPoolExecutor;"
        " ThreadPoolExecutor().submit(print).result()",
        "ModuleNotFoundError",
    ),
    "os.kill the host pid": Blocked("import os; os.kill(1, 9)", "AttributeError"),
    "pty.fork": Blocked("import pty; pty.fork()", "ModuleNotFoundError"),
    "webbrowser": Blocked("import webbrowser; webbrowser.open('http://x')", "ModuleNotFoundError"),
}

IMPORTS = {
    "import ctypes": Blocked("import ctypes", "ModuleNotFoundError"),
    "importlib ctypes": Blocked(
        "import importlib; importlib.import_module('ctypes')", "ModuleNotFoundError"
    ),
    "__import__ _ctypes": Blocked("__import__('_ctypes')", "ModuleNotFoundError"),
    "cffi": Blocked("import cffi", "ModuleNotFoundError"),
    "mmap": Blocked("import mmap; mmap.mmap(-1, 10)", "ModuleNotFoundError"),
    "resource.setrlimit": Blocked(
        "import resource; resource.setrlimit(resource.RLIMIT_CPU, (-1, -1))",
        "ModuleNotFoundError",
    ),
    "fcntl": Blocked("import fcntl", "ModuleNotFoundError"),
    "_posixsubprocess": Blocked("import _posixsubprocess", "ModuleNotFoundError"),
    "the host's wasmtime": Blocked("import wasmtime", "ModuleNotFoundError"),
    "the host's athena server": Blocked("import athena.server", "ModuleNotFoundError"),
    "the host's grpc": Blocked("import grpc", "ModuleNotFoundError"),
    "os.dlopen": Blocked("import os; os.dlopen('libc.so.6')", "AttributeError"),
    "a native .so written to the work dir": Blocked(
        "open('evil.so','wb').write(b'\\x7fELF'); import sys; sys.path.insert(0,'.'); import evil",
        "ModuleNotFoundError",
    ),
    "exec a host file as a module": Blocked(
        "import importlib.machinery as m; m.SourceFileLoader('x', '/etc/passwd').load_module()",
        "FileNotFoundError",
    ),
}


def _cases(table: dict[str, Blocked]) -> list[object]:
    return [pytest.param(case, id=name) for name, case in table.items()]


@pytest.fixture(scope="module")
def host_secret(security_root: Path) -> Path:
    return security_root / "host-secret.txt"


@pytest.mark.parametrize(
    "case", _cases(FILESYSTEM) + _cases(NETWORK) + _cases(PROCESSES) + _cases(IMPORTS)
)
async def test_attempt_is_blocked(sandbox, case: Blocked, host_secret: Path) -> None:
    got = await run(sandbox, attempt(case.body), limits=QUICK, input={"secret": str(host_secret)})
    assert got.termination == "OK", got.stderr
    assert "ESCAPED" not in got.out
    assert got.out.startswith(f"BLOCKED {case.error}"), got.out
    assert "TOPSECRET" not in got.out and b"TOPSECRET" not in got.stderr
    assert "root:" not in got.out  # no line of /etc/passwd


def _escapes(root: Path) -> list[str]:
    """Anything outside the runs' own dirs that an attempt above might have created."""
    found = [p for p in ("/tmp/athena-escape", "/evil") if Path(p).exists()]
    found += [
        p.name
        for p in root.iterdir()
        if p.name != "host-secret.txt" and not p.name.startswith("athena-run-")
    ]
    return found


async def test_nothing_escaped_onto_the_host(sandbox, security_root: Path) -> None:
    # Runs after the attempts above (file order): they left nothing outside their work dirs.
    assert _escapes(security_root) == []


async def test_chmod_of_a_host_file_changes_nothing(sandbox) -> None:
    before = os.stat("/etc/passwd").st_mode
    got = await run(
        sandbox, "import os\ntry:\n    os.chmod('/etc/passwd', 0o777)\nexcept OSError:\n    pass"
    )
    assert got.termination == "OK"
    assert os.stat("/etc/passwd").st_mode == before


async def test_the_guest_sees_only_its_work_dir_and_a_bare_environment(sandbox) -> None:
    got = await run(
        sandbox,
        "import os, sys\nprint(os.getcwd())\nprint(sorted(os.environ))\nprint(sys.platform)",
    )
    assert got.out.splitlines() == [
        "/work",
        "['PYTHONDONTWRITEBYTECODE', 'PYTHONIOENCODING']",
        "wasi",
    ]


async def test_symlinks_made_by_the_guest_are_never_followed_when_collecting(sandbox) -> None:
    got = await run(
        sandbox,
        "import os\nopen('real.txt','w').write('data')\nos.symlink('real.txt', 'link.txt')\n"
        "os.mkdir('d')\nos.symlink('d', 'dlink')\nopen('d/in.txt','w').write('x')",
    )
    assert got.termination == "OK", got.stderr
    assert sorted(f.path for f in got.result.files) == ["d/in.txt", "real.txt"]
