"""The makes a used car in stock may carry: a controlled list, so "VW", "Volkswagen" and
"volkswagen" are one make in search and statistics (the brands sold new on the platform are
catalogue brands and need not be listed here)."""

from __future__ import annotations

USED_CAR_MAKES: tuple[str, ...] = (
    "Abarth", "Alfa Romeo", "Alpine", "Aston Martin", "Audi", "Bentley", "BMW", "BYD",
    "Cadillac", "Chevrolet", "Citroën", "Cupra", "Dacia", "DS", "Ferrari", "Fiat", "Ford",
    "Honda", "Hyundai", "Infiniti", "Jaguar", "Jeep", "Kia", "Lamborghini", "Lancia",
    "Land Rover", "Lexus", "Lotus", "Lynk & Co", "Maserati", "Mazda", "Mercedes-Benz", "MG",
    "Mini", "Mitsubishi", "Nissan", "Opel", "Peugeot", "Polestar", "Porsche", "Renault",
    "Rolls-Royce", "Saab", "Seat", "Skoda", "Smart", "SsangYong", "Subaru", "Suzuki", "Tesla",
    "Toyota", "Volkswagen", "Volvo",
)  # fmt: skip
