from pathlib import Path

import pytest
from sieuapp.core.settings import Settings


def test_every_setting_reads_its_environment_variable():
    settings = Settings.from_env(
        {
            "SIEUAPP_INSTANCE_PATH": "/srv/sieuapp",
            "SIEUAPP_DATABASE_URL": "postgresql+psycopg://db/sieuapp",
            "SIEUAPP_BASE_DOMAIN": "sieuapp.vn",
            "SIEUAPP_DEFAULT_TENANT": "danang",
            "SIEUAPP_TASK_BACKEND": "celery",
            "SIEUAPP_PLUGINS": "taxi, hotlines",
            "SIEUAPP_PLUGIN_FAILURE_LIMIT": "3",
            "SIEUAPP_ACCESS_TOKEN_TTL": "600",
            "SIEUAPP_DEBUG": "true",
            "SIEUAPP_SECRET_KEY": "k",
        }
    )
    assert settings.instance_path == Path("/srv/sieuapp")
    assert settings.resolved_database_url == "postgresql+psycopg://db/sieuapp"
    assert settings.plugins == ("taxi", "hotlines")
    assert (settings.plugin_failure_limit, settings.access_token_ttl, settings.debug) == (
        3,
        600,
        True,
    )
    assert settings.secret_key == "k"


def test_defaults_are_the_embedded_platform(tmp_path):
    settings = Settings.from_env({}, instance_path=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/sieuapp.sqlite3"
    assert settings.task_backend == "inline"
    assert settings.secret_key  # generated when not given


def test_a_bad_value_names_the_variable():
    with pytest.raises(ValueError, match="SIEUAPP_PLUGIN_FAILURE_LIMIT='many'"):
        Settings.from_env({"SIEUAPP_PLUGIN_FAILURE_LIMIT": "many"})
