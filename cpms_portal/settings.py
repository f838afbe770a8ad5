"""Settings of the CPMS onboarding portal, read from the environment.

With nothing set it runs for development: SQLite, console e-mail and SMS, a
local-memory cache. ``DATABASE_URL`` selects PostgreSQL, ``REDIS_URL`` selects
Redis for the cache (rate limits, throttles, sessions), ``PRODUCTION=true``
turns on every transport-security setting and refuses to start without a real
``SECRET_KEY`` and ``ALLOWED_HOSTS``. A ``.env`` file next to ``manage.py`` is
honoured.
"""

import os
from collections.abc import Callable
from pathlib import Path

import environ
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")
# An empty variable is an unset one, so its default applies: docker-compose.yml hands
# every optional setting over as ${NAME:-}, which is empty where .env leaves it out.
# (Env reads ENVIRON as a mapping; its annotation says os.environ's own type.)
env.ENVIRON = {name: value for name, value in os.environ.items() if value != ""}  # type: ignore[assignment]

PRODUCTION = env.bool("PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG cannot be on in production.")

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    # Development only: a fixed key is harmless on 127.0.0.1 and keeps
    # sessions valid across restarts of the development server.
    SECRET_KEY = env.str(
        "SECRET_KEY", default="dev-only-not-secret-cpms-portal-key-0123456789abcdef"
    )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# Former keys, still accepted after a rotation (sessions, signed links, recovery codes).
# Recovery codes made before a rotation work only while their key is listed here.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

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
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "phonenumber_field",
    "accounts",
    "access_requests",
    "preferences",
    "reports",
    "allauth.idp.oidc",
    "oidc_provider",
    "federation",
    "cpms_portal",
]

MIDDLEWARE = [
    "cpms_portal.middleware.RequestLogMiddleware",
    # Benchmarks only: it takes itself out of the stack unless PORTAL_BENCH_ENDPOINTS.
    "cpms_portal.middleware.QueryCountMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # form-action of the pages extended to the registered clients' redirect URIs.
    "oidc_provider.middleware.ClientFormActionMiddleware",
    "cpms_portal.security_middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "cpms_portal.security_middleware.RejectNullCharactersMiddleware",
    "cpms_portal.security_middleware.RejectMalformedAdminSelectionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "cpms_portal.middleware.SessionTimeoutMiddleware",
    # allauth's usersessions tracking (device, address, last seen), at most once a minute.
    "accounts.middleware.UserSessionActivityMiddleware",
    "accounts.middleware.PrivacyAcknowledgementMiddleware",
    "cpms_portal.gate.CPMSGateMiddleware",
]

ROOT_URLCONF = "cpms_portal.urls"
WSGI_APPLICATION = "cpms_portal.wsgi.application"
ASGI_APPLICATION = "cpms_portal.asgi.application"

# Widgets with Jinja2's copies of Django's form templates (see cpms_portal/form_renderer.py).
FORM_RENDERER = "cpms_portal.form_renderer.JinjaFirstFormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cpms_portal.context_processors.portal",
            ],
        },
    },
]

# --- Database and cache ----------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side binding lets psycopg prepare a statement once it has run
    # DB_PREPARE_THRESHOLD times on a connection, so PostgreSQL stops planning the same
    # queries at every request (planning a CPMS page's joins costs more than running
    # them). Django leaves this off for transaction-pooling proxies (PgBouncer): set
    # DB_PREPARE_THRESHOLD=off behind one.
    _prepare = env.str("DB_PREPARE_THRESHOLD", default="5").strip().lower()
    if _prepare not in {"off", "none"}:
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=int(_prepare)
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, building one Redis client per pool (cpms_portal/cache.py).
            "BACKEND": "cpms_portal.cache.PortalRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="cpms"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions: with Redis they live in Redis alone ("cache"), shared by every web process.
# Kept in the database as well ("cached_db"), a login and a second-factor check cost
# three more transactions each (the key is cycled at both), about a third of the
# code check's time; what the database copy bought, sessions that outlive a Redis
# restart, Redis's own persistence gives (docker-compose.yml), and a lost session only
# means logging in again. Without Redis the in-process cache is not shared between
# processes, so the database keeps them. SESSION_STORE overrides.
SESSION_ENGINE = "django.contrib.sessions.backends." + env.str(
    "SESSION_STORE", default="cache" if REDIS_URL else "cached_db"
)
# At most this long from the login; the idle timeout is PORTAL_SESSION_IDLE_TIMEOUT below.
SESSION_COOKIE_AGE = env.int("SESSION_MAX_AGE", default=12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Authentication --------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "cpms-home"
LOGOUT_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {
        "NAME": "accounts.validators.MaximumLengthValidator",
        "OPTIONS": {"max_length": 128},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.validators.RepetitiveOrSequentialValidator"},
    # No NumericPasswordValidator: NIST SP 800-63B forbids composition rules; runs
    # of digits such as 123456789012 are refused by the validator above instead.
]

# django-allauth: e-mail is the login, there is no username.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "email2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env.int("EMAIL_CONFIRMATION_EXPIRE_DAYS", default=3)
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[ERN CPMS] "
# Failed logins: waits grow with the failures. Five per account lock it for up to five
# minutes; twenty within two hours lock it until the oldest of them is two hours old.
# That also caps the guesses at one account far below NIST's 100 per hour, and a
# password reset clears the account's count. Each window costs Redis round trips on
# every login (allauth takes and rolls back each), so three windows, not more.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMITS", default="10/m/ip,5/5m/key,20/2h/key"),
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
# SMS codes (accounts.two_factor): per IP, per user, per number (the key).
ACCOUNT_RATE_LIMITS["cpms_sms_send"] = env.str(
    "SMS_RATE_LIMITS", default="20/h/ip,10/h/user,3/5m/key,10/d/key"
)
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "accounts.forms.SignupForm",
    "login": "accounts.forms.LoginForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
}
# A new address replaces the old one only once it is verified.
ACCOUNT_CHANGE_EMAIL = True
# Changing the e-mail address asks for the password again (allauth's reauthentication,
# valid ACCOUNT_REAUTHENTICATION_TIMEOUT = 5 minutes); ASVS 5.0 V7.5.1.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Only the password: allauth 65.22 also offers a code by e-mail, which would let whoever
# reads the mailbox change the address the mailbox belongs to (the code URLs answer 403).
ACCOUNT_REAUTHENTICATION_METHODS = ("password",)
# "Your sessions" in User Data details (allauth.usersessions): the address and the time
# each session was last seen are kept (accounts.middleware, at most once a minute).
USERSESSIONS_TRACK_ACTIVITY = True
ACCOUNT_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# allauth reads the client address (rate limits per IP) from ALLAUTH_*, not ACCOUNT_*:
# without it every user behind the proxy would share the proxy's address and its limits.
ALLAUTH_TRUSTED_PROXY_COUNT = ACCOUNT_TRUSTED_PROXY_COUNT

# The OpenID Connect provider of the portal's applications (oidc_provider, built on
# django-allauth's allauth.idp.oidc; its settings keep allauth's IDP_OIDC_ prefix).
IDP_OIDC_ADAPTER = "oidc_provider.adapter.PortalOIDCAdapter"
IDP_OIDC_RATE_LIMITS = {"token": env.str("OIDC_TOKEN_RATE_LIMITS", default="120/m/ip")}
IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN = env.int("OIDC_ACCESS_TOKEN_SECONDS", default=3600)
IDP_OIDC_REFRESH_TOKEN_EXPIRES_IN = env.int("OIDC_REFRESH_TOKEN_SECONDS", default=30 * 24 * 3600)
# Signing keys: a JSON list of {"pem", "issued_at", "expires_at"} (allauth's format, for
# rotation), else keys generated into the database on first use (oidc_provider.keys).
IDP_OIDC_PRIVATE_KEYS = env.json("OIDC_PRIVATE_KEYS", default=[])

# "Login via EU Login": an external OpenID Connect provider (federation, on allauth's
# socialaccount and its generic openid_connect provider, made strict by
# federation.oidc.provider). Off while FEDERATION_OIDC_ISSUER is unset. The issuer and
# the client are read here because allauth's APPS and the CSP need them; the other
# FEDERATION_ settings come from the table of the apps' settings below.
FEDERATION_ISSUER = env.str("FEDERATION_OIDC_ISSUER", default="")
FEDERATION_CLIENT_ID = env.str("FEDERATION_OIDC_CLIENT_ID", default="")
FEDERATION_CLIENT_SECRET = env.str("FEDERATION_OIDC_CLIENT_SECRET", default="")
SOCIALACCOUNT_ADAPTER = "federation.adapter.FederationAdapter"
SOCIALACCOUNT_FORMS = {"signup": "federation.forms.FederatedSignupForm"}
# Never an account by e-mail match alone (federation.adapter.pre_social_login).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "provider_class": "federation.oidc.provider.FederationProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": (
            [
                {
                    # federation.app_settings.PROVIDER_ID: in the URLs and linked accounts.
                    "provider_id": "eulogin",
                    "client_id": FEDERATION_CLIENT_ID,
                    "secret": FEDERATION_CLIENT_SECRET,
                    "settings": {"server_url": FEDERATION_ISSUER, "issuer": FEDERATION_ISSUER},
                }
            ]
            if FEDERATION_ISSUER
            else []
        ),
    }
}

# django-otp
OTP_TOTP_ISSUER = "ERN CPMS"
OTP_TOTP_THROTTLE_FACTOR = 1
# WebAuthn (security keys, passkeys): the relying party is the portal's own host.
OTP_WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="localhost")
OTP_WEBAUTHN_RP_NAME = "ERN CPMS"
# Passkeys are a second factor after the password, never a way around it.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "WEBAUTHN_ALLOWED_ORIGINS",
    default=[f"http://localhost:{env.int('PORT', default=8000)}"],
)
if not PRODUCTION:
    # Browsers treat http://localhost as a secure context, so WebAuthn works there.
    SILENCED_SYSTEM_CHECKS = ["otp_webauthn.E031"]

# --- Internationalisation ----------------------------------------------------

LANGUAGE_CODE = "en"
# The 24 official languages of the EU, each in its own name and in the order EU Login
# lists them (accounts.languages.EmailLanguage): every e-mail language is a page language.
LANGUAGES = [
    ("bg", "български"),
    ("es", "español"),
    ("cs", "čeština"),
    ("da", "dansk"),
    ("de", "Deutsch"),
    ("et", "eesti keel"),
    ("el", "ελληνικά"),
    ("en", "English"),
    ("fr", "français"),
    ("ga", "Gaeilge"),
    ("hr", "hrvatski"),
    ("it", "italiano"),
    ("lv", "latviešu valoda"),
    ("lt", "lietuvių kalba"),
    ("hu", "magyar"),
    ("mt", "Malti"),
    ("nl", "Nederlands"),
    ("pl", "polski"),
    ("pt", "português"),
    ("ro", "română"),
    ("sk", "slovenčina"),
    ("sl", "slovenščina"),
    ("fi", "suomi"),
    ("sv", "svenska"),
]
# Django knows every one of them but Maltese (no catalogue of its own: its admin stays in
# English); the language switch reads the names from LANG_INFO.
LANG_INFO.setdefault("mt", {"bidi": False, "code": "mt", "name": "Maltese", "name_local": "Malti"})
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Without collectstatic (development, tests) WhiteNoise serves from the finders.
WHITENOISE_USE_FINDERS = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- E-mail and SMS ------------------------------------------------------------

# Django 6.1's MAILERS. EMAIL_URL (smtp://user:pass@host:587, smtp+tls://…)
# selects SMTP; without it e-mails are printed to the console.
_EMAIL_URL = env.str("EMAIL_URL", default="")
if _EMAIL_URL:
    _smtp = env.email_url("EMAIL_URL")
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp["EMAIL_HOST"],
                "port": _smtp["EMAIL_PORT"],
                "username": _smtp.get("EMAIL_HOST_USER") or None,
                "password": _smtp.get("EMAIL_HOST_PASSWORD") or None,
                "use_tls": bool(_smtp.get("EMAIL_USE_TLS")),
                "use_ssl": bool(_smtp.get("EMAIL_USE_SSL")),
                "timeout": env.int("EMAIL_TIMEOUT", default=10),
            },
        }
    }
else:
    # Production without EMAIL_URL uses Django's own default: SMTP on localhost:25.
    MAILERS = {
        "default": {
            "BACKEND": env.str(
                "EMAIL_BACKEND",
                default="django.core.mail.backends.smtp.EmailBackend"
                if PRODUCTION
                else "django.core.mail.backends.console.EmailBackend",
            )
        }
    }
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ERN CPMS <no-reply@cpms.example.eu>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"
PHONENUMBER_DB_FORMAT = "E164"

# --- Security headers ----------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
_federation_origin = "/".join(FEDERATION_ISSUER.split("/")[:3]) if FEDERATION_ISSUER else ""
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    # The federation's provider: Chromium applies form-action to the redirect that
    # follows "Login via EU Login" (its authorisation endpoint, at the issuer's origin).
    "form-action": [CSP.SELF, *([_federation_origin] if _federation_origin else [])],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Logging ---------------------------------------------------------------------

# One line per request (logger cpms.request) and per audit event (cpms.audit),
# each with the request id; JSON in production, readable lines in development.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "cpms_portal.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "cpms_portal.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- The apps' own settings ------------------------------------------------------

# Each app reads its settings, typed and each with its one default, in its
# app_settings.py under its own prefix (ACCOUNTS_, ACCESS_REQUESTS_, PREFERENCES_,
# REPORTS_, FEDERATION_, PORTAL_). An environment variable sets the app's setting only when it is
# set, so no default is written here a second time.
_APP_SETTINGS_FROM_ENVIRONMENT: dict[str, tuple[str, Callable[[str], object]]] = {
    # The SMS backend is chosen like Django's e-mail backend (see accounts/sms/).
    "SMS_BACKEND": ("ACCOUNTS_SMS_BACKEND", env.str),
    "TWILIO_ACCOUNT_SID": ("ACCOUNTS_TWILIO_ACCOUNT_SID", env.str),
    "TWILIO_AUTH_TOKEN": ("ACCOUNTS_TWILIO_AUTH_TOKEN", env.str),
    "TWILIO_FROM_NUMBER": ("ACCOUNTS_TWILIO_FROM_NUMBER", env.str),
    "TWILIO_API_BASE": ("ACCOUNTS_TWILIO_API_BASE", env.str),
    "PHONE_ALLOWED_REGIONS": ("ACCOUNTS_PHONE_ALLOWED_REGIONS", env.list),
    "SUPPORT_EMAIL": ("ACCOUNTS_SUPPORT_EMAIL", env.str),
    "SITE_URL": ("ACCOUNTS_SITE_URL", env.str),
    "TOTP_ENCRYPTION_KEYS": ("ACCOUNTS_TOTP_ENCRYPTION_KEYS", env.list),
    "FEDERATION_OIDC_NAME": ("FEDERATION_NAME", env.str),
    "FEDERATION_TRUST_PROVIDER_MFA": ("FEDERATION_TRUST_PROVIDER_MFA", env.bool),
    "FEDERATION_MFA_ACR_VALUES": ("FEDERATION_MFA_ACR_VALUES", env.list),
    "FEDERATION_TIMEOUT_SECONDS": ("FEDERATION_TIMEOUT_SECONDS", env.float),
    "GUEST_ACCESS_DAYS": ("ACCESS_REQUESTS_GUEST_ACCESS_DAYS", env.int),
    "SETUP_VIDEO_URL": ("PORTAL_SETUP_VIDEO_URL", env.str),
    "SESSION_IDLE_TIMEOUT": ("PORTAL_SESSION_IDLE_TIMEOUT", env.int),
    # X-Request-ID from the client is honoured only behind a trusted proxy that sets it.
    "TRUST_REQUEST_ID_HEADER": ("PORTAL_TRUST_REQUEST_ID_HEADER", env.bool),
    # Benchmarks only (bench/run): /bench/floor and an X-SQL-Queries header on every
    # response. Never in a real deployment.
    "BENCH_ENDPOINTS": ("PORTAL_BENCH_ENDPOINTS", env.bool),
}
for _variable, (_setting, _read) in _APP_SETTINGS_FROM_ENVIRONMENT.items():
    if _variable in env:
        globals()[_setting] = _read(_variable)
