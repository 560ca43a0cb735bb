"""Head office reads the flash-sale audit trail in French: statuses by their names, not codes."""

from __future__ import annotations

import html

from django.urls import reverse

from autovitrine.flashsales.models import SaleEvent


def test_the_sale_journal_names_statuses_in_french(client_as, sale_kit):
    # Given a sale opened by head office
    kit = sale_kit()
    kit.open()
    event = SaleEvent.objects.filter(subject=SaleEvent.Subject.SALE, to_status="open").get()
    client, _ = client_as("head_office")

    # When head office reads the journal and the event
    listed = html.unescape(
        client.get(reverse("admin:flashsales_saleevent_changelist")).content.decode()
    )
    detail = html.unescape(
        client.get(reverse("admin:flashsales_saleevent_change", args=[event.pk])).content.decode()
    )

    # Then the status reads "Ouverte", never the code
    assert "Ouverte" in listed
    assert ">open<" not in listed
    assert "Ouverte" in detail
    assert ">open<" not in detail
