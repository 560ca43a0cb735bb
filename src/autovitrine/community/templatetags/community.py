"""Template tags other apps' pages load (``{% load community %}``): the configurator asks which
value came from a community idea, an order which ideas its car includes. Loading a tag library is
not a Python import, so the arrow stays community → configurator/orders."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .. import selectors

register = template.Library()

BADGES = {
    "owner": _("propriétaire"),
    "ordered": _("a commandé"),
    "configured": _("a configuré"),
}


@register.simple_tag
def badge_for(badges: dict[int, str], collaborator_id: int) -> str:
    kind = badges.get(collaborator_id)
    if not kind:
        return ""
    return format_html(' <span class="badge badge-{}">{}</span>', kind, BADGES[kind])


@register.simple_tag
def bar_step(value: int, peak: int) -> int:
    """0–10: the CSS class of a bar (no inline style under the CSP)."""
    return round(10 * value / peak) if peak else 0


@register.simple_tag
def community_idea(model_code: str, family: str, value: Any) -> str:
    """ "Une idée de la communauté" with its link, on a configurator value that came from one."""
    text = str(int(value)) if isinstance(value, bool) else str(value)
    link = selectors.idea_for_value(model_code=model_code, family=family, value=text)
    if link is None:
        return ""
    from django.urls import reverse

    return format_html(
        '<a class="community-idea" href="{}">{}</a>',
        reverse("community:idea", kwargs={"pk": link.idea_id}),
        _("Une idée de la communauté"),
    )


@register.simple_tag
def community_ideas_in(model_code: str, configuration: dict[str, Any]) -> list[str]:
    """ "Votre voiture comporte l'idée de …, adoptée en …" lines for an order or a saved car."""
    from django.utils.formats import date_format

    lines = []
    for link in selectors.ideas_in_configuration(
        model_code=model_code, configuration=configuration
    ):
        adopted = link.idea.adopted_at or link.created_at
        lines.append(
            _("Votre voiture comporte l'idée de %(name)s, adoptée en %(month)s.")
            % {"name": link.idea.author.public_name, "month": date_format(adopted, "F Y")}
        )
    return lines


@register.simple_tag
def community_ideas_by_family(model_code: str) -> dict[str, list[Any]]:
    """Every idea-to-value link of a model, by family: one query for a whole configurator step."""
    grouped: dict[str, list[Any]] = {}
    for (family, _value), link in selectors.ideas_for_model(model_code).items():
        grouped.setdefault(family, []).append(link)
    return grouped


@register.simple_tag
def community_credit(links_by_family: dict[str, list[Any]], family: str) -> str:
    """ "Une idée de la communauté" under a configurator family or option that came from one."""
    from django.urls import reverse
    from django.utils.html import format_html_join

    links = links_by_family.get(family) or []
    return format_html_join(
        " ",
        '<a class="community-idea" href="{}" title="{}">{}</a>',
        (
            (
                reverse("community:idea", kwargs={"pk": link.idea_id}),
                link.idea.title,
                _("Une idée de la communauté"),
            )
            for link in links
        ),
    )
