"""Demo community: a campaign on the Aurore Lumo in its vote phase, 40 collaborators (the demo
buyer among them), 24 ideas, votes, threaded comments, one idea adopted and one merged."""

from __future__ import annotations

import contextlib
import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from autovitrine.accounts.models import User
from autovitrine.catalog.models import CarModel
from autovitrine.community import services
from autovitrine.community.models import Campaign, Collaborator, Idea, Membership
from autovitrine.community.text import markdown_html

from .loader import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, Tick, _no_tick

CAMPAIGN_SLUG = "lumo-de-demain"
MEMBERS = 40
IDEAS = (
    (
        "design",
        "Un toit panoramique ouvrant",
        "Un grand toit vitré **qui s'ouvre**, pour la lumière.",
    ),
    ("design", "Une teinte vert sauge mat", "Une couleur douce et mate, originale en ville."),
    ("design", "Des jantes aérodynamiques 16 pouces", "Moins de traînée, plus d'autonomie."),
    ("materials", "Sièges en tissu recyclé", "Des bouteilles recyclées plutôt que du cuir."),
    ("materials", "Planche de bord en liège", "Un matériau naturel, chaud et léger."),
    ("materials", "Tapis en caoutchouc lavable", "Pour les familles et les chiens."),
    ("features", "Sièges avant chauffants de série", "Indispensable l'hiver, même en ville."),
    ("features", "Volant chauffant", "Les mains au chaud dès le démarrage."),
    ("features", "Prise 230 V dans le coffre", "Pour un vélo électrique ou un ordinateur."),
    ("features", "Recharge du téléphone par induction", "Sans câble, sur la console."),
    ("features", "Coffre modulable à double plancher", "Un plancher réglable en hauteur."),
    ("features", "Aide au stationnement à 360°", "Quatre caméras pour se garer en ville."),
    (
        "manufacturing",
        "Usine alimentée en énergie solaire",
        "Des toits d'usine couverts de panneaux.",
    ),
    ("manufacturing", "Pièces réparables et démontables", "Des vis plutôt que de la colle."),
    (
        "manufacturing",
        "Batterie reconditionnable",
        "Changer les modules usés, pas toute la batterie.",
    ),
    ("marketing", "Un essai de 48 heures", "Garder la voiture un week-end avant d'acheter."),
    ("marketing", "Un club des propriétaires", "Des sorties et des ateliers entre propriétaires."),
    (
        "marketing",
        "Une édition limitée dessinée par la communauté",
        "Les idées les plus votées réunies.",
    ),
    ("features", "Mode ville à une pédale", "Freinage régénératif fort en ville."),
    ("design", "Feux arrière en forme d'aurore", "Une signature lumineuse reconnaissable."),
    ("features", "Sieges chauffants pour tous", "Les sièges avant chauffants en série."),
    ("materials", "Volant en matière végétale", "Une alternative au cuir."),
    ("features", "Porte-vélos intégré", "Un porte-vélos qui sort du pare-chocs."),
    ("design", "Toit ouvrant en verre", "Un toit vitré qui s'ouvre."),
)
COMMENTS = (
    "Excellente idée, je signe !",
    "Et si c'était en option plutôt que de série ?",
    "J'en rêve depuis des années.",
    "Attention au prix final.",
    "Oui, surtout pour l'hiver à Lyon.",
)


def load_community(tick: Tick = _no_tick) -> int:
    """The demo campaign and its activity; nothing when the campaign exists already."""
    if Campaign.objects.filter(slug=CAMPAIGN_SLUG).exists():
        tick(MEMBERS + len(IDEAS))
        return 0
    rng = random.Random(3)
    now = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.create(
            slug=CAMPAIGN_SLUG,
            title="La Lumo de demain",
            theme="Imaginez avec nous la prochaine Aurore Lumo : design, matériaux, équipements.",
            car_model=CarModel.objects.filter(code="aurore-lumo").first(),
            categories=["design", "materials", "features", "manufacturing", "marketing"],
            rules="Une idée par proposition, des échanges courtois, pas de publicité.",
            ideas_open_at=now - dt.timedelta(days=30),
            votes_open_at=now - dt.timedelta(days=30),
            results_at=now + dt.timedelta(days=30),
            closed_at=now + dt.timedelta(days=60),
        )
        members = []
        buyer = User.objects.filter(email=f"acheteur@{DEMO_EMAIL_DOMAIN}").first()
        # Hashed once for all the members: one hash costs production's hasher about 0.2 s, and
        # they share the one published demo password anyway.
        password = make_password(DEMO_PASSWORD)
        for i in range(MEMBERS):
            user = buyer if i == 0 and buyer else None
            if user is None:
                user = User.objects.create(
                    email=f"communaute{i}@{DEMO_EMAIL_DOMAIN}",
                    password=password,
                    first_name=f"Membre {i}",
                )
            collaborator = Collaborator.objects.filter(
                user=user
            ).first() or services.collaborator_save(
                user=user, public_name="Camille" if i == 0 else f"Contributeur{i}"
            )
            Membership.objects.create(
                campaign=campaign,
                collaborator=collaborator,
                terms_version=campaign.terms_version,
                licence=campaign.licence,
                licence_version=campaign.licence_version,
            )
            members.append(collaborator)
            tick(1)
        ideas = []
        for n, (category, title, body) in enumerate(IDEAS):
            author = members[n % MEMBERS]
            idea = Idea.objects.create(
                campaign=campaign,
                author=author,
                title=title,
                body=body,
                body_html=markdown_html(body),
                category=category,
                status=Idea.Status.NEW,
            )
            Idea.objects.filter(pk=idea.pk).update(
                created_at=now - dt.timedelta(hours=rng.randint(1, 600))
            )
            idea.refresh_from_db()
            ideas.append(idea)
            for voter in rng.sample(members, rng.randint(0, 25)):
                services.idea_vote(idea_id=idea.pk, voter=voter)
            for text in rng.sample(COMMENTS, rng.randint(0, 3)):
                comment = services.comment_create(idea=idea, author=rng.choice(members), body=text)
                if rng.random() < 0.4:
                    services.comment_create(
                        idea=idea, author=author, body="Merci pour ce retour !", parent=comment
                    )
            tick(1)
        head_office = User.objects.filter(kind=User.Kind.HEAD_OFFICE).first()
        if head_office is not None:
            services.idea_merge(source=ideas[23], target=ideas[0], by=head_office)
            services.idea_status_set(
                idea=ideas[6],
                status=Idea.Status.ADOPTED,
                answer="Adoptée : les sièges chauffants arrivent sur la Lumo.",
                by=head_office,
            )
            services.idea_merge(source=ideas[20], target=ideas[6], by=head_office)
            # The Lumo's heated seats, credited in its configurator (when its data is published).
            with contextlib.suppress(ValidationError):
                services.idea_link_option(
                    idea=ideas[6],
                    by=head_office,
                    model_code="aurore-lumo",
                    family="sieges-chauffants",
                    value="1",
                )
            services.idea_status_set(
                idea=ideas[3],
                status=Idea.Status.PLANNED,
                answer="Prévue pour le millésime suivant.",
                by=head_office,
            )
            services.idea_status_set(
                idea=ideas[1],
                status=Idea.Status.UNDER_REVIEW,
                answer="Notre équipe design l'étudie.",
                by=head_office,
            )
    return 1 + len(members) + len(ideas)


def wipe_community() -> int:
    """Remove the demo campaign and everything the demo accounts wrote in the community."""
    from autovitrine.community.models import Comment, IdeaOptionLink, ModerationAction

    demo_users = User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
    campaign = Campaign.objects.filter(slug=CAMPAIGN_SLUG)
    deleted = 0
    for queryset in (
        ModerationAction.objects.filter(actor__in=demo_users),
        IdeaOptionLink.objects.filter(linked_by__in=demo_users),
        Comment.objects.filter(idea__campaign__in=campaign),
        Idea.objects.filter(campaign__in=campaign, merged_into__isnull=False),  # merged first
        Idea.objects.filter(campaign__in=campaign),
        campaign,
        Collaborator.objects.filter(user__in=demo_users),
    ):
        deleted += queryset.delete()[0]
    return deleted
