"""Spanish next to English: every string a person can read is in the Spanish catalogue,
translated and compiled; pages, form errors, emails and calendar files come out in Spanish;
the language switch keeps the page and is remembered on the account for emails.

The catalogue check extracts the strings as `makemessages` does, so it needs GNU gettext
(xgettext). Without it the check is skipped, unless CI or REQUIRE_BROWSER is set: there a
missing gettext is a failure, not a silent pass.
"""

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from visitation import emails

LOCALE_DIR = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"
# What makemessages would find, without the virtualenv, runtime files, the catalogues
# themselves and the vendored static files.
NOT_SOURCE = {".git", ".venv", "var", "locale", "static", "node_modules"}


def _require_gettext():
    if shutil.which("xgettext") and shutil.which("msgfmt") and shutil.which("msgen"):
        return
    message = "GNU gettext (xgettext, msgen, msgfmt) is not installed: apt-get install gettext."
    if os.environ.get("CI") or os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"{message} CI needs it to check the Spanish catalogue.", pytrace=False)
    pytest.skip(message)


def _catalogue(mo_path: Path) -> dict:
    with open(mo_path, "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)._catalog
    catalogue.pop("", None)  # the header
    return catalogue


def _msgid(key) -> str:
    """A catalogue key is the msgid, or (msgid, plural index) for a plural entry."""
    return key[0] if isinstance(key, tuple) else key


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """Every msgid of the source as a catalogue: makemessages on a copy of the tree, then
    the template filled with the English text (msgen) and compiled."""
    _require_gettext()
    root = tmp_path_factory.mktemp("extract")
    for entry in settings.BASE_DIR.iterdir():
        if entry.name in NOT_SOURCE or entry.name.startswith("."):
            continue
        if entry.is_dir():
            shutil.copytree(entry, root / entry.name, ignore=shutil.ignore_patterns("__pycache__"))
        elif entry.suffix in {".py", ".html", ".txt"}:
            shutil.copy2(entry, root)
    here = Path.cwd()
    os.chdir(root)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(settings, "LOCALE_PATHS", [str(root / "locale")])
            call_command("makemessages", locale=["es"], keep_pot=True, verbosity=0)
    finally:
        os.chdir(here)
    pot = root / "locale" / "django.pot"
    header = pot.read_text(encoding="utf-8").replace(
        "nplurals=INTEGER; plural=EXPRESSION;", "nplurals=2; plural=(n != 1);"
    )
    pot.write_text(header, encoding="utf-8")
    english = root / "english.po"
    subprocess.run(["msgen", str(pot), "-o", str(english)], check=True)
    subprocess.run(["msgfmt", str(english), "-o", str(root / "english.mo")], check=True)
    return _catalogue(root / "english.mo")


def test_every_user_facing_string_is_translated_in_the_spanish_catalogue(extracted):
    spanish = _catalogue(MO_FILE)
    missing = sorted({_msgid(key) for key in extracted} - {_msgid(key) for key in spanish})
    assert len(extracted) > 500
    assert not missing, (
        f"{len(missing)} strings have no Spanish translation in {MO_FILE}. Run "
        "`manage.py makemessages -l es --ignore=.venv --ignore=var`, translate them in "
        "django.po, then `manage.py compilemessages --ignore=.venv`:\n"
        + "\n".join(f"  {msgid!r}" for msgid in missing)
    )


def test_the_catalogue_has_no_fuzzy_or_empty_entry_and_is_compiled(tmp_path):
    _require_gettext()
    text = PO_FILE.read_text(encoding="utf-8")
    fuzzy = [line for line in text.splitlines() if line.startswith("#,") and "fuzzy" in line]
    assert not fuzzy, "Fuzzy entries are not used at run time: check them and drop the flag."
    compiled = tmp_path / "django.mo"
    # --check-format: every placeholder of the English text is in the Spanish one.
    subprocess.run(
        ["msgfmt", "--check-format", "--statistics", str(PO_FILE), "-o", str(compiled)],
        check=True,
        capture_output=True,
    )
    report = subprocess.run(
        ["msgfmt", "--statistics", "-o", os.devnull, str(PO_FILE)],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    assert "untranslated" not in report and "fuzzy" not in report, report
    assert _catalogue(compiled) == _catalogue(MO_FILE), (
        "locale/es/LC_MESSAGES/django.mo is older than django.po: run compilemessages."
    )


def test_the_spanish_catalogue_is_in_use(client):
    """Without gettext too: the committed .mo is what the site reads."""
    with translation.override("es"):
        assert translation.gettext("Create an account") == "Crear una cuenta"
        assert translation.ngettext("%(n)s time free", "%(n)s times free", 3) == (
            "%(n)s horarios disponibles"
        )


@pytest.mark.django_db
def test_pages_follow_the_browser_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    page = response.content.decode()
    assert '<html lang="es">' in page
    assert "Visitas por video con su ser querido" in page
    assert "Crear una cuenta" in page
    # The switch offers the other language, in that language.
    assert 'lang="en"' in page and ">English</button>" in page

    page = client.get("/accounts/signup/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert '<html lang="en">' in page and "Create an account" in page


@pytest.mark.django_db
def test_form_errors_are_in_spanish(client):
    response = client.post("/accounts/signup/", {}, HTTP_ACCEPT_LANGUAGE="es")
    page = response.content.decode()
    assert "Corrija lo siguiente" in page
    assert "Este campo es obligatorio." in page  # Django's own catalogue
    assert "This field is required." not in page

    response = client.post(
        "/accounts/login/",
        {"username": "nobody@example.com", "password": "wrong-password-123"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert "El correo electrónico o la contraseña no son correctos." in response.content.decode()


@pytest.mark.django_db
def test_signed_in_pages_in_spanish(client, home_user):
    client.force_login(home_user)
    for url, spanish in [
        (reverse("accounts:home"), "Hola, Dana"),
        (reverse("accounts:identity"), "Muestre quién es usted"),
        (reverse("accounts:details"), "Sus datos"),
        (reverse("facilities:mine"), "Mis centros"),
        (reverse("visits:mine"), "Mis visitas"),
    ]:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert spanish in page, url
        assert "Sign out" not in page and "Cerrar sesión" in page, url


@pytest.mark.django_db
def test_switching_language_keeps_the_page_and_is_remembered_for_emails(
    client, home_user, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(home_user)
    assert home_user.language == "en"
    response = client.post(
        reverse("set_language"), {"language": "es", "next": "/facilities/?page=2"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/facilities/?page=2"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    home_user.refresh_from_db()
    assert home_user.language == "es"
    # The next page is in Spanish without any Accept-Language.
    assert "Mis centros" in client.get("/facilities/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        emails.send_verify_email(user=home_user, verify_url="http://testserver/v/1/", key="t")
    assert mailoutbox[0].subject == "Confirme su correo electrónico"
    assert "Confirme su correo electrónico abriendo este enlace:" in mailoutbox[0].body


@pytest.mark.django_db
def test_an_anonymous_switch_sets_the_cookie_only(client, home_user):
    response = client.post(reverse("set_language"), {"language": "es", "next": "/accounts/login/"})
    assert response["Location"] == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert "Iniciar sesión" in client.get("/accounts/login/").content.decode()
    home_user.refresh_from_db()
    assert home_user.language == "en"


@pytest.mark.django_db
def test_an_unknown_language_is_not_stored(client, home_user):
    client.force_login(home_user)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    home_user.refresh_from_db()
    assert home_user.language == "en"


@pytest.mark.django_db
def test_calendar_file_in_spanish(visit_site):
    from scheduling.ics import visit_ics
    from scheduling.tests.factories import VisitFactory

    visit = VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        inmate_terminal=visit_site.terminals[0],
    )
    with translation.override("es"):
        text = visit_ics(visit).replace("\r\n ", "")
    assert re.search(r"SUMMARY:Visita por video a distancia con Ana Diaz", text)


@pytest.mark.django_db
def test_not_found_and_server_error_pages_are_translated(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404
    page = response.content.decode()
    assert "No se encontró la página" in page and '<html lang="es">' in page

    from django.views.defaults import server_error

    request = client.get("/").wsgi_request
    with translation.override("es"):
        page = server_error(request).content.decode()
    assert "Algo salió mal" in page
