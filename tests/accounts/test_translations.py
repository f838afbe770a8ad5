"""Every language: every string of the catalogues translated, the page in the browser's
or the chosen language, the SMS and e-mails in the user's e-mail language.

The rendering tests need the compiled catalogues (``manage.py compilemessages``, which
``bin/setup`` runs)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from access_requests import services as request_services
from tests.accounts.two_factor_support import last_sms_code, send_challenge_code
from tests.factories import AccessRequestFactory, MembershipFactory, SMSDeviceFactory, UserFactory

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|\{\{\s*\w+\s*\}\}|</?\w+[^>]*>")


def catalogue(language: str) -> Path:
    return Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"


def _unquote(line: str) -> str:
    """The text of one quoted .po line, with the C escapes of gettext undone."""
    text = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def parse_po(path: Path) -> list[dict]:
    """The live entries of a .po file: msgid, msgid_plural, msgstr forms and flags (the
    header and obsolete ``#~`` entries left out). Small on purpose: no dependency."""
    entries: list[dict] = []
    entry: dict = {}
    field = ""

    def close():
        if entry.get("msgid"):
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if entry.get("msgid") is not None:
                close()
                entry = {}
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += _unquote(line)
        else:
            keyword = line.split(" ", 1)[0]
            if keyword in ("msgctxt", "msgid") and "msgid" in entry and field.startswith("msgstr"):
                close()
                entry = {}
            field = keyword
            entry[field] = _unquote(line)
    close()
    for e in entries:
        e.setdefault("flags", set())
        e["msgstrs"] = [v for k, v in e.items() if k.startswith("msgstr")]
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_checked(language):
    entries = parse_po(catalogue(language))
    assert len(entries) > 300  # the parser read the catalogue
    untranslated = [e["msgid"] for e in entries if not all(e["msgstrs"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [], (
        f"{len(untranslated)} untranslated in locale/{language}: run makemessages and translate"
    )
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in locale/{language}: check them, remove #, fuzzy"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_and_tags(language):
    wrong = []
    for e in parse_po(catalogue(language)):
        for index, text in enumerate(e["msgstrs"]):
            source = e["msgid_plural"] if index and "msgid_plural" in e else e["msgid"]
            expected = sorted(PLACEHOLDER.findall(source))
            found = sorted(PLACEHOLDER.findall(text))
            if found != expected and not ("msgid_plural" in e and index == 0):
                wrong.append((e["msgid"], expected, found))
            if "msgid_plural" in e and index == 0 and not set(found) <= set(expected):
                wrong.append((e["msgid"], expected, found))
    assert wrong == []


def test_the_parser_reads_plurals_flags_and_continued_lines(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n\n'
        '#, python-format\nmsgid "%(n)s day"\nmsgid_plural "%(n)s days"\n'
        'msgstr[0] "%(n)s Tag"\nmsgstr[1] ""\n\n'
        '#, fuzzy\nmsgid ""\n"Long "\n"text"\nmsgstr "Langer Text"\n\n'
        '#~ msgid "Old"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    day, long = parse_po(po)
    assert day["msgid_plural"] == "%(n)s days"
    assert day["msgstrs"] == ["%(n)s Tag", ""]
    assert day["flags"] == {"python-format"}
    assert (long["msgid"], long["flags"]) == ("Long text", {"fuzzy"})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "expected"),
    [("de-DE,de;q=0.9", "Europäische Referenznetzwerke"), ("fr", "Réseaux européens")],
)
def test_the_page_follows_the_browser_language(client, header, expected):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert expected in page


@pytest.mark.django_db
def test_the_switcher_overrides_the_browser_language(client):
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Réseaux européens" in page
    assert 'lang="fr"' in page


@pytest.fixture
def member_with_phone(client):
    def make(email_language: str):
        device = SMSDeviceFactory(number="+32470123456", user__email_language=email_language)
        MembershipFactory(user=device.user, answered=True)
        client.force_login(device.user)
        return device.user

    return make


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email_language", "expected"),
    [
        ("de", "ERN CPMS: Ihr Code lautet {code}. Er ist 5 Minuten gültig."),
        ("fr", "ERN CPMS : votre code est {code}. Il est valable 5 minutes."),
        ("en", "ERN CPMS: your code is {code}. It is valid for 5 minutes."),
        ("", "ERN CPMS: your code is {code}."),  # no language known: English
    ],
)
def test_the_sms_is_written_in_the_users_email_language(
    client, member_with_phone, sms_outbox, email_language, expected
):
    member_with_phone(email_language)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "it" if email_language else "de"
    send_challenge_code(client, "/cpms/")

    code = last_sms_code()
    assert sms_outbox[-1].body.startswith(expected.format(code=code))


@pytest.mark.django_db
def test_a_wrong_code_is_refused_in_the_page_language(client, member_with_phone):
    member_with_phone("en")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    code = send_challenge_code(client, "/cpms/")
    wrong = "000000" if code != "000000" else "111111"

    page = client.post(
        reverse("two_factor:challenge"),
        {"method": "sms", "action": "verify", "code": wrong, "next": "/cpms/"},
    ).content.decode()

    assert "Der Code ist ungültig. Prüfen Sie ihn oder fordern Sie einen neuen an." in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email_language", "subject"),
    [
        ("de", "Ihr Zugangsantrag wurde genehmigt"),
        ("fr", "Votre demande d'accès a été approuvée"),
    ],
)
def test_the_approval_email_is_written_in_the_users_email_language(
    django_capture_on_commit_callbacks, email_language, subject
):
    access_request = AccessRequestFactory(user__email_language=email_language)
    with django_capture_on_commit_callbacks(execute=True):
        request_services.approve_request(
            access_request=access_request, actor=UserFactory(is_staff=True, email_language="en")
        )
    assert subject in mail.outbox[0].subject


@pytest.mark.parametrize(("language", "expected"), [("de", "Ausführen"), ("fr", "Exécuter")])
def test_the_admin_action_button_is_translated(language, expected):
    """Django 6.1's admin says "Run" on its actions bar and its catalogues don't translate
    it yet; ours does (cpms_portal/admin_strings.py)."""
    from django.utils import translation

    with translation.override(language):
        assert translation.gettext("Run") == expected
