from __future__ import annotations

from pathlib import Path

import pytest

from paperwire.accounts import Passwords
from paperwire.errors import ConfigError
from paperwire.settings import Settings, load_settings


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


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PAPERWIRE_PORT", "0"),
        ("PAPERWIRE_SMTP_PORT", "65536"),
        ("PAPERWIRE_SMTP_SECURITY", "ssl"),
        ("PAPERWIRE_SYNC_METADATA_PREFIX", "oai_dc"),
        ("PAPERWIRE_HTTP_TIMEOUT", "0"),
        ("PAPERWIRE_ARXIV_DELAY_SECONDS", "nan"),
        ("PAPERWIRE_DIGEST_HOUR", "24"),
        ("PAPERWIRE_IMPORT_BATCH_SIZE", "0"),
        ("PAPERWIRE_SYNC_ARXIV_AT", "25:00"),
        ("PAPERWIRE_BASE_URL", "papers.example.org"),
        ("PAPERWIRE_MAIL_FROM", "paperwire"),
        ("PAPERWIRE_PASSWORD_HASH_MEMORY_KIB", "8"),
        ("PAPERWIRE_WORKERS", "two"),
    ],
)
def test_a_bad_environment_value_names_the_variable(variable: str, value: str) -> None:
    name = variable.removeprefix("PAPERWIRE_").lower()
    with pytest.raises(ConfigError, match=rf"setting {name}: .*environment variable {variable}$"):
        load_settings(env={variable: value})


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("smtp_port = 70000", "smtp_port"),
        ('smtp_security = "SSL"', "smtp_security"),
        ("workers = 0", "workers"),
        ("digest_top_n = 2.5", "digest_top_n"),
        ("digest_max_failures = -1", "digest_max_failures"),
        ("topic_min_similarity = 1.5", "topic_min_similarity"),
        ("password_hash_time_cost = 0", "password_hash_time_cost"),
    ],
)
def test_a_bad_file_value_names_the_file_and_key(tmp_path: Path, line: str, key: str) -> None:
    config = tmp_path / "paperwire.toml"
    config.write_text(line + "\n")
    with pytest.raises(ConfigError, match=rf"setting {key}: .*config file .*, key {key}$"):
        load_settings(env={}, config_file=config)


def test_good_values_pass_and_code_built_settings_follow_the_rules(tmp_path: Path) -> None:
    config = tmp_path / "paperwire.toml"
    config.write_text('smtp_security = "tls"\nsmtp_port = 465\nsync_arxiv_at = "7"\n')
    settings = load_settings(env={"PAPERWIRE_SYNC_HF_HOURS": "0"}, config_file=config)
    assert (settings.smtp_security, settings.smtp_port, settings.sync_arxiv_at) == ("tls", 465, "7")
    assert load_settings(env={"PAPERWIRE_SYNC_ARXIV_AT": ""}).sync_arxiv_at == ""
    with pytest.raises(ConfigError, match="setting digest_hour: 25 is out of range"):
        Settings(digest_hour=25)


def test_old_password_hashes_verify_whatever_the_cost_is_now() -> None:
    cheap, dearer = Passwords(1, 1024), Passwords(2, 2048)
    made_cheap = cheap.hash("correct horse battery")
    assert dearer.verify(made_cheap, "correct horse battery")
    assert not dearer.verify(made_cheap, "wrong horse battery")
    assert cheap.verify(dearer.hash("correct horse battery"), "correct horse battery")
    assert "m=2048,t=2" in dearer.hash("x" * 10)
    assert not cheap.verify(None, "anything at all")
