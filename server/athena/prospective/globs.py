"""File globs compiled to anchored POSIX regular expressions, matched by PostgreSQL."""

from __future__ import annotations

# Characters with a meaning in PostgreSQL's regular expressions, escaped when literal.
_SPECIAL = set(".^$+()[]{}|\\")


def glob_to_regex(glob: str) -> str:
    """`**` crosses directories, `*` stays within one segment, `?` is one character; a glob
    without `/` matches the file name in any directory (as .gitignore does)."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**/", i):
            out.append("(.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char in _SPECIAL:
            out.append("\\" + char)
        else:
            out.append(char)
        i += 1
    body = "".join(out)
    prefix = "^" if "/" in glob else "^(.*/)?"
    return f"{prefix}{body}$"
