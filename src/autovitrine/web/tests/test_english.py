"""The site in English: a visitor who picks « English » in the footer reads the pages in English,
and no English translation drops or invents a placeholder or a tag of its French source (a missing
``%(name)s`` is a 500 on the English page; an extra one shows a raw ``%(name)s`` to the reader)."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.urls import reverse

from autovitrine.web.tests.page_text import visible_text

# %(name)s, %s, %d, %%, {0}, {name}, HTML tags and entities.
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdfi]|%[sdfi%]|\{\w*\}|<[^>]+>|&\w+;")


CATALOGUE = settings.LOCALE_PATHS[0] / "en" / "LC_MESSAGES" / "django.po"


def po_entries(path) -> list[dict[str, str]]:
    """The live entries of a .po file as {"msgid": …, "msgid_plural": …, "msgstr[0]": …}."""
    entries: list[dict[str, str]] = []
    entry: dict[str, str] = {}
    field = ""
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if entry:
                entries.append(entry)
            entry, field = {}, ""
        elif line.startswith('"'):
            entry[field] += json.loads(line)
        else:
            field, _, value = line.partition(" ")
            entry[field] = json.loads(value)
    return [e for e in entries if e.get("msgid")]


def test_every_english_translation_keeps_the_placeholders_and_tags_of_its_french_source():
    entries = po_entries(CATALOGUE)
    assert {"msgid": "Mon compte", "msgstr": "My account"} in entries
    wrong = []
    for entry in entries:
        for field, english in entry.items():
            if not field.startswith("msgstr") or not english:
                continue
            french = (
                entry["msgid_plural"] if field not in ("msgstr", "msgstr[0]") else entry["msgid"]
            )
            if sorted(_PLACEHOLDER.findall(english)) != sorted(_PLACEHOLDER.findall(french)):
                wrong.append(f"{french!r} → {english!r}")
    assert wrong == []


def test_the_english_plural_entries_have_both_forms():
    plurals = [e for e in po_entries(CATALOGUE) if "msgid_plural" in e]
    assert len(plurals) > 10
    assert [e["msgid"] for e in plurals if e.get("msgstr[1]") and not e.get("msgstr[0]")] == []
    assert [e["msgid"] for e in plurals if e.get("msgstr[0]") and not e.get("msgstr[1]")] == []
    idea = next(e for e in plurals if e["msgid"] == "%(n)s idée")
    assert (idea["msgstr[0]"], idea["msgstr[1]"]) == ("%(n)s idea", "%(n)s ideas")


@pytest.mark.django_db
def test_a_visitor_who_chooses_english_reads_the_password_reset_page_in_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    response = client.get(reverse("accounts:password_reset"))

    assert '<html lang="en">' in response.content.decode()
    text = visible_text(response)
    assert "Forgotten password" in text
    assert "Enter your account's email address: we will send you a link" in text
    assert "Send me the link" in text
    assert "Back to sign-in" in text
    assert "Mot de passe oublié" not in text
    assert "Recevoir le lien" not in text


def test_a_buyer_who_chooses_english_reads_his_account_page_in_english(client_as):
    client, user = client_as("customer")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    text = visible_text(client.get(reverse("accounts:profile")))

    assert f"Signed in as {user.email}." in text
    assert "These details pre-fill your enquiries, orders and trade-ins." in text
    assert "Delivery address" in text
    assert "Billing address" in text
    assert "Change my password" in text
    assert "Adresse de livraison" not in text
    assert "Connecté avec" not in text
