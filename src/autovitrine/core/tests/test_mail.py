"""Header injection (issue 10): whatever text reaches an e-mail header or a download's file name
is one line, every module goes through the one gate (``core.mail``), and plain-text e-mails are
rendered without HTML escaping."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.core import mail
from django.http import HttpResponse

from autovitrine.core.mail import (
    InvalidAddress,
    content_disposition,
    email_message,
    header_text,
    safe_filename,
)

SRC = Path(__file__).resolve().parents[2]  # src/autovitrine
GATE = SRC / "core" / "mail.py"

# Every character a mail or HTTP library may take as the end of a line.
LINE_BREAKS = [
    "\r",
    "\n",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x85",
    "\u2028",
    "\u2029",
]
CONTROLS = ["\x00", "\x07", "\x1b", "\x7f", "\t"]


@pytest.mark.parametrize("breaker", LINE_BREAKS + CONTROLS)
def test_a_subject_with_a_line_break_or_control_stays_one_header(breaker):
    message = email_message(
        subject=f"Nouvelle demande de Léa{breaker}Bcc: pirate@example.com",
        body="Bonjour",
        to=["concession@example.fr"],
    )

    raw = message.message().as_bytes().decode("ascii", "replace")
    headers = raw.split("\n\n", 1)[0]
    assert not re.search(r"(?im)^bcc:", headers)
    assert message.subject == "Nouvelle demande de Léa Bcc: pirate@example.com"
    assert message.recipients() == ["concession@example.fr"]


@pytest.mark.parametrize("breaker", LINE_BREAKS)
def test_an_address_carrying_a_second_header_is_refused(breaker):
    with pytest.raises(InvalidAddress):
        email_message(
            subject="Bonjour",
            body="",
            to=[f"lea@example.fr{breaker}Bcc: pirate@example.com"],
        )
    with pytest.raises(InvalidAddress):
        email_message(
            subject="Bonjour",
            body="",
            to=["lea@example.fr"],
            reply_to=[f"concession@example.fr{breaker}X-Evil: 1"],
        )


def test_no_recipient_or_a_list_in_one_address_is_refused():
    with pytest.raises(InvalidAddress):
        email_message(subject="Bonjour", body="", to=[])
    with pytest.raises(InvalidAddress):
        email_message(subject="Bonjour", body="", to=["a@example.fr, b@example.fr"])


def test_extra_headers_and_attachment_names_are_one_line():
    message = email_message(
        subject="Résumé",
        body="",
        to=["lea@example.fr"],
        headers={"List-Unsubscribe": "<https://example.fr/x>\r\nBcc: pirate@example.com"},
        attachments=[('bon"\r\nBcc: pirate@example.com.pdf', b"%PDF", "application/pdf")],
    )

    headers = message.message().as_string().split("\n\n", 1)[0]
    assert not re.search(r"(?im)^bcc:", headers)
    [(name, _content, _type)] = message.attachments
    assert "\r" not in name and "\n" not in name and '"' not in name


@pytest.mark.parametrize("breaker", LINE_BREAKS + CONTROLS)
def test_a_download_name_with_a_line_break_is_one_safe_header(breaker):
    response = HttpResponse(b"%PDF")

    response["Content-Disposition"] = content_disposition(
        f'facture-{breaker}Set-Cookie: a=1"; x=../../etc.pdf', attachment=False
    )

    value = response["Content-Disposition"]
    assert value.startswith("inline; filename")
    assert header_text(value) == value
    assert "/" not in safe_filename("../../etc/passwd") and '"' not in value.split("=", 1)[1][1:-1]


def test_a_non_ascii_download_name_uses_the_rfc_5987_form():
    assert content_disposition("facture-été.pdf", attachment=True) == (
        "attachment; filename*=utf-8''facture-%C3%A9t%C3%A9.pdf"
    )


def _python_modules():
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path == GATE:
            continue
        yield path


def test_every_email_and_download_header_goes_through_the_gate():
    """Generic: no module but ``core/mail.py`` builds an e-mail or a Content-Disposition value
    (``filename=`` written by hand, quoted or in an f-string)."""
    offenders = []
    for path in _python_modules():
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.core.mail":
                names = {alias.name for alias in node.names}
                if names & {
                    "EmailMessage",
                    "EmailMultiAlternatives",
                    "send_mail",
                    "send_mass_mail",
                }:
                    offenders.append(f"{path.relative_to(SRC)}: imports {sorted(names)}")
            if isinstance(node, ast.Constant) and "filename=" in str(node.value):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}: writes a filename=")
    assert offenders == []


def test_every_plain_text_email_template_turns_html_escaping_off():
    """A dealer called « Garage Dupont & Fils » must not read « &amp; » in a plain-text e-mail."""
    escaping = [
        str(path.relative_to(SRC))
        for path in SRC.glob("**/templates/**/*.txt")
        if "{% autoescape off %}" not in path.read_text(encoding="utf-8")
    ]
    assert escaping == []


@pytest.mark.django_db
def test_a_lead_name_with_a_line_break_reaches_the_dealer_as_one_subject_line(
    dealer, django_capture_on_commit_callbacks
):
    """The lead form refuses line breaks in names; the service (API, telephony hook) may not:
    the notification still leaves, on one line, with no extra header."""
    from autovitrine.leads.models import LeadEvent
    from autovitrine.leads.services import lead_create

    dealer.name = "Garage Dupont & Fils"
    dealer.save(update_fields=["name"])
    with django_capture_on_commit_callbacks(execute=True):
        lead = lead_create(
            dealer_id=dealer.pk,
            kind="question",
            name="Léa\r\nBcc: pirate@example.com",
            email="lea@example.fr",
        )

    assert not lead.events.filter(kind=LeadEvent.Kind.EMAIL_FAILED).exists()
    to_dealer, to_customer = mail.outbox
    assert to_dealer.subject.endswith("de Léa Bcc: pirate@example.com")
    assert "pirate@example.com" not in to_dealer.recipients()
    assert to_customer.subject.endswith("chez Garage Dupont & Fils")
