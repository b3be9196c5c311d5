"""Settings for the video visitation site.

Every value comes from the environment (see `.env.example`). The defaults are safe for
development: SQLite under `var/`, a broker that needs no service, mail to the console and
to files under `var/mail/`. With DEBUG off the site refuses to start without a real
SECRET_KEY and DOCUMENT_KEYS.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from visitation import encryption

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. For development, set DEBUG=1 "
            "(or copy .env.example to .env)."
        )
    SECRET_KEY = "development-only-key-not-for-production-use-0123456789abcdef"
# Earlier keys while SECRET_KEY is being changed: sessions, emailed links, staff backup codes,
# enrolled terminals and lobby booking codes made under them keep working (README "Operating").
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "visitation.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "visitation",
    "accounts",
    "facilities",
    "scheduling",
    "review",
    "video",
]
# The benchmark tooling (bench/, `make bench`) is not part of the site: installed only for
# development and benchmark runs, never in production.
if DEBUG or env.bool("BENCH", default=False):
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "visitation.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body (CSRF reads the form).
    "visitation.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "visitation.middleware.RememberLanguageMiddleware",
    "visitation.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "visitation.urls"
WSGI_APPLICATION = "visitation.wsgi.application"

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
                "visitation.context_processors.site",
                "visitation.context_processors.console",
            ],
        },
    },
    {
        # Plain-text emails and subjects: no HTML escaping ("O'Brien", not "O&#x27;Brien").
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {"autoescape": False},
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue for the lock instead of failing; IMMEDIATE takes the write lock at
    # BEGIN so a read-check-write inside a transaction cannot be raced.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

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
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3
EMAIL_VERIFICATION_MAX_AGE = timedelta(days=3)

# Login throttling: five failures for one email from one address locks that pair out.
# Proxies in front of gunicorn that append to X-Forwarded-For (1 behind one load balancer):
# limits per network address then count the visitor's address, not the proxy's.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "visitation.addresses.client_address"
# Console staff add their authenticator within this many minutes of choosing a password
# through the emailed link (accounts.second_factor); the invitation email says so.
SECOND_FACTOR_ENROLMENT_MINUTES = 30
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The login forms post the email as "username" and pass it to authenticate() so; axes would
# otherwise look for "email" (the user model's USERNAME_FIELD) and never find a lockout.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.throttle.login_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
# Private files (identity photos and selfies, and visit recordings) are encrypted by the
# site (visitation/encryption.py) and stored in a folder on this machine, or in an
# S3-compatible bucket when PRIVATE_STORAGE_BUCKET is set. Neither has a URL: files are
# only ever served by a view that checks who is asking.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
PRIVATE_STORAGE_BUCKET = env.str("PRIVATE_STORAGE_BUCKET", default="")
if PRIVATE_STORAGE_BUCKET:
    PRIVATE_STORAGE = {
        "BACKEND": "visitation.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": PRIVATE_STORAGE_BUCKET,
            "endpoint_url": env.str("PRIVATE_STORAGE_ENDPOINT_URL", default="") or None,
            "region_name": env.str("PRIVATE_STORAGE_REGION", default="") or None,
            # Without keys, boto3 finds credentials itself (an instance or pod role).
            "access_key": env.str("PRIVATE_STORAGE_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("PRIVATE_STORAGE_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("PRIVATE_STORAGE_PREFIX", default=""),
        },
    }
else:
    PRIVATE_STORAGE = {"BACKEND": "visitation.storage.PrivateStorage"}
STORAGES = {
    "default": PRIVATE_STORAGE,
    "private": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "visitation.storage.StaticStorage"
        ),
    },
}
# DOCUMENT_KEYS: `id:base64key,...`, newest first; the first encrypts, every one decrypts.
# Production refuses to start without one; development keeps one in var/document-key.
try:
    DOCUMENT_KEYS = encryption.keys_parse(env.str("DOCUMENT_KEYS", default=""))
except ValueError as error:
    raise ImproperlyConfigured(str(error)) from None
if not DOCUMENT_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DOCUMENT_KEYS must be set when DEBUG is off: identity photos are stored "
            'encrypted with it. Make one with: python -c "from visitation.encryption import '
            "key_new; print(key_new('2026-01'))\" and keep it apart from the backups."
        )
    DOCUMENT_KEYS = encryption.keys_parse(encryption.development_key(VAR_DIR / "document-key"))
# Files stored in clear before encryption (a database from before it) are read while this
# is on; once `rotate_document_keys` has encrypted them all, turn it off, so that a file
# planted in clear in the bucket or the folder is refused like a changed one.
DOCUMENT_CLEAR_FILES_READABLE = env.bool("DOCUMENT_CLEAR_FILES_READABLE", default=True)
# Uploads above this are refused before they are read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
IDENTITY_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# New accounts made from one network address in an hour, at most (a lobby computer or a
# shared network makes several; a script making hundreds is stopped).
SIGNUPS_PER_ADDRESS_PER_HOUR = env.int("SIGNUPS_PER_ADDRESS_PER_HOUR", default=20)
# A request body larger than this is refused (413) before any of it is read: the largest
# form takes two photos. A proxy in front should refuse such bodies too.
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=2 * IDENTITY_UPLOAD_MAX_BYTES + 1_048_576)

# Email. Development: console and files under var/mail/ (visitation.mail.DevelopmentBackend).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="visitation.mail.DevelopmentBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Video Visits <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. With no broker configured, kombu's filesystem transport under var/celery/ lets the
# worker and beat run with no service installed.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _celery_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "control_folder": str(_celery_dir / "control"),
        "processed_folder": str(_celery_dir / "processed"),
        "store_processed": False,
    }
    for _sub in ("queue", "control", "processed"):
        (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A message a worker took but did not acknowledge goes back to the queue after this.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # With the broker down, a page that queues a task gives up at once instead of
        # retrying for seconds while the family waits; the outbox sweep sends it later.
        "max_retries": 0,
        "socket_connect_timeout": 2,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
# How long a sender holds an email (visitation.outbox): longer than a task may run.
OUTBOX_CLAIM_SECONDS = env.int("OUTBOX_CLAIM_SECONDS", default=300)
_visibility = CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout")
if not CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < OUTBOX_CLAIM_SECONDS:
    raise ImproperlyConfigured(
        "Need CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < OUTBOX_CLAIM_SECONDS, "
        "or a slow send could be claimed and sent a second time."
    )
if _visibility is not None and _visibility <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_TASK_TIME_LIMIT must be below CELERY_VISIBILITY_TIMEOUT, or the broker hands "
        "a running task to a second worker."
    )
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "visitation.tasks.outbox_sweep",
        "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=60.0),
    },
    # The 24-hour review rule (review.services.review_deadlines_enforce).
    "review-deadlines": {"task": "review.tasks.enforce_review_deadlines", "schedule": 300.0},
    # The 48-hour charge, 24-hour reminders and lapsed holds (scheduling.services).
    "visit-deadlines": {"task": "scheduling.tasks.visit_deadlines_enforce", "schedule": 60.0},
    # Sessions signed out while the shared cache was down (visitation.sessions).
    "session-cache-leftovers": {
        "task": "visitation.tasks.session_cache_leftovers_clear",
        "schedule": 60.0,
    },
}

# Security headers. Production values are set by DEBUG off and the variables below.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
# With a shared cache (CACHE_URL=redis://... in production) sessions are read from it
# before the database, and the site goes on without it when it is down (visitation.sessions).
# Without one they stay in the database only: a per-process cache would go on serving, in
# other processes, a session signed out in one.
CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL:
    CACHES = {"default": env.cache_url_config(CACHE_URL)}
    SESSION_ENGINE = "visitation.sessions"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer probes /healthz over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# One line per event on stdout, with the request id and user id (visitation.logging).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"()": "visitation.logging.LineFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
        }
    },
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # django-axes writes the email tried into its warnings: visitation.security logs
        # these events with the account id instead.
        "axes": {"level": "ERROR"},
        # 4xx lines would repeat the access line, with the raw path (tokens and all).
        "django.request": {"level": "ERROR"},
        # Celery's pool (billiard) logs a worker process that died here, unpropagated.
        "multiprocessing": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
    },
}

# Error tracking (Sentry), off unless SENTRY_DSN is set; sentry-sdk is then required.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from visitation.logging import error_tracking_init

    error_tracking_init(
        dsn=SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default="production")
    )

# Retention: identity photos are deleted this many days after the decision, and when the
# account is closed (accounts.services.identity_documents_purge), daily in beat.
IDENTITY_DOCUMENT_RETENTION_DAYS = env.int("IDENTITY_DOCUMENT_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["identity-documents-purge"] = {
    "task": "accounts.tasks.identity_documents_purge",
    "schedule": 24 * 60 * 60.0,
}

# Video visits (video/): Janus WebRTC servers. Each list holds one entry per server, in the
# same order; a facility uses the first unless JANUS_FACILITY_SERVERS names another
# (slug=index, counting from 0). JANUS_URL is the public API as the site reaches it (health
# checks), JANUS_ADMIN_URL its admin API (rooms; Janus serves it on loopback only), and
# JANUS_PUBLIC_URL the public API as browsers reach it.
JANUS_URL = env.list("JANUS_URL", default=["http://127.0.0.1:8088/janus"])
JANUS_ADMIN_URL = env.list("JANUS_ADMIN_URL", default=["http://127.0.0.1:7088/admin"])
JANUS_PUBLIC_URL = env.list("JANUS_PUBLIC_URL", default=JANUS_URL)
if not len(JANUS_URL) == len(JANUS_ADMIN_URL) == len(JANUS_PUBLIC_URL):
    raise ImproperlyConfigured(
        "JANUS_URL, JANUS_ADMIN_URL and JANUS_PUBLIC_URL need one entry per media server each."
    )
JANUS_FACILITY_SERVERS = env.dict("JANUS_FACILITY_SERVERS", cast={"value": int}, default={})


def _derived_secret(label: str) -> str:
    """A per-deployment secret made from SECRET_KEY when none is given: never a default
    anyone else knows, and the same in the site and in the Janus configuration it renders."""
    import hashlib
    import hmac

    return hmac.new(SECRET_KEY.encode(), f"janus:{label}".encode(), hashlib.sha256).hexdigest()


# Janus signs nothing itself: the site mints HMAC tokens with this secret (token_auth).
JANUS_TOKEN_SECRET = env.str("JANUS_TOKEN_SECRET", default="") or _derived_secret("token")
# Only a holder of the admin key can create rooms (VideoRoom admin_key).
JANUS_ADMIN_KEY = env.str("JANUS_ADMIN_KEY", default="") or _derived_secret("admin-key")
JANUS_ADMIN_SECRET = env.str("JANUS_ADMIN_SECRET", default="") or _derived_secret("admin")
JANUS_RTP_PORT_RANGE = env.str("JANUS_RTP_PORT_RANGE", default="20000-20200")
# Where `manage.py janus_run` serves the public API (the admin API is loopback only).
JANUS_HTTP_BIND = env.str("JANUS_HTTP_BIND", default="127.0.0.1")
JANUS_TIMEOUT_SECONDS = env.float("JANUS_TIMEOUT_SECONDS", default=3.0)
# TURN (coturn with use-auth-secret) for families behind strict NATs: turn:host:3478 and
# the shared secret; browsers get short-lived credentials. Empty: no TURN.
TURN_URLS = env.list("TURN_URLS", default=[])
TURN_SECRET = env.str("TURN_SECRET", default="")
# A visit's room opens this many minutes before its start; the join email goes 15 minutes
# before.
VISIT_ROOM_OPENS_MINUTES = env.int("VISIT_ROOM_OPENS_MINUTES", default=10)
VISIT_JOIN_EMAIL_MINUTES = 15
CELERY_BEAT_SCHEDULE["video-rooms"] = {
    "task": "video.tasks.rooms_tick",
    "schedule": env.float("VIDEO_ROOMS_TICK_SECONDS", default=20.0),
}

# Recordings (facilities that record visits): Janus writes each room's raw .mjr files to
# RECORDING_RAW_ROOT/<room> (Janus refuses folders under /var, so not there); the converted
# file goes to private storage. A facility keeps recordings RECORDING_RETENTION_DAYS by
# default (each facility may set its own). Conversion is tried this many times, then
# reported.
RECORDING_RAW_ROOT = Path(env.str("RECORDING_RAW_ROOT", default=str(VAR_DIR / "recordings-raw")))
RECORDING_RETENTION_DAYS = env.int("RECORDING_RETENTION_DAYS", default=30)
RECORDING_CONVERT_MAX_ATTEMPTS = env.int("RECORDING_CONVERT_MAX_ATTEMPTS", default=3)
RECORDING_CONVERT_TIMEOUT_SECONDS = env.int("RECORDING_CONVERT_TIMEOUT_SECONDS", default=1800)
CELERY_BEAT_SCHEDULE["video-recordings"] = {
    "task": "video.tasks.recordings_convert_due",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["video-recordings-purge"] = {
    "task": "video.tasks.recordings_purge",
    "schedule": 24 * 60 * 60.0,
}
