"""Order documents as PDF (reportlab): the order form with its legal mentions, the deposit receipt.

Pages use the standard Helvetica font and no stream compression: the text stays searchable in
the file (and checkable in tests) without embedding a font. Helvetica's WinAnsi encoding has €,
accents and « », but not the narrow no-break space of French amounts: it becomes a plain one.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from autovitrine.catalog.selectors import Energy
from autovitrine.core.money import format_eur

from .models import Order
from .selectors import (
    MARGIN_SCHEME_MENTION,
    brand_identity,
    consumer_mediator,
    delivery_text,
    order_credits,
    order_totals,
    seller_identity,
    withdrawal_rule_text,
)

STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=STYLES["BodyText"], fontSize=9, leading=12)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9.5)
HEADING = ParagraphStyle("heading", parent=STYLES["Heading2"], fontSize=11, spaceBefore=6)


def _pdf_text(text: str) -> str:
    """Characters Helvetica (WinAnsi) cannot show are replaced by their nearest equivalent."""
    return text.replace("\u202f", " ").replace("\u2212", "-").replace("\u2011", "-")


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(_pdf_text(text)), style)


def _eur(cents: int) -> str:
    return _pdf_text(format_eur(cents, with_cents=True))


def _table(rows: Iterable[Iterable[str]], widths: list[float], *, header: bool = False) -> Table:
    table = Table([[_p(cell) for cell in row] for row in rows], colWidths=widths, hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke))
    table.setStyle(TableStyle(style))
    return table


def _render(title: str, story: list[Flowable]) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=_pdf_text(title),
        author=settings.SITE_NAME,
        lang="fr",
        pageCompression=0,
        invariant=1,
    )
    document.build(story)
    return buffer.getvalue()


def _parties(order: Order) -> Table:
    seller = "\n".join([_("Vendeur (concession de livraison)"), *seller_identity(order).lines()])
    buyer = "\n".join(
        [
            _("Acheteur"),
            order.buyer_name,
            order.street,
            f"{order.postcode} {order.city}",
            f"{order.phone} — {order.email}",
        ]
    )
    table = Table(
        [
            [
                Paragraph(escape(_pdf_text(seller)).replace("\n", "<br/>"), BODY),
                Paragraph(escape(_pdf_text(buyer)).replace("\n", "<br/>"), BODY),
            ]
        ],
        colWidths=[89 * mm, 89 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (0, 0), 0.5, colors.grey),
                ("BOX", (1, 0), (1, 0), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _vehicle_rows(order: Order) -> list[list[str]]:
    car = order.vehicle
    rows = [
        [_("Véhicule"), order.vehicle_label],
        [
            _("Type"),
            order.get_kind_display()
            + (" — " + (_("neuf") if car.get("condition") == "new" else _("occasion"))),
        ],
        [_("Énergie"), str(Energy(car["energy"]).label) if car.get("energy") else ""],
    ]
    if car.get("vin"):
        rows.append([_("VIN"), car["vin"]])
    if car.get("condition") != "new":
        rows.append([_("Année, kilométrage"), f"{car.get('year')}, {car.get('mileage_km')} km"])
    if car.get("colour"):
        rows.append([_("Teinte"), car["colour"]])
    if car.get("options"):
        rows.append([_("Options"), ", ".join(car["options"])])
    rows += [[_("Idée de la communauté"), credit] for credit in order_credits(order)]
    if car.get("co2_g_km") is not None:
        rows.append(
            [
                _("CO2 (WLTP)"),
                f"{car['co2_g_km']} g/km, {_('classe')} {car.get('energy_class') or ''}",
            ]
        )
    return rows


def _price_rows(order: Order) -> list[list[str]]:
    rows = [[_("Désignation"), _("HT"), _("TVA 20 %"), _("TTC")]]
    for row in order_totals(order):
        amount = _eur(row.ttc)
        if row.kind == "minus":
            amount = "-" + amount
        label = row.label
        if row.kind == "outside":
            label += " " + _("(hors contrat, à payer à l'immatriculation)")
        rows.append(
            [
                label,
                _eur(row.ht) if row.ht is not None else "",
                _eur(row.vat) if row.vat is not None else "",
                amount,
            ]
        )
    return rows


def _legal_mentions(order: Order) -> list[Flowable]:
    mentions = [
        _(
            "Les sommes versées d'avance sont des acomptes (art. L214-1 du Code de la consommation) : "
            "elles s'imputent sur le prix."
        ),
        withdrawal_rule_text(order)
        + " "
        + _(
            "Vous pouvez l'exercer en ligne depuis « Mes commandes » ou au moyen du formulaire "
            "type ci-dessous (annexe à l'article R221-1)."
        ),
        delivery_text(kind=order.kind, delivery_by=order.delivery_by)
        + " "
        + _(
            "Livraison à la concession indiquée ci-dessus. À défaut de livraison à la date "
            "convenue, vous pouvez résoudre le contrat dans les conditions des articles L216-6 "
            "et suivants du Code de la consommation."
        ),
        _(
            "Les frais d'immatriculation sont une estimation (taxe régionale selon la puissance "
            "fiscale et la région de résidence, taxe fixe et redevance d'acheminement) ; le malus "
            "CO2 et le malus au poids sont ceux du barème en vigueur le jour de la première "
            "immatriculation (art. L421-33 du CIBS)."
        ),
        _(
            "Si vous financez tout ou partie de l'achat par un crédit, la vente est conclue sous la "
            "condition suspensive de son obtention (art. L312-44 du Code de la consommation). "
            "Un crédit vous engage et doit être remboursé. Vérifiez vos capacités de remboursement "
            "avant de vous engager."
        ),
        _(
            "Garanties légales : garantie de conformité (art. L217-3 et suivants du Code de la "
            "consommation) et garantie des vices cachés (art. 1641 et suivants du Code civil)."
        ),
        _(
            "En cas de litige, vous pouvez recourir gratuitement au médiateur de la consommation "
            "(art. L612-1 et L616-1 du Code de la consommation) : %(name)s, %(contact)s."
        )
        % consumer_mediator(order.dealer),
        _("Site exploité par : %(brand)s.") % {"brand": ", ".join(brand_identity().lines())},
    ]
    if order.vat_scheme == Order.VatScheme.MARGIN:
        mentions.insert(0, MARGIN_SCHEME_MENTION)
    if notice := (order.vehicle or {}).get("malus_notice"):
        mentions.insert(1, str(notice))  # both scales when one changes before registration
    return [_p(text, SMALL) for text in mentions]


def _withdrawal_form(order: Order) -> list[Flowable]:
    """The standard withdrawal form of the annex to article R221-1 Code de la consommation,
    the professional's details filled in."""
    dealer = order.dealer
    identity = seller_identity(order)
    lines = [
        _("Modèle de formulaire de rétractation"),
        _(
            "(Veuillez compléter et renvoyer le présent formulaire uniquement si vous souhaitez "
            "vous rétracter du contrat.)"
        ),
        _("À l'attention de %(seller)s, %(address)s, %(email)s :")
        % {
            "seller": identity.company_name or dealer.name,
            "address": identity.address,
            "email": dealer.email,
        },
        _(
            "Je/Nous (*) vous notifie/notifions (*) par la présente ma/notre (*) rétractation du "
            "contrat portant sur la vente du bien (*)/pour la prestation de services (*) ci-dessous :"
        ),
        _("Commande %(number)s : %(vehicle)s")
        % {"number": order.number, "vehicle": order.vehicle_label},
        _("Commandé le (*)/reçu le (*) : ...................."),
        _("Nom du (des) consommateur(s) : ...................."),
        _("Adresse du (des) consommateur(s) : ...................."),
        _(
            "Signature du (des) consommateur(s) (uniquement en cas de notification du présent "
            "formulaire sur papier) : ...................."
        ),
        _("Date : ...................."),
        _("(*) Rayez la mention inutile."),
    ]
    return [Spacer(1, 4 * mm)] + [_p(text, SMALL) for text in lines]


def withdrawal_form_pdf(order: Order) -> bytes:
    """The standard withdrawal form on its own, downloadable from the order page."""
    return _render(
        _("Formulaire de rétractation %(number)s") % {"number": order.number},
        _withdrawal_form(order),
    )


def order_form_pdf(order: Order) -> bytes:
    """The order form (bon de commande) with the parties, the car, the prices and the law."""
    created = date_format(timezone.localtime(order.created_at), "j F Y")
    story: list[Flowable] = [
        _p(_("Bon de commande n° %(number)s") % {"number": order.number}, STYLES["Title"]),
        _p(
            _("Commande passée en ligne le %(date)s sur %(site)s.")
            % {"date": created, "site": settings.SITE_NAME}
        ),
        Spacer(1, 3 * mm),
        _parties(order),
        _p(_("Le véhicule"), HEADING),
        _table(_vehicle_rows(order), [45 * mm, 133 * mm]),
        _p(_("Le prix"), HEADING),
        _table(_price_rows(order), [88 * mm, 30 * mm, 30 * mm, 30 * mm], header=True),
    ]
    if order.contract_at:
        story.append(
            _p(
                _("Contrat conclu le %(date)s.")
                % {"date": date_format(timezone.localtime(order.contract_at), "j F Y")}
            )
        )
    story.append(_p(withdrawal_rule_text(order)))
    story += [
        _p(_("Informations légales"), HEADING),
        *_legal_mentions(order),
        *_withdrawal_form(order),
    ]
    return _render(_("Bon de commande %(number)s") % {"number": order.number}, story)


def deposit_receipt_pdf(order: Order) -> bytes:
    """The receipt of a paid deposit."""
    payment = order.deposit_payment
    paid_on = (
        date_format(timezone.localtime(order.contract_at), "j F Y") if order.contract_at else ""
    )
    rows = [
        [_("Commande"), order.number],
        [_("Véhicule"), order.vehicle_label],
        [_("Montant reçu"), _eur(order.deposit_cents)],
        [_("Nature"), _("Acompte sur le prix de vente, à valoir sur le solde")],
        [_("Date du paiement"), paid_on],
        [
            _("Référence du paiement"),
            f"{payment.provider} {payment.provider_id}" if payment else "",
        ],
        [_("Solde restant dû à la livraison"), _eur(order.balance_cents)],
    ]
    story: list[Flowable] = [
        _p(_("Reçu d'acompte — commande %(number)s") % {"number": order.number}, STYLES["Title"]),
        _parties(order),
        Spacer(1, 4 * mm),
        _table(rows, [55 * mm, 123 * mm]),
        Spacer(1, 4 * mm),
        _p(
            _(
                "En cas de rétractation dans les 14 jours ou de refus de la commande par la "
                "concession, cet acompte est intégralement remboursé."
            ),
            SMALL,
        ),
    ]
    return _render(_("Reçu d'acompte %(number)s") % {"number": order.number}, story)
