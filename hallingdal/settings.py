"""Settings for the Hallingdal programme site.

Everything that differs between a laptop and production comes from the
environment (see .env.example). With nothing set, the site runs locally on
SQLite with DEBUG on; with DEBUG off, missing production settings stop
start-up with a message that names them.
"""

import os
from pathlib import Path

import dj_database_url
import xstatic.pkg.jquery_ui
from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_prose_editor.config import html_tags
from js_asset import static_lazy

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Local use is the default; production sets DJANGO_DEBUG=false and the rest.
def local_secret_key(path):
    """Return a random key kept in an untracked file, for local use only."""
    if not path.exists():
        from django.core.management.utils import get_random_secret_key

        path.write_text(get_random_secret_key())
    return path.read_text().strip()


DEBUG = env_bool("DJANGO_DEBUG", default=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")

if DEBUG:
    SECRET_KEY = SECRET_KEY or local_secret_key(BASE_DIR / ".local-secret-key")
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]
else:
    missing = [
        name
        for name, value in (
            ("DJANGO_SECRET_KEY", SECRET_KEY),
            ("DJANGO_ALLOWED_HOSTS", ALLOWED_HOSTS),
            # Production data lives in PostgreSQL, never in a stray SQLite file.
            ("DATABASE_URL", os.environ.get("DATABASE_URL")),
        )
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            "DJANGO_DEBUG is off, so these environment variables must be set: "
            + ", ".join(missing)
            + " (see .env.example)."
        )

INSTALLED_APPS = [
    # modeltranslation must come before the admin to patch its forms.
    "modeltranslation",
    # django.contrib.admin, with the site's admin site: locking on every change form.
    "hallingdal.apps.SiteAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # django.contrib.staticfiles, collecting only the jQuery UI files we use.
    "hallingdal.apps.SiteStaticFilesConfig",
    "django.contrib.sitemaps",
    "csp",
    "axes",
    # History of content: every save, publication and deletion, with who and when.
    "reversion",
    # The rich-text editor's scripts, styles and checks (programme/richtext.py).
    "django_prose_editor",
    "programme",
    "documents",
    # The site app, after the content apps it builds on: home, search,
    # sitemaps, backups, the page cache's signals (hallingdal/apps.py).
    "hallingdal",
]

MIDDLEWARE = [
    # First, so that every response (errors too) carries a request id and the
    # security headers, every log line the client's address, and hostile
    # requests stop before any view runs.
    "hallingdal.request_id.RequestIdMiddleware",
    "hallingdal.client_address.ClientAddressMiddleware",
    "hallingdal.security.reject_hostile_requests",
    "hallingdal.security.permissions_policy",
    "csp.middleware.CSPMiddleware",
    "hallingdal.security.import_map_hashes",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above the page cache, so that cached pages get their ETag from the final
    # body too and a matching If-None-Match gets a 304 (hallingdal/http_cache.py).
    "django.middleware.http.ConditionalGetMiddleware",
    "hallingdal.http_cache.PrivateResponsesMiddleware",
    # Drafts due to go live are published before any page is read or served.
    "hallingdal.publishing.ScheduledChangesMiddleware",
    # Whole pages for anonymous visitors; a hit skips everything below.
    "hallingdal.cache.PageCacheMiddleware",
    # Turns a 404 of a renamed page's old address into a 301, which the page
    # cache above keeps; found pages never reach its lookup.
    "hallingdal.redirects.RedirectMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "hallingdal.admin_language.AdminLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hallingdal.urls"
WSGI_APPLICATION = "hallingdal.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]
# Forms render as Django renders them, less the empty error lists (hallingdal/form_renderer.py).
FORM_RENDERER = "hallingdal.form_renderer.FormRenderer"

DATABASES = {
    # An empty DATABASE_URL means the local SQLite file, like an unset one.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0" if DEBUG else "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache per worker by default; REDIS_URL (redis://host:6379/0) gives one
# shared by every worker on every server. Both keep the site up when they
# cannot help (hallingdal/cache_backends.py, hallingdal/cache.py).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_TIMEOUT_SECONDS = float(os.environ.get("DJANGO_CACHE_TIMEOUT_SECONDS", "0.25"))
CACHES = {
    "default": (
        {
            "BACKEND": "hallingdal.cache_backends.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # A hanging Redis costs a request at most this long, then is
                # left alone for RETRY_AFTER seconds.
                "socket_timeout": CACHE_TIMEOUT_SECONDS,
                "socket_connect_timeout": CACHE_TIMEOUT_SECONDS,
                "RETRY_AFTER": 5,
            },
        }
        if REDIS_URL
        else {
            "BACKEND": "hallingdal.cache_backends.BoundedLocMemCache",
            "OPTIONS": {
                "MAX_ENTRIES": 5000,
                # Per gunicorn worker: whole pages, however many are asked for.
                "MAX_BYTES": int(os.environ.get("DJANGO_CACHE_MAX_MB", "64")) * 1024 * 1024,
                "MAX_ENTRY_BYTES": 512 * 1024,
            },
        }
    )
}
# Cached pages for anonymous visitors; DJANGO_PAGE_CACHE=off measures without.
PAGE_CACHE = env_bool("DJANGO_PAGE_CACHE", default=True)
# Seconds a shared cache in front (a CDN, a caching proxy) may keep the pages
# the page cache keeps; 0 (the default) lets none keep them (hallingdal/http_cache.py).
SHARED_CACHE_SECONDS = int(os.environ.get("DJANGO_SHARED_CACHE_SECONDS", "0"))
# On PostgreSQL the database cancels a search after this many milliseconds,
# so one expensive query cannot hold a worker; the visitor gets a message.
SEARCH_TIMEOUT_MS = int(os.environ.get("DJANGO_SEARCH_TIMEOUT_MS", "3000"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: Nynorsk first and default, then Bokmål and English.
LANGUAGE_CODE = "nn"
LANGUAGES = [
    ("nn", _("Nynorsk")),
    ("nb", _("Bokmål")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The admin is for the council's staff, who work in Nynorsk.
ADMIN_LANGUAGE_CODE = "nn"
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

MODELTRANSLATION_DEFAULT_LANGUAGE = "nn"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("nn",)
# Served from the xstatic package below, never from a CDN.
JQUERY_UI_URL = "jquery-ui/jquery-ui.min.js"

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("jquery-ui", xstatic.pkg.jquery_ui.BASE_DIR),
]

S3_STORAGE = "storages.backends.s3.S3Storage"


def media_storage():
    """The media storage: the folder DJANGO_MEDIA_ROOT, or a bucket with DJANGO_MEDIA_STORAGE=s3.

    A bucket setting that is missing stops start-up here, naming it, rather
    than at the first upload. The bucket stays private: no ACL is set on the
    objects, and every address the storage hands out is signed and expires.
    """
    kind = os.environ.get("DJANGO_MEDIA_STORAGE", "filesystem").strip().lower()
    if kind == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(
            f"DJANGO_MEDIA_STORAGE must be filesystem or s3, not {kind!r} (see .env.example)."
        )
    bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    region = os.environ.get("AWS_S3_REGION_NAME", "")
    endpoint = os.environ.get("AWS_S3_ENDPOINT_URL", "")
    access_key = os.environ.get("AWS_ACCESS_KEY_ID", "")
    secret_key = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    missing = [] if bucket else ["AWS_STORAGE_BUCKET_NAME"]
    if not (region or endpoint):
        # AWS needs the region to sign; another provider is reached by its address.
        missing.append("AWS_S3_REGION_NAME or AWS_S3_ENDPOINT_URL")
    # Neither key means the host's role or boto3's own configuration; one alone is a slip.
    if bool(access_key) != bool(secret_key):
        missing.append("AWS_SECRET_ACCESS_KEY" if access_key else "AWS_ACCESS_KEY_ID")
    if endpoint and not endpoint.startswith(("https://", "http://")):
        missing.append("AWS_S3_ENDPOINT_URL as an address starting with https://")
    if missing:
        raise ImproperlyConfigured(
            "DJANGO_MEDIA_STORAGE is s3, so these environment variables must be set: "
            + ", ".join(missing)
            + " (see .env.example)."
        )
    options = {
        "bucket_name": bucket,
        # Several sites may share one bucket, each under its own prefix.
        "location": os.environ.get("AWS_LOCATION", ""),
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
        "client_config": Config(
            signature_version="s3v4",
            # "path" for services without the bucket's name in the host (many
            # S3-compatible ones); unset, boto3 chooses.
            s3={"addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None},
            # A bucket that does not answer costs a request seconds, not a
            # worker's whole timeout: pages then go on without the file.
            connect_timeout=5,
            read_timeout=20,
            retries={"mode": "standard", "max_attempts": 3},
        ),
    }
    for option, variable in (
        ("region_name", "AWS_S3_REGION_NAME"),
        ("endpoint_url", "AWS_S3_ENDPOINT_URL"),
        ("access_key", "AWS_ACCESS_KEY_ID"),
        ("secret_key", "AWS_SECRET_ACCESS_KEY"),
    ):
        if os.environ.get(variable):
            options[option] = os.environ[variable]
    return {"BACKEND": S3_STORAGE, "OPTIONS": options}


STORAGES = {
    "default": media_storage(),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded files are never served from a public /media/ URL: documents go
# through the download view, which checks that they are published.
MEDIA_URL = "/media/"
# How a published document reaches the browser: "stream" (through the app,
# the default) or "redirect" (after the same checks, to a signed address on the
# object storage valid for DOCUMENT_URL_SECONDS), which spares the app servers
# the bytes of large files. A folder has no signed addresses, so redirect
# needs DJANGO_MEDIA_STORAGE=s3.
DOCUMENT_SERVE = os.environ.get("DJANGO_DOCUMENT_SERVE", "stream").strip().lower()
DOCUMENT_URL_SECONDS = int(os.environ.get("DJANGO_DOCUMENT_URL_SECONDS", "300"))
if DOCUMENT_SERVE not in ("stream", "redirect"):
    raise ImproperlyConfigured(
        f"DJANGO_DOCUMENT_SERVE must be stream or redirect, not {DOCUMENT_SERVE!r}."
    )
if DOCUMENT_SERVE == "redirect" and STORAGES["default"]["BACKEND"] != S3_STORAGE:
    raise ImproperlyConfigured(
        "DJANGO_DOCUMENT_SERVE=redirect needs DJANGO_MEDIA_STORAGE=s3: files in a folder "
        "have no signed addresses to redirect to."
    )
# S3 signs addresses for at most a week; a short life keeps an address that
# was passed on, or an unpublished file's, from working for long.
if not 1 <= DOCUMENT_URL_SECONDS <= 7 * 24 * 3600:
    raise ImproperlyConfigured("DJANGO_DOCUMENT_URL_SECONDS must be between 1 and 604800.")
# Largest document upload in bytes, enforced while the file streams in (default 50 MB).
DOCUMENT_MAX_UPLOAD_SIZE = int(os.environ.get("DOCUMENT_MAX_UPLOAD_SIZE", 50 * 1024 * 1024))
# An uploaded PDF is read in a child process, refused as too complex past these
# seconds or megabytes. Keep the time well under gunicorn's 30 second timeout.
DOCUMENT_PDF_TIME_LIMIT = int(os.environ.get("DOCUMENT_PDF_TIME_LIMIT", 20))
DOCUMENT_PDF_MEMORY_LIMIT = int(os.environ.get("DOCUMENT_PDF_MEMORY_LIMIT", 512))
# Django's own, except that a large upload's temporary file goes at once when
# writing it fails (a full disk) instead of staying behind.
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "documents.upload_handlers.PartialFileRemovingUploadHandler",
]
# Largest picture in pixels (width x height) an editor may upload, and the
# largest the site decodes to make a rendition (default 40 megapixels).
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", 40_000_000))

LOGIN_URL = "admin:login"

# The site's own parts of the rich-text editor (programme/richtext.py names
# them in EDITOR_EXTENSIONS), each with the markup it writes: AdminEditor
# fits the editor into the admin and writes nothing; InternalLink writes
# links to the site's own objects (the Link extension allows their scheme).
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {"js": [static_lazy("js/admin_editor.js")], "extensions": {"AdminEditor": html_tags([])}},
    {
        "js": [static_lazy("js/link_picker.js")],
        "extensions": {"InternalLink": html_tags(["a"], {"a": ["href"]})},
    },
]

# --- Security and production -------------------------------------------------
# Headers, cookies, HTTPS, admin login throttling and logging. Production sets
# DJANGO_HTTPS=true behind a TLS-terminating reverse proxy (docs/deploy.md).

HTTPS = env_bool("DJANGO_HTTPS")
# How many reverse proxies stand in front and append to X-Forwarded-For;
# hallingdal/client_address.py reads the client's address accordingly.
PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "0"))
if PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_PROXY_COUNT must be 0 (no proxy) or the number of proxies.")

if PROXY_COUNT:
    # Trust X-Forwarded-Proto only because our own proxy sets it on every
    # request (overwriting what the client sent); see docs/deploy.md.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SECURE_SSL_REDIRECT = HTTPS
# Load balancers probe /healthz over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Only the admin sets cookies; public pages set none, so they can be cached.
SESSION_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 10  # a working day
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True  # the admin never reads it from JavaScript
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Content Security Policy (django-csp 4). No inline scripts or styles anywhere,
# the admin and modeltranslation's tabs included: their scripts and styles are
# files under /static/. The download view sets its own stricter policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Admin login throttling (django-axes). The axes backend must come first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("DJANGO_AXES_COOLOFF_HOURS", "1"))
# Lock a client address that guesses many accounts, and an account guessed
# from many addresses; `manage.py axes_reset_username NAME` lifts a lockout.
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
# No start-up banner: it would land in the stdout of every manage.py command.
AXES_VERBOSE = False
# Days the records of log-ins and failed log-ins (user name, address, browser)
# are kept; `manage.py prune_login_records`, run daily, deletes older ones.
LOGIN_RECORDS_DAYS = int(os.environ.get("DJANGO_LOGIN_RECORDS_DAYS", "90"))
if LOGIN_RECORDS_DAYS < 1:
    raise ImproperlyConfigured("DJANGO_LOGIN_RECORDS_DAYS must be a number of days, 1 or more.")
# The same client address as the logs, behind DJANGO_PROXY_COUNT proxies.
AXES_CLIENT_IP_CALLABLE = "hallingdal.client_address.client_address"

# One line per event on stdout, each with the request id and the client's
# address (or "-" outside a request).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "hallingdal.request_id.RequestIdFilter"}},
    "formatters": {
        "line": {
            "()": "hallingdal.request_id.OneLineFormatter",
            "format": (
                "%(asctime)s %(levelname)s %(name)s [%(request_id)s]"
                " client=%(client_address)s %(message)s"
            ),
        }
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": "line",
        }
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
