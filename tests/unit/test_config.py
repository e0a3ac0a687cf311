from __future__ import annotations

from pathlib import Path

import pytest
from athena.config import Config, load


def test_defaults() -> None:
    config = load(environ={})
    assert config == Config()
    assert (config.host, config.port, config.database_url) == ("127.0.0.1", 50051, None)


def test_precedence_flags_over_env_over_file_over_defaults(tmp_path: Path) -> None:
    toml = tmp_path / "athena.toml"
    toml.write_text('[athena]\nport = 6000\nlog_level = "DEBUG"\ndefault_project = "file"\n')
    env = {"ATHENA_CONFIG": str(toml), "ATHENA_PORT": "7000", "ATHENA_API_KEYS": "a, b"}
    config = load(flags={"port": "8000", "host": None}, environ=env)
    assert config.port == 8000
    assert config.log_level == "DEBUG"
    assert config.default_project == "file"
    assert config.api_keys == ("a", "b")
    assert config.host == "127.0.0.1"
    assert load(environ=env).port == 7000


def test_explicit_config_file_and_top_level_keys(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text('database_url = "postgresql://db/athena"\nmigrate_on_start = false\n')
    config = load(environ={}, config_file=toml)
    assert config.database_url == "postgresql://db/athena"
    assert config.migrate_on_start is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ATHENA_PORT": "eighty"}, "port"),
        ({"ATHENA_MIGRATE_ON_START": "maybe"}, "boolean"),
    ],
)
def test_bad_values_are_reported(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load(environ=env)


def test_unknown_file_key_is_an_error(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text("prot = 1\n")
    with pytest.raises(ValueError, match="unknown configuration key 'prot'"):
        load(environ={}, config_file=toml)
