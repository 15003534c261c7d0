"""MWork settings: one module, configured from the environment.

Every setting has a safe embedded default for `make run` (SQLite, in-memory channel layer,
local-memory cache, eager Celery, local media, console e-mail) or stops start-up with a clear
message when DEBUG is off and a secret is missing. `.env.example` lists every variable.
"""

import copy
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

from mwork.api.formats import DATETIME_FORMAT

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Local state (SQLite, media, e-mail, exports); MWORK_VAR_DIR moves it (the README test).
VAR_DIR = Path(env.str("MWORK_VAR_DIR", default=str(BASE_DIR / "var")))

# ---------------------------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# A test, benchmark or reliability run of production settings (DJANGO_DEBUG=0) that is never
# production: only then may the checkout simulator run, or Redis be missing, with DEBUG off
# (docs/RELIABILITY.md, "Unsafe switches"). Production never sets it.
NON_PRODUCTION = env.bool("MWORK_NON_PRODUCTION", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            'DJANGO_SECRET_KEY is not set. Set it (e.g. `python -c "import secrets; '
            'print(secrets.token_urlsafe(50))"`) or run with DJANGO_DEBUG=1 for development.'
        )
    SECRET_KEY = "insecure-development-key-only-for-DJANGO_DEBUG-1"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS and not DEBUG:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. List the host names this server answers to, comma-separated."
    )

FRONTEND_CONFIGURED = bool(env.str("FRONTEND_URL", default=""))
FRONTEND_URL = env.str("FRONTEND_URL", default="http://localhost:3000").rstrip("/")
# The API's public origin (scheme://host[:port]): the OpenAPI schema's `servers` entry.
API_PUBLIC_URL = env.str("API_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",  # first: lets `runserver` serve WebSockets (else it serves WSGI only)
    "moderation.admin_apps.StaffAdminConfig",  # django.contrib.admin with the staff login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from the package, never a CDN
    "corsheaders",
    "channels",
    "anymail",
    "storages",
    # admin login throttling (django-axes, named for the admin); before moderation, whose admin
    # re-registers its models
    "moderation.admin_apps.AxesConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "mwork.apps.MworkConfig",
    # MWork domains, bottom (accounts) to top: the layers of .importlinter
    "accounts",
    "notifications",
    "safety",  # rules, automatic flags, trust levels (below everything that calls it)
    "billing",
    "profiles",
    "agencies",
    "media",
    "castings",
    "chat",
    "searches",
    "moderation",
    "analytics",
    "privacy",
]

MIDDLEWARE = [
    "mwork.api.middleware.RequestIdMiddleware",
    "mwork.api.middleware.OptionalTrailingSlashMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Accept-Language (or the admin's language cookie) → active language + Content-Language;
    # the API falls back to the user's `language` after authentication (mwork/i18n.py).
    "django.middleware.locale.LocaleMiddleware",
    # A declared body over its limit → 413 before any view reads it (mwork/api/bodylimit.py),
    # in the caller's language.
    "mwork.api.bodylimit.BodyLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified() for the admin
    "django.contrib.messages.middleware.MessageMiddleware",
    "moderation.middleware.AdminTimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mwork.api.middleware.RateLimitHeadersMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into its page
]

ROOT_URLCONF = "mwork.urls"
WSGI_APPLICATION = "mwork.wsgi.application"
ASGI_APPLICATION = "mwork.asgi.application"
APPEND_SLASH = False  # /api/v1 paths accept an optional trailing slash without redirects

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS: list[dict[str, Any]] = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("kk", "Қазақша"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
PLATFORM_TIME_ZONE = "Asia/Almaty"  # calendar months for plan limits
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

# ---------------------------------------------------------------------------------------------
# Database: SQLite file under var/ unless DATABASE_URL is set
# ---------------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
# PostgreSQL: the compiled hot reads (mwork/db.py) are kept prepared on each connection once
# psycopg has seen them 5 times; Django's own queries never are. Off behind a pooler in
# transaction mode (pgbouncer before 1.21), which cannot keep a statement on a connection.
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # WSGI workers (gunicorn, /api and /admin): persistent connections, one per worker thread.
    # ASGI servers (/ws): DB_POOL=1 — every sync view or database_sync_to_async call may run on
    # a new thread, and persistent connections would leak until PostgreSQL refuses more
    # (docs/RELIABILITY.md); a psycopg pool per process with CONN_MAX_AGE=0 holds them. See
    # docs/PERFORMANCE.md for the measurements.
    if env.bool("DB_POOL", default=False):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
            "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DB_PREPARED_STATEMENTS:
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
else:
    # make run's SQLite is written by the server's threads and by manage.py commands at once:
    # transactions take the write lock when they begin (a deferred one that has read fails with
    # "database is locked" without waiting), and WAL lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL;"
    )

# A read replica for the public catalogue and castings lists (mwork/db_router.py); writes and
# read-your-own-writes paths stay on the primary.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    if DATABASES["replica"]["ENGINE"] == DATABASES["default"]["ENGINE"]:
        for _key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS"):  # served as the primary
            if _key in DATABASES["default"]:
                DATABASES["replica"][_key] = copy.deepcopy(DATABASES["default"][_key])
DATABASE_ROUTERS = ["mwork.db_router.PrimaryReplicaRouter"]

# PostgreSQL through Django's backend with timestamps parsed in C (mwork/postgresql/base.py).
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        _database["ENGINE"] = "mwork.postgresql"

# List totals are exact up to this many rows, a lower bound past it (mwork/api/pagination.py).
PAGINATION_COUNT_CAP = env.int("PAGINATION_COUNT_CAP", default=1000)
# The same for a search (the catalogue's, the castings'): every counted match is a heap row
# rechecked, so its cap is lower (docs/PERFORMANCE.md, "Search").
PAGINATION_SEARCH_COUNT_CAP = env.int("PAGINATION_SEARCH_COUNT_CAP", default=100)
# The public lists (castings, the catalogue and its search) keep a count in the default cache
# this many seconds (their totals may be as old); 0 counts every time (mwork/api/pagination.py).
PAGINATION_COUNT_CACHE_SECONDS = env.int("PAGINATION_COUNT_CACHE_SECONDS", default=30)

# ---------------------------------------------------------------------------------------------
# Redis: cache, channel layer and Celery broker; embedded in-process stand-ins when unset
# ---------------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Every Redis command a request waits for (cache, rate counters, denylist, group sends, task
# publishing) gives up after this many seconds, so a Redis that hangs costs a request about a
# second at most instead of stalling a worker (docs/RELIABILITY.md, "Redis that hangs").
REDIS_COMMAND_TIMEOUT = env.float("REDIS_COMMAND_TIMEOUT", default=0.25)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mwork",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": REDIS_COMMAND_TIMEOUT,
                # Redis down: reads miss and writes are dropped instead of failing requests, so
                # rate limits fail open and the token denylist only holds until Redis returns.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    CHANNEL_LAYERS: dict[str, Any] = {
        "default": {
            "BACKEND": "mwork.channel_layer.BoundedRedisChannelLayer",
            "CONFIG": {
                # socket_timeout None: redis-py 8 otherwise drops idle consumers' blocking
                # receive; every other command has its own deadline (mwork/channel_layer.py).
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "command_timeout": REDIS_COMMAND_TIMEOUT,
                # Connections per process (and event loop); past them a command waits for one
                # within its deadline instead of failing (a burst of handshakes).
                "max_connections": env.int("CHANNEL_LAYER_MAX_CONNECTIONS", default=100),
                # The default capacity of 100 drops messages silently under bursts.
                "capacity": 2000,
                "prefix": "mwork",
            },
        }
    }
    SILENCED_SYSTEM_CHECKS: list[str] = []
else:
    if not DEBUG and not NON_PRODUCTION:
        # Per-process caches and channel layers would make logout (the token denylist), rate
        # limits and WebSocket delivery hold in one worker only.
        raise ImproperlyConfigured(
            "REDIS_URL is not set. Production needs Redis: without it logouts, rate limits "
            "and WebSocket delivery hold per process only. Set REDIS_URL, or run with "
            "DJANGO_DEBUG=1 for development."
        )
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    SILENCED_SYSTEM_CHECKS = []
if DATABASES["default"]["ENGINE"] != "mwork.postgresql":
    # The catalogue's and the public castings list's covering indexes (INCLUDE columns,
    # profiles/models.py, castings/models.py) are built with their key columns only on SQLite,
    # which has no non-key index columns; make run's small database needs no index-only counts.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# ---------------------------------------------------------------------------------------------
# Celery
# ---------------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
if REDIS_URL:
    # Publishing from a request: a hung broker fails the publish once, in a bounded time,
    # instead of retrying; every scheduled job has a beat re-queue or is asked for again by its
    # user. The health check pings a pooled connection idle for 5 s before reusing it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_timeout": REDIS_COMMAND_TIMEOUT,
        "socket_connect_timeout": 1,
        "health_check_interval": 5,
        "max_retries": 0,  # the publisher's connect: one attempt, not kombu's retry loop
    }
    CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}  # each app adds its jobs in its own section below

# ---------------------------------------------------------------------------------------------
# Storage: Cloudflare R2 (S3 API) when R2_BUCKET is set, else var/media/
# ---------------------------------------------------------------------------------------------
R2_BUCKET = env.str("R2_BUCKET", default="")
R2_ENDPOINT_URL = env.str("R2_ENDPOINT_URL", default="")
R2_ACCESS_KEY_ID = env.str("R2_ACCESS_KEY_ID", default="")
R2_SECRET_ACCESS_KEY = env.str("R2_SECRET_ACCESS_KEY", default="")
R2_PUBLIC_BASE_URL = env.str("R2_PUBLIC_BASE_URL", default="").rstrip("/")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))

if R2_BUCKET:
    if not (R2_ENDPOINT_URL and R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY):
        raise ImproperlyConfigured(
            "R2_BUCKET is set: R2_ENDPOINT_URL, R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY "
            "are required too."
        )
    _default_storage: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": R2_BUCKET,
            "endpoint_url": R2_ENDPOINT_URL,
            "access_key": R2_ACCESS_KEY_ID,
            "secret_key": R2_SECRET_ACCESS_KEY,
            "region_name": env.str("R2_REGION", default="auto"),
            "addressing_style": "path",
            "signature_version": "s3v4",
            "file_overwrite": False,
            "querystring_auth": not R2_PUBLIC_BASE_URL,
            "custom_domain": R2_PUBLIC_BASE_URL.split("://", 1)[-1] or None,
            "default_acl": None,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
# Data export archives: private, reached only through signed links (privacy/exports.py).
if R2_BUCKET:
    _exports_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_default_storage["OPTIONS"],
            "location": "private/exports",
            "querystring_auth": True,
            "querystring_expire": 7 * 24 * 3600,  # S3 signature v4 allows at most 7 days
            "custom_domain": None,
        },
    }
else:
    _exports_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.str("DATA_EXPORT_ROOT", default=str(VAR_DIR / "exports")),
            "base_url": None,
        },
    }
STORAGES: dict[str, Any] = {
    "default": _default_storage,
    "exports": _exports_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
# Every JSON/form body (and a multipart body's non-file part) is at most this many bytes: over
# it → 413 PAYLOAD_TOO_LARGE before it is read; multipart uploads may add PHOTO_MAX_BYTES
# (mwork/api/bodylimit.py, docs/RELIABILITY.md, "Bounded request bodies").
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES

# ---------------------------------------------------------------------------------------------
# E-mail: Resend through django-anymail when RESEND_API_KEY is set, else files under var/mail/
# ---------------------------------------------------------------------------------------------
RESEND_API_KEY = env.str("RESEND_API_KEY", default="")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MWork <no-reply@mwork.kz>")
if RESEND_API_KEY:
    _email_backend = "anymail.backends.resend.EmailBackend"
    ANYMAIL = {"RESEND_API_KEY": RESEND_API_KEY}
else:
    # One line per e-mail in the log, the whole message under var/mail/ (mwork/mail.py).
    _email_backend = "mwork.mail.LocalFolderEmailBackend"
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=_email_backend)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
# An SMTP relay (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend), e.g. one hosted in
# Kazakhstan instead of Resend (docs/PRIVACY.md "Deploying with data in Kazakhstan").
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)

# ---------------------------------------------------------------------------------------------
# HTTP API: DRF, JWT, OpenAPI, CORS
# ---------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.AccessTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["mwork.api.ratelimit.ApiRateLimit"],
    "DEFAULT_RENDERER_CLASSES": ["mwork.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        # DRF's parsers with body-size and JSON-depth limits (mwork/api/parsers.py)
        "mwork.api.parsers.JSONParser",
        "mwork.api.parsers.FormParser",
        "mwork.api.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "mwork.api.schema.MworkAutoSchema",  # generator-ready (docs/CLIENTS.md)
    "EXCEPTION_HANDLER": "mwork.api.handlers.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": DATETIME_FORMAT,  # mwork.api.formats: one format everywhere
    "COERCE_DECIMAL_TO_STRING": False,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": SECRET_KEY,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "MWork API",
    "DESCRIPTION": "Casting and modelling platform of Kazakhstan. Every answer is wrapped in the "
    '`{"status": "success", "data": ...}` / `{"status": "error", "error": {...}}` envelope.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # The envelope's `status` ("success"/"error") would otherwise collide with domain statuses.
    # The others: one name per choice set that several output fields share (docs/CLIENTS.md).
    "ENUM_NAME_OVERRIDES": {
        "SuccessStatusEnum": ["success"],
        "ErrorStatusEnum": ["error"],
        "CastingStatusEnum": "castings.models.CastingStatus",
        "ResponseStatusEnum": "castings.models.ResponseStatus",
        "PaymentStatusEnum": "billing.models.PaymentStatus",
        "SubscriptionStatusEnum": "billing.models.SubscriptionStatus",
        "ReportStatusEnum": "moderation.models.ReportStatus",
        "InvitationStatusEnum": "agencies.models.InvitationStatus",
        "TeamInvitationStatusEnum": ["pending", "accepted", "declined", "cancelled", "expired"],
        "ExportStatusEnum": "privacy.models.ExportStatus",
        "RoleEnum": "accounts.models.Role",
        "MemberRoleEnum": "agencies.models.MemberRole",
        "NotificationTypeEnum": "notifications.models.NotificationType",
        "KindEnum": "castings.models.AuditionKind",
        "SavedSearchKindEnum": "searches.models.SearchKind",
        "SavedSearchFrequencyEnum": "searches.models.Frequency",
        "NotificationFrequencyEnum": "notifications.schedule.Frequency",
    },
    # Where generated clients send requests by default (docs/CLIENTS.md).
    "SERVERS": [{"url": API_PUBLIC_URL, "description": "MWork API"}],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mwork.api.schema.postprocess_for_generators",
    ],
}

SPECTACULAR_SETTINGS.update(
    SWAGGER_UI_DIST="SIDECAR", SWAGGER_UI_FAVICON_HREF="SIDECAR", REDOC_DIST="SIDECAR"
)

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(api|ws)/.*$"

# ---------------------------------------------------------------------------------------------
# Rate limits (docs/API.md §12) and client addresses
# ---------------------------------------------------------------------------------------------
RATELIMIT_AUTH = env.str("RATELIMIT_AUTH", default="5/m")
RATELIMIT_API = env.str("RATELIMIT_API", default="100/m")
RATELIMIT_UPLOAD = env.str("RATELIMIT_UPLOAD", default="10/m")
RATELIMIT_WEBHOOK = env.str("RATELIMIT_WEBHOOK", default="1000/m")
RATELIMIT_CHAT_MESSAGE = env.str("RATELIMIT_CHAT_MESSAGE", default="30/m")
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_FAIL_OPEN = True  # an unreachable cache never takes the API down
# How many reverse proxies in front of us append to X-Forwarded-For; 0 = trust REMOTE_ADDR only.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# ---------------------------------------------------------------------------------------------
# WebSockets (/ws): tickets, session checks, frame limits (docs/RELIABILITY.md)
# ---------------------------------------------------------------------------------------------
# Lifetime of a single-use `POST /api/v1/ws/ticket` ticket (`/ws?ticket=`).
WS_TICKET_SECONDS = env.int("WS_TICKET_SECONDS", default=30)
# An open socket re-reads its user row (ban, token version) at most this often; the session end
# itself is pushed at once, this only bounds a lost push.
WS_SESSION_RECHECK_SECONDS = env.float("WS_SESSION_RECHECK_SECONDS", default=30.0)
# Frames of any type one socket may send (per socket, counted in memory).
WS_FRAME_RATE = env.str("WS_FRAME_RATE", default="60/10s")
# Chat messages one server process handles at once; past it a message is refused unstored with
# an error frame carrying `retry_after` (docs/API.md §8) instead of queueing for seconds.
WS_SEND_MAX_IN_FLIGHT = env.int("WS_SEND_MAX_IN_FLIGHT", default=32)
WS_SEND_RETRY_AFTER_SECONDS = env.int("WS_SEND_RETRY_AFTER_SECONDS", default=1)
# Handshakes one server process takes through the channel layer at once; the rest wait their
# turn (a burst of reconnecting clients) instead of running past the Redis deadline together.
WS_HANDSHAKES_AT_ONCE = env.int("WS_HANDSHAKES_AT_ONCE", default=32)
# PostgreSQL: a socket's chat message is checked and stored from the server's event loop on an
# async connection (chat/loop_send.py, mwork/async_db.py) instead of a thread hop; at most this
# many such connections per server process. CHAT_LOOP_SEND=0 keeps every send on the thread path.
CHAT_LOOP_SEND = env.bool("CHAT_LOOP_SEND", default=True)
ASYNC_DB_MAX_CONNECTIONS = env.int("ASYNC_DB_MAX_CONNECTIONS", default=4)

# ---------------------------------------------------------------------------------------------
# Robokassa (docs/API.md §10, docs/PAYMENTS.md)
# ---------------------------------------------------------------------------------------------
ROBOKASSA_MERCHANT_LOGIN = env.str("ROBOKASSA_MERCHANT_LOGIN", default="")
ROBOKASSA_PASSWORD_1 = env.str("ROBOKASSA_PASSWORD_1", default="")
ROBOKASSA_PASSWORD_2 = env.str("ROBOKASSA_PASSWORD_2", default="")
ROBOKASSA_TEST_PASSWORD_1 = env.str("ROBOKASSA_TEST_PASSWORD_1", default="")
ROBOKASSA_TEST_PASSWORD_2 = env.str("ROBOKASSA_TEST_PASSWORD_2", default="")
ROBOKASSA_IS_TEST = env.bool("ROBOKASSA_IS_TEST", default=False)
ROBOKASSA_BASE_URL = env.str(
    "ROBOKASSA_BASE_URL", default="https://auth.robokassa.kz/Merchant/Index.aspx"
)
# The local checkout simulator: on by default only without merchant credentials in DEBUG.
# It signs callbacks with hard-coded passwords, so with DEBUG off it refuses to start.
ROBOKASSA_SIMULATOR = env.bool(
    "ROBOKASSA_SIMULATOR", default=DEBUG and not ROBOKASSA_MERCHANT_LOGIN
)
# Where the buyer's browser lands; the simulator's own page when there is no front end.
_RETURN_BASE = (
    "/dev/robokassa/done?result="
    if ROBOKASSA_SIMULATOR and not FRONTEND_CONFIGURED
    else f"{FRONTEND_URL}/payment/"
)
ROBOKASSA_FRONTEND_SUCCESS_URL = env.str(
    "ROBOKASSA_FRONTEND_SUCCESS_URL", default=f"{_RETURN_BASE}success"
)
ROBOKASSA_FRONTEND_FAIL_URL = env.str("ROBOKASSA_FRONTEND_FAIL_URL", default=f"{_RETURN_BASE}fail")
# Robokassa's callbacks and browser returns are a few hundred bytes; a bigger body is a 413.
ROBOKASSA_MAX_BODY_BYTES = env.int("ROBOKASSA_MAX_BODY_BYTES", default=8 * 1024)
if ROBOKASSA_SIMULATOR and not DEBUG and not NON_PRODUCTION:
    raise ImproperlyConfigured(
        "ROBOKASSA_SIMULATOR is on with DJANGO_DEBUG=0. The checkout simulator accepts "
        "callbacks signed with its own public passwords; it runs only with DJANGO_DEBUG=1. "
        "Unset it and set the ROBOKASSA_* credentials."
    )
if not DEBUG and not ROBOKASSA_SIMULATOR:
    _missing = [
        name
        for name in ("ROBOKASSA_MERCHANT_LOGIN", "ROBOKASSA_PASSWORD_1", "ROBOKASSA_PASSWORD_2")
        if not globals()[name]
    ]
    if ROBOKASSA_IS_TEST:
        _missing += [
            name
            for name in ("ROBOKASSA_TEST_PASSWORD_1", "ROBOKASSA_TEST_PASSWORD_2")
            if not globals()[name]
        ]
    if _missing:
        raise ImproperlyConfigured(
            f"Robokassa is not configured: {', '.join(_missing)} missing. Set them (from the "
            "merchant's Robokassa account), or run with DJANGO_DEBUG=1 for development."
        )

# ---------------------------------------------------------------------------------------------
# Push notifications (Firebase Cloud Messaging HTTP v1); off when unset
# ---------------------------------------------------------------------------------------------
FCM_PROJECT_ID = env.str("FCM_PROJECT_ID", default="")
FCM_CREDENTIALS_FILE = env.str("FCM_CREDENTIALS_FILE", default="")

# ---------------------------------------------------------------------------------------------
# Security (production answers to `manage.py check --deploy`)
# ---------------------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# ---------------------------------------------------------------------------------------------
# Logging: every line carries the request id; JSON lines when DEBUG is off
# ---------------------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "mwork.api.middleware.RequestIdLogFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "plain" if DEBUG else "json",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"level": "ERROR"},
        # runserver (daphne) prints its access line itself: propagating would print it twice.
        "django.channels.server": {"propagate": False},
    },
}

# ---------------------------------------------------------------------------------------------
# Notifications (owner: notifications app): beat jobs
# ---------------------------------------------------------------------------------------------
CELERY_BEAT_SCHEDULE["chat-notify-new-messages"] = {
    # Queued `new_message` notifications (chat/services.py): each queue wakes the worker itself;
    # this only catches a wake-up that never reached the broker.
    "task": "chat.tasks.notify_new_messages",
    "schedule": 10,
    "options": {"expires": 10},
}
CELERY_BEAT_SCHEDULE["notifications-send-daily-digests"] = {
    # One digest e-mail a day per user with daily notification types, at 09:00 on the user's
    # clock (or when their quiet hours end); held quiet-hour e-mails and pushes are released
    # by the outbox job below (docs/NOTIFICATIONS.md).
    "task": "notifications.tasks.send_daily_digests",
    "schedule": 60 * 15,
}
CELERY_BEAT_SCHEDULE["notifications-delete-old-read"] = {
    # Read notifications older than 90 days are deleted nightly (unread ones are kept).
    "task": "notifications.tasks.delete_old_read_notifications",
    "schedule": 60 * 60 * 24,
}

# ---------------------------------------------------------------------------------------------
# Castings (owner: castings app): beat jobs
# ---------------------------------------------------------------------------------------------
CELERY_BEAT_SCHEDULE["castings-send-reminders"] = {
    # casting_reminder to accepted models once a shoot is less than 24 h away (sent once).
    "task": "castings.tasks.send_casting_reminders",
    "schedule": 60 * 15,
}
CELERY_BEAT_SCHEDULE["castings-announce-missed"] = {
    # new_casting fan-outs lost at publish time (broker down) are queued again (once-only).
    "task": "castings.tasks.announce_missed_castings",
    "schedule": 60 * 10,
}
CELERY_BEAT_SCHEDULE["castings-rollup-employer-stats"] = {
    # Employers' castings_posted and response_rate (docs/TRUST.md), in batches, nightly.
    "task": "castings.tasks.rollup_employer_stats",
    "schedule": 60 * 60 * 24,
}
CELERY_BEAT_SCHEDULE["castings-complete-finished"] = {
    # Active castings past shoot_date + duration_days are marked completed.
    "task": "castings.tasks.complete_finished_castings",
    "schedule": 60 * 60,
}

# ---------------------------------------------------------------------------------------------
# Saved searches (owner: searches app; docs/SEARCHES.md): matching and digests
# ---------------------------------------------------------------------------------------------
# Targets are scanned up to this many seconds ago, so a transaction still open past the
# watermark is never skipped (castings' publish transactions last milliseconds).
SAVED_SEARCH_MATCH_LAG_SECONDS = env.int("SAVED_SEARCH_MATCH_LAG_SECONDS", default=60)
SAVED_SEARCH_MATCH_SEARCH_BATCH = env.int("SAVED_SEARCH_MATCH_SEARCH_BATCH", default=500)
SAVED_SEARCH_MATCH_TARGET_BATCH = env.int("SAVED_SEARCH_MATCH_TARGET_BATCH", default=200)
CELERY_BEAT_SCHEDULE["searches-match"] = {
    # New castings and new/updated model profiles against every saved search; instant alerts.
    "task": "searches.tasks.match_saved_searches",
    "schedule": 60,
    "options": {"expires": 60},
}
CELERY_BEAT_SCHEDULE["searches-send-digests"] = {
    # Daily and weekly digests whose time has come and that have new matches.
    "task": "searches.tasks.send_saved_search_digests",
    "schedule": 60 * 60,
}

# ---------------------------------------------------------------------------------------------
# Billing (owner: billing app): Robokassa extras, lifecycle tunables, beat jobs
# ---------------------------------------------------------------------------------------------
ROBOKASSA_CULTURE = env.str("ROBOKASSA_CULTURE", default="ru")
# The merchant has Robokassa's periodic payments enabled: checkouts ask for `Recurring`.
ROBOKASSA_RECURRING_ENABLED = env.bool("ROBOKASSA_RECURRING_ENABLED", default=False)
# Fiscal receipts (docs/PRIVACY.md "Fiscal receipts"): every payment carries a Robokassa
# Receipt (one line: plan or package, period, price) when on. The tax code is a setting, not
# code, because Kazakhstan's VAT rate changes (16 % since 2026): use the code Robokassa names
# for the rate in force ("none" when the merchant is not a VAT payer). SNO (taxation system)
# is sent only when set.
ROBOKASSA_RECEIPT = env.bool("ROBOKASSA_RECEIPT", default=False)
ROBOKASSA_TAX = env.str("ROBOKASSA_TAX", default="vat16")
ROBOKASSA_SNO = env.str("ROBOKASSA_SNO", default="")
# Empty: derived from ROBOKASSA_BASE_URL (…/Merchant/Recurring).
ROBOKASSA_RECURRING_URL = env.str("ROBOKASSA_RECURRING_URL", default="")
ROBOKASSA_HTTP_CONNECT_TIMEOUT = env.float("ROBOKASSA_HTTP_CONNECT_TIMEOUT", default=5.0)
ROBOKASSA_HTTP_READ_TIMEOUT = env.float("ROBOKASSA_HTTP_READ_TIMEOUT", default=20.0)
ROBOKASSA_HTTP_RETRIES = env.int("ROBOKASSA_HTTP_RETRIES", default=3)
BILLING_REMINDER_DAYS = env.int("BILLING_REMINDER_DAYS", default=3)
BILLING_RENEWAL_LEAD_HOURS = env.int("BILLING_RENEWAL_LEAD_HOURS", default=24)
BILLING_PENDING_PAYMENT_TTL_HOURS = env.int("BILLING_PENDING_PAYMENT_TTL_HOURS", default=24)
CELERY_BEAT_SCHEDULE["billing-expire-subscriptions"] = {
    # Current subscriptions past expires_at become expired (cancelled ones too).
    "task": "billing.tasks.expire_subscriptions",
    "schedule": 60 * 10,
}
CELERY_BEAT_SCHEDULE["billing-send-renewal-reminders"] = {
    # subscription_expiring once per expiry date, BILLING_REMINDER_DAYS ahead.
    "task": "billing.tasks.send_renewal_reminders",
    "schedule": 60 * 60,
}
CELERY_BEAT_SCHEDULE["billing-renew-subscriptions"] = {
    # Recurring charges through Robokassa, BILLING_RENEWAL_LEAD_HOURS before expiry.
    "task": "billing.tasks.renew_subscriptions",
    "schedule": 60 * 30,
}
CELERY_BEAT_SCHEDULE["billing-fail-stale-payments"] = {
    # Pending payments older than BILLING_PENDING_PAYMENT_TTL_HOURS become failed.
    "task": "billing.tasks.fail_stale_payments",
    "schedule": 60 * 60,
}

# ---------------------------------------------------------------------------------------------
# Moderation (reports, blocks, back office)
# ---------------------------------------------------------------------------------------------
# Reports are read by people: a tight per-user limit keeps the queue usable.
RATELIMIT_REPORT = env.str("RATELIMIT_REPORT", default="10/h")
# Seconds the admin dashboard's aggregates are cached.
MODERATION_DASHBOARD_CACHE_SECONDS = env.int("MODERATION_DASHBOARD_CACHE_SECONDS", default=60)

# ---------------------------------------------------------------------------------------------
# Trust and safety (docs/SAFETY.md): trust levels, their daily limits, report escalation
# ---------------------------------------------------------------------------------------------
# Daily limits per trust level, beside the plan's; off for test servers and local exploration.
TRUST_LIMITS_ENABLED = env.bool("TRUST_LIMITS_ENABLED", default=True)
# {level: {kind: per day}}; a paid plan uses the next level's numbers. JSON in the env var.
TRUST_DAILY_LIMITS = env.json(
    "TRUST_DAILY_LIMITS",
    default={
        "new": {"chat_rooms": 3, "castings": 1, "invites": 5},
        "verified": {"chat_rooms": 10, "castings": 3, "invites": 20},
        "trusted": {"chat_rooms": 40, "castings": 10, "invites": 100},
        "established": {"chat_rooms": 100, "castings": 30, "invites": 300},
    },
)
# Trusted: e-mail verified and at least this old (or a staff-verified company).
TRUST_ACCOUNT_AGE_DAYS = env.int("TRUST_ACCOUNT_AGE_DAYS", default=7)
# Established: trusted with this many accepted responses / completed castings.
TRUST_ESTABLISHED_AFTER = env.int("TRUST_ESTABLISHED_AFTER", default=3)
# A target reported by this many distinct trusted users (weighted) within the window is
# hidden pending review and goes to the top of the queue.
REPORT_ESCALATION_THRESHOLD = env.int("REPORT_ESCALATION_THRESHOLD", default=3)
REPORT_ESCALATION_WINDOW_HOURS = env.int("REPORT_ESCALATION_WINDOW_HOURS", default=24)
# A reporter's weight halves for every dismissed report past this many.
REPORT_DISMISSED_GRACE = env.int("REPORT_DISMISSED_GRACE", default=2)
# Seconds a process keeps its compiled rule set before checking the shared version key.
SAFETY_RULES_RECHECK_SECONDS = env.int("SAFETY_RULES_RECHECK_SECONDS", default=5)

# Admin login throttling (django-axes): N failures lock the address and, separately, the
# account for the cool-off time; staff see the lockouts in the admin and lift them there.
AUTHENTICATION_BACKENDS = [
    "moderation.login_lockout.AdminLoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("ADMIN_LOGIN_THROTTLE", default=True)
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("ADMIN_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # each on its own
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False  # moderation.admin registers the models under the staff policy
AXES_CLIENT_IP_CALLABLE = "moderation.login_lockout.lockout_client_ip"
AXES_USERNAME_CALLABLE = "moderation.login_lockout.lockout_username"
AXES_LOCKOUT_TEMPLATE = "admin/mwork_lockout.html"
AXES_VERBOSE = False
# Superusers and Finance sign in with an authenticator code (TOTP); others may enrol one.
ADMIN_2FA_REQUIRED = env.bool("ADMIN_2FA_REQUIRED", default=not DEBUG)

# ---------------------------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------------------------
# Lifetimes of the e-mailed links (verification 48 h per docs/API.md §4; reset 1 h).
ACCOUNTS_EMAIL_VERIFICATION_MAX_AGE = timedelta(
    hours=env.int("ACCOUNTS_EMAIL_VERIFICATION_HOURS", default=48)
)
ACCOUNTS_PASSWORD_RESET_MAX_AGE = timedelta(
    minutes=env.int("ACCOUNTS_PASSWORD_RESET_MINUTES", default=60)
)
CELERY_BEAT_SCHEDULE["accounts-flush-expired-tokens"] = {
    # Expired refresh-token bookkeeping (outstanding/blacklisted/rotation rows) is deleted.
    "task": "accounts.tasks.flush_expired_tokens",
    "schedule": 60 * 60 * 6,
}

# ---------------------------------------------------------------------------------------------
# Reliability (docs/RELIABILITY.md): the notification delivery outbox
# ---------------------------------------------------------------------------------------------
# A pending e-mail/push whose task has not settled it within this many minutes (broker down,
# worker lost) is queued again by the beat job; rows pending longer than MAX_AGE are given up.
NOTIFICATIONS_OUTBOX_REQUEUE_MINUTES = env.int("NOTIFICATIONS_OUTBOX_REQUEUE_MINUTES", default=10)
NOTIFICATIONS_OUTBOX_BATCH_SIZE = env.int("NOTIFICATIONS_OUTBOX_BATCH_SIZE", default=200)
NOTIFICATIONS_OUTBOX_MAX_AGE_HOURS = env.int("NOTIFICATIONS_OUTBOX_MAX_AGE_HOURS", default=48)
# A chat message's e-mail waits this long and goes out only if the message is still unread.
NOTIFICATIONS_CHAT_EMAIL_DELAY_MINUTES = env.int(
    "NOTIFICATIONS_CHAT_EMAIL_DELAY_MINUTES", default=5
)
CELERY_BEAT_SCHEDULE["notifications-requeue-stalled-deliveries"] = {
    "task": "notifications.tasks.requeue_stalled_deliveries",
    "schedule": 60 * 2,
}
if REDIS_URL:
    from redis.exceptions import ConnectionError as _RedisConnectionError

    # Channel layer across a Redis restart: the first command on a pooled connection fails once
    # ("Connection closed by server"); one immediate retry on a fresh connection hides it. A
    # Redis that stops answering fails the connect in 2 s instead of hanging a WS handshake.
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0].update(
        retry_on_error=[_RedisConnectionError], socket_connect_timeout=2
    )

# ---------------------------------------------------------------------------------------------
# Analytics: daily rollup of profile and casting views
# ---------------------------------------------------------------------------------------------
# Raw view rows (needed only to deduplicate within a day) are kept this many days after rollup.
ANALYTICS_RAW_VIEW_RETENTION_DAYS = env.int("ANALYTICS_RAW_VIEW_RETENTION_DAYS", default=90)
# With Redis, detail pages only append their view to a Redis list; this job stores it (and the
# dashboard and the rollup store it before they count). Without Redis views are stored at once.
ANALYTICS_VIEWS_BUFFERED = bool(REDIS_URL) and env.bool("ANALYTICS_VIEWS_BUFFERED", default=True)
ANALYTICS_VIEWS_FLUSH_SECONDS = env.int("ANALYTICS_VIEWS_FLUSH_SECONDS", default=30)
CELERY_BEAT_SCHEDULE["analytics-flush-views"] = {
    "task": "analytics.tasks.flush_views",
    "schedule": ANALYTICS_VIEWS_FLUSH_SECONDS,
    # A run queued behind a busy worker is pointless once the next one is due.
    "options": {"expires": ANALYTICS_VIEWS_FLUSH_SECONDS},
}
CELERY_BEAT_SCHEDULE["analytics-rollup-views"] = {
    # Finished Almaty days' views → DailyViewStat; the dashboard counts today live.
    "task": "analytics.tasks.rollup_views",
    "schedule": 60 * 30,
}

# ---------------------------------------------------------------------------------------------
# Privacy (owner: privacy app; docs/PRIVACY.md): account deletion, data export
# ---------------------------------------------------------------------------------------------
# Days between DELETE /auth/me and the purge; the account can be restored until then.
ACCOUNT_PURGE_DAYS = env.int("ACCOUNT_PURGE_DAYS", default=30)
# Data export archives: kept (and their signed link valid) this many days, one request a day.
DATA_EXPORT_DAYS = env.int("DATA_EXPORT_DAYS", default=7)
# Archives go to STORAGES["exports"] (storage section): a private folder (DATA_EXPORT_ROOT,
# default var/exports) on the embedded default, a private prefix of the bucket with R2.
CELERY_BEAT_SCHEDULE["privacy-purge-deleted-accounts"] = {
    # Accounts whose grace period is over are erased (personal data) and anonymised (records).
    "task": "privacy.tasks.purge_due_accounts",
    "schedule": 60 * 60,
}
CELERY_BEAT_SCHEDULE["privacy-delete-expired-exports"] = {
    "task": "privacy.tasks.delete_expired_exports",
    "schedule": 60 * 60 * 6,
}
