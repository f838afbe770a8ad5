"""SMS backends, chosen by the ``ACCOUNTS_SMS_BACKEND`` setting like Django's e-mail backends.

- ``ConsoleSMSBackend`` prints each message (development);
- ``LocmemSMSBackend`` keeps them in ``accounts.sms.outbox`` (tests);
- ``FileSMSBackend`` appends them to the file ``ACCOUNTS_SMS_FILE_PATH`` (browser tests);
- ``TwilioSMSBackend`` sends them with the official ``twilio`` SDK (production).

Every backend raises :class:`SMSDeliveryError` with a message a user can read
when a message cannot be handed over; callers show it and lose nothing.
"""

from django.utils.module_loading import import_string

from accounts.app_settings import app_settings
from accounts.sms.backends import (
    BaseSMSBackend,
    ConsoleSMSBackend,
    FileSMSBackend,
    LocmemSMSBackend,
    SMSDeliveryError,
    SMSMessage,
    TwilioSMSBackend,
    outbox,
    read_sms_file,
)

__all__ = [
    "BaseSMSBackend",
    "ConsoleSMSBackend",
    "FileSMSBackend",
    "LocmemSMSBackend",
    "SMSDeliveryError",
    "SMSMessage",
    "TwilioSMSBackend",
    "get_backend",
    "outbox",
    "read_sms_file",
    "send_sms",
]


def get_backend(path: str | None = None) -> BaseSMSBackend:
    return import_string(path or app_settings.SMS_BACKEND)()


def send_sms(to: str, body: str) -> None:
    """Send one SMS through the configured backend; raises SMSDeliveryError on failure."""
    get_backend().send(SMSMessage(to=str(to), body=body))
