"""Settings of the portal process that the browser tests start (tests/e2e/conftest.py).

The portal's own settings, with what the test must share with it across
processes: the test database (``E2E_DATABASE``, the test process's settings
once pytest-django has created it), e-mails written to files in
``E2E_MAIL_DIR``, SMS appended to ``E2E_SMS_FILE``, and, without Redis, a cache
in files under ``E2E_CACHE_DIR`` that the test empties before each test.
"""

import json
import os

from cpms_portal.settings import *  # noqa: F403
from cpms_portal.settings import PASSWORD_HASHERS, REDIS_URL

DATABASES = {"default": json.loads(os.environ["E2E_DATABASE"])}
# Connections are closed after each request, so that the test process can
# empty the tables between tests and drop the database at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0

MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": os.environ["E2E_MAIL_DIR"]},
    }
}
ACCOUNTS_SMS_BACKEND = "accounts.sms.FileSMSBackend"
ACCOUNTS_SMS_FILE_PATH = os.environ["E2E_SMS_FILE"]

if not REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ["E2E_CACHE_DIR"],
        }
    }

# The portal hashes as in production; it also accepts the quick hashes of the
# users that a test creates directly (tests/conftest.py).
PASSWORD_HASHERS = [*PASSWORD_HASHERS, "django.contrib.auth.hashers.MD5PasswordHasher"]

# A person waits a minute before asking for another SMS; the journey sends one to
# verify the phone and the next to log in within seconds. The wait itself is
# tested in tests/accounts.
ACCOUNTS_SMS_RESEND_COOLDOWN_SECONDS = 1
