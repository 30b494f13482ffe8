"""Settings for the Plan Indicator Tracker: one module, read from the environment.

Defaults suit a developer's laptop (SQLite file, DEBUG on, a throwaway key). Production sets at least
SECRET_KEY, DEBUG=false, ALLOWED_HOSTS and DATABASE_URL; see README.md, "Production".
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# Generic Django classes (ModelAdmin[Region], QuerySet[Plan]) subscriptable at run time, as mypy reads them.
django_stubs_ext.monkeypatch()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_positive_int(name: str, default: int, minimum: int = 1) -> int:
    value = env_int(name, default)
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate: requests per second, minute, hour or day (60/min, 1000/hour)."""
    value = os.environ.get(name) or default
    if not re.fullmatch(r"[0-9]+/(s|sec|m|min|h|hour|d|day)", value.strip()):
        raise ImproperlyConfigured(f"{name} must be a rate such as 60/min or 1000/hour, got {value!r}")
    return value.strip()


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "import_export",
    "axes",
    "cities",
    "indicators",
    "plans",
    "imports",
    "dashboard",
    "config",  # the site: operators' commands (backup, restore)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML and JSON gzipped for clients that accept it. Below WhiteNoise, which answers static files itself
    # (already compressed at collectstatic); above every middleware that writes a body. Against BREACH it pads
    # each response with random bytes, and every CSRF token is masked afresh per response (README, Compression).
    "config.middleware.GZipMiddleware",  # Django's, at GZIP_LEVEL
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "config.middleware.LockedPeriodMiddleware",
    "config.middleware.BadRequestMiddleware",
    # Last, as axes asks: it turns a lockout flagged during the request into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# The gzip level of HTML and JSON responses (config.middleware.GZipMiddleware): 1 is about 3.5 times faster than
# Django's 6 for about a sixth more bytes; a cached page's compression was a third of its time.
GZIP_LEVEL = int(os.environ.get("GZIP_LEVEL", "1"))

ROOT_URLCONF = "config.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username/address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Chinese first: the bureau's staff read Chinese; English is one click away.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Where `manage.py backup` (make backup) writes its timestamped folders; see config/backup.py.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", BASE_DIR / "backups"))

# Security. The production values switch on with DEBUG=false; `manage.py check --deploy` must pass then.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the admin's JavaScript reads it
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # HSTS preloading commits the whole domain to HTTPS in browsers for good: an explicit opt-in
    # (SECURE_HSTS_PRELOAD=true), so its reminder is silenced rather than the value forced.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Mail: SMTP when EMAIL_HOST is set (or any backend named by EMAIL_BACKEND); printed on the console in
# development; with DEBUG off and neither set, mail is not configured and nothing pretends to send it.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
MAIL_CONFIGURED = bool(EMAIL_HOST or os.environ.get("EMAIL_BACKEND"))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.dummy.EmailBackend"
)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other: set one")
EMAIL_PORT = env_int("EMAIL_PORT", 465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)  # a stuck mail server must not hold a worker for long
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# The "forgot your password" pages (config.auth): only where a mail can actually reach the user.
PASSWORD_RESET_ENABLED = env_bool("PASSWORD_RESET_ENABLED", MAIL_CONFIGURED or DEBUG)
if PASSWORD_RESET_ENABLED and not (MAIL_CONFIGURED or DEBUG):
    raise ImproperlyConfigured("PASSWORD_RESET_ENABLED needs mail: set EMAIL_HOST (SMTP) or EMAIL_BACKEND")

# Reverse proxies in front of the app that append the client's address to X-Forwarded-For (0: none, the
# client is REMOTE_ADDR). The client is then the address that many places from the right; see config.auth.
NUM_PROXIES = env_positive_int("NUM_PROXIES", 0, minimum=0)

# Login throttling (django-axes, database handler: shared by every worker; the admin lists and deletes
# the attempts). A username is locked at one address, so an attacker cannot lock a user out everywhere and
# colleagues behind the same address keep logging in. A failure while locked restarts the cool-off.
AXES_FAILURE_LIMIT = env_positive_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = env_positive_int("AXES_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429  # Too Many Requests: the password may be right, the pace is wrong
AXES_LOCKOUT_CALLABLE = "config.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.auth.client_ip"
AXES_VERBOSE = False  # no banner at every start; failures and lockouts are still logged (as warnings)

# API token lock (config.api.TokenAuthentication): bad tokens never reach DRF's rate throttles (the
# request fails authentication first), so they are counted per client address on their own.
API_TOKEN_FAILURE_LIMIT = env_positive_int("API_TOKEN_FAILURE_LIMIT", 10)
API_TOKEN_COOLOFF_MINUTES = env_positive_int("API_TOKEN_COOLOFF_MINUTES", AXES_COOLOFF_MINUTES)

DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "config.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Spreadsheet imports of actual values (the imports app). Bounds checked before a file is parsed.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000)
# The evidence file of a reviewer's verdict on a qualitative target (plans.verdicts): at most this large, and never
# above the upload bound every request has (config.uploads, IMPORT_MAX_UPLOAD_BYTES).
EVIDENCE_MAX_UPLOAD_BYTES = env_int("EVIDENCE_MAX_UPLOAD_BYTES", min(10 * 1024 * 1024, IMPORT_MAX_UPLOAD_BYTES))
if EVIDENCE_MAX_UPLOAD_BYTES > IMPORT_MAX_UPLOAD_BYTES:
    raise ImproperlyConfigured("EVIDENCE_MAX_UPLOAD_BYTES cannot exceed IMPORT_MAX_UPLOAD_BYTES (the upload bound)")
# A zip-based workbook (xlsx, ods) may declare at most this much uncompressed content: a zip bomb stops here.
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
# How far a sheet may reach: readers build the whole rectangle from A1 to the farthest cell, so its columns and its
# area (rows × columns) are bounded as well as its rows, and so is the number of values one file may import.
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 1000)
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 2_000_000)
IMPORT_MAX_VALUES = env_int("IMPORT_MAX_VALUES", 200_000)
# Files are parsed in a child process with this much address space and this long (imports.sandbox); a file
# needing more is refused, and the web worker never sees the allocation.
IMPORT_READER_MEMORY_BYTES = env_int("IMPORT_READER_MEMORY_BYTES", 1024 * 1024 * 1024)
IMPORT_READER_TIMEOUT_SECONDS = env_int("IMPORT_READER_TIMEOUT_SECONDS", 20)
# `manage.py clean_uploads` removes uploaded files no import points at, and the files of imports never committed,
# once they are this old. At least an hour: a file being uploaded right now is never swept.
IMPORT_ORPHAN_MAX_AGE_HOURS = env_int("IMPORT_ORPHAN_MAX_AGE_HOURS", 24)
if IMPORT_ORPHAN_MAX_AGE_HOURS < 1:
    raise ImproperlyConfigured("IMPORT_ORPHAN_MAX_AGE_HOURS must be at least 1")
# Preview warnings: a value moving more than this share from the previous year.
IMPORT_WARN_CHANGE_RATIO = 0.5
# … and a value replacing the stored one of the same region × indicator × year by more than this factor (new / old
# above it or below its inverse: 2 → warned above ×2 and below ×0.5).
IMPORT_WARN_STORED_FACTOR = 2
# Years accepted around the region's plan period (baseline year to target year).
IMPORT_YEAR_MARGIN = 5

# Progress evaluation (plans.progress, docs/methodology.md): the cut-offs of the status bands. Override a key here;
# the ones left out keep the defaults of plans.progress.Thresholds.
PROGRESS_THRESHOLDS: dict[str, float] = {
    "ahead": 1.05,  # pace ratio q ≥ this: 快于预期
    "on_schedule": 0.90,  # q ≥ this: 基本符合预期
    "lagging": 0.50,  # q ≥ this: 滞后; below: 明显滞后
    "about": 0.95,  # "X 左右" is met at this share of X
    "on_track": 0.95,  # trend ratio R ≥ this: on track
    "acceleration_needed": 0.60,  # R ≥ this: acceleration needed; below: limited progress
    "zero_substitute": 0.001,  # replaces a zero base or target in the trend's growth formulas
}
# Reporting calendar (plans.completeness): a position is due from the first day of its indicator's release month
# and overdue once this many whole months have passed after that day (1: overdue from the first of the next month).
REPORTING_GRACE_MONTHS = 1
# Plan consistency check: two statements of a plan disagree when the levels they imply differ by more than this.
PLAN_CONSISTENCY_TOLERANCE = 0.05
# A plan's baseline and the stored actual of its baseline year (the previous period's final actual) disagree when
# they differ by more than this (relative): the plan page, the city card and the API warn.
PLAN_BASELINE_TOLERANCE = 0.01

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous script then gets 401 with "WWW-Authenticate: Token", not a bare 403.
        "config.api.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Rates per signed-in user and per anonymous address, in Django's default cache (each worker its own
    # with the local-memory cache; a shared CACHES makes the limits exact).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_THROTTLE_ANON", "60/min"),
        "user": env_rate("API_THROTTLE_USER", "1200/min"),
    },
    # Without it DRF takes the whole X-Forwarded-For, which any client can write.
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["lib.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # A write into a locked period (indicators.services.LockedPeriod): 409 with the lock's message.
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    # Numbers are JSON numbers, not strings: scripts read values without parsing.
    "COERCE_DECIMAL_TO_STRING": False,
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ]

SPECTACULAR_SETTINGS = {
    "TITLE": "Plan Indicator Tracker API",
    "DESCRIPTION": "Read-only access to regions, indicators, plans, targets and yearly observations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # A target's status (the progress rows, the overview's cells): one enum, named, whatever else is called status.
    "ENUM_NAME_OVERRIDES": {
        "TargetStatusEnum": "plans.vocabulary.STATUSES",
        "PlanKindEnum": "plans.models.Plan.Kind",
        "TargetKindEnum": "plans.models.Target.Kind",
        "EvaluationKindEnum": "plans.models.PublishedEvaluation.Kind",
    },
}

# Off: cities.resources.SafeExportResource, the base of every resource, neutralises each exported text cell.
# The library's own escaping only drops a leading "=" and turns every cell (numbers, blanks) into text.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
# Importing rewrites rows: only users who may change a model may import into it (the library's default
# lets every staff user import everything).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Caches. REDIS_URL set: Django's Redis backend, shared by every worker and server (API rate counts, token locks,
# cached pages). Unset: each process its own local memory. Cached pages are keyed on the data version stored in
# the database (cities.versioning), so a write invalidates them with either backend.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "plan-tracker"),
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 1000}}
    )
}
# Pages (their data-dependent part) and progress API results cached per data version; false: computed each time.
PAGE_CACHE = env_bool("PAGE_CACHE", True)
# Entries of older versions are never read again; this bounds how long they occupy memory.
PAGE_CACHE_SECONDS = env_positive_int("PAGE_CACHE_SECONDS", 24 * 3600)
