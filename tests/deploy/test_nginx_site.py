"""deploy/nginx/renda.conf, run by the real nginx on free ports (skipped without nginx):
`nginx -t` accepts it; uploads of the app's 10 MiB limit get through to the app server
(nginx's default 1 MB limit would refuse them) while much larger bodies are refused by
nginx; /protected/ (the X-Accel-Redirect target) and /media/ are not reachable from
outside; static files are served with the security headers; HTTP redirects to HTTPS."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT, free_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
OPENSSL = shutil.which("openssl") or ""
pytestmark = pytest.mark.skipif(
    NGINX is None or not OPENSSL, reason="nginx (or openssl) is not installed"
)


@pytest.fixture
def site(tmp_path):  # noqa: ANN001, ANN201
    http_port, https_port, app_port = free_port(), free_port(), free_port()
    subprocess.run(  # noqa: S603
        [
            OPENSSL,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=renda.example.gov.cn",
            "-keyout",
            str(tmp_path / "key.pem"),
            "-out",
            str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    static, media = tmp_path / "static", tmp_path / "media"
    (static / "renda").mkdir(parents=True)
    (static / "renda" / "app.css").write_text("body{}")
    media.mkdir()
    (media / "secret.txt").write_text("not for the public")
    conf = (ROOT / "deploy" / "nginx" / "renda.conf").read_text()
    for old, new in {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "127.0.0.1:8000": f"127.0.0.1:{app_port}",
        "/etc/nginx/tls/renda.example.gov.cn.fullchain.pem": str(tmp_path / "cert.pem"),
        "/etc/nginx/tls/renda.example.gov.cn.key": str(tmp_path / "key.pem"),
        "/srv/renda/static/": f"{static}/",
        "/var/lib/renda/media/": f"{media}/",
        "/var/log/nginx/": f"{tmp_path}/",
    }.items():
        assert old in conf, old
        conf = conf.replace(old, new)
    (tmp_path / "renda.conf").write_text(conf)
    # Run as root (CI), nginx's workers would drop to nobody, who cannot read tmp_path.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user}pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ include /etc/nginx/mime.types; client_body_temp_path {tmp_path}/body;\n"
        f"proxy_temp_path {tmp_path}/proxy; access_log off;\ninclude {tmp_path}/renda.conf; }}\n"
    )
    args = [
        NGINX,
        "-p",
        str(tmp_path),
        "-c",
        str(tmp_path / "nginx.conf"),
        "-e",
        str(tmp_path / "error.log"),
    ]
    check = subprocess.run([*args, "-t"], capture_output=True, text=True, timeout=30)  # noqa: S603
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([*args, "-g", "daemon off;"])  # noqa: S603
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket_to(https_port):
                break
            time.sleep(0.1)
        yield https_port, http_port, app_port
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def socket_to(port: int):  # noqa: ANN201
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        yield s


def _https(
    port: int, method: str, path: str, body: bytes | None = None
) -> http.client.HTTPResponse:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    headers = {"Host": "renda.example.gov.cn"}
    if body is not None:
        headers["Content-Type"] = "application/octet-stream"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_the_nginx_site(site):  # noqa: ANN001
    https_port, http_port, _app_port = site
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    conn.request("GET", "/opinions/", headers={"Host": "renda.example.gov.cn"})
    redirect = conn.getresponse()
    assert redirect.status == 301
    assert redirect.getheader("Location") == "https://renda.example.gov.cn/opinions/"

    static = _https(https_port, "GET", "/static/renda/app.css")
    assert static.status == 200
    assert "max-age=31536000" in static.getheader("Strict-Transport-Security", "")
    assert static.getheader("X-Content-Type-Options") == "nosniff"
    assert "immutable" in static.getheader("Cache-Control", "")

    # Protected files only through the app's X-Accel-Redirect; never by URL.
    assert _https(https_port, "GET", "/protected/secret.txt").status == 404
    assert _https(https_port, "GET", "/media/secret.txt").status == 404
    assert _https(https_port, "GET", "/metrics").status == 404

    # A 10 MiB upload (plus form overhead) reaches the app server (none runs here: 502),
    # a 13 MiB body is refused by nginx itself (413).
    ten_mib = b"x" * (10 * 1024 * 1024 + 64 * 1024)
    assert _https(https_port, "POST", "/opinions/1/new/", ten_mib).status == 502
    assert _https(https_port, "POST", "/opinions/1/new/", b"x" * (13 * 1024 * 1024)).status == 413

    # The SMS delivery-report callback goes through to the app (none runs here: 502) with
    # at most 1 MiB of reports.
    assert _https(https_port, "POST", "/sms/status/aliyun/token/", b"[]").status == 502
    assert _https(https_port, "POST", "/sms/status/aliyun/token/", b"x" * (2 << 20)).status == 413
