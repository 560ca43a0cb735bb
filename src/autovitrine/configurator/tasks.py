"""Background work of the configurator: compiling and publishing a revision of product data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django_tasks import task


@task()
def product_data_publish_task(product_data_id: int, by_id: int | None) -> None:
    """Compile every market of a revision and publish it; on failure the revision is back to
    draft with the reason in its « compilation » field (the admin shows it)."""
    from django.contrib.auth import get_user_model

    from .services import product_data_publish

    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    try:
        product_data_publish(product_data_id=product_data_id, by=by)
    except ValidationError:
        return  # the reason is stored on the revision


@task()
def cheapest_compute(product_data_id: int, state_key: str) -> None:
    """The cheapest complete car with a buyer's choices (MaxSAT), cached per revision and
    choices for the summary page, which shows it when ready."""
    from django.core.cache import cache

    from .models import ProductData
    from .selectors import cheapest_cache_key, choices_parse, selection_tokens
    from .services import configurator_for

    product_data = ProductData.objects.defer("document", "problems").filter(pk=product_data_id)
    found = product_data.first()
    if found is None:
        return
    tokens = selection_tokens(found, state_key)
    if tokens is None:
        return
    configurator = configurator_for(found)
    choices, _dropped = choices_parse(configurator, tokens)
    cheapest = configurator.cheapest_completion(dict(choices))
    if cheapest is not None:
        cache.set(cheapest_cache_key(found, state_key), cheapest.configuration, 24 * 3600)
