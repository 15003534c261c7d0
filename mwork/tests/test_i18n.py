"""Languages: complete catalogues, and the API answering in the client's or the user's language.

The catalogue tests fail when a string wrapped in gettext in the code is missing from
`locale/<lang>/LC_MESSAGES/django.po` or left untranslated there (fix: `make messages`, then
translate the empty `msgstr ""` entries; docs/i18n.md).
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import User
from castings.tests.factories import CastingFactory

LANGUAGES = [code for code, _name in settings.LANGUAGES]
LOCALE = Path(settings.LOCALE_PATHS[0])
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def _catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


def test_languages_are_ru_kk_en_with_ru_the_default():
    assert LANGUAGES == ["ru", "kk", "en"]
    assert settings.LANGUAGE_CODE == "ru"
    assert "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated(language):
    po = _catalogue(language)
    missing = [entry.msgid for entry in po if not entry.obsolete and not entry.translated()]
    assert not missing, f"{language}: untranslated or fuzzy entries: {missing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    """`{name}` / `%(name)s` in a msgid must survive in its translation (else format fails)."""
    wrong = []
    for entry in _catalogue(language).translated_entries():
        if entry.msgid_plural:  # a form may leave the count out ("one message")
            allowed = set(_PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
            wrong += [
                (entry.msgid, text)
                for text in entry.msgstr_plural.values()
                if not set(_PLACEHOLDER.findall(text)) <= allowed
            ]
        elif sorted(_PLACEHOLDER.findall(entry.msgstr)) != sorted(
            _PLACEHOLDER.findall(entry.msgid)
        ):
            wrong.append((entry.msgid, entry.msgstr))
    assert not wrong, f"{language}: placeholders differ: {wrong}"


_MIXED_WORD = re.compile(r"\b(?=\w*[A-Za-z])(?=\w*[\u0400-\u04ff])\w+\b")


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_no_word_mixes_latin_and_cyrillic_letters(language):
    """A Latin `e` or `o` inside a Cyrillic word reads fine and searches wrong."""
    mixed = [
        (entry.msgid, word)
        for entry in _catalogue(language).translated_entries()
        for text in (entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr])
        for word in _MIXED_WORD.findall(text)
    ]
    assert not mixed, f"{language}: {mixed}"


def test_catalogues_hold_the_same_messages():
    keys = {language: {_key(e) for e in _catalogue(language)} for language in LANGUAGES}
    for language in LANGUAGES[1:]:
        assert keys[language] == keys[LANGUAGES[0]], f"ru and {language} hold different msgids"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (CI installs it)")
def test_catalogues_hold_every_string_of_the_code(tmp_path, settings, monkeypatch):
    """Extract the code's strings afresh and compare with the committed catalogues: nothing
    missing, nothing stale. The extraction runs in a mirror of the repository (symlinks to the
    source, a copy of locale/), so the committed files are never touched."""
    mirror = tmp_path / "repo"
    mirror.mkdir()
    for entry in Path(settings.BASE_DIR).iterdir():
        if entry.name not in {"locale", ".venv", ".git", "var"}:
            (mirror / entry.name).symlink_to(entry)
    shutil.copytree(LOCALE, mirror / "locale", ignore=shutil.ignore_patterns("*.mo"))
    settings.LOCALE_PATHS = [mirror / "locale"]
    monkeypatch.chdir(mirror)
    call_command("makemessages", all=True, symlinks=True, verbosity=0)
    for language in LANGUAGES:
        fresh_po = polib.pofile(str(mirror / "locale" / language / "LC_MESSAGES" / "django.po"))
        fresh = {_key(e) for e in fresh_po}
        committed = {_key(e) for e in _catalogue(language)}
        missing = sorted(msgid for _context, msgid in fresh - committed)
        stale = sorted(msgid for _context, msgid in committed - fresh)
        assert not missing, (
            f"{language}: strings in the code missing from locale/ (run `make messages` and "
            f"translate them): {missing}"
        )
        assert not stale, f"{language}: stale strings nothing uses (run `make messages`): {stale}"


# --- The API's language ----------------------------------------------------------------------

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "language", "email_message"),
    [
        ("", "ru", "Введите правильный адрес электронной почты."),
        ("kk", "kk", "Дұрыс электрондық пошта мекенжайын енгізіңіз."),
        ("en-US,en;q=0.9", "en", "Enter a valid email address."),
        ("de, kk;q=0.5", "kk", "Дұрыс электрондық пошта мекенжайын енгізіңіз."),
        ("de", "ru", "Введите правильный адрес электронной почты."),
    ],
)
def test_validation_messages_follow_accept_language(api_client, accept, language, email_message):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    body = {"email": "not-an-email", "password": "long-enough-pass", "role": "model"}
    response = api_client.post(REGISTER, body, format="json", **headers)
    assert response.status_code == 400
    assert response["Content-Language"] == language
    assert response.json()["error"]["details"]["email"] == [email_message]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "message"),
    [
        ("ru", "Неверный адрес электронной почты или пароль."),
        ("kk", "Электрондық пошта немесе құпиясөз қате."),
        ("en", "Invalid e-mail or password."),
    ],
)
def test_domain_errors_follow_accept_language(api_client, accept, message):
    body = {"email": "nobody@example.com", "password": "wrong-password"}
    response = api_client.post(LOGIN, body, format="json", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 401
    assert response.json()["error"] == {"code": "INVALID_CREDENTIALS", "message": message}
    assert response["Content-Language"] == accept


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("user_language", "accept", "answered"),
    [("kk", None, "kk"), ("en", None, "en"), ("kk", "en", "en"), ("en", "de", "en")],
)
def test_signed_in_user_is_answered_in_their_language_unless_the_client_asks(
    make_user, auth_client, user_language, accept, answered
):
    client = auth_client(make_user("employer", language=user_language))
    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    response = client.get(f"/api/v1/castings/{uuid.uuid4()}", **headers)
    assert response.status_code == 404
    assert response["Content-Language"] == answered
    expected = {"kk": "Кастинг табылмады.", "en": "Casting not found."}[answered]
    assert response.json()["error"]["message"] == expected


@pytest.mark.django_db
def test_anonymous_without_accept_language_gets_russian(api_client):
    response = api_client.get(f"/api/v1/castings/{uuid.uuid4()}/responses")
    assert response["Content-Language"] == "ru"
    assert response.json()["error"]["message"]


# --- The back office ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_switch_the_admin_language_with_set_language(client):
    CastingFactory()  # the action bar shows only above rows
    client.force_login(User.objects.create_superuser("boss@mwork.kz", "Str0ng-Passw0rd!"))
    changelist = "/admin/castings/casting/"
    pages = {}
    for language in ("kk", "en"):
        switched = client.post("/i18n/setlang/", {"language": language, "next": changelist})
        assert switched.status_code == 302
        pages[language] = client.get(changelist).content.decode()

    assert 'lang="kk"' in pages["kk"]
    assert "Таңдалған кастингтерді болдырмау" in pages["kk"]  # our action
    assert "Навигацияны ауыстыру" in pages["kk"]  # Django's own, from our catalogue
    assert 'lang="en"' in pages["en"]
    assert "Cancel selected castings" in pages["en"]
