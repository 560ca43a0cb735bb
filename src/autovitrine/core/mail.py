"""The one gate for headers we write from data: e-mail headers and downloaded files' names.

Text that ends up in an e-mail header (subject, recipients, extra headers) or in a file name
(an attachment, a ``Content-Disposition``) may come from outside: a lead's or a dealer's name, an
order number, a part of an address. A line break there would add a header of the sender's choice
(header injection); Django refuses it by raising, which loses the e-mail in its task or turns a
download into a 500. So every such text is made one line here (line breaks, the other control
characters and the Unicode line and paragraph separators become spaces) and each address must be
one valid address. Every module builds its e-mails with ``email_message`` and its download
headers with ``content_disposition``; ``core/tests/test_mail.py`` checks that no other module
builds either by itself.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

# Cc: C0/C1 controls (CR, LF, NEL U+0085, VT, FF, FS/GS/RS, NUL…); Zl/Zp: U+2028, U+2029.
_BREAKING_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
_SPACES = re.compile(r"\s+")
# Characters a file name must not carry into a header or onto a disk (quotes, path parts…).
_FILENAME_UNSAFE = re.compile(r'["\\/:*?<>|;]')


class InvalidAddress(ValueError):
    """An e-mail address that is not exactly one valid address (a line break, a list, junk)."""


def header_text(value: object) -> str:
    """``value`` as one header line: every breaking or control character becomes a space."""
    text = "".join(
        " " if unicodedata.category(char) in _BREAKING_CATEGORIES else char for char in str(value)
    )
    return _SPACES.sub(" ", text).strip()


def safe_filename(value: object, *, default: str = "document") -> str:
    """A file name for a header: one line, no quotes, slashes or other path characters."""
    name = _FILENAME_UNSAFE.sub("-", header_text(value)).lstrip(".- ")
    return name or default


def content_disposition(filename: object, *, attachment: bool) -> str:
    """The ``Content-Disposition`` value for a download named ``filename`` (RFC 6266, with the
    RFC 5987 form for a non-ASCII name)."""
    header = content_disposition_header(attachment, safe_filename(filename))
    assert header is not None  # a non-empty name always gives a header
    return header


def email_address(value: str) -> str:
    """``value`` if it is exactly one valid address, else ``InvalidAddress``."""
    address = (value or "").strip()
    if not address or header_text(address) != address:
        raise InvalidAddress(f"not one address: {value!r}")
    try:
        validate_email(address)
    except ValidationError as error:
        raise InvalidAddress(f"not a valid address: {value!r}") from error
    return address


def email_message(
    *,
    subject: object,
    body: str,
    to: Iterable[str],
    reply_to: Iterable[str] = (),
    headers: Mapping[str, object] | None = None,
    attachments: Iterable[tuple[str, bytes | str, str]] = (),
) -> EmailMessage:
    """A plain-text e-mail whose every header is one line: the subject and extra headers made
    so, each address checked (``InvalidAddress`` otherwise, also when there is no recipient),
    attachments' names made safe. The caller sends it (``.send()``)."""
    recipients = [email_address(address) for address in to]
    if not recipients:
        raise InvalidAddress("no recipient")
    message = EmailMessage(
        subject=header_text(subject),
        body=body,
        to=recipients,
        reply_to=[email_address(address) for address in reply_to if address] or None,
        headers={header_text(name): header_text(value) for name, value in (headers or {}).items()},
    )
    for filename, content, mimetype in attachments:
        message.attach(safe_filename(filename), content, mimetype)
    return message


# What ``send_or_report`` calls to build its e-mail (building may fail too: a bad address).
MessageBuilder = Callable[[], EmailMessage]


def send_or_report(
    build: MessageBuilder,
    *,
    recipient: str,
    report: Callable[[str, str], object],
    about: str = "",
) -> bool:
    """Build and send one e-mail; when it cannot leave (no or a bad address, the backend or the
    SMTP server refusing, a template or a document failing), call ``report(recipient, error)``
    instead of raising, so that the failure is written where a person sees it (the lead, the
    order, the booking, head office's tracking page) and not lost in a failed task (issue 10).
    ``True`` when it was sent."""
    try:
        if not recipient:
            raise InvalidAddress(gettext("aucune adresse e-mail"))
        build().send()
    except Exception as error:  # noqa: BLE001 — any failure must reach a person, not the log alone
        logger.warning("e-mail %s to %r not sent: %s", about, recipient, error)
        report(recipient, str(error) or type(error).__name__)
        return False
    return True


def email_failure_note(*, what: str, recipient: str, error: str) -> str:
    """The French line a history shows for an e-mail that did not leave: which, to whom, why."""
    return gettext("%(what)s non envoyé à %(recipient)s : %(error)s") % {
        "what": what,
        "recipient": recipient or gettext("(aucune adresse)"),
        "error": error,
    }
