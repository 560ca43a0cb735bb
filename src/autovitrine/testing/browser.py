"""Steps the browser journeys share: a phone's account menu, a stock car opened from the home
page, the e-mails the test server wrote."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default as default_policy


def open_account_menu(page, item: str) -> None:
    page.locator("#account-menu-toggle").click()
    page.locator(".account-menu-list").get_by_role("link", name=item).click()
    page.wait_for_load_state()


def emails_to(mail_dir, address: str) -> list:
    """The e-mails the server wrote to EMAIL_FILE_PATH for ``address``, oldest first."""
    found = []
    for path in sorted(mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime):
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                message = message_from_bytes(chunk.strip(), policy=default_policy)
                if address in (message["To"] or ""):
                    found.append(message)
    return found


def open_the_car_from_home(page, car) -> None:
    page.goto("/")
    page.locator(".main-nav").get_by_role("link", name="Stock").click()
    page.locator(f'.vehicle-card a[href$="/vehicule/{car.pk}/"]').click()
    page.wait_for_url(f"**/stock/vehicule/{car.pk}/")
