"""The 24 official languages of the EU: the pages, the e-mails
and the SMS in each, plural forms and formats of each, every catalogue complete and
valid (``msgfmt --check``)."""

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.timezone import make_aware

from accounts.languages import EmailLanguage
from tests.accounts.two_factor_support import last_sms_code, send_challenge_code
from tests.factories import MembershipFactory, SMSDeviceFactory

OFFICIAL = "bg cs da de el en es et fi fr ga hr hu it lt lv mt nl pl pt ro sk sl sv".split()  # noqa: SIM905
# The languages the portal speaks: every official one.
SPOKEN = [code for code, _name in settings.LANGUAGES]
TRANSLATED = [code for code in SPOKEN if code != "en"]

# GSM 03.38: the basic set, one septet each, and the extension table, two each.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")


def sms_parts_limit(text: str) -> tuple[str, int, int]:
    """The encoding an SMS of ``text`` needs, its length in that encoding, and the
    length that fits one part."""
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text):
        return "GSM-7", sum(2 if c in GSM_EXTENSION else 1 for c in text), 160
    return "UCS-2", len(text.encode("utf-16-le")) // 2, 70


def catalogue(language: str) -> Path:
    return Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"


def plural_forms(po: Path) -> str:
    """The catalogue's Plural-Forms header, its continued lines joined."""
    text = po.read_text(encoding="utf-8").split("\n\n", 1)[0]
    header = "".join(re.findall(r'^"(.*)"$', text, re.M)).replace("\\n", "\n")
    return re.search(r"^Plural-Forms: *(.*)$", header, re.M).group(1).replace(" ", "")


def test_the_portal_speaks_official_languages_in_the_e_mail_languages_order():
    assert sorted(SPOKEN) == sorted(OFFICIAL)
    # The same order and the same own names as the sign-up's "E-mail language" (EU
    # Login's list), so that a chosen e-mail language is also a page language.
    email_languages = dict(EmailLanguage.choices)
    assert [code for code in EmailLanguage.values if code in SPOKEN] == SPOKEN
    for code, name in settings.LANGUAGES:
        assert email_languages[code] == f"{name} ({code})"


@pytest.mark.django_db
def test_the_language_switch_offers_every_language_in_its_own_name(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    switch = page[page.index('<select id="language-select"') : page.index("</select>")]
    options = re.findall(r'<option value="(\w+)" lang="\w+"[^>]*>([^<]+)</option>', switch)
    assert options == [(code, f"{name} ({code})") for code, name in settings.LANGUAGES]
    assert "polski (pl)" in switch and "ελληνικά (el)" in switch


@pytest.mark.django_db
@pytest.mark.parametrize("language", SPOKEN)
def test_the_browser_language_picks_the_page_language_on_the_first_visit(client, language):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE=f"{language}-XX,{language};q=0.9,en;q=0.5")
    assert f'<html lang="{language}"' in page.content.decode()


@pytest.mark.parametrize("language", TRANSLATED)
def test_msgfmt_check_passes(language):
    """Placeholders the same as the source's, plural forms complete, the header right."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (GNU gettext) is needed, as for compilemessages"
    result = subprocess.run(
        [msgfmt, "--check", "-o", "/dev/null", str(catalogue(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_plural_forms_are_the_languages_own(language):
    """The same rule as Django's own catalogue for the language (CLDR's, which Django
    follows): Polish, Czech, Slovak, Lithuanian, Slovenian have four forms, Irish five."""
    ours = plural_forms(catalogue(language))
    djangos = (
        Path(django.__file__).parent / "conf" / "locale" / language / "LC_MESSAGES" / "django.po"
    )
    if language == "mt":  # Django has no Maltese catalogue: CLDR's rule
        assert ours == (
            "nplurals=4;plural=(n==1?0:n==0||(n%100>1&&n%100<11)?1:(n%100>10&&n%100<20)?2:3);"
        )
    else:
        assert ours == plural_forms(djangos)


PLURAL = ("%(count)d membership revoked.", "%(count)d memberships revoked.")


@pytest.mark.parametrize(
    ("language", "counts"),
    [("pl", (1, 2, 5)), ("cs", (1, 3, 7)), ("lt", (1, 2, 10)), ("sl", (1, 2, 3, 5)),
     ("ga", (1, 2, 3, 7, 11)), ("ro", (1, 2, 20)), ("lv", (0, 1, 2)), ("hr", (1, 2, 5))],
)  # fmt: skip
def test_each_plural_form_of_a_language_is_its_own(language, counts):
    """The numbers that take different forms get different words (a form copied from
    another would read wrong)."""
    with translation.override(language):
        texts = [translation.ngettext(*PLURAL, n) % {"count": n} for n in counts]
    words = [text.split(" ", 1)[1] for text in texts]
    assert len(set(words)) == len(words), texts


@pytest.mark.parametrize(
    ("language", "expected"),
    [("pl", "7 grudnia 2026"), ("de", "7. Dezember 2026"), ("el", "07/12/2026"),
     ("fr", "7 décembre 2026"), ("hu", "2026. december 7.")],
)  # fmt: skip
def test_dates_are_written_in_the_locale_format(language, expected):
    when = make_aware(datetime(2026, 12, 7, 9, 30))
    with translation.override(language):
        text = Template('{{ when|date:"DATE_FORMAT" }}').render(Context({"when": when}))
    assert text == expected


@pytest.mark.parametrize(("language", "expected"), [("de", "1.234,5"), ("fr", "1\xa0234,5")])
def test_numbers_are_written_in_the_locale_format(language, expected):
    with translation.override(language):
        text = Template("{% load l10n %}{{ n|localize }}").render(Context({"n": 1234.5}))
    with translation.override(language), pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "USE_THOUSAND_SEPARATOR", True)
        grouped = Template("{% load l10n %}{{ n|localize }}").render(Context({"n": 1234.5}))
    assert text == expected.replace(".", "").replace("\xa0", "")
    assert grouped == expected


@pytest.mark.django_db
@pytest.mark.parametrize("language", SPOKEN)
def test_the_sms_is_in_the_users_language_and_fits_one_part(client, sms_outbox, language):
    device = SMSDeviceFactory(number="+32470123456", user__email_language=language)
    MembershipFactory(user=device.user, answered=True)
    client.force_login(device.user)
    send_challenge_code(client, "/cpms/")

    body = sms_outbox[-1].body
    code = last_sms_code()
    assert re.fullmatch(r"\d{6}", code) and code in body
    with translation.override(language):
        expected = translation.gettext(
            "ERN CPMS: your code is %(code)s. It is valid for %(minutes)d minutes."
        )
    assert body == expected % {"code": code, "minutes": 5}
    if language != "en":
        assert body != f"ERN CPMS: your code is {code}. It is valid for 5 minutes."
    encoding, length, limit = sms_parts_limit(body)
    assert length <= limit, f"{language}: {length} {encoding} characters: {body!r}"


def test_greek_and_bulgarian_sms_need_ucs2_and_stay_within_70():
    for language in ("el", "bg"):
        with translation.override(language):
            text = translation.gettext(
                "ERN CPMS: your code is %(code)s. It is valid for %(minutes)d minutes."
            ) % {"code": "123456", "minutes": 5}
        encoding, length, limit = sms_parts_limit(text)
        assert (encoding, limit) == ("UCS-2", 70) and length <= 70, text


def test_the_sms_length_rule_counts_as_the_networks_do():
    assert sms_parts_limit("ERN CPMS: 123456") == ("GSM-7", 16, 160)
    assert sms_parts_limit("€5") == ("GSM-7", 3, 160)  # € takes an escape septet
    assert sms_parts_limit("kod: żółć") == ("UCS-2", 9, 70)


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("pl", "Wyloguj"), ("el", "Αποσύνδεση")])
def test_the_django_admin_speaks_the_language_django_ships(admin_client, language, expected):
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'lang="{language}"' in page
    assert expected in page


def test_maltese_is_known_to_django():
    assert LANG_INFO["mt"]["name_local"] == "Malti"
    with translation.override("mt"):
        assert translation.get_language_bidi() is False
