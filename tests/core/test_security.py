"""Security baseline: headers, CSRF, production settings pass `check --deploy`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.test import Client
from django.urls import reverse

from renda.core import sms

ROOT = Path(__file__).resolve().parent.parent.parent


def test_security_headers_on_every_page(client, db):
    response = client.get(reverse("core:login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_csrf_is_enforced(world):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("core:login"), {"username": "staff_a", "password": "pw-for-tests-1"}
    )
    assert response.status_code == 403
    strict.force_login(world.staff)
    response = strict.post(reverse("admin:congress_department_add"), {"name": "x"})
    assert response.status_code == 403


def test_pages_reference_no_external_assets(client, world):
    client.force_login(world.staff)
    for url in (reverse("core:home"), reverse("congress:workspace"), reverse("admin:index")):
        page = client.get(url).content.decode()
        for marker in ("http://", "https://", "//cdn"):
            assert f'src="{marker}' not in page and f'href="{marker}' not in page.replace(
                'href="https://www.djangoproject', ""
            )


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "RENDA_ENV": "production",
        "SECRET_KEY": "x" * 64 + "-production-test-key-with-enough-entropy-0123456789",
        "ALLOWED_HOSTS": "renda.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "RENDA_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "renda.settings",
        # The application's key ring, separate from SECRET_KEY (docs/operations.md, Keys).
        "RENDA_KEYS": '{"current": "1", "keys": {"1": "%s"}, "legacy": false}' % ("k" * 48),
        # An SMS provider with a template for every kind (docs/operations.md, SMS providers).
        "RENDA_SMS_BACKEND": "renda.core.sms.AliyunSMSBackend",
        "RENDA_SMS_SIGN_NAME": "清河镇人大",
        "RENDA_SMS_TEMPLATES": json.dumps({kind: f"SMS_{n}" for n, kind in enumerate(sms.KINDS)}),
    }

    def check_deploy(env):
        return subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    result = check_deploy(env)
    assert result.returncode == 0, result.stdout + result.stderr
    # Without a key ring the keys would be SECRET_KEY: the deploy check says so.
    result = check_deploy({k: v for k, v in env.items() if k != "RENDA_KEYS"})
    assert result.returncode != 0 and "renda.W001" in result.stdout + result.stderr
    # Without a provider no SMS is sent: the deploy check says so, unless the installation
    # has silenced it (an intranet without an SMS gateway).
    console = {**env, "RENDA_SMS_BACKEND": "renda.core.notify.ConsoleSMSBackend"}
    result = check_deploy(console)
    assert result.returncode != 0 and "renda.W011" in result.stdout + result.stderr
    result = check_deploy({**console, "RENDA_SILENCED_CHECKS": "renda.W011"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "RENDA_ENV": "production", "RENDA_VAR_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
