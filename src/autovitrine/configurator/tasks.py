"""Background work of the configurator: compiling and publishing a revision of product data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django_tasks import task


@task()
def product_data_publish_task(product_data_id: int, by_id: int | None) -> None:
    """Compile every market of a revision and publish it; on failure the revision is back to
    draft with the reason in its « compilation » field (the admin shows it)."""
    from autovitrine.accounts.models import User

    from .services import product_data_publish

    by = User.objects.filter(pk=by_id).first() if by_id else None
    try:
        product_data_publish(product_data_id=product_data_id, by=by)
    except ValidationError:
        return  # the reason is stored on the revision
