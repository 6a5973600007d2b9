"""Production settings from the environment, checked in fresh processes.

Settings are read once per process, so each case runs manage.py in a
subprocess with exactly the environment production would have.
"""

import pytest

from tests.servers import ROOT, AppServer, fetch, manage, prepare_site, production_env


def test_check_deploy_reports_nothing_with_production_variables(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_would_warn_about_plain_http(tmp_path):
    """The check itself is live: without HTTPS it does warn."""
    env = production_env(tmp_path, DJANGO_HTTPS="false")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


@pytest.mark.parametrize(
    "missing", [("DJANGO_SECRET_KEY",), ("DJANGO_ALLOWED_HOSTS",), ("DATABASE_URL",)]
)
def test_missing_required_variables_stop_start_up_naming_them(tmp_path, missing):
    env = production_env(tmp_path, **{name: None for name in missing})
    result = manage(env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in missing:
        assert name in result.stderr


def test_all_missing_variables_are_named_at_once(tmp_path):
    env = production_env(
        tmp_path, DJANGO_SECRET_KEY=None, DJANGO_ALLOWED_HOSTS=None, DATABASE_URL=None
    )
    result = manage(env, "check")
    message = result.stderr.strip().splitlines()[-1]
    for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"):
        assert name in message


def test_env_example_lists_every_variable_the_settings_read():
    import re

    settings_source = (ROOT / "hallingdal" / "settings.py").read_text()
    gunicorn_source = (ROOT / "gunicorn.conf.py").read_text()
    read = set(
        re.findall(
            r"""(?:environ\.get|environ\[|env_bool|env_list)\(?\s*["']([A-Z_]+)["']""",
            settings_source + gunicorn_source,
        )
    )
    read |= {"DATABASE_URL"}  # read by dj-database-url
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "found no variables in the settings"
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"


def test_production_server_serves_pages_static_files_and_one_line_logs(tmp_path):
    """What `make serve` runs: migrate, collectstatic, gunicorn with DEBUG off.

    Behind one proxy, as docs/deploy.md sets it up: the log lines name the
    client the proxy reports, not the proxy.
    """
    import re

    env = production_env(
        tmp_path,
        DJANGO_HTTPS="false",
        DJANGO_PROXY_COUNT="1",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        WEB_CONCURRENCY="2",
    )
    prepare_site(env)
    log_path = tmp_path / "server.log"
    with AppServer(env, log_path) as server:
        base = server.url()
        status, headers, body = fetch(f"{base}/nn/")
        assert status == 200
        assert "Set-Cookie" not in headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]

        stylesheet = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body).group(1)
        for encoding in ("br", "gzip"):
            status, headers, _ = fetch(base + stylesheet.decode(), **{"Accept-Encoding": encoding})
            assert status == 200
            assert headers["Content-Encoding"] == encoding
            assert "immutable" in headers["Cache-Control"]
            max_age = int(re.search(r"max-age=(\d+)", headers["Cache-Control"]).group(1))
            assert max_age >= 365 * 24 * 3600

        status, headers, _ = fetch(
            f"{base}/nn/no-such-page/",
            **{"X-Request-ID": "trace-404", "X-Forwarded-For": "1.2.3.4, 203.0.113.7"},
        )
        assert status == 404 and headers["X-Request-ID"] == "trace-404"
        assert "203.0.113.7" not in str(headers)
        status, _, _ = fetch(f"{base}/healthz", **{"X-Request-ID": "trace-direct"})
        assert status == 200
    lines = log_path.read_text().splitlines()
    not_found = [line for line in lines if "[trace-404]" in line]
    assert any(
        "WARNING django.request" in line and "client=203.0.113.7 Not Found" in line
        for line in not_found
    )
    assert any(
        line.startswith('203.0.113.7 "GET /nn/no-such-page/ HTTP/1.1" 404')
        and "request_id=trace-404" in line
        for line in lines
    )
    # Without X-Forwarded-For (a probe straight to gunicorn) the connection's address.
    assert any(
        line.startswith('127.0.0.1 "GET /healthz HTTP/1.1" 200')
        and "request_id=trace-direct" in line
        for line in lines
    )
    assert not any("1.2.3.4" in line for line in lines)
    assert env["DJANGO_SECRET_KEY"] not in "\n".join(lines)
