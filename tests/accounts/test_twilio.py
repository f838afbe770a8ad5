"""The Twilio backend against a local stand-in for the Twilio API: the real SDK sends
the real request, and every failure becomes the one message a user can read."""

import json
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from accounts.sms import SMSDeliveryError, SMSMessage, TwilioSMSBackend

ACCOUNT_SID = "AC" + "0" * 32
FROM_NUMBER = "+3225550100"


class FakeTwilio(BaseHTTPRequestHandler):
    """Records each request; answers as the test configured (status, delay)."""

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length).decode()
        self.server.seen.append(
            {
                "method": self.command,
                "path": self.path,
                "form": {k: v[0] for k, v in parse_qs(body).items()},
                "authorization": self.headers.get("Authorization", ""),
            }
        )
        time.sleep(self.server.delay)
        status = self.server.status
        payload = (
            {"sid": "SM" + "1" * 32, "status": "queued", "account_sid": ACCOUNT_SID}
            if status < 400
            else {"code": 20500, "message": "Internal Server Error", "status": status}
        )
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_twilio(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    server.daemon_threads = True
    server.seen = []
    server.status = HTTPStatus.CREATED
    server.delay = 0.0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ACCOUNTS_SMS_BACKEND = "accounts.sms.TwilioSMSBackend"
    settings.ACCOUNTS_TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.ACCOUNTS_TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.ACCOUNTS_TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.ACCOUNTS_TWILIO_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    settings.ACCOUNTS_SMS_TIMEOUT_SECONDS = 0.5
    yield server
    server.shutdown()
    server.server_close()


def test_sends_the_message_through_the_real_sdk(fake_twilio):
    TwilioSMSBackend().send(SMSMessage(to="+4915112345678", body="Your code: 123456"))

    assert len(fake_twilio.seen) == 1
    request = fake_twilio.seen[0]
    assert request["method"] == "POST"
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request["form"] == {
        "To": "+4915112345678",
        "From": FROM_NUMBER,
        "Body": "Your code: 123456",
    }
    assert request["authorization"].startswith("Basic ")


def test_a_server_error_gives_the_clear_message(fake_twilio):
    fake_twilio.status = HTTPStatus.INTERNAL_SERVER_ERROR

    with pytest.raises(SMSDeliveryError) as excinfo:
        TwilioSMSBackend().send(SMSMessage(to="+4915112345678", body="Your code: 123456"))

    assert str(excinfo.value) == "We could not send the SMS, please try again."
    assert len(fake_twilio.seen) == 1  # no silent retry


def test_a_timeout_gives_the_clear_message(fake_twilio):
    fake_twilio.delay = 1.5  # longer than ACCOUNTS_SMS_TIMEOUT_SECONDS (0.5)

    with pytest.raises(SMSDeliveryError) as excinfo:
        TwilioSMSBackend().send(SMSMessage(to="+4915112345678", body="Your code: 123456"))

    assert str(excinfo.value) == "We could not send the SMS, please try again."


def test_an_unreachable_provider_gives_the_clear_message(fake_twilio):
    fake_twilio.shutdown()
    fake_twilio.server_close()

    with pytest.raises(SMSDeliveryError):
        TwilioSMSBackend().send(SMSMessage(to="+4915112345678", body="Your code: 123456"))
