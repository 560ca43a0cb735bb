"""Settings from environment variables: embedded SQLite by default, PostgreSQL/Redis when asked.

Variables:
- ``AUTOVITRINE_ENV``: ``development`` (default) or ``production`` (secure defaults, secret required).
- ``DATABASE_URL``: e.g. ``postgres://postgres@127.0.0.1:5432/autovitrine``; default: SQLite in ``var/``.
- ``REDIS_URL``: e.g. ``redis://127.0.0.1:6379/0``; enables the shared cache and rate limits.
- ``SECRET_KEY``, ``ALLOWED_HOSTS`` (comma separated), ``DJANGO_DEBUG`` (``1``/``0``).
- ``EMAIL_URL``-like knobs are kept simple: ``EMAIL_BACKEND`` and ``EMAIL_FILE_PATH``.
- ``TASKS_BACKEND``: a django-tasks backend path (default: the database backend).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent  # src/autovitrine
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("AUTOVITRINE_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = os.environ.get("AUTOVITRINE_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"

if PRODUCTION:
    SECRET_KEY = os.environ["SECRET_KEY"]
else:
    SECRET_KEY = os.environ.get(
        "SECRET_KEY", "dev-only-insecure-key-0123456789-autovitrine-embedded-default-demo"
    )

DEBUG = env_bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver,[::1]"
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "autovitrine.core",
    "autovitrine.accounts",
    "autovitrine.catalog",
    "autovitrine.dealers",
    "autovitrine.inventory",
    "autovitrine.leads",
    "autovitrine.configurator",
    "autovitrine.payments",
    "autovitrine.tradein",
    "autovitrine.orders",
    "autovitrine.pricing",
    "autovitrine.flashsales",
    "autovitrine.production",
    "autovitrine.workshop",
    "autovitrine.parts",
    "autovitrine.community",
    "autovitrine.web",
    "autovitrine.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "autovitrine.core.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "autovitrine.core.hostile_input.HostileInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "autovitrine.config.urls"
ASGI_APPLICATION = "autovitrine.config.asgi.application"

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
                "autovitrine.web.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'autovitrine.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue up (busy timeout) instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # A pooled connection is checked as it leaves the pool (``ConnectionPool.check_connection``):
    # those that died with a restarted server are replaced instead of failing their request.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # One connection pool per worker process: under ASGI each request runs on a thread of its own,
    # which would otherwise open (then close) a connection of its own, ~5 ms each time.
    DATABASES["default"]["OPTIONS"] = {
        # Short queries only: JIT compilation cost up to 250 ms on a stock search; an SSD's random
        # reads cost little more than sequential ones, so covering indexes get chosen.
        "options": "-c jit=off -c random_page_cost=1.1",
        # PostgreSQL stopped or unreachable (issue #11, defect 7): a request gives up within a few
        # seconds (connecting, then waiting for a pooled connection) instead of hanging.
        "connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "3")),
        "pool": {
            "min_size": 2,
            "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "16")),
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "4")),
        },
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared when Redis is configured) ------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Every key this deployment writes in Redis (cache, waiting room) starts with "<prefix>:", so two
# deployments, or two test workers, can share one Redis database without touching each other.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", os.environ.get("CACHE_KEY_PREFIX", "av"))
# A live tracking stream ends after this long; the browser reconnects at once with Last-Event-ID
# (spreads long connections over restarted or added workers behind the load balancer).
PRODUCTION_STREAM_MAX_SECONDS = float(os.environ.get("PRODUCTION_STREAM_MAX_SECONDS", "600"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "autovitrine.core.redis_cache.SharedPoolRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
            # One pool per process (``core.redis_cache``): a thread finding every connection busy
            # waits for one (redis-py's plain pool refuses past 100: MaxConnectionsError).
            "OPTIONS": {
                "pool_class": "redis.BlockingConnectionPool",
                "max_connections": int(os.environ.get("REDIS_CACHE_MAX_CONNECTIONS", "64")),
                "timeout": 10,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The database holds sessions; the cache only speeds them up (a Redis outage keeps buyers in).
SESSION_ENGINE = "autovitrine.core.sessions"

# --- Background tasks -----------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling: 5 failures per (e-mail, IP) lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "autovitrine.core.clientip.rate_limit_address"

# --- I18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Buyers' documents (insurance, registration certificates): outside MEDIA_ROOT, so never
    # served as files; a view checks who asks first (production.views.handover_document).
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Front-end libraries come from the npm registry at install time (package.json), never the repo.
STATICFILES_DIRS = [("vendor/chart.js", PROJECT_DIR / "node_modules" / "chart.js" / "dist")]
WHITENOISE_USE_FINDERS = not PRODUCTION
# Request bodies (docs/security.md). Anything larger is a 413 before it is read
# (autovitrine.core.hostile_input): a form without files, or the non-file part of an upload, up
# to 11 MB (a 10 MB product-data file pasted in the admin); an upload up to 20 photos of 5 MB;
# an API body (webhooks included) up to 256 KB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 11 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_REQUEST_BYTES = 20 * MAX_PHOTO_BYTES + 1024 * 1024
MAX_API_BODY_BYTES = 256 * 1024
# Images are refused above these before their pixels are decoded (core/images.py; also
# Pillow's own MAX_IMAGE_PIXELS): 40 megapixels, 8000 pixels a side.
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_SIDE = 8000

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "AutoVitrine <ne-pas-repondre@autovitrine.fr>"
)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag anyway
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# A 429 that no counted limit explains (a lockout, say) tells the client to wait this long.
RATE_LIMIT_RETRY_AFTER_SECONDS = 60
# Only the site's own scripts, styles and images (htmx and chart.js are served from static, no
# inline script or <style>); style="" attributes stay allowed for the few computed ones (a colour
# swatch). The payment provider's hosted page is reached by a redirect after a form post, which
# form-action governs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", "https://checkout.stripe.com"],
    }
}

# Reverse proxies / load balancers whose X-Forwarded-For is believed (CIDR list, e.g.
# "10.0.0.0/8,127.0.0.1/32"); empty: the socket's peer is the client.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

# --- Payments -------------------------------------------------------------------------------
# Production takes real money only: PAYMENT_PROVIDER=stripe with its two secrets. The simulator
# (a "Payer" button that marks a deposit paid) runs in production only on a staging site that
# says so twice (PAYMENT_PROVIDER=simulated and ALLOW_SIMULATED_PAYMENTS=true); otherwise its
# URLs are not mounted, the server refuses to start and `check --deploy` reports an error.
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "" if PRODUCTION else "simulated")
ALLOW_SIMULATED_PAYMENTS = env_bool("ALLOW_SIMULATED_PAYMENTS", default=not PRODUCTION)
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "https://api.stripe.com")

# --- Project --------------------------------------------------------------------------------
SITE_NAME = "AutoVitrine"
# Absolute base for links printed outside a request (QR codes, e-mails).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
VAT_RATE_BASIS_POINTS = 2000  # 20 % French standard rate (CGI art. 278); see core.money

# The brand's identity, shown with the delivering dealer's on checkout pages and order forms
# (Code de la consommation L221-5, L111-1); each dealer's own is data on the dealer.
SELLER_BRAND = {
    "company_name": "AutoVitrine Distribution SAS",
    "legal_form": "SAS",
    "share_capital_eur": 1_000_000,
    "rcs": "RCS Lyon 000 000 000",
    "address": "1 place Bellecour, 69002 Lyon",
    "vat_number": "FR00000000000",
}
# The consumer mediator (L616-1 Code de la consommation) of a dealer that names none of its own
# (``Dealer.mediator_*``): the car trade's listed mediator (ex-CNPA, named Médiateur de Mobilians
# since 2022, per mediateur-mobilians.fr), competent only for Mobilians members. Its postal
# address was not found with the search tool: the website is the coordinate given until it is
# set here; a placeholder is never printed.
CONSUMER_MEDIATOR = {
    "name": "Médiateur de Mobilians",
    "address": os.environ.get("CONSUMER_MEDIATOR_ADDRESS", ""),
    "url": "https://www.mediateur-mobilians.fr",
}
# Whether the seller collects the registration taxes (malus, carte grise) with the price; if
# not, they are lines of their own outside the contract total.
ORDER_REGISTRATION_COLLECTED_BY_SELLER = True
# Credit: what the financing simulator opens with and every representative example (L312-6
# Code de la consommation) uses: duration, down payment, the brand's borrowing rate (percent),
# the borrower insurance the lender usually offers (percent of the amount financed per year)
# and whether it is required (then it counts in the TAEG). See pricing/financing.py.
CREDIT_DEFAULTS = {
    "months": 48,
    "down_payment_pct": 20,
    "rate": "4.90",
    "insurance_pct_per_year": "0.30",
    "insurance_required": False,
}
# Flash sales: the waiting room's anti-robot proof of work (16 bits ≈ one second on a phone).
FLASH_SALE_POW_DIFFICULTY_BITS = int(os.environ.get("FLASH_SALE_POW_DIFFICULTY_BITS", "16"))

# The server: requests inside Django at once per process (core/request_gate.py); the others wait
# on the event loop, and when they wait, the views that finish a purchase under way go first.
REQUESTS_IN_DJANGO_PER_PROCESS = int(os.environ.get("REQUESTS_IN_DJANGO_PER_PROCESS", "8"))
FIRST_SERVED_VIEWS = frozenset(
    {
        "api:payments_webhook",  # money arriving
        "flashsales:claim",
        "flashsales:hold",
        "flashsales:hold_dealer",
        "flashsales:pay",
        "flashsales:order",
        "orders:pay_deposit",
        "orders:payment_return",
    }
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusal_one_line": {"()": "autovitrine.core.logging.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Django's request logger and its security loggers (one per suspicious operation, e.g. a
    # forged Host header): a 4xx is one line (no traceback), a 5xx keeps its traceback.
    "loggers": {
        name: {"filters": ["refusal_one_line"]}
        for name in (
            "django.request",
            *(
                f"django.security.{operation}"
                for operation in (
                    "DisallowedHost",
                    "DisallowedRedirect",
                    "RequestDataTooBig",
                    "SuspiciousFileOperation",
                    "SuspiciousMultipartForm",
                    "SuspiciousOperation",
                    "SuspiciousSession",
                    "TooManyFieldsSent",
                    "TooManyFilesSent",
                )
            ),
        )
    },
}

# --- Web Push (production tracking) ----------------------------------------------------------
# VAPID keys of the platform (RFC 8292): the private key as base64url (raw 32 bytes or DER), the
# public key as the browser's applicationServerKey. Unset: no push is sent, e-mails still are.
WEBPUSH_VAPID_PRIVATE_KEY = os.environ.get("WEBPUSH_VAPID_PRIVATE_KEY", "")
WEBPUSH_VAPID_PUBLIC_KEY = os.environ.get("WEBPUSH_VAPID_PUBLIC_KEY", "")
WEBPUSH_VAPID_SUBJECT = os.environ.get("WEBPUSH_VAPID_SUBJECT", "mailto:suivi@autovitrine.fr")
# Tests only: a local push-service stand-in listens on plain http://127.0.0.1.
DEBUG_PUSH_ENDPOINTS = False
