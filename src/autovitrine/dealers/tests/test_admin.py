"""Head-office dealer admin: opening hours and staff edited on the dealer's page."""

from __future__ import annotations

from django.urls import reverse

from autovitrine.dealers.models import DealerStaff


def dealer_form(client, dealer) -> dict:
    """The dealer's change form as the browser would post it back, untouched."""
    response = client.get(reverse("admin:dealers_dealer_change", args=[dealer.pk]))
    data: dict = {}
    for form in [response.context["adminform"].form] + [
        inline_form
        for formset in response.context["inline_admin_formsets"]
        for inline_form in formset.formset.forms
    ]:
        for name in form.fields:
            value = form[name].value()
            if value is not None:
                data[form.add_prefix(name)] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data |= {
            management.add_prefix(name): management[name].value() for name in management.fields
        }
    return data


def test_a_customer_account_cannot_be_made_staff_of_a_dealer(client_as, dealer, customer):
    # Given
    client, _ = client_as("head_office")
    data = dealer_form(client, dealer) | {
        "staff-TOTAL_FORMS": "1",
        "staff-0-user": customer.pk,
        "staff-0-role": DealerStaff.Role.SALES,
    }

    # When
    response = client.post(reverse("admin:dealers_dealer_change", args=[dealer.pk]), data)

    # Then
    assert response.status_code == 200
    assert "« client@example.fr » n&#x27;est pas un compte « Personnel concession »." in (
        response.content.decode()
    )
    assert not DealerStaff.objects.filter(user=customer).exists()


def test_opening_hours_are_changed_on_the_dealers_page(client_as, dealer):
    # Given: Monday morning 9:00–12:30 becomes 8:30–12:30
    client, _ = client_as("head_office")
    monday_morning = dealer.opening_periods.get(weekday=0, opens_at="09:00")
    data = dealer_form(client, dealer)
    prefix = next(
        name.removesuffix("-id")
        for name, value in data.items()
        if name.startswith("opening_periods-")
        and name.endswith("-id")
        and value == monday_morning.pk
    )
    data[f"{prefix}-opens_at"] = "08:30"

    # When
    response = client.post(reverse("admin:dealers_dealer_change", args=[dealer.pk]), data)

    # Then
    assert response.status_code == 302
    monday_morning.refresh_from_db()
    assert monday_morning.opens_at.strftime("%H:%M") == "08:30"
    assert dealer.opening_periods.count() == 12
