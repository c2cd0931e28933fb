"""Renda settings: one module, every deployment difference read from the environment.

Embedded mode (the default): SQLite under var/, a cache file under var/ that every process
shares (renda.core.sharedcache), tasks run inline.
Production (RENDA_ENV=production): PostgreSQL via DATABASE_URL, Redis via REDIS_URL,
SECRET_KEY required, secure cookies and HSTS.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

RENDA_ENV = env.str("RENDA_ENV", default="embedded")
PRODUCTION = RENDA_ENV == "production"
VAR_DIR = Path(env.str("RENDA_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _read_secret(name: str) -> str | None:
    """A secret comes from NAME or from the file named by NAME_FILE."""
    value = env.str(name, default="")
    if value:
        return value
    path = env.str(f"{name}_FILE", default="")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return None


def _embedded_secret_key() -> str:
    """Embedded mode generates a key once and keeps it in var/ (never committed)."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


_secret = _read_secret("SECRET_KEY")
if _secret is None:
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY (or SECRET_KEY_FILE) is required when RENDA_ENV=production")
    _secret = _embedded_secret_key()
SECRET_KEY = _secret
# Rotating SECRET_KEY: the old value moves here so that sessions and Django's own signed
# values made with it still verify (comma-separated, or one a line in the _FILE).
_fallbacks = _read_secret("SECRET_KEY_FALLBACKS")
SECRET_KEY_FALLBACKS = [
    k.strip() for k in (_fallbacks or "").replace("\n", ",").split(",") if k.strip()
]
# The application's key ring (check codes, voter codes, receipts, API keys, QR/.ics and
# check-in tokens), separate from SECRET_KEY and versioned: renda.core.keys. From the
# environment (RENDA_KEYS, JSON) or the key file (created on first use in the embedded mode;
# `manage.py rotate_keys` writes it).
RENDA_KEYS = env.str("RENDA_KEYS", default="")
RENDA_KEYS_FILE = env.str("RENDA_KEYS_FILE", default=str(VAR_DIR / "keys.json"))

DEBUG = env.bool("DEBUG", default=False)
RENDA_BENCH = env.bool("RENDA_BENCH", default=False) and not PRODUCTION
DEMO_MODE = env.bool("RENDA_DEMO", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "renda.congress.apps.RendaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "treebeard",
    # django-ninja's templates and static files (the API's docs page: no CDN).
    "ninja",
    # The portal's article editor (Tiptap; its static files are in the package, no CDN).
    "django_prose_editor",
    "renda.core",
    "renda.congress",
    "renda.cases",
    "renda.ballots",
    "renda.opinions",
    "renda.suggestions",
    "renda.stations",
    "renda.projects",
    "renda.appraisals",
    "renda.activities",
    "renda.records",
    "renda.reports",
    "renda.api",
    "renda.portal",
    "captcha",
]

MIDDLEWARE = [
    # Outermost: the request id of every log line, the latency of every request.
    "renda.core.observability.RequestObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "renda.core.middleware.SessionMiddleware",
    "renda.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "renda.core.middleware.RequestContextMiddleware",
    "renda.congress.middleware.StaffSessionMiddleware",
    "renda.congress.middleware.TwoFactorEnforcementMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    # Innermost: a view that meets a locked or lost database answers 503, not 500.
    "renda.core.middleware.DatabaseBusyMiddleware",
]
if env.str("DATABASE_REPLICA_URL", default=""):
    # Marks the figures pages' GETs for the replica (renda.core.dbrouter, RENDA_REPLICA_VIEWS).
    MIDDLEWARE.insert(-1, "renda.core.dbrouter.ReplicaReadsMiddleware")

ROOT_URLCONF = "renda.urls"
WSGI_APPLICATION = "renda.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "renda" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "renda.core.context_processors.renda",
                "renda.congress.context_processors.navigation",
            ],
            # Every template's {% url %}: argument-less URLs worked out once per process.
            "builtins": ["renda.core.templatetags.urls_once"],
        },
    },
]

# Form widgets render through the templates above, so that the project overrides Django's
# widget templates where they speak English (renda/templates/django/forms/widgets/: the blank
# choice of a select reads 请选择, never "---------").
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'renda.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the app server's workers and the periodic runner share the
    # file; IMMEDIATE transactions make SQLite take the write lock up front, which is what
    # select_for_update() means on PostgreSQL.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("DB_BUSY_TIMEOUT_SECONDS", default=20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A read replica (PostgreSQL streaming replication, docs/operations.md "Read replica"): the
# figures pages and reports below read from it (renda.core.dbrouter), everything else — every
# write, every other page, every access check — from `default`. Unset: one database.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
# The views (URL names) whose GET reads from the replica: aggregates that may lag by the
# replication delay, never a page showing what its user has just edited (the report's year
# page shows its texts and versions: it stays on default).
RENDA_REPLICA_VIEWS = frozenset(
    {
        "cases:figures",
        "cases:district",
        "suggestions:figures",
        "stations:figures",
        "projects:figures",
        "activities:figures",
        "portal:staff_figures",
        "reports:evidence",
        "reports:district",
        "api-v1:year_figures",
        "api-v1:district_figures",
    }
)
# Read from default even on those pages: who may see what must never lag behind (a revoked
# grant, API key or a logout counts at once). App labels or app.model labels.
RENDA_REPLICA_NEVER = frozenset(
    {
        *("sessions", "auth", "contenttypes", "axes", "otp_totp", "otp_static"),
        *("core.user", "congress.rolegrant", "api.apitoken", "api.open311key"),
    }
)
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("DATABASE_REPLICA_URL needs PostgreSQL as DATABASE_URL too")
    _replica = env.db_url_config(DATABASE_REPLICA_URL)
    # The same engine and options as default (the URL's own, e.g. sslmode, added); never
    # migrated, never written (the router).
    DATABASES["replica"] = {
        **_replica,
        "ENGINE": DATABASES["default"]["ENGINE"],
        "OPTIONS": {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})},
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        # A test run reads its one test database through both aliases.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["renda.core.dbrouter.ReplicaRouter"]

# --- Cache, jobs ----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Redis down: cached pages are rebuilt from the database, rate limits fail closed
    # (renda.core.rediscache); a silent network must not hang a request either.
    _redis_timeout = env.float("REDIS_TIMEOUT_SECONDS", default=2.0)
    CACHES = {
        "default": {
            "BACKEND": "renda.core.rediscache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": _redis_timeout,
                "socket_timeout": _redis_timeout,
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # Embedded mode: a SQLite file of its own that every process of the machine shares
    # (app server workers, periodic runner), with atomic add/incr: rate limits, lockout
    # counters and one-time codes agree across processes. Never per-process memory.
    RENDA_CACHE_FILE = env.str("RENDA_CACHE_FILE", default=str(VAR_DIR / "cache.sqlite3"))
    CACHES = {
        "default": {"BACKEND": "renda.core.sharedcache.SQLiteCache", "LOCATION": RENDA_CACHE_FILE}
    }
    CELERY_BROKER_URL = "memory://"
    # Embedded mode: no broker, tasks run inline (still enqueued on commit by the services).
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_DEFAULT_QUEUE = "default"
# Periodic jobs: Celery beat in production, `manage.py run_periodic` in the embedded mode.
RENDA_PERIODIC_JOBS = [
    "renda.cases.tasks.send_case_reminders",
    "renda.cases.tasks.resume_ledger_imports",
    "renda.stations.tasks.announce_shifts",
    "renda.appraisals.tasks.send_rectification_reminders",
    "renda.portal.tasks.publish_scheduled",
    "renda.portal.tasks.flush_view_counts",
    "renda.portal.tasks.sync_search_index",
    "renda.core.tasks.drain_outbox",
    "renda.core.tasks.prune_outbox",
    "renda.core.tasks.poll_sms_receipts",
    "renda.core.tasks.run_stalled_jobs",
    "renda.core.tasks.prune_jobs",
    "renda.core.tasks.create_audit_partitions",
]
# Jobs that run more often than run_periodic's --interval (seconds): the outbox sweep sends
# retries and anything whose after-commit nudge was lost.
RENDA_PERIODIC_INTERVALS = {
    "renda.core.tasks.drain_outbox": 5,
    "renda.core.tasks.create_audit_partitions": 86400,
}
CELERY_BEAT_SCHEDULE = {
    "case-reminders": {"task": "renda.cases.send_case_reminders", "schedule": 3600.0},
    "ledger-imports": {"task": "renda.cases.resume_ledger_imports", "schedule": 60.0},
    "station-announcements": {"task": "renda.stations.announce_shifts", "schedule": 3600.0},
    "rectification-reminders": {
        "task": "renda.appraisals.send_rectification_reminders",
        "schedule": 3600.0,
    },
    "portal-scheduled": {"task": "renda.portal.publish_scheduled", "schedule": 60.0},
    "portal-view-counts": {"task": "renda.portal.flush_view_counts", "schedule": 60.0},
    "portal-search-index": {"task": "renda.portal.sync_search_index", "schedule": 600.0},
    # Notifications leave on commit (renda.core.deliver_outbox); the sweep sends retries.
    "outbox-sweep": {"task": "renda.core.drain_outbox", "schedule": 15.0},
    "outbox-prune": {"task": "renda.core.prune_outbox", "schedule": 3600.0},
    "sms-receipts": {"task": "renda.core.poll_sms_receipts", "schedule": 300.0},
    "stalled-jobs": {"task": "renda.core.run_stalled_jobs", "schedule": 60.0},
    "jobs-prune": {"task": "renda.core.prune_jobs", "schedule": 3600.0},
    # Next year's partition of the action log, months ahead (PostgreSQL; docs/operations.md).
    "audit-partitions": {"task": "renda.core.create_audit_partitions", "schedule": 86400.0},
}
# The workers' heartbeat (renda.core.health, /readyz): beat sends it on every queue; the
# worker that runs it writes the queue's heartbeat in Redis.
RENDA_HEARTBEAT_QUEUES = ["default", "periodic"]
RENDA_HEARTBEAT_SECONDS = env.float("RENDA_HEARTBEAT_SECONDS", default=15.0)
RENDA_HEARTBEAT_MAX_AGE_SECONDS = env.int("RENDA_HEARTBEAT_MAX_AGE_SECONDS", default=60)
# Background jobs (renda.core.jobs): a worker runs them when there is a broker; in the
# embedded mode (tasks inline) a thread of the serving process does, so the page answers at
# once and shows the progress. Exports above RENDA_EXPORT_JOB_ROWS rows become jobs.
RENDA_JOBS_IN_THREAD = env.bool("RENDA_JOBS_IN_THREAD", default=not REDIS_URL)
RENDA_EXPORT_JOB_ROWS = env.int("RENDA_EXPORT_JOB_ROWS", default=2000)
# A deputy roster with more rows than this is checked by a background job (with progress).
RENDA_ROSTER_JOB_ROWS = env.int("RENDA_ROSTER_JOB_ROWS", default=500)
# A finished job's result file is deleted (the job marked expired) after this many days.
RENDA_JOB_RETENTION_DAYS = env.int("RENDA_JOB_RETENTION_DAYS", default=7)
# Periodic jobs run on their own queue (a slow job never delays an SMS); everything else,
# e.g. the outbox nudge renda.core.deliver_outbox, on CELERY_TASK_DEFAULT_QUEUE.
CELERY_TASK_ROUTES = {job["task"]: {"queue": "periodic"} for job in CELERY_BEAT_SCHEDULE.values()}
CELERY_BEAT_SCHEDULE.update(
    {
        f"heartbeat-{queue}": {
            "task": "renda.core.heartbeat",
            "schedule": RENDA_HEARTBEAT_SECONDS,
            "args": (queue,),
            "options": {"queue": queue, "expires": RENDA_HEARTBEAT_SECONDS * 2},
        }
        for queue in RENDA_HEARTBEAT_QUEUES
    }
)

# --- Auth and security ----------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "renda.core.auth.AddressLockoutBackend",
    "renda.core.auth.UserBackend",
    # Sessions begun before UserBackend name this one: it serves them until they end.
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The password policy: applied by the password change and reset pages and by the admin's
# account forms (creation and "change password").
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["username", "name", "email", "phone"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "congress:workspace"
LOGOUT_REDIRECT_URL = "core:login"

# Lockout after repeated failed logins (django-axes, attempts kept in the database that
# every process shares): per user name and address. Spraying one password over many
# accounts from one address is stopped by a second, per-address counter of failures
# whatever the user name (renda.core.auth; an office behind one NAT address shares it,
# hence a higher limit), within the same cool-off time.
RENDA_LOGIN_ADDRESS_LIMIT = env.int("RENDA_LOGIN_ADDRESS_LIMIT", default=30)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# Password reset by a code sent to the account's mobile number (and e-mail): requests per
# address and per user name within the window; codes live 10 minutes, 5 wrong tries.
RENDA_PASSWORD_RESET_LIMIT = env.int("RENDA_PASSWORD_RESET_LIMIT", default=5)
RENDA_PASSWORD_RESET_WINDOW_SECONDS = env.int("RENDA_PASSWORD_RESET_WINDOW_SECONDS", default=3600)

# Back-office sessions end after this much inactivity; public sessions last two weeks.
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = 14 * 24 * 3600
# Database sessions (renda.core.sessions: one query less per new session).
SESSION_ENGINE = "renda.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Roles that must log in with a TOTP second factor. Production default: every back-office
# role; the embedded demo enforces none so that the demo accounts work out of the box.
TWO_FACTOR_REQUIRED_ROLES = env.list(
    "TWO_FACTOR_REQUIRED_ROLES",
    default=["staff", "leader", "admin", "auditor"] if PRODUCTION else [],
)
OTP_TOTP_ISSUER = "Renda"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Probes and the metrics scraper talk to the app server directly, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# Content-Security-Policy: everything is served by the app itself (no CDN on intranets).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "renda" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploaded files: local disk (MEDIA_ROOT) by default; RENDA_STORAGE=s3 puts them in an
# S3-compatible bucket (MinIO, OSS/COS in S3 mode) through django-storages, so that several
# app servers share them. The bucket stays private: files are served after the access check
# (renda.core.uploads.serve), by short-lived signed URLs.
RENDA_STORAGE = env.str("RENDA_STORAGE", default="local")
if RENDA_STORAGE not in ("local", "s3"):
    raise RuntimeError("RENDA_STORAGE must be 'local' or 's3'")
# How a protected file leaves once access is checked: "stream" (the app sends the bytes),
# "accel" (X-Accel-Redirect to nginx's internal location RENDA_MEDIA_ACCEL, which aliases
# MEDIA_ROOT) or "signed" (a redirect to a short-lived signed URL of the bucket).
RENDA_MEDIA_ACCEL = env.str("RENDA_MEDIA_ACCEL", default="")
RENDA_MEDIA_DELIVERY = env.str(
    "RENDA_MEDIA_DELIVERY",
    default="signed" if RENDA_STORAGE == "s3" else ("accel" if RENDA_MEDIA_ACCEL else "stream"),
)
if RENDA_MEDIA_DELIVERY not in ("stream", "accel", "signed"):
    raise RuntimeError("RENDA_MEDIA_DELIVERY must be 'stream', 'accel' or 'signed'")
if RENDA_MEDIA_DELIVERY == "accel" and not RENDA_MEDIA_ACCEL:
    raise RuntimeError("RENDA_MEDIA_DELIVERY=accel needs RENDA_MEDIA_ACCEL (e.g. /protected/)")
# Lifetime of a signed download URL (seconds): long enough to start the download.
RENDA_MEDIA_URL_SECONDS = env.int("RENDA_MEDIA_URL_SECONDS", default=60)
_default_storage: dict[str, object] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if RENDA_STORAGE == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("RENDA_S3_BUCKET"),
            "endpoint_url": env.str("RENDA_S3_ENDPOINT", default="") or None,
            "region_name": env.str("RENDA_S3_REGION", default="") or None,
            "access_key": _read_secret("RENDA_S3_ACCESS_KEY"),
            "secret_key": _read_secret("RENDA_S3_SECRET_KEY"),
            "addressing_style": env.str("RENDA_S3_ADDRESSING_STYLE", default="path"),
            "signature_version": "s3v4",
            "default_acl": None,  # private: the bucket policy decides, never public-read
            "querystring_auth": True,
            "querystring_expire": RENDA_MEDIA_URL_SECONDS,
            "file_overwrite": False,
            "location": env.str("RENDA_S3_PREFIX", default=""),
        },
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "renda.core.staticstorage.StaticStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
RENDA_MAX_UPLOAD_BYTES = env.int("RENDA_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
if RENDA_MEDIA_DELIVERY == "signed" and RENDA_STORAGE == "s3":
    # Images shown in pages come from the bucket's signed URLs (a redirect): allow its origin.
    _store = urlsplit(env.str("RENDA_S3_ENDPOINT", default=""))
    if _store.scheme and _store.netloc:
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(
            f"{_store.scheme}://{_store.netloc}"
        )

# The action log is kept at least this long (MLPS/等保 asks for 6 months; never less):
# `manage.py purge_audit_log` refuses a younger cutoff. Nothing is purged automatically.
RENDA_AUDIT_RETENTION_MONTHS = max(6, env.int("RENDA_AUDIT_RETENTION_MONTHS", default=6))
# Backups (manage.py backup/restore): the passphrase's key derivation, Argon2id "moderate"
# (256 MiB) or "interactive" (64 MiB, for small machines).
RENDA_BACKUP_KDF = env.str("RENDA_BACKUP_KDF", default="moderate")

# The working-day calendar: `migrate` loads the State Council's holidays (renda.core.holidays).
RENDA_HOLIDAYS_ON_MIGRATE = env.bool("RENDA_HOLIDAYS_ON_MIGRATE", default=True)

# Notifications: SMS through a pluggable backend (a provider is a setting, not code):
# renda.core.notify.ConsoleSMSBackend (logs), renda.core.sms.AliyunSMSBackend or
# renda.core.sms.TencentSMSBackend. Providers send the installation's approved template
# for each message kind (RENDA_SMS_TEMPLATES, JSON; renda.core.sms and docs/operations.md).
RENDA_SMS_BACKEND = env.str("RENDA_SMS_BACKEND", default="renda.core.notify.ConsoleSMSBackend")
RENDA_SMS_TEMPLATES = env.json("RENDA_SMS_TEMPLATES", default={})
RENDA_SMS_SIGN_NAME = env.str("RENDA_SMS_SIGN_NAME", default="")
RENDA_SMS_KEY_ID = _read_secret("RENDA_SMS_KEY_ID") or ""
RENDA_SMS_KEY_SECRET = _read_secret("RENDA_SMS_KEY_SECRET") or ""
RENDA_SMS_APP_ID = env.str("RENDA_SMS_APP_ID", default="")  # Tencent's SmsSdkAppId
RENDA_SMS_REGION = env.str("RENDA_SMS_REGION", default="")  # Tencent: ap-guangzhou
RENDA_SMS_ENDPOINT = env.str("RENDA_SMS_ENDPOINT", default="")
# The secret path segment of the providers' delivery-report callback
# (/sms/status/<aliyun|tencent>/<token>/); empty: no callback, reports are polled only.
RENDA_SMS_CALLBACK_TOKEN = _read_secret("RENDA_SMS_CALLBACK_TOKEN") or ""
# Text messages per phone number and local day (0: no cap), counted in the shared cache.
RENDA_SMS_DAILY_CAP = env.int("RENDA_SMS_DAILY_CAP", default=10)
# System checks an installation has decided to live with, e.g. renda.W011 (production
# without an SMS provider: an intranet without an SMS gateway). Comma-separated ids.
SILENCED_SYSTEM_CHECKS = env.list("RENDA_SILENCED_CHECKS", default=[])
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="renda@localhost")

# Public forms: submissions per client address and per phone number before a captcha is
# asked for, within the window; tracking lookups per address.
RENDA_RATE_LIMITS = env.bool("RENDA_RATE_LIMITS", default=True)
RENDA_SUBMIT_LIMIT = env.int("RENDA_SUBMIT_LIMIT", default=5)
RENDA_SUBMIT_WINDOW_SECONDS = env.int("RENDA_SUBMIT_WINDOW_SECONDS", default=3600)
# The captcha picture: large enough to read on a phone (150 × 50 px), with a refresh button
# (renda/templates/captcha/widgets/captcha.html, django-simple-captcha's refresh view).
CAPTCHA_IMAGE_SIZE = (150, 50)
CAPTCHA_FONT_SIZE = 34
RENDA_TRACK_LIMIT = env.int("RENDA_TRACK_LIMIT", default=20)
RENDA_TRACK_WINDOW_SECONDS = env.int("RENDA_TRACK_WINDOW_SECONDS", default=600)
# The similar-matters hint under the public opinion form: lookups per address and window.
RENDA_SIMILAR_LIMIT = env.int("RENDA_SIMILAR_LIMIT", default=30)
RENDA_SIMILAR_WINDOW_SECONDS = env.int("RENDA_SIMILAR_WINDOW_SECONDS", default=600)
# Livelihood projects: SMS codes of the resident survey per phone (and per address) per
# RENDA_SUBMIT_WINDOW_SECONDS.
RENDA_SURVEY_CODE_LIMIT = env.int("RENDA_SURVEY_CODE_LIMIT", default=3)
# Ballots: voter-code and receipt lookups per address and window.
RENDA_CODE_LIMIT = env.int("RENDA_CODE_LIMIT", default=10)
RENDA_CODE_WINDOW_SECONDS = env.int("RENDA_CODE_WINDOW_SECONDS", default=600)
# The platform's public address, for links in text messages (an activity invitation's
# link to confirm): scheme and host, no trailing slash. Embedded mode: `make run`'s address.
RENDA_PUBLIC_URL = env.str(
    "RENDA_PUBLIC_URL", default="" if PRODUCTION else "http://127.0.0.1:8000"
).rstrip("/")

# Public portal: view counts (once per client per window, flushed in batches), covers.
# Pending counts live in their own cache (a table of their own in the embedded cache file,
# never culled), so that a flood of per-client keys in the default cache can never evict
# them; every process counts into the same store.
CACHES["portal_views"] = (
    {**CACHES["default"], "KEY_PREFIX": "portal-views"}
    if REDIS_URL
    else {**CACHES["default"], "OPTIONS": {"TABLE": "portal_views"}}
)
RENDA_PORTAL_VIEW_WINDOW_SECONDS = env.int("RENDA_PORTAL_VIEW_WINDOW_SECONDS", default=1800)
RENDA_PORTAL_VIEW_BATCH = env.int("RENDA_PORTAL_VIEW_BATCH", default=50)
RENDA_PORTAL_VIEW_FLUSH_SECONDS = env.int("RENDA_PORTAL_VIEW_FLUSH_SECONDS", default=30)
RENDA_PORTAL_EXCLUDE_BOTS = env.bool("RENDA_PORTAL_EXCLUDE_BOTS", default=True)
RENDA_PORTAL_MAX_COVER_BYTES = env.int("RENDA_PORTAL_MAX_COVER_BYTES", default=2 * 1024 * 1024)

# --- Observability (docs/operations.md, "Observability") -------------------------------
# Logs: one JSON object a line in production (time, level, logger, message, request id,
# user id; renda.core.observability), plain text for `make run` unless RENDA_LOG_JSON=1.
RENDA_LOG_JSON = env.bool("RENDA_LOG_JSON", default=PRODUCTION)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "renda.core.observability.ContextFilter"}},
    "formatters": {
        "json": {"()": "renda.core.observability.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if RENDA_LOG_JSON else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
# Celery workers log through the same configuration (JSON in production).
CELERY_WORKER_HIJACK_ROOT_LOGGER = not RENDA_LOG_JSON

# Prometheus metrics at /metrics (renda.core.metrics): for a scraper holding the token
# (Authorization: Bearer …) or connecting from an allowed address/network; off (404)
# unless one is set. Several gunicorn workers: set PROMETHEUS_MULTIPROC_DIR (deploy/).
RENDA_METRICS_TOKEN = _read_secret("RENDA_METRICS_TOKEN") or ""
RENDA_METRICS_ALLOW_IPS = env.list("RENDA_METRICS_ALLOW_IPS", default=[])
RENDA_METRICS_COLLECTORS = ["renda.cases.metrics.CaseCollector"]

# Error reporting (optional, self-hostable Sentry): only with SENTRY_DSN; no personal data.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=RENDA_ENV),
        release=env.str("SENTRY_RELEASE", default="") or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        # Form bodies and stack locals carry residents' names and phone numbers: never sent.
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# A refused form (expired page, blocked cookies) is a Chinese page with a way back.
CSRF_FAILURE_VIEW = "renda.core.views.errors.csrf_failure"
