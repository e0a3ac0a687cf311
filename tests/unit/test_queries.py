from __future__ import annotations

from pathlib import Path

import pytest
from athena.storage.queries import load_queries, parse


def test_all_shipped_queries_load_with_descriptions() -> None:
    queries = load_queries()
    assert "get_event" in queries.names()
    for name in queries.names():
        query = getattr(queries, name)
        assert query.description, name
        assert "{{" not in query.sql, name


def test_fragments_are_expanded(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text(
        "-- fragment: cols\n-- two columns\na, b\n\n-- name: q\n-- Read.\nSELECT {{cols}} FROM t;\n"
    )
    assert load_queries(tmp_path).q.sql == "SELECT a, b FROM t"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-- name: q\nSELECT 1;\n", "no description"),
        ("-- name: q\n-- d\nSELECT 1;\n-- name: q\n-- d\nSELECT 2;\n", "duplicate"),
    ],
)
def test_bad_files(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(text)


def test_unknown_fragment(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("-- name: q\n-- d\nSELECT {{nope}};\n")
    with pytest.raises(ValueError, match="unknown fragment"):
        load_queries(tmp_path)


def test_missing_query_name_is_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no SQL query named"):
        _ = load_queries().no_such_query
