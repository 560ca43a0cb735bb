"""Head-office lead admin: leads are read, never rewritten, from the admin."""

from __future__ import annotations

from django.urls import reverse

from autovitrine.leads.models import Lead
from autovitrine.testing import factories as f


def test_head_office_reads_a_lead_but_cannot_rewrite_it(client_as, dealer):
    # Given
    lead = f.LeadFactory(dealer=dealer, message="Est-il disponible samedi ?")
    client, _ = client_as("head_office")
    url = reverse("admin:leads_lead_change", args=[lead.pk])

    # When
    page = client.get(url)
    attempt = client.post(url, {"name": "Autre nom", "status": Lead.Status.WON})

    # Then
    assert page.status_code == 200
    assert "Est-il disponible samedi ?" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert attempt.status_code == 403
    lead.refresh_from_db()
    assert (lead.name, lead.status) == ("Jeanne Dupont", Lead.Status.NEW)


def test_the_lead_list_filters_by_dealer(client_as, dealer, other_dealer):
    # Given
    kept = f.LeadFactory(dealer=dealer)
    f.LeadFactory(dealer=other_dealer)

    # When
    response = client_as("head_office")[0].get(
        reverse("admin:leads_lead_changelist"), {"dealer__id__exact": dealer.pk}
    )

    # Then
    assert [lead.pk for lead in response.context["cl"].result_list] == [kept.pk]
