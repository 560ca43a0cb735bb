"""Writes on the catalogue that other apps need (the malus scales' loading is in
``services_malus``)."""

from __future__ import annotations

from .models import CarModel


def car_model_lock(car_model_id: int) -> None:
    """Row-lock a model inside the caller's transaction: the writes of one model's product data
    (revision numbers, publications) then wait for each other."""
    CarModel.objects.select_for_update().only("pk").get(pk=car_model_id)
