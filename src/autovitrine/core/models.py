"""Base model pieces shared by every app."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        abstract = True


class CoveringIndex(models.Index):
    """An index carrying ``covering`` columns (``INCLUDE``) where the database has them: on
    PostgreSQL a query reads them from the index alone. SQLite has no such columns and gets the
    plain index, as Django would build it; declaring them as ``include`` would say so in a
    system-check warning (models.W040) on every start of the embedded default."""

    def __init__(self, *, covering: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.covering = tuple(covering)

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if not schema_editor.connection.features.supports_covering_indexes:
            return super().create_sql(model, schema_editor, using, **kwargs)
        with_columns = copy.copy(self)
        with_columns.include = self.covering
        return models.Index.create_sql(with_columns, model, schema_editor, using, **kwargs)

    def deconstruct(self) -> Any:
        path, args, kwargs = super().deconstruct()
        return path, args, {**kwargs, "covering": self.covering}
