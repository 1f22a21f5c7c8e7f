"""Django settings, read from the environment; a bad value stops start-up with a clear message."""

from __future__ import annotations

import hashlib
import os
import re
import sys
from datetime import timedelta
from pathlib import Path

from atd.config.env import (
    SettingsError,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_networks,
    env_rate,
    keyring_from,
    secret_key_from_file,
)
from atd.matching.rules import REVIEW_THRESHOLD_PERMILLE

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("ATD_VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("ATD_DEBUG", False)
# Demo-only conveniences (printed TOTP codes, live simulation). Never set in production.
ATD_DEMO = env_bool("ATD_DEMO", False)
_testing = "pytest" in sys.modules or os.environ.get("ATD_TASKS_IMMEDIATE") == "1"
ATD_HTTPS = env_bool("ATD_HTTPS", not (DEBUG or ATD_DEMO or _testing))

SECRET_KEY = os.environ.get("ATD_SECRET_KEY") or secret_key_from_file(VAR_DIR / "secret_key")
if len(SECRET_KEY) < 50:
    raise SettingsError("ATD_SECRET_KEY must be at least 50 characters")

# The audit chain's HMAC keys (ADR 0013): outside the database, so its owner cannot rewrite the
# chain; rotatable (`atd audit rotate-key`), each entry stores the id of the key that signed it.
ATD_AUDIT_KEYS, ATD_AUDIT_KEY_ID = keyring_from(
    "ATD_AUDIT_KEYS", path=VAR_DIR / "audit_keys", current_id=os.environ.get("ATD_AUDIT_KEY_ID")
)
ATD_AUDIT_KEY_FILE = VAR_DIR / "audit_keys"
# Field encryption of sensitive data at rest (ADR 0021): AES-GCM keys, rotatable (`atd crypto
# rotate-key`; every ciphertext names its key, old keys keep decrypting), and the HMAC key of
# the blind indexes that exact lookups use. Outside the database, like the audit keys.
ATD_FIELD_KEYS, ATD_FIELD_KEY_ID = keyring_from(
    "ATD_FIELD_KEYS", path=VAR_DIR / "field_keys", current_id=os.environ.get("ATD_FIELD_KEY_ID")
)
ATD_FIELD_KEY_FILE = VAR_DIR / "field_keys"
ATD_INDEX_KEYS, ATD_INDEX_KEY_ID = keyring_from(
    "ATD_INDEX_KEYS", path=VAR_DIR / "index_keys", current_id=os.environ.get("ATD_INDEX_KEY_ID")
)
# Signed checkpoints of the chain head, appended outside the database (ideally a path on
# append-only or write-once storage) by the periodic job `core.audit_checkpoint`.
ATD_AUDIT_CHECKPOINT_PATH = Path(
    os.environ.get("ATD_AUDIT_CHECKPOINT_PATH") or VAR_DIR / "audit_checkpoints.jsonl"
)
ATD_AUDIT_CHECKPOINT_MINUTES = env_int("ATD_AUDIT_CHECKPOINT_MINUTES", 15, minimum=1)
# Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto / X-Forwarded-Host are believed
# (addresses or CIDR networks). Empty: no forwarded header is believed from anyone, and the
# audit log records the TCP peer. core.middleware.RequestContextMiddleware applies it.
ATD_TRUSTED_PROXIES = env_networks("ATD_TRUSTED_PROXIES", [])

ALLOWED_HOSTS = env_list("ATD_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("ATD_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "atd.core",
    "atd.people",
    "atd.court",
    "atd.supervision",
    "atd.devices",
    "atd.telemetry",
    "atd.checkins",
    "atd.scheduling",
    "atd.alerts",
    "atd.matching",
    "atd.reviews",
    "atd.reporting",
    "atd.portal",
    "atd.console",
    "atd.simulate",
]

MIDDLEWARE = [
    # First: decides which forwarded headers to believe before anything reads them.
    "atd.core.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "atd.core.bad_input.BadInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "atd.portal.middleware.ParticipantLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "atd.core.middleware.StaffMfaRequiredMiddleware",
    "atd.console.middleware.ViewerTimezoneMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "atd.config.urls"
WSGI_APPLICATION = "atd.config.wsgi.application"
ASGI_APPLICATION = "atd.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "src" / "atd" / "core" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "atd.core.context.site",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
_default_db = f"sqlite:///{VAR_DIR / 'atd.sqlite3'}"
DATABASES = {
    "default": database_from_url(os.environ.get("DATABASE_URL") or _default_db, base_dir=BASE_DIR)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server, the worker and the simulator read while one writes;
        # IMMEDIATE avoids the "database is locked" upgrade deadlock between writers.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# Each checkout gets its own test database so parallel runs on one server do not collide.
_checkout = hashlib.sha1(str(BASE_DIR).encode(), usedforsecurity=False).hexdigest()[:8]
DATABASES["default"]["TEST"] = {"NAME": f"test_atd_{_checkout}"}
# The same short id names this checkout's demo broker identity (MQTT client id, share group,
# topic root), so two checkouts on one machine never take each other's session or messages.
ATD_CHECKOUT_ID = _checkout
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_{_checkout}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
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
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "atd.core.auth_adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or ATD_DEMO
MFA_TOTP_ISSUER = "atd"

AXES_FAILURE_LIMIT = env_int("ATD_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ATD_LOCKOUT_COOLOFF_MINUTES", 15, minimum=1))
# Lock an (account name, address) pair after N failures: never the name alone (anyone could
# lock any account by its name) and never an address alone (one office's NAT would lock out
# its colleagues). Failures for one name from many addresses raise an alert to admins instead
# (core.auth_adapter.account_name_attack, alerts kind login_attack).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
ATD_LOCKOUT_NAME_ALERT_FAILURES = env_int(
    "ATD_LOCKOUT_NAME_ALERT_FAILURES", 2 * AXES_FAILURE_LIMIT, minimum=2
)
ATD_LOCKOUT_NAME_ALERT_ADDRESSES = env_int("ATD_LOCKOUT_NAME_ALERT_ADDRESSES", 3, minimum=2)
# allauth's own sign-in limits: per address only, and high enough for an office signing in
# at 9 a.m. behind one address (its default also locks a name for 5 minutes after 5 failures
# from anywhere, and an address after 10 failures a minute).
ACCOUNT_RATE_LIMITS = {
    "login": env_rate("ATD_LOGIN_RATE_PER_IP", "300/m/ip"),
    "login_failed": env_rate("ATD_LOGIN_FAILED_RATE_PER_IP", "60/m/ip"),
}
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "atd.core.auth_adapter.lockout_username"
AXES_VERBOSE = False
# The client address is REMOTE_ADDR as RequestContextMiddleware resolved it (through trusted
# proxies only); never a forwarded header read directly.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
AXES_LOCKOUT_CALLABLE = "atd.core.auth_adapter.lockout_response"

SESSION_COOKIE_AGE = env_int("ATD_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age is an inactivity timeout, not an absolute one
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False

if ATD_HTTPS:
    SECURE_SSL_REDIRECT = env_bool("ATD_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- i18n -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("pt", "Português"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "src" / "atd" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- tasks ----------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if _testing
        else "django_tasks_db.DatabaseBackend",
        "QUEUES": ["paging", "default", "batch", "telemetry", "notifications"],
    }
}
# The job system (ADR 0015): a running job's lease, retries, backoff base, ticker period.
ATD_JOB_LEASE_SECONDS = env_int("ATD_JOB_LEASE_SECONDS", 60, minimum=2)
ATD_JOB_ATTEMPTS = env_int("ATD_JOB_ATTEMPTS", 3, minimum=1)
ATD_JOB_BACKOFF_SECONDS = env_int("ATD_JOB_BACKOFF_SECONDS", 10)
ATD_JOB_TICK_SECONDS = float(os.environ.get("ATD_JOB_TICK_SECONDS", "1.0"))

if _testing:
    # Argon2 is deliberately slow; the suite builds hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- email ----------------------------------------------------------------
# ATD_EMAIL_HOST switches to SMTP (Django's backend) unless ATD_EMAIL_BACKEND names another.
ATD_EMAIL_HOST = os.environ.get("ATD_EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "ATD_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if ATD_EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = ATD_EMAIL_HOST or "localhost"
EMAIL_PORT = env_int("ATD_EMAIL_PORT", 587 if ATD_EMAIL_HOST else 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("ATD_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("ATD_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ATD_EMAIL_TLS", bool(ATD_EMAIL_HOST))
EMAIL_TIMEOUT = env_int("ATD_EMAIL_TIMEOUT_S", 10, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("ATD_FROM_EMAIL", "atd@localhost")

# --- logging --------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"forbidden_one_line": {"()": "atd.core.log_filters.ForbiddenOneLine"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["forbidden_one_line"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("ATD_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # aiosmtpd (the demo outbox's SMTP server) logs every SMTP command at INFO.
        "mail.log": {"level": "WARNING"},
    },
}

# --- atd domain settings --------------------------------------------------
# OIG found single addresses reused by 20 to 500 released people; above this count an
# address is flagged as shared (flagged, never rejected).
ATD_ADDRESS_SHARED_THRESHOLD = env_int("ATD_ADDRESS_SHARED_THRESHOLD", 5, minimum=2)
ATD_API_MAX_PAGE_SIZE = env_int("ATD_API_MAX_PAGE_SIZE", 200, minimum=10)
ATD_INTAKE_MAX_ROWS = env_int("ATD_INTAKE_MAX_ROWS", 50_000, minimum=1)
# The one cap on an uploaded release file or booking feed (core/uploads.py): 50 MiB.
ATD_UPLOAD_MAX_BYTES = env_int("ATD_UPLOAD_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
ATD_REPORT_BY_DAYS = env_int("ATD_REPORT_BY_DAYS", 60, minimum=1)
# The OsmAnd door's address as a phone on the internet reaches it, put in the phone-tracking
# enrolment QR (e.g. https://atd.example.org/api/telemetry/osmand). Unset: the console's own
# address + /api/telemetry/osmand (right when phones and officers reach the same host).
ATD_TRACKER_URL = os.environ.get("ATD_TRACKER_URL", "")
ATD_MQTT_URL = os.environ.get("ATD_MQTT_URL", "mqtt://127.0.0.1:1883")
ATD_MAP_TILE_URL = os.environ.get("ATD_MAP_TILE_URL", "")

# --- checkins ---
# A window opens this many days before the due date and closes at the end of this many days
# after it (office local time).
ATD_CHECKIN_GRACE_BEFORE_DAYS = env_int("ATD_CHECKIN_GRACE_BEFORE_DAYS", 2, minimum=0)
ATD_CHECKIN_GRACE_AFTER_DAYS = env_int("ATD_CHECKIN_GRACE_AFTER_DAYS", 2, minimum=0)
# Windows are generated this far ahead, and missed ones caught up this far back after downtime.
ATD_CHECKIN_HORIZON_DAYS = env_int("ATD_CHECKIN_HORIZON_DAYS", 35, minimum=1)
ATD_CHECKIN_CATCHUP_DAYS = env_int("ATD_CHECKIN_CATCHUP_DAYS", 120, minimum=1)
# A fix worse than this (metres) stores the check-in as location unverified.
ATD_CHECKIN_MAX_ACCURACY_M = env_int("ATD_CHECKIN_MAX_ACCURACY_M", 150, minimum=1)
# A fix older than this relative to the check-in is stale (unverified).
ATD_CHECKIN_MAX_FIX_AGE_MINUTES = env_int("ATD_CHECKIN_MAX_FIX_AGE_MINUTES", 10, minimum=1)
# Faster than this between two known positions is flagged as implausible travel.
ATD_CHECKIN_MAX_SPEED_KMH = env_int("ATD_CHECKIN_MAX_SPEED_KMH", 900, minimum=10)
ATD_CHECKIN_PHOTO_MAX_BYTES = env_int("ATD_CHECKIN_PHOTO_MAX_BYTES", 3_000_000, minimum=10_000)
# Identity review photos (check-in photos, replaced enrolment photos) are purged this many days
# after their review (or receipt, if never reviewed), unless evidence holds them (docs/checkins.md).
ATD_IDENTITY_PHOTO_RETENTION_DAYS = env_int("ATD_IDENTITY_PHOTO_RETENTION_DAYS", 90, minimum=1)
# --- scheduling ---
# Check-ins are bookable from GRACE_BEFORE days before their due date and late after
# GRACE_AFTER days; the scheduler books what falls due in the next HORIZON days, into a
# calendar CALENDAR_DAYS long (a badly under-capacity office books years ahead).
ATD_SCHEDULING_GRACE_BEFORE_DAYS = env_int("ATD_SCHEDULING_GRACE_BEFORE_DAYS", 7, minimum=0)
ATD_SCHEDULING_GRACE_AFTER_DAYS = env_int("ATD_SCHEDULING_GRACE_AFTER_DAYS", 7, minimum=0)
ATD_SCHEDULING_HORIZON_DAYS = env_int("ATD_SCHEDULING_HORIZON_DAYS", 365, minimum=1)
ATD_SCHEDULING_CALENDAR_DAYS = env_int("ATD_SCHEDULING_CALENDAR_DAYS", 365 * 12, minimum=30)
# Offices the scheduler books at once on PostgreSQL, one connection each (2 cores here).
ATD_SCHEDULING_WORKERS = env_int("ATD_SCHEDULING_WORKERS", 2, minimum=1)
# Capacity of an office with no capacity row of its own.
ATD_SCHEDULING_DEFAULT_SLOTS_PER_STAFF_DAY = env_int(
    "ATD_SCHEDULING_DEFAULT_SLOTS_PER_STAFF_DAY", 16, minimum=0
)
ATD_SCHEDULING_DEFAULT_STAFF = env_int("ATD_SCHEDULING_DEFAULT_STAFF", 2, minimum=0)
# --- alerts ---
# Severity per alert kind over the defaults in alerts/rules.py, e.g. "battery_low=high".
ATD_ALERT_SEVERITY = os.environ.get("ATD_ALERT_SEVERITY", "")
# Acknowledgement SLA minutes per severity, e.g. "critical=15,high=240,medium=1440,low=4320".
ATD_ALERT_ACK_SLA_MINUTES = os.environ.get("ATD_ALERT_ACK_SLA_MINUTES", "")
# Agency system that receives every new alert as a signed JSON POST (empty: off).
ATD_ALERT_WEBHOOK_URL = os.environ.get("ATD_ALERT_WEBHOOK_URL", "")
ATD_ALERT_WEBHOOK_SECRET = os.environ.get("ATD_ALERT_WEBHOOK_SECRET", "")
ATD_NOTIFY_MAX_ATTEMPTS = env_int("ATD_NOTIFY_MAX_ATTEMPTS", 4, minimum=1)
# SMS gateway: "console" (prints, for development), "http" (a provider's REST API: form POST
# with basic auth, message id back, signed status callbacks; see docs/alerts.md) or a dotted
# path to a gateway class.
ATD_SMS_GATEWAY = os.environ.get("ATD_SMS_GATEWAY", "console")
ATD_SMS_URL = os.environ.get("ATD_SMS_URL", "")  # the provider's "send a message" URL
ATD_SMS_ACCOUNT = os.environ.get("ATD_SMS_ACCOUNT", "")  # basic-auth user (account id)
ATD_SMS_TOKEN = os.environ.get("ATD_SMS_TOKEN", "")  # basic-auth password; signs callbacks
ATD_SMS_FROM = os.environ.get("ATD_SMS_FROM", "")  # the program's sending number (E.164)
# The public base URL the provider calls back (status and replies), e.g. https://atd.example.gov
ATD_SMS_CALLBACK_BASE = os.environ.get("ATD_SMS_CALLBACK_BASE", "").rstrip("/")
# The header that carries the provider's callback signature (the most common provider's name).
ATD_SMS_SIGNATURE_HEADER = os.environ.get("ATD_SMS_SIGNATURE_HEADER", "X-Twilio-Signature")
ATD_SMS_TIMEOUT_S = env_int("ATD_SMS_TIMEOUT_S", 10, minimum=1)
# Numbers without a country code are read in this region (ISO 3166 code).
ATD_SMS_DEFAULT_REGION = os.environ.get("ATD_SMS_DEFAULT_REGION", "US")
if ATD_SMS_GATEWAY == "http":
    for _name in ("ATD_SMS_URL", "ATD_SMS_ACCOUNT", "ATD_SMS_TOKEN", "ATD_SMS_FROM"):
        if not globals()[_name]:
            raise SettingsError(f"ATD_SMS_GATEWAY=http needs {_name}")
    if not ATD_SMS_URL.startswith(("https://", "http://")):
        raise SettingsError("ATD_SMS_URL must be an http(s) URL")
# Quiet hours, local to the participant's office: non-urgent texts wait until they end
# (docs/alerts.md names the exempt messages). "off" turns them off.
ATD_QUIET_HOURS = os.environ.get("ATD_QUIET_HOURS", "21:00-08:00")
if ATD_QUIET_HOURS.strip().lower() not in ("", "off", "none") and not re.fullmatch(
    r"\s*([01][0-9]|2[0-3]):[0-5][0-9]\s*-\s*([01][0-9]|2[0-3]):[0-5][0-9]\s*", ATD_QUIET_HOURS
):
    raise SettingsError("ATD_QUIET_HOURS must look like 21:00-08:00 (or off)")
# Hours before a check-in window closes when the participant is reminded (if not checked in).
ATD_CHECKIN_CLOSING_REMINDER_HOURS = env_int("ATD_CHECKIN_CLOSING_REMINDER_HOURS", 4, minimum=1)
# Where `atd demo`'s local SMS provider and SMTP server write what they received (the console's
# Demo outbox reads it); empty outside the demo.
ATD_DEMO_OUTBOX = os.environ.get("ATD_DEMO_OUTBOX", "")

# --- console ---
# Seconds between the dashboard's and the queue's live refreshes.
ATD_CONSOLE_POLL_SECONDS = env_int("ATD_CONSOLE_POLL_SECONDS", 5, minimum=1)
# Participants' names opened from their sealed text, kept per web process keyed by that text
# (people.name_cache: the fleet map names a whole office every poll). ~400 bytes an entry
# (the sealed texts are its key): 50,000 is ~20 MB a process, five offices of 10,000; 0 = off.
ATD_NAME_CACHE_ENTRIES = env_int("ATD_NAME_CACHE_ENTRIES", 50_000, minimum=0)
# --- court / reviews / reporting ---
# Days a notice may stay unserved after issue before the notice-not-served alert.
ATD_COURT_NOTICE_SERVICE_DAYS = env_int("ATD_COURT_NOTICE_SERVICE_DAYS", 30, minimum=1)
# Days an officer has to decide a review request before it escalates; days to appeal a denial;
# days a supervisor has to decide an appeal; compliant days before a step-down is proposed.
ATD_REVIEW_DECISION_DAYS = env_int("ATD_REVIEW_DECISION_DAYS", 14, minimum=1)
ATD_REVIEW_APPEAL_DAYS = env_int("ATD_REVIEW_APPEAL_DAYS", 30, minimum=1)
ATD_REVIEW_APPEAL_DECISION_DAYS = env_int("ATD_REVIEW_APPEAL_DECISION_DAYS", 14, minimum=1)
ATD_REVIEW_COMPLIANT_DAYS = env_int("ATD_REVIEW_COMPLIANT_DAYS", 90, minimum=1)
ATD_REVIEW_END_MONITORING_DAYS = env_int("ATD_REVIEW_END_MONITORING_DAYS", 180, minimum=1)
# A participant's departure request: the officer contacts them within this many days (issue 19).
ATD_DEPARTURE_TASK_DAYS = env_int("ATD_DEPARTURE_TASK_DAYS", 3, minimum=1)
# Days before the as-of date in which a missed hearing counts as a missed obligation.
ATD_REPORT_MISSED_WINDOW_DAYS = env_int("ATD_REPORT_MISSED_WINDOW_DAYS", 90, minimum=1)
# Memory for the cohort status report's one big aggregate (PostgreSQL SET LOCAL work_mem).
ATD_REPORT_WORK_MEM_MB = env_int("ATD_REPORT_WORK_MEM_MB", 256, minimum=4)
# --- matching ---
# Pairs scoring at or above this match probability (per mille) enter the review queue.
ATD_MATCHING_REVIEW_THRESHOLD = (
    env_int("ATD_MATCHING_REVIEW_THRESHOLD_PERMILLE", REVIEW_THRESHOLD_PERMILLE, minimum=1) / 1000
)
# A new enrollment is matched against bookings received in the last N days.
ATD_MATCHING_RECENT_FEED_DAYS = env_int("ATD_MATCHING_RECENT_FEED_DAYS", 3650, minimum=1)
# Confirming a match needs a login / re-authentication within the last N minutes.
ATD_MATCHING_FRESH_AUTH_MINUTES = env_int("ATD_MATCHING_FRESH_AUTH_MINUTES", 15, minimum=1)
ATD_MATCHING_FEED_MAX_ROWS = env_int("ATD_MATCHING_FEED_MAX_ROWS", 200_000, minimum=1)
ATD_MATCHING_U_MAX_PAIRS = env_int("ATD_MATCHING_U_MAX_PAIRS", 2_000_000, minimum=10_000)
# A wide blocking rule (two errors at once) runs when it produces at most this many pairs.
ATD_MATCHING_WIDE_BLOCK_MAX_PAIRS = env_int(
    "ATD_MATCHING_WIDE_BLOCK_MAX_PAIRS", 2_000_000, minimum=0
)
# ... and at most this many per booking on average (a rule comparing every booking with
# hundreds of people is a scan, not a block). 0 turns this limit off.
# Connections that read a feed batch's blocking keys at once (PostgreSQL; 1: one connection).
ATD_MATCHING_KEY_READERS = env_int("ATD_MATCHING_KEY_READERS", 4, minimum=1)
ATD_MATCHING_WIDE_BLOCK_PAIRS_PER_BOOKING = env_int(
    "ATD_MATCHING_WIDE_BLOCK_PAIRS_PER_BOOKING", 200, minimum=0
)
# A booking is not blocked by a rule whose key it shares with more than this many enrolled
# names (a city + street name, one date of birth, a common name in one city: a crowd, not a
# block; matching/linkage/blocking.py KeyCaps): core rules with a name or a date, wide rules,
# core rules on the address alone. 0 turns a cap off.
ATD_MATCHING_BLOCK_KEY_MAX_ROWS = env_int("ATD_MATCHING_BLOCK_KEY_MAX_ROWS", 100, minimum=0)
ATD_MATCHING_WIDE_BLOCK_KEY_MAX_ROWS = env_int(
    "ATD_MATCHING_WIDE_BLOCK_KEY_MAX_ROWS", 300, minimum=0
)
ATD_MATCHING_ADDRESS_BLOCK_KEY_MAX_ROWS = env_int(
    "ATD_MATCHING_ADDRESS_BLOCK_KEY_MAX_ROWS", 1000, minimum=0
)
# Linkage backend: "duckdb" (in-process, default) or "spark" (pyspark, local mode).
ATD_MATCHING_BACKEND = os.environ.get("ATD_MATCHING_BACKEND", "duckdb")
# Where the Spark backend runs: "local[N]" (one machine, the default) or a cluster master URL
# such as spark://10.0.0.5:7077 (docs/operations.md says when to switch and how to size it).
ATD_SPARK_MASTER = os.environ.get("ATD_SPARK_MASTER", "local[2]")
if not ATD_SPARK_MASTER.startswith(("local", "spark://", "yarn", "k8s://")):
    raise SettingsError("ATD_SPARK_MASTER must be local[N], spark://HOST:PORT, yarn or k8s://...")
if ATD_MATCHING_BACKEND not in ("duckdb", "spark"):
    raise SettingsError("ATD_MATCHING_BACKEND must be duckdb or spark")
# --- telemetry ---
# Ingest limits, detector thresholds and retention (docs/telemetry.md explains each).
ATD_TELEMETRY_MAX_BATCH = env_int("ATD_TELEMETRY_MAX_BATCH", 10_000, minimum=1)
# The telemetry doors' own body limit, sized to the largest legal batch (1 KiB a record: a
# plain fix is ~250 bytes); Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) stays for the rest.
ATD_TELEMETRY_MAX_BODY_BYTES = env_int(
    "ATD_TELEMETRY_MAX_BODY_BYTES", ATD_TELEMETRY_MAX_BATCH * 1024, minimum=1024
)
ATD_TELEMETRY_MAX_DEPTH = env_int("ATD_TELEMETRY_MAX_DEPTH", 8, minimum=1)  # in `attributes`
# An MQTT message that has failed this many attempts is parked as a dead letter and acked.
ATD_MQTT_MAX_ATTEMPTS = env_int("ATD_MQTT_MAX_ATTEMPTS", 5, minimum=2)
ATD_MQTT_TOPIC_ROOT = os.environ.get("ATD_MQTT_TOPIC_ROOT", "atd/devices")
ATD_TELEMETRY_FUTURE_TOLERANCE_S = env_int("ATD_TELEMETRY_FUTURE_TOLERANCE_S", 300, minimum=0)
ATD_TELEMETRY_MAX_AGE_DAYS = env_int("ATD_TELEMETRY_MAX_AGE_DAYS", 30, minimum=1)
ATD_TELEMETRY_RETENTION_DAYS = env_int("ATD_TELEMETRY_RETENTION_DAYS", 30, minimum=1)
ATD_TELEMETRY_MAX_SPEED_KMH = env_int("ATD_TELEMETRY_MAX_SPEED_KMH", 250, minimum=10)
ATD_ZONE_PERSIST_FIXES = env_int("ATD_ZONE_PERSIST_FIXES", 3, minimum=1)
ATD_ZONE_PERSIST_MINUTES = env_int("ATD_ZONE_PERSIST_MINUTES", 5, minimum=0)
ATD_BATTERY_LOW_PCT = env_int("ATD_BATTERY_LOW_PCT", 20, minimum=1)
ATD_BATTERY_CRITICAL_PCT = env_int("ATD_BATTERY_CRITICAL_PCT", 5, minimum=0)
ATD_NO_SIGNAL_MINUTES_GPS_ANKLE = env_int("ATD_NO_SIGNAL_MINUTES_GPS_ANKLE", 30, minimum=1)
ATD_NO_SIGNAL_MINUTES_WRIST = env_int("ATD_NO_SIGNAL_MINUTES_WRIST", 60, minimum=1)
ATD_NO_SIGNAL_MINUTES_SMARTPHONE = env_int("ATD_NO_SIGNAL_MINUTES_SMARTPHONE", 240, minimum=1)
# Device kinds whose silences are sorted into technical and not (checkins' graduated response,
# docs/checkins.md) instead of paging at once; ankle monitors keep the plain no-signal alert.
ATD_SILENCE_CLASSIFIED_KINDS = env_list("ATD_SILENCE_CLASSIFIED_KINDS", ["smartphone", "wrist"])
# The OsmAnd door's address as a phone on the internet reaches it, put in the phone-tracking
# enrolment QR (e.g. https://atd.example.org/api/telemetry/osmand). Unset: the console's own
# address + /api/telemetry/osmand (right when phones and officers reach the same host).
ATD_TRACKER_URL = os.environ.get("ATD_TRACKER_URL", "")
ATD_MQTT_URL = os.environ.get("ATD_MQTT_URL", "mqtt://127.0.0.1:1883")
ATD_MQTT_SHARE_GROUP = os.environ.get("ATD_MQTT_SHARE_GROUP", "atd")
ATD_MQTT_BATCH = env_int("ATD_MQTT_BATCH", 500, minimum=1)
# The durable device log (docs/telemetry.md, ADR 0016). Unset: the doors run the pipeline
# in-process (the embedded default). Set (nats://host:4222[,nats://...]): doors append to a
# JetStream stream and `atd ingest log` workers drain it into the database.
ATD_NATS_URL = os.environ.get("ATD_NATS_URL", "")
ATD_NATS_STREAM = os.environ.get("ATD_NATS_STREAM", "ATD_TELEMETRY")
ATD_NATS_SUBJECT = os.environ.get("ATD_NATS_SUBJECT", "atd.telemetry")
ATD_NATS_PARTITIONS = env_int("ATD_NATS_PARTITIONS", 16, minimum=1)
ATD_NATS_REPLICAS = env_int("ATD_NATS_REPLICAS", 1, minimum=1)
ATD_NATS_DEDUP_WINDOW_S = env_int("ATD_NATS_DEDUP_WINDOW_S", 600, minimum=1)
ATD_NATS_ACK_WAIT_S = env_int("ATD_NATS_ACK_WAIT_S", 60, minimum=1)
ATD_NATS_MAX_BYTES = env_int("ATD_NATS_MAX_BYTES", 8 * 1024**3, minimum=1024**2)
# A device-log append not acknowledged within this many seconds is refused (503 at the door,
# retried by the bridge); one cut off by a lost connection is refused at once.
ATD_NATS_APPEND_TIMEOUT_S = env_int("ATD_NATS_APPEND_TIMEOUT_S", 2, minimum=1)
ATD_DOOR_AUTH_CACHE_S = env_int("ATD_DOOR_AUTH_CACHE_S", 30, minimum=0)
# Group commit in the lean door: requests arriving within this many milliseconds (or until
# ATD_DOOR_PACK_MAX are waiting) share one append per partition (docs/telemetry.md).
ATD_DOOR_PACK_WINDOW_MS = env_int("ATD_DOOR_PACK_WINDOW_MS", 2, minimum=0)
ATD_DOOR_PACK_MAX = env_int("ATD_DOOR_PACK_MAX", 256, minimum=1)
# At most this many group-commit flushes in flight per door process (0: no limit); members
# arriving meanwhile are flushed together when one returns, so packs grow with the load.
ATD_DOOR_PACK_INFLIGHT = env_int("ATD_DOOR_PACK_INFLIGHT", 2, minimum=0)
# `atd ingest log`: once a fetch brought messages, wait this long for more before the
# transaction (fewer, larger batches; a fix is stored that much later).
ATD_INGEST_LINGER_MS = env_int("ATD_INGEST_LINGER_MS", 150, minimum=0)
ATD_TELEMETRY_ZONE_CACHE_S = env_int(
    "ATD_TELEMETRY_ZONE_CACHE_S", 0 if _testing else 900, minimum=0
)
