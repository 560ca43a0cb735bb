"""JSON shapes of ``orders``' API answers: the taxes due at a stock car's registration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from ninja import Field, Schema

from autovitrine.inventory.schemas import VehicleOut

if TYPE_CHECKING:
    from .selectors import SaleTaxes


class RegistrationTaxLineOut(Schema):
    code: Literal["malus", "weight_malus", "registration"] = Field(
        description="`malus` : malus CO2 (CIBS L421-58 et suivants) ; `weight_malus` : malus au "
        "poids (L421-71 et suivants) ; `registration` : carte grise, estimation (L421-30)."
    )
    label: str
    amount_cents: int = Field(ge=0, description="Montant TTC en centimes (hors TVA).")


class RegistrationTaxesOut(Schema):
    lines: list[RegistrationTaxLineOut] = Field(
        description="Les lignes de la commande de ce véhicule, calculées par la même règle."
    )
    notice: str = Field(description="Changement de barème avant l'immatriculation, sinon vide.")
    exemptions_note: str = Field(
        description="Exonérations du malus au poids propres à l'acheteur (non calculées)."
    )
    region_of: Literal["buyer", "dealer"] = Field(
        description="Région de la carte grise : le code postal demandé (ou celui du compte "
        "connecté), sinon celui de la concession de livraison."
    )
    collected_by_seller: bool = Field(
        description="Faux : ces taxes sont payées à l'immatriculation, hors du total du contrat."
    )

    @staticmethod
    def of(taxes: SaleTaxes) -> dict[str, object]:
        return {
            "lines": [
                {"code": line.code, "label": str(line.label), "amount_cents": line.ttc}
                for line in taxes.lines
            ],
            "notice": taxes.notice,
            "exemptions_note": taxes.exemptions_note,
            "region_of": "dealer" if taxes.region_of_dealer else "buyer",
            "collected_by_seller": taxes.collected_by_seller,
        }


class VehicleWithTaxesOut(VehicleOut):
    registration_taxes: RegistrationTaxesOut | None = Field(
        description="Taxes dues à l'immatriculation, comme sur la page du véhicule ; `null` "
        "sans émissions ni puissance connues."
    )
