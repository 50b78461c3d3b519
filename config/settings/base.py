"""Settings shared by every environment. Values come from the environment (12-factor)."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "accounts",
    "outbox",
    "products",
    "cases",
    "notices",
    "complaints",
]

MIDDLEWARE = [
    # First: refuses an oversize body before anything reads it (session, CSRF, parsers).
    "config.limits.BodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.faults.FaultMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cases.context_processors.calendar_banner",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (issue 14): opening a PostgreSQL connection costs 5-8 ms on this machine (a
# backend process is forked), more than most pages' own queries; a worker keeps its connection for
# CONN_MAX_AGE seconds (0: one per request). Each request checks it before first use
# (CONN_HEALTH_CHECKS), so a restarted database costs one failed check, not a 500.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL searches every order of the tables a query joins, up to join_collapse_limit (8) at a
# time: a list page's query that joins its row's campaign, authority, agency, author, version,
# product and vendor (select_related) spent 8-13 ms planning for 0.5 ms of execution (issue 14).
# The lists are driven by their own table (the filters and the order are its columns, each served
# by an index), so a search over 4 at a time finds the same plans at a fifth of the cost; measured
# on every endpoint of bench/api_load.py at scale, no query got slower (bench/README.md). Empty: the
# server's own setting (e.g. behind a pooler that refuses startup options).
JOIN_COLLAPSE_LIMIT = env.str("DB_JOIN_COLLAPSE_LIMIT", default="4")
if DATABASES["default"]["ENGINE"].endswith("postgresql") and JOIN_COLLAPSE_LIMIT:
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c join_collapse_limit={int(JOIN_COLLAPSE_LIMIT)}".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend reading the signed-in user from the shared cache when there is one (issue 14).
    "accounts.backends.CachedModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The client's address behind a TLS proxy (accounts/client_address.py): X-Forwarded-For is believed
# for TRUSTED_PROXY_COUNT hops, each only from a peer in TRUSTED_PROXY_CIDRS (when set). Every
# throttle keys on it: django-axes, the claim limit, DRF rate limits (accounts/throttles.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_CIDRS = env.list("TRUSTED_PROXY_CIDRS", default=[])

# Login throttling (django-axes): lock a username+IP pair after repeated failures, so a lockout
# never reaches the same user at an address that did not fail.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "accounts.client_address.client_ip"
AXES_RESET_ON_SUCCESS = True
# Show the lockout on the sign-in page itself (translated, status 429) instead of a bare text reply.
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"

# The regulator's zone: deadlines are counted in Asia/Shanghai.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    # Files are written under a temporary name and moved into place once their row commits.
    "default": {"BACKEND": env("DEFAULT_FILE_STORAGE", default="config.storage.AtomicFileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The public register's open data (JSON, CSV) of each register version, kept as files once streamed
# (notices/exports.py): later downloads and outages are served from them. Outside MEDIA_ROOT (the
# storage sweep would remove them); a cache that may be deleted at any time.
REGISTER_EXPORT_DIR = Path(env("REGISTER_EXPORT_DIR", default=str(BASE_DIR / "var" / "register-exports")))

# The storage sweep (config/storage.py) removes files under MEDIA_ROOT no row points to once they
# are older than this (files of a transaction still open are younger).
STORAGE_SWEEP_GRACE_SECONDS = env.int("STORAGE_SWEEP_GRACE_SECONDS", default=3600)

# Uploads: evidence and scanner outputs. Larger files are refused with 413.
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=200 * 1024 * 1024)
# Every other request body (JSON, forms): larger ones are refused with 413 before they are read
# (config/limits.py; upload views declare MAX_UPLOAD_BYTES instead).
MAX_BODY_BYTES = env.int("MAX_BODY_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The public complaint form and its API (complaints/throttles.py): complaints per client address,
# counted on the real client behind the proxy (accounts.client_address). No CAPTCHA.
COMPLAINT_SUBMIT_RATE = env("COMPLAINT_SUBMIT_RATE", default="10/hour")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="rectify@localhost")

# Offline IP owner and country data for the traffic rules (cases/scanners/ipowners.py): a file in
# geoip2fast's .dat.gz format; empty uses the file shipped inside the geoip2fast package.
IP_OWNER_DATA_FILE = env("IP_OWNER_DATA_FILE", default="")

REDIS_URL = env("REDIS_URL", default="")

# Notices (NOTICE-FORMAT.md). SITE_URL is the public address of this site (https://host, no path):
# printed on orders (portal, QR code) and on every issued PDF (verification), and used in e-mails;
# an order is not published without it. The 发文机关代字 of orders is the issuing authority's
# (``Authority.doc_prefix``, ARCHITECTURE.md §15): no order is printed with a placeholder.
# MIIT's removal lists carry no batch line unless turned on here.
SITE_URL = env("SITE_URL", default="")
NOTICES_REMOVAL_BATCH_LINE = env.bool("NOTICES_REMOVAL_BATCH_LINE", default=False)
# Cache (public register pages, one-time display of an order's access code, claim throttling).
# Give it its own Redis database (e.g. redis://127.0.0.1:6379/1), apart from the broker's, so that
# clearing the cache never drops queued jobs; without CACHE_URL each process keeps its own memory.
CACHE_URL = env("CACHE_URL", default="")
CACHES = {
    "default": (
        {
            # Django's Redis backend, one client per pool (config/cache.py).
            "BACKEND": "config.cache.Cache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default=""),
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Sessions: in the shared cache as well as the database when there is a shared cache (a session read
# per request without a query; signing out deletes both), else in the database only: a cache in each
# process's memory would keep a signed-out session alive in the other processes.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if CACHE_URL else "django.contrib.sessions.backends.db"
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 660
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery beat runs the clocks (`celery -A config beat`). Times are Asia/Shanghai (CELERY_TIMEZONE).
CELERY_BEAT_SCHEDULE = {
    "cases-mark-overdue": {"task": "cases.tasks.mark_overdue_cases", "schedule": crontab(minute=5)},
    "cases-deadline-clock": {"task": "cases.tasks.run_deadline_clock", "schedule": crontab(minute=15)},
    "cases-sweep-scan-jobs": {"task": "cases.tasks.sweep_scan_jobs", "schedule": 15.0},
    # Publications and e-mails whose worker died or whose message was lost run again (outbox.jobs).
    "outbox-sweep": {"task": "outbox.tasks.sweep_outbox", "schedule": 15.0},
    # The worker's heartbeat for /healthz (accounts.health.HEARTBEAT_INTERVAL).
    "accounts-heartbeat": {"task": "accounts.tasks.record_heartbeat", "schedule": 30.0},
    # Every 15 minutes: remove stored files no row points to (older than STORAGE_SWEEP_GRACE_SECONDS).
    "storage-sweep": {"task": "cases.tasks.sweep_storage", "schedule": 15 * 60.0},
    # Daily at 09:00 from 1 November while next year's calendar is unknown: e-mail the administrators.
    "cases-calendar-warning": {"task": "cases.tasks.warn_calendar_cliff", "schedule": crontab(hour=9, minute=0)},
}

# /healthz fails the worker check when the beat-scheduled heartbeat is older than this (seconds).
HEALTH_HEARTBEAT_MAX_AGE = env.int("HEALTH_HEARTBEAT_MAX_AGE", default=180)

# API tokens (accounts.tokens) expire after this many seconds; a password change revokes them at once.
API_TOKEN_TTL = env.int("API_TOKEN_TTL", default=7 * 24 * 3600)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.policies.DeclaredPolicy"],
    # django-filter's backend, skipped when no parameter names a filter (config.api.FilterBackend).
    "DEFAULT_FILTER_BACKENDS": ["config.api.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rectify API",
    "DESCRIPTION": "Regulatory case management for enforcement campaigns.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The errors every operation may answer (503; 413, 415 with a body; 507 for uploads): config/api.py.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.api.document_common_errors"],
    # Several models have a "status" or "kind" field; name each choice set after its class.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.CaseStatus",
        "FindingStatusEnum": "cases.models.FindingStatus",
        "ProductKindEnum": "products.models.ProductKind",
        "NoticeStatusEnum": "notices.models.NoticeStatus",
        "NoticeKindEnum": "notices.models.NoticeKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # WeasyPrint reports missing glyphs (.notdef) only on its own logger.
        "weasyprint": {"handlers": ["console"], "level": "WARNING", "propagate": True},
        "fontTools": {"level": "ERROR"},
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
