"""Head office manages plants and API keys in the admin; progress and events are read-only."""

from __future__ import annotations

from django.urls import reverse

from autovitrine.production.models import ApiCredential


def test_head_office_creates_a_key_sees_its_secret_once_and_revokes_it(client, head_office, plant):
    # Given
    client.force_login(head_office, backend="django.contrib.auth.backends.ModelBackend")

    # When
    response = client.post(
        reverse("admin:production_apicredential_add"),
        {"label": "MES Douai", "plant": plant.pk, "carrier": ""},
        follow=True,
    )

    # Then the secret is shown once, and only its hash is kept
    credential = ApiCredential.objects.get()
    html = response.content.decode()
    assert "Secret (affiché une seule fois" in html
    secret = html.split("une seule fois, à transmettre à son destinataire) : ")[1].split("<")[0]
    assert len(secret) >= 40 and secret not in credential.secret_hash

    # When revoked
    client.post(
        reverse("admin:production_apicredential_changelist"),
        {"action": "revoke", "_selected_action": [credential.pk]},
    )
    credential.refresh_from_db()
    assert credential.revoked_at is not None


def test_progress_and_events_are_read_only(client, head_office, plant):
    client.force_login(head_office, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("admin:production_orderprogress_changelist")).status_code == 200
    assert client.get(reverse("admin:production_productionevent_add")).status_code == 403
    assert (
        client.get(reverse("admin:production_line_change", args=[plant.lines.get().pk])).status_code
        == 200
    )


def test_dealer_staff_cannot_use_the_production_admin(client, dealer_staff, plant):
    client.force_login(dealer_staff, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("admin:production_apicredential_changelist"))
    assert response.status_code in (302, 403)
