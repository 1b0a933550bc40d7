"""Settings for Xinyong, read from environment variables with safe embedded defaults.

DATABASE_URL picks the database (default: an SQLite file under var/); DEBUG is off unless
XINYONG_DEBUG=1; the secret key comes from XINYONG_SECRET_KEY or, in the embedded case, a
key generated once into var/secret_key (never committed).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("XINYONG_HOME", BASE_DIR.parent.parent)).resolve()
VAR_DIR = Path(os.environ.get("XINYONG_VAR", PROJECT_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _env_bool(name: str, default: bool = False) -> bool:
    """A yes/no setting; an unset or empty variable means `default`. Anything else is
    refused: systemd's EnvironmentFile keeps an inline comment as part of the value, and
    reading "1   # …" as "off" silently dropped secure cookies, HSTS and the proxy header."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"环境变量 {name} 的值“{os.environ[name]}”无法识别：应为 1/0、true/false、yes/no、on/off"
        "（不区分大小写，留空表示默认值）；注释须单独成行，不能写在值的后面。"
    )


def _secret_key() -> str:
    key = os.environ.get("XINYONG_SECRET_KEY")
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("XINYONG_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("XINYONG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("XINYONG_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "xinyong.core",
    "xinyong.orgs",
    "xinyong.subjects",
    "xinyong.catalog",
    "xinyong.records",
    "xinyong.collection",
    "xinyong.publicity",
    "xinyong.rights",
    "xinyong.sanctions",
    "xinyong.commitments",
    "xinyong.supervision",
    "xinyong.reports",
    "xinyong.finance",
    "xinyong.benefits",
    "xinyong.integrity",
    "xinyong.personnel",
    "xinyong.ledger",
    "xinyong.exchange",
    "xinyong.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "xinyong.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "xinyong.core.middleware.RequestContextMiddleware",
    # axes must come last: it inspects the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xinyong.urls"
WSGI_APPLICATION = "xinyong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Admin template overrides (platform colours); searched before the apps' own.
        "DIRS": [BASE_DIR / "web" / "admin_templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xinyong.web.context_processors.platform",
                "xinyong.web.context_processors.workspace",
            ],
        },
    },
]

DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'xinyong.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", DEFAULT_SQLITE), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web server and the scheduler share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:workspace"
LOGOUT_REDIRECT_URL = "web:portal-home"

# Lockout (django-axes): 5 failures per username+IP lock the account for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("XINYONG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("XINYONG_LOGIN_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("XINYONG_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
_behind_tls = _env_bool("XINYONG_TLS")
SESSION_COOKIE_SECURE = _behind_tls
CSRF_COOKIE_SECURE = _behind_tls
SECURE_HSTS_SECONDS = 31536000 if _behind_tls else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _behind_tls else None
# Set when nginx (docs/deploy.md) sits in front and sets X-Real-IP; see core.middleware.
XINYONG_BEHIND_PROXY = _env_bool("XINYONG_BEHIND_PROXY")
# Anonymous portal pages per client address (publicity.views.throttled).
PUBLICITY_PORTAL_RATE = os.environ.get("XINYONG_PORTAL_RATE", "30/min")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves from the finders in the embedded set-up; an empty STATIC_ROOT keeps it
# from warning on every request until `collectstatic` fills it in production.
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = (
    [PROJECT_DIR / "assets" / "dist"] if (PROJECT_DIR / "assets" / "dist").exists() else []
)
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "xinyong.orgs.authentication.UnitTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The project's JSON parser refuses endless nesting and lone surrogates (a 400, not a
    # 500); form and multipart as DRF's defaults.
    "DEFAULT_PARSER_CLASSES": [
        "xinyong.core.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # drf-spectacular's AutoSchema plus the refusals ({detail, code}) every operation may
    # answer, documented once as the Error component (core.api_files).
    "DEFAULT_SCHEMA_CLASS": "xinyong.core.api_files.DocumentedErrorsSchema",
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("XINYONG_ANON_RATE", "60/min"),
        "user": os.environ.get("XINYONG_USER_RATE", "600/min"),
    },
    "EXCEPTION_HANDLER": "xinyong.core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "信用 Xinyong 公共信用信息平台 API",
    "DESCRIPTION": "区县公共信用信息平台接口：归集、查询、异议、修复、联合奖惩等。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc served from the installed sidecar package: no CDN on intranets.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set that several components share: without these the generator
    # names them by hash (Status50eEnum …), and the names change when a model does.
    "ENUM_NAME_OVERRIDES": {
        "CommitmentKindEnum": "xinyong.commitments.models.Kind",
        "SubjectKindEnum": "xinyong.subjects.models.SubjectKind",
        "RecordStatusEnum": "xinyong.records.models.CreditRecord.Status",
        "ObjectionStatusEnum": "xinyong.rights.models.Objection.Status",
        "ObjectionOutcomeEnum": "xinyong.rights.models.Objection.Outcome",
        "RepairStatusEnum": "xinyong.rights.models.RepairApplication.Status",
        "RightsChannelEnum": "xinyong.rights.models.Channel",
        "ListEntryStatusEnum": "xinyong.sanctions.models.ListEntry.Status",
        "RoleEnum": "xinyong.orgs.models.Role",
        "WithdrawalKindEnum": "xinyong.records.models.RecordWithdrawal.Kind",
    },
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("XINYONG_LOG_LEVEL", "WARNING")},
}

# Platform identity shown on pages and reports; a district adopting Xinyong sets its own.
XINYONG_DISTRICT = os.environ.get("XINYONG_DISTRICT", "北关区")
# The city the district belongs to: government bodies register as “安阳市北关区…”, and the
# city's “信用中国（河南安阳）” site publishes the district's records.
XINYONG_CITY = os.environ.get("XINYONG_CITY", "安阳市")
XINYONG_PLATFORM_NAME = os.environ.get("XINYONG_PLATFORM_NAME", "北关区公共信用信息平台")
XINYONG_REGION_CODE = os.environ.get("XINYONG_REGION_CODE", "410503")
# Credit grades (supervision) are staff-only; the credit office may show the letter on the
# portal (DOMAIN.md §10: grades drive supervision, publishing them is a local choice).
XINYONG_PUBLIC_GRADES = _env_bool("XINYONG_PUBLIC_GRADES")

# Exchange with the city platform (docs/exchange.md). The transport is "file" (前置机 file
# drop under var/exchange/, works offline) or "http" (signed JSON to XINYONG_EXCHANGE_URL).
# Only what the environment sets is listed; xinyong.exchange.conf supplies the defaults.
XINYONG_EXCHANGE = {
    key: value
    for key, value in {
        "TRANSPORT": os.environ.get("XINYONG_EXCHANGE_TRANSPORT"),
        "HTTP_URL": os.environ.get("XINYONG_EXCHANGE_URL"),
        "HTTP_TOKEN": os.environ.get("XINYONG_EXCHANGE_TOKEN"),
        "HTTP_SECRET": os.environ.get("XINYONG_EXCHANGE_SECRET"),
        "HTTP_TIMEOUT": os.environ.get("XINYONG_EXCHANGE_TIMEOUT"),
        "FILE_DIR": os.environ.get("XINYONG_EXCHANGE_FILE_DIR"),
        "FILE_ACK_DIR": os.environ.get("XINYONG_EXCHANGE_ACK_DIR"),
        "FILE_FORMAT": os.environ.get("XINYONG_EXCHANGE_FILE_FORMAT"),
        "INBOX_DIR": os.environ.get("XINYONG_EXCHANGE_INBOX_DIR"),
        "CHUNK_SIZE": os.environ.get("XINYONG_EXCHANGE_CHUNK_SIZE"),
        "MAX_ATTEMPTS": os.environ.get("XINYONG_EXCHANGE_MAX_ATTEMPTS"),
        "BACKOFF_BASE": os.environ.get("XINYONG_EXCHANGE_BACKOFF_BASE"),
        "BACKOFF_CAP": os.environ.get("XINYONG_EXCHANGE_BACKOFF_CAP"),
        "LEASE_SECONDS": os.environ.get("XINYONG_EXCHANGE_LEASE_SECONDS"),
        "SEND_EVERY": os.environ.get("XINYONG_EXCHANGE_SEND_EVERY"),
        "IMPORT_EVERY": os.environ.get("XINYONG_EXCHANGE_IMPORT_EVERY"),
        "INBOUND_UNIT": os.environ.get("XINYONG_EXCHANGE_INBOUND_UNIT"),
    }.items()
    if value
}
