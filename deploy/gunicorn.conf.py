"""gunicorn settings of a production app server (docs/operations.md).

    gunicorn renda.wsgi:application --config deploy/gunicorn.conf.py

Everything can be overridden on the command line or with GUNICORN_* style variables below.
With several workers, set PROMETHEUS_MULTIPROC_DIR to a directory of this app server only
(emptied here at start; a dead worker's gauges are dropped): /metrics adds the workers'
figures up.
"""

import multiprocessing
import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(min(2 * multiprocessing.cpu_count() + 1, 9))))
threads = 1
# nginx buffers requests and responses: slow clients never hold a worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# X-Forwarded-Proto/For are trusted from the local proxy only.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The proxy keeps the access log (with the request id); the app logs JSON lines to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
proc_name = "renda"
# gunicorn's control socket (one fixed path per user by default) would be shared by every
# instance on the host; systemd (HUP/TERM) is the control interface here.
control_socket_disable = True


def on_starting(server):  # noqa: ANN001, ANN201
    """Start with an empty metrics directory (prometheus-client's multiprocess mode)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        if path.exists():
            for child in path.iterdir():
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        path.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):  # noqa: ANN001, ANN201
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def _json_logs() -> bool:
    default = "1" if os.environ.get("RENDA_ENV") == "production" else "0"
    return os.environ.get("RENDA_LOG_JSON", default).lower() in {"1", "true", "yes", "on"}


# gunicorn's own lines (boot, worker restarts, timeouts) in the app's JSON shape.
if _json_logs():
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "renda.core.observability.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }
