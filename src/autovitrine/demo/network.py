"""The demo dealer network: concessions and agents in real French cities, with fictional details.

Coordinates come from the offline places index (the city), moved by a few kilometres to where a
dealer would stand. Phone numbers are taken from the ranges ARCEP reserves for fiction, so no
real subscriber is ever called from a demo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# ARCEP ranges reserved for fiction, by the first digits of the regional zone.
FICTION_PHONE_PREFIXES = {
    "01": "01 99 00",
    "02": "02 61 91",
    "03": "03 53 01",
    "04": "04 65 71",
    "05": "05 36 49",
}
ZONE_BY_DEPARTMENT = {
    **dict.fromkeys(("75", "77", "78", "91", "92", "93", "94", "95"), "01"),
    **dict.fromkeys(
        ("14", "22", "29", "35", "37", "44", "45", "49", "50", "56", "72", "76", "85"), "02"
    ),
    **dict.fromkeys(("10", "21", "25", "51", "54", "57", "59", "62", "67", "68", "80"), "03"),
    **dict.fromkeys(
        ("06", "13", "26", "30", "34", "38", "42", "63", "66", "69", "73", "74", "83", "84"), "04"
    ),
    **dict.fromkeys(("17", "31", "33", "64", "86", "87"), "05"),
}

Span = tuple[dt.time, dt.time]


def _span(opens: str, closes: str) -> Span:
    return dt.time.fromisoformat(opens), dt.time.fromisoformat(closes)


# Weekly opening hours (0 = Monday), the three patterns of a French network.
HOURS: dict[str, dict[int, tuple[Span, ...]]] = {
    # Closed for lunch, open Saturday.
    "concession": {
        **{day: (_span("08:30", "12:30"), _span("13:30", "19:00")) for day in range(5)},
        5: (_span("09:00", "12:30"), _span("14:00", "18:00")),
    },
    # Open through lunch (big city showrooms).
    "continue": {
        **{day: (_span("09:00", "19:00"),) for day in range(5)},
        5: (_span("09:00", "18:00"),),
    },
    # Village agent: closed Monday morning, Saturday morning only.
    "agent": {
        0: (_span("14:00", "18:30"),),
        **{day: (_span("08:30", "12:00"), _span("14:00", "18:30")) for day in range(1, 5)},
        5: (_span("08:30", "12:00"),),
    },
}


@dataclass(frozen=True, slots=True)
class DealerSpec:
    code: str
    name: str
    kind: str  # Dealer.Kind value
    city: str
    postcode: str
    street: str
    north_km: float  # offset from the city's coordinates to the dealer's site
    east_km: float
    hours: str  # a key of HOURS
    sells_new: bool = True
    sells_used: bool = True
    has_workshop: bool = True


def _concession(
    code: str,
    name: str,
    city: str,
    postcode: str,
    street: str,
    north_km: float,
    east_km: float,
    hours: str = "concession",
) -> DealerSpec:
    return DealerSpec(code, name, "concession", city, postcode, street, north_km, east_km, hours)


def _agent(
    code: str,
    name: str,
    city: str,
    postcode: str,
    street: str,
    north_km: float,
    east_km: float,
    sells_used: bool = True,
) -> DealerSpec:
    return DealerSpec(
        code,
        name,
        "agent",
        city,
        postcode,
        street,
        north_km,
        east_km,
        "agent",
        sells_used=sells_used,
    )


# Lyon first and Marseille second: the demo accounts work there, whatever ``--dealers`` says.
# fmt: off
DEALERS: tuple[DealerSpec, ...] = (
    _concession("aurore-lyon-gerland", "Aurore Lyon Gerland", "Lyon", "69007", "212 avenue Tony Garnier", -2.1, -1.0, hours="continue"),
    _concession("aurore-marseille-prado", "Aurore Marseille Prado", "Marseille", "13008", "145 avenue du Prado", -2.6, -0.4, hours="continue"),
    _concession("aurore-paris-convention", "Aurore Paris 15 Convention", "Paris", "75015", "88 rue de la Convention", -1.8, -4.2, hours="continue"),
    _concession("aurore-paris-berthier", "Aurore Paris 17 Berthier", "Paris", "75017", "24 boulevard Berthier", 2.6, -2.0, hours="continue"),
    _concession("aurore-toulouse-espagne", "Aurore Toulouse Route d'Espagne", "Toulouse", "31100", "230 route d'Espagne", -4.2, -1.1),
    _concession("aurore-nice-cassin", "Aurore Nice Cassin", "Nice", "06200", "61 boulevard René Cassin", -0.9, -2.6),
    _concession("aurore-nantes-vannes", "Aurore Nantes Route de Vannes", "Nantes", "44100", "300 route de Vannes", 2.4, -3.1),
    _concession("aurore-strasbourg-colmar", "Aurore Strasbourg Meinau", "Strasbourg", "67100", "171 route de Colmar", -3.3, 0.4),
    _concession("aurore-bordeaux-thiers", "Aurore Bordeaux Bastide", "Bordeaux", "33100", "96 avenue Thiers", 0.2, 1.8),
    _concession("aurore-lille-roubaix", "Aurore Lille Euralille", "Lille", "59000", "41 rue du Faubourg de Roubaix", 0.8, 1.1, hours="continue"),
    _concession("aurore-rennes-lorient", "Aurore Rennes Route de Lorient", "Rennes", "35000", "152 route de Lorient", -0.4, -3.0),
    _concession("aurore-montpellier-palavas", "Aurore Montpellier Palavas", "Montpellier", "34070", "455 avenue de Palavas", -2.7, 0.6),
    _concession("aurore-villeurbanne-zola", "Aurore Villeurbanne", "Villeurbanne", "69100", "237 cours Émile Zola", 0.0, 0.9),
    _concession("aurore-grenoble-jaures", "Aurore Grenoble Jaurès", "Grenoble", "38000", "118 cours Jean Jaurès", -1.6, -0.3),
    _concession("aurore-saint-etienne-janin", "Aurore Saint-Étienne", "Saint-Étienne", "42000", "25 boulevard Jules Janin", 1.2, 0.5),
    _concession("aurore-reims-laon", "Aurore Reims", "Reims", "51100", "180 avenue de Laon", 2.0, -0.2),
    _concession("aurore-le-havre-strasbourg", "Aurore Le Havre", "Le Havre", "76600", "210 boulevard de Strasbourg", 0.3, 1.4),
    _concession("aurore-toulon-strasbourg", "Aurore Toulon", "Toulon", "83000", "95 boulevard de Strasbourg", 0.1, 0.4),
    _concession("aurore-dijon-drapeau", "Aurore Dijon", "Dijon", "21000", "64 avenue du Drapeau", 1.9, 0.8),
    _concession("aurore-angers-pasteur", "Aurore Angers", "Angers", "49100", "30 avenue Pasteur", 0.4, 1.2),
    _concession("aurore-nimes-avignon", "Aurore Nîmes", "Nîmes", "30000", "1150 route d'Avignon", 1.5, 2.2),
    _concession("aurore-clermont-flaubert", "Aurore Clermont-Ferrand", "Clermont-Ferrand", "63000", "12 boulevard Gustave Flaubert", -1.4, 1.0),
    _concession("aurore-le-mans-durand", "Aurore Le Mans", "Le Mans", "72100", "150 avenue Georges Durand", -2.3, 0.4),
    _concession("aurore-aix-galice", "Aurore Aix-en-Provence", "Aix-en-Provence", "13090", "1330 route de Galice", -0.8, -1.9),
    _concession("aurore-brest-paris", "Aurore Brest", "Brest", "29200", "240 rue de Paris", 0.9, 2.1),
    _concession("aurore-tours-grammont", "Aurore Tours", "Tours", "37000", "112 avenue de Grammont", -1.0, 0.2),
    _concession("aurore-amiens-abbeville", "Aurore Amiens", "Amiens", "80000", "320 route d'Abbeville", 0.8, -2.2),
    _concession("aurore-limoges-toulouse", "Aurore Limoges", "Limoges", "87000", "92 avenue de Toulouse", -2.2, 0.6),
    _agent("aurore-annecy-agent", "Garage du Semnoz — agent Aurore", "Annecy", "74000", "18 avenue de Genève", 0.9, 0.3),
    _agent("aurore-perpignan-agent", "Garage Catalan — agent Aurore", "Perpignan", "66000", "52 avenue du Languedoc", 1.1, 0.2),
    _agent("aurore-metz-agent", "Garage de la Seille — agent Aurore", "Metz", "57000", "7 rue aux Arènes", -0.6, 0.3),
    _agent("aurore-besancon-agent", "Garage des Chaprais — agent Aurore", "Besançon", "25000", "39 rue de Belfort", 0.7, 0.9),
    _agent("aurore-orleans-agent", "Garage de la Source — agent Aurore", "Orléans", "45000", "15 rue du Faubourg Bannier", 1.0, -0.3, sells_used=False),
    _agent("aurore-rouen-agent", "Garage des Docks — agent Aurore", "Rouen", "76000", "4 quai du Havre", -0.2, -0.6),
    _agent("aurore-caen-agent", "Garage Vaucelles — agent Aurore", "Caen", "14000", "22 rue d'Auge", -0.7, 0.5),
    _agent("aurore-mulhouse-agent", "Garage du Rebberg — agent Aurore", "Mulhouse", "68100", "60 avenue d'Altkirch", -1.0, 0.2, sells_used=False),
    _agent("aurore-nancy-agent", "Garage Stanislas — agent Aurore", "Nancy", "54000", "81 avenue de Strasbourg", -0.5, 0.9),
    _agent("aurore-avignon-agent", "Garage des Remparts — agent Aurore", "Avignon", "84000", "12 route de Lyon", 0.8, 1.0),
    _agent("aurore-poitiers-agent", "Garage du Clain — agent Aurore", "Poitiers", "86000", "95 avenue de la Libération", 1.4, -0.7),
    _agent("aurore-la-rochelle-agent", "Garage des Minimes — agent Aurore", "La Rochelle", "17000", "8 avenue Jean Guiton", 0.3, 0.8),
    _agent("aurore-pau-agent", "Garage du Béarn — agent Aurore", "Pau", "64000", "33 avenue Jean Mermoz", 1.2, -0.4),
    _agent("aurore-chambery-agent", "Garage des Charmettes — agent Aurore", "Chambéry", "73000", "71 avenue de Lyon", 0.2, -0.9),
)
# fmt: on


def fiction_phone(department: str, index: int) -> str:
    """A number from the fiction range of the department's zone, different for each dealer."""
    prefix = FICTION_PHONE_PREFIXES[ZONE_BY_DEPARTMENT.get(department, "01")]
    line = 1000 + index * 37
    return f"{prefix} {line // 100 % 100:02d} {line % 100:02d}"
