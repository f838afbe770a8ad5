import json
import logging
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from accounts.app_settings import app_settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SMSMessage:
    to: str
    body: str


class SMSDeliveryError(Exception):
    """The message could not be handed to the provider; ``str()`` is safe to show."""

    def __init__(self, message=None):
        super().__init__(message or _("We could not send the SMS, please try again."))


class BaseSMSBackend:
    def send(self, message: SMSMessage) -> None:
        raise NotImplementedError


class ConsoleSMSBackend(BaseSMSBackend):
    """Prints each SMS to standard output, so a developer can read the code."""

    def send(self, message: SMSMessage) -> None:
        sys.stdout.write(f"\n----- SMS to {message.to} -----\n{message.body}\n{'-' * 30}\n")
        sys.stdout.flush()


# The locmem backend's outbox, like django.core.mail.outbox.
outbox: list[SMSMessage] = []


class LocmemSMSBackend(BaseSMSBackend):
    """Keeps messages in ``accounts.sms.outbox`` for tests."""

    def send(self, message: SMSMessage) -> None:
        outbox.append(message)


class FileSMSBackend(BaseSMSBackend):
    """Appends each message as one JSON line to ``ACCOUNTS_SMS_FILE_PATH``.

    For the browser tests: the portal runs in another process there, so the
    test reads the codes from this file instead of the locmem outbox.
    """

    def __init__(self):
        if not app_settings.SMS_FILE_PATH:
            raise ImproperlyConfigured("FileSMSBackend needs the ACCOUNTS_SMS_FILE_PATH setting.")
        self.path = Path(app_settings.SMS_FILE_PATH)

    def send(self, message: SMSMessage) -> None:
        line = json.dumps(asdict(message), ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One write() of the whole line in append mode: lines of concurrent
            # senders do not interleave.
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line)
        except OSError as exc:
            logger.warning("Could not write an SMS to %s: %s", self.path, exc)
            raise SMSDeliveryError() from exc


def read_sms_file(path: str | Path) -> list[SMSMessage]:
    """The messages a FileSMSBackend wrote to ``path``, oldest first (none if no file)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [SMSMessage(**json.loads(line)) for line in lines if line.strip()]


class TwilioSMSBackend(BaseSMSBackend):
    """Sends through Twilio's Messages API with the official SDK and a short timeout."""

    def __init__(self):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        http_client = TwilioHttpClient(timeout=app_settings.SMS_TIMEOUT_SECONDS, max_retries=0)
        self.client = Client(
            app_settings.TWILIO_ACCOUNT_SID,
            app_settings.TWILIO_AUTH_TOKEN,
            http_client=http_client,
        )
        if app_settings.TWILIO_API_BASE:
            # Point the SDK at another host (a local stand-in in tests, a gateway).
            self.client.api.base_url = app_settings.TWILIO_API_BASE.rstrip("/")
        self.from_number = app_settings.TWILIO_FROM_NUMBER

    def send(self, message: SMSMessage) -> None:
        from twilio.base.exceptions import TwilioException

        try:
            self.client.messages.create(to=message.to, from_=self.from_number, body=message.body)
        except TwilioException as exc:
            logger.warning("Twilio refused an SMS: %s", exc)
            raise SMSDeliveryError() from exc
        except OSError as exc:  # connection refused, timeout (requests' errors are OSErrors)
            logger.warning("Twilio could not be reached: %s", exc)
            raise SMSDeliveryError() from exc
