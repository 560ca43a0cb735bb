"""The dealer's staff learns by e-mail that a deposit was paid on one of its orders."""

from __future__ import annotations

from autovitrine.testing import factories as f

from .conftest import pay


def test_the_dealers_staff_is_emailed_when_a_deposit_is_paid(
    place, dealer, mailoutbox, django_capture_on_commit_callbacks
):
    # Given an order delivered by the dealer, which has two salesmen (one of them left)
    f.DealerStaffFactory(dealer=dealer, user__email="a@concession.fr")
    f.DealerStaffFactory(dealer=dealer, user__email="b@concession.fr", user__is_active=False)
    order = place()

    # When
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)

    # Then
    told = [m for m in mailoutbox if m.to == ["a@concession.fr"]]
    assert len(told) == 1
    assert told[0].subject == f"Acompte payé : commande {order.number} à confirmer"
    assert f"/commandes/concession/{order.number}/" in told[0].body
    assert not [m for m in mailoutbox if "b@concession.fr" in m.to]


def test_a_refused_deposit_tells_the_dealer_nothing(
    place, dealer, mailoutbox, django_capture_on_commit_callbacks
):
    f.DealerStaffFactory(dealer=dealer, user__email="a@concession.fr")
    order = place()

    with django_capture_on_commit_callbacks(execute=True):
        pay(order, paid=False)

    assert not [m for m in mailoutbox if m.to == ["a@concession.fr"]]
