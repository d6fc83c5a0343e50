"""Weft settings: embedded defaults for one machine, environment variables for more.

Every setting that differs between a laptop and production is read from the
environment; with none set, Weft runs on SQLite, a filesystem Celery broker and
the in-memory channel layer, with nothing else to install.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Weft's own settings: every WEFT_* setting, here and nowhere else (README: Configuration) ---
# Where SQLite, the file broker's folders and collected static files live (made at start: apps.core.runtime).
WEFT_VAR_DIR = Path(os.environ.get("WEFT_VAR_DIR", BASE_DIR / "var")).resolve()
# Where uploaded files are stored.
WEFT_MEDIA_ROOT = Path(os.environ.get("WEFT_MEDIA_ROOT", WEFT_VAR_DIR / "media"))
# Web processes that `make run` / `manage.py serve` start.
WEFT_WEB_PROCESSES = int(os.environ.get("WEFT_WEB_PROCESSES", 1))
# `manage.py serve` starts one Celery worker per queue group instead of one for all (apps/core/queues.py).
WEFT_WORKER_PER_QUEUE = env_bool("WEFT_WORKER_PER_QUEUE", False)
# Smallest and largest PostgreSQL connection pool of one process.
WEFT_DB_POOL_MIN = int(os.environ.get("WEFT_DB_POOL_MIN", 2))
WEFT_DB_POOL_MAX = int(os.environ.get("WEFT_DB_POOL_MAX", 20))
# How often the file broker looks for tasks, in seconds (at its default of 1 s a flow would wait that long).
WEFT_BROKER_POLL_SECONDS = float(os.environ.get("WEFT_BROKER_POLL_SECONDS", 0.1))
# Outside DEBUG: plain HTTP is redirected to HTTPS.
WEFT_SECURE_SSL_REDIRECT = env_bool("WEFT_SECURE_SSL_REDIRECT", True)
# Outside DEBUG: how long browsers keep to HTTPS (Strict-Transport-Security), and for which hosts.
WEFT_SECURE_HSTS_SECONDS = int(os.environ.get("WEFT_SECURE_HSTS_SECONDS", 365 * 24 * 3600))
WEFT_SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("WEFT_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
WEFT_SECURE_HSTS_PRELOAD = env_bool("WEFT_SECURE_HSTS_PRELOAD", False)
# Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto (and strips it from clients).
WEFT_SECURE_PROXY_SSL_HEADER = env_bool("WEFT_SECURE_PROXY_SSL_HEADER", False)
# The Content-Security-Policy header of every response.
WEFT_CONTENT_SECURITY_POLICY = os.environ.get(
    "WEFT_CONTENT_SECURITY_POLICY",
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)
# Paths with a policy of their own: Swagger UI (the API docs page) starts with an inline script and style.
WEFT_CONTENT_SECURITY_POLICY_PATHS = {
    "/api/docs/": "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                  "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
                  "frame-ancestors 'none'",
}
# Password sign-in pages whose failed attempts are throttled (see apps.accounts.throttle).
WEFT_LOGIN_PATHS = ["/admin/login/", "/login/"]
# Failed sign-ins (passwords and API tokens) allowed per client address and per account in a window.
WEFT_AUTH_FAILURES_PER_ADDRESS = int(os.environ.get("WEFT_AUTH_FAILURES_PER_ADDRESS", 20))
WEFT_AUTH_FAILURES_PER_ACCOUNT = int(os.environ.get("WEFT_AUTH_FAILURES_PER_ACCOUNT", 10))
WEFT_AUTH_FAILURE_WINDOW_SECONDS = int(os.environ.get("WEFT_AUTH_FAILURE_WINDOW_SECONDS", 300))
# Largest request body, in bytes.
WEFT_MAX_BODY_BYTES = int(os.environ.get("WEFT_MAX_BODY_BYTES", 5 * 1024 * 1024))
# Largest body a flow's webhook trigger accepts, in bytes.
WEFT_WEBHOOK_MAX_BYTES = int(os.environ.get("WEFT_WEBHOOK_MAX_BYTES", 1024 * 1024))
# How long an in-flight Idempotency-Key stays claimed by a request that may have died with its process.
WEFT_IDEMPOTENCY_LEASE_SECONDS = int(os.environ.get("WEFT_IDEMPOTENCY_LEASE_SECONDS", 30))
# Most records one bulk request may write.
WEFT_MAX_BULK_ROWS = int(os.environ.get("WEFT_MAX_BULK_ROWS", 5000))
# Bounds on checking a definition's expressions (a flow, a form, an endpoint mapping) when it is saved:
# characters per expression, characters of all its expressions together, and the time to check them.
WEFT_EXPRESSION_MAX_CHARS = int(os.environ.get("WEFT_EXPRESSION_MAX_CHARS", 4000))
WEFT_DEFINITION_EXPRESSION_CHARS = int(os.environ.get("WEFT_DEFINITION_EXPRESSION_CHARS", 64 * 1024))
WEFT_DEFINITION_CHECK_MS = int(os.environ.get("WEFT_DEFINITION_CHECK_MS", 2000))
# Private hosts, addresses or networks every workspace may reach (workspaces add their own allow-lists).
WEFT_HTTP_ALLOWED_HOSTS = env_list("WEFT_HTTP_ALLOWED_HOSTS", "")
# Turns the private-address check off: development and tests only, so never read from the environment.
WEFT_HTTP_ALLOW_PRIVATE = False
# How long a worker's claim on a run lasts before another worker may resume it, in seconds.
WEFT_RUN_LEASE_SECONDS = int(os.environ.get("WEFT_RUN_LEASE_SECONDS", 60))
# Runs in flight across all flows; more wait in the database until workers free up.
WEFT_MAX_ACTIVE_RUNS = int(os.environ.get("WEFT_MAX_ACTIVE_RUNS", 200))
# Keys that encrypt stored secrets, newest first (comma-separated Fernet keys; old ones keep decrypting).
# Unset: one key derived from SECRET_KEY.
WEFT_SECRETS_KEY = env_list("WEFT_SECRETS_KEY", "")

# Production unless asked otherwise: `make run` sets DEBUG=true for the demo, the tests set their own SECRET_KEY.
DEBUG = env_bool("DEBUG", False)
# The key that signs sessions and, unless WEFT_SECRETS_KEY is set, encrypts stored secrets: SECRET_KEY, else
# the random key `make run` writes to var/secret_key on first start, so that every command of one installation
# (the server, `manage.py ...`, with DEBUG or without) uses the same key.
KEY_FILE = WEFT_VAR_DIR / "secret_key"
SECRET_KEY = os.environ.get("SECRET_KEY", "") or (KEY_FILE.read_text().strip() if KEY_FILE.is_file() else "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError(f"SECRET_KEY must be set when DEBUG is off (or write a random key to {KEY_FILE}: "
                           "`make run` does so on first start)")
    SECRET_KEY = "weft-insecure-development-key-change-me"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# --- Security headers and HTTPS ---------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = WEFT_SECURE_SSL_REDIRECT
    SECURE_HSTS_SECONDS = WEFT_SECURE_HSTS_SECONDS
    SECURE_HSTS_INCLUDE_SUBDOMAINS = WEFT_SECURE_HSTS_INCLUDE_SUBDOMAINS
    SECURE_HSTS_PRELOAD = WEFT_SECURE_HSTS_PRELOAD
if WEFT_SECURE_PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "channels",
    "apps.core",
    "apps.accounts",
    "apps.audit",
    "apps.vault",
    "apps.expressions",
    "apps.forms",
    "apps.flows",
    "apps.connectors",
    "apps.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.throttle.LoginThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "apps.urls"
WSGI_APPLICATION = "apps.wsgi.application"
ASGI_APPLICATION = "apps.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
SQLITE_PATH = WEFT_VAR_DIR / "weft.sqlite3"
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA busy_timeout=30000;"
        "PRAGMA foreign_keys=ON;"
    ),
}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # ASGI serves each request on its own thread: a pool, not persistent
        # per-thread connections, keeps the number of PostgreSQL connections bounded.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": WEFT_DB_POOL_MIN,
            "max_size": WEFT_DB_POOL_MAX,
            "timeout": 30,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": SQLITE_OPTIONS,
            "TEST": {"NAME": str(WEFT_VAR_DIR / "test.sqlite3")},
        }
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker, channel layer ----------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

BROKER_DIR = WEFT_VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The folders are made by apps.core.runtime.ensure_runtime_dirs() when a process starts.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(BROKER_DIR / "control"),
        "polling_interval": WEFT_BROKER_POLL_SECONDS,
    }
# One queue per kind of work (apps/core/queues.py); the prefix lets installations share a broker.
WEFT_CELERY_QUEUE_PREFIX = os.environ.get("WEFT_CELERY_QUEUE_PREFIX", "")
CELERY_TASK_ROUTES = ("apps.core.queues.route",)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# --- Auth -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/login/"

# --- I18n -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = WEFT_VAR_DIR / "staticfiles"
# The browser libraries come from npm (`npm ci`, package-lock.json) and are served as they ship.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/alpinejs", NODE_MODULES / "@alpinejs" / "csp" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/sortablejs", NODE_MODULES / "sortablejs" / "modular"),
]
MEDIA_ROOT = WEFT_MEDIA_ROOT
MEDIA_URL = "/media/"

# --- API ------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = WEFT_MAX_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.accounts.permissions.IsWorkspaceMember"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.WeftAutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.StrictJSONParser",
        "apps.core.parsers.StrictFormParser",
        "apps.core.parsers.StrictMultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Weft API",
    "DESCRIPTION": "Forms, records, counters and flows of a Weft workspace.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets shared by fields of one name ("status") get names of their own in the schema.
    "ENUM_NAME_OVERRIDES": {
        "RunStatusEnum": "apps.flows.models.RunStatus",
        "DeliveryStatusEnum": "apps.connectors.models.DeliveryStatus",
        "ReprocessableStatusEnum": "apps.connectors.inbound.endpoints.REPROCESSABLE",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

WEFT = {
    "IDEMPOTENCY_TTL_SECONDS": 24 * 3600,
    "IDEMPOTENCY_LEASE_SECONDS": WEFT_IDEMPOTENCY_LEASE_SECONDS,
    "AUTH_FAILURES_PER_ADDRESS": WEFT_AUTH_FAILURES_PER_ADDRESS,
    "AUTH_FAILURES_PER_ACCOUNT": WEFT_AUTH_FAILURES_PER_ACCOUNT,
    "AUTH_FAILURE_WINDOW_SECONDS": WEFT_AUTH_FAILURE_WINDOW_SECONDS,
    "MAX_BULK_ROWS": WEFT_MAX_BULK_ROWS,
    "MAX_PAGE_SIZE": 500,
    "DEFAULT_PAGE_SIZE": 50,
    "EXPRESSION_MAX_CHARS": WEFT_EXPRESSION_MAX_CHARS,
    "DEFINITION_EXPRESSION_CHARS": WEFT_DEFINITION_EXPRESSION_CHARS,
    "DEFINITION_CHECK_MS": WEFT_DEFINITION_CHECK_MS,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
