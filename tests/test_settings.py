from __future__ import annotations

from pathlib import Path

import pytest

from paperwire.errors import ConfigError
from paperwire.settings import load_settings


def test_precedence_env_over_file_over_default(tmp_path: Path) -> None:
    config = tmp_path / "paperwire.toml"
    config.write_text('data_dir = "/srv/a"\nimport_batch_size = 10\n')
    settings = load_settings(env={"PAPERWIRE_IMPORT_BATCH_SIZE": "20"}, config_file=config)
    assert settings.data_dir == Path("/srv/a")
    assert settings.import_batch_size == 20
    assert settings.effective_database_url == "sqlite:////srv/a/paperwire.db"


def test_config_from_environment_variable(tmp_path: Path) -> None:
    config = tmp_path / "p.toml"
    config.write_text('database_url = "postgresql+psycopg://x@h/db"\n')
    settings = load_settings(env={"PAPERWIRE_CONFIG": str(config)})
    assert settings.effective_database_url == "postgresql+psycopg://x@h/db"


@pytest.mark.parametrize(
    ("content", "env", "message"),
    [
        ("nonsense = 1\n", {}, "unknown setting 'nonsense'"),
        ("data_dir = \n", {}, "config file"),
        ("", {"PAPERWIRE_IMPORT_BATCH_SIZE": "many"}, "import_batch_size: invalid value 'many'"),
    ],
)
def test_bad_settings_name_the_problem(
    tmp_path: Path, content: str, env: dict[str, str], message: str
) -> None:
    config = tmp_path / "p.toml"
    config.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings(env=env, config_file=config)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(env={}, config_file=tmp_path / "absent.toml")
