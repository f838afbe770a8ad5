"""The file SMS backend, through which the browser tests read the codes the portal sends."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts import sms


@pytest.fixture
def sms_file(settings, tmp_path):
    path = tmp_path / "outbox" / "sms.jsonl"
    settings.ACCOUNTS_SMS_BACKEND = "accounts.sms.FileSMSBackend"
    settings.ACCOUNTS_SMS_FILE_PATH = str(path)
    return path


def test_messages_are_appended_as_json_lines_and_read_back_in_order(sms_file):
    sms.send_sms("+49 170 1234567", "Your CPMS code is 123456")
    sms.send_sms("+32460000000", "Ihr Code: 654321 — gültig 5 Minuten")

    assert sms.read_sms_file(sms_file) == [
        sms.SMSMessage(to="+49 170 1234567", body="Your CPMS code is 123456"),
        sms.SMSMessage(to="+32460000000", body="Ihr Code: 654321 — gültig 5 Minuten"),
    ]
    assert len(sms_file.read_text(encoding="utf-8").splitlines()) == 2
    assert sms.outbox == []


def test_reading_a_file_that_does_not_exist_finds_no_message(tmp_path):
    assert sms.read_sms_file(tmp_path / "none.jsonl") == []


def test_without_a_path_the_backend_refuses_to_start(settings):
    settings.ACCOUNTS_SMS_BACKEND = "accounts.sms.FileSMSBackend"
    settings.ACCOUNTS_SMS_FILE_PATH = ""

    with pytest.raises(ImproperlyConfigured):
        sms.send_sms("+4917012345678", "code")


def test_a_file_that_cannot_be_written_is_a_delivery_error_a_user_can_read(settings, tmp_path):
    settings.ACCOUNTS_SMS_BACKEND = "accounts.sms.FileSMSBackend"
    settings.ACCOUNTS_SMS_FILE_PATH = str(tmp_path)  # a directory: open() fails

    with pytest.raises(sms.SMSDeliveryError, match="could not send the SMS"):
        sms.send_sms("+4917012345678", "code")
