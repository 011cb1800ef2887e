"""CityWeave settings.

Every setting is read from the environment once, here, with an embedded default that needs no
external service: an SQLite file under ``./var/``, local file storage and an in-process worker.
``cityweave.core.checks`` reports bad configuration at start-up.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CITYWEAVE_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("CITYWEAVE_DEBUG", False)
SECRET_KEY = os.environ.get(
    "SECRET_KEY", "cityweave-development-key-change-me-in-production-0123456789abcdef"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "cityweave.core",
    "cityweave.search",
    "cityweave.cities",
    "cityweave.catalogue",
    "cityweave.climate",
    "cityweave.exchange",
    "cityweave.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "cityweave.config.urls"
WSGI_APPLICATION = "cityweave.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cityweave.web.context.site",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError:  # reported with the fix by the system check in cityweave.core.checks
        DATABASES = {"default": {"ENGINE": "django.db.backends.dummy"}}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # JIT compilation costs tens of milliseconds per search statement and pays off only
        # for long analytical queries (docs/decisions/0006-postgresql-search-tuning.md).
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"-c jit=off {options.get('options', '')}".strip()
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "cityweave.sqlite3"),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("pl", _("Polish")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("de", _("German")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    ("vendor/leaflet", xstatic.pkg.leaflet.BASE_DIR),
    ("vendor/leaflet-markercluster", xstatic.pkg.leaflet_markercluster.BASE_DIR),
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# The map draws country outlines shipped with CityWeave, so it works offline. A tile server
# (e.g. "https://tile.example.org/{z}/{x}/{y}.png") adds a basemap on top; give its attribution.
MAP_TILES_URL = os.environ.get("CITYWEAVE_MAP_TILES_URL", "")
MAP_TILES_ATTRIBUTION = os.environ.get("CITYWEAVE_MAP_TILES_ATTRIBUTION", "")

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Largest library upload accepted, in bytes (default 20 MiB).
UPLOAD_MAX_BYTES = int(os.environ.get("CITYWEAVE_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Run jobs (imports, assessments) at once in the submitting thread instead of on the
# in-process background worker (for tests and debugging).
CITYWEAVE_JOBS_EAGER = env_bool("CITYWEAVE_JOBS_EAGER", False)

# Page size of lists and search results, and its ceiling for ?page_size=.
PAGE_SIZE = int(os.environ.get("CITYWEAVE_PAGE_SIZE", "20"))
MAX_PAGE_SIZE = int(os.environ.get("CITYWEAVE_MAX_PAGE_SIZE", "200"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
