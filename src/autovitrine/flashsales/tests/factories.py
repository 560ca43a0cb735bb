"""Helpers of the flash-sale tests: drive buyers through the real services."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from autovitrine.flashsales import services
from autovitrine.flashsales.models import FlashSale
from autovitrine.flashsales.tokens import (
    admission_token_issue,
    proof_of_work_solve,
)


@dataclass
class SaleKit:
    sale: FlashSale
    vehicles: list[Any]
    head_office: Any

    @property
    def info(self) -> services.SaleInfo:
        self.sale.refresh_from_db()
        return services.SaleInfo(
            self.sale.pk,
            self.sale.slug,
            self.sale.status,
            self.sale.admission_seconds,
            self.sale.pow_difficulty_bits,
            int(self.sale.opens_at.timestamp() * 1000),
            self.sale.limit_per_customer,
        )

    def open(self) -> None:
        services.sale_open(sale_id=self.sale.pk, by=self.head_office, early=True)
        self.sale.refresh_from_db()


def join(kit: SaleKit, customer: Any, *, ip: str = "203.0.113.7", key: str = "") -> dict:
    """What the page does: solve the proof of work, then join."""
    info = kit.info
    issued = services.join_challenge(
        info=info,
        customer_id=customer.pk,
        account_created_s=services.account_created_s(customer),
        client_ip=ip,
    )
    return services.queue_join(
        info=info,
        customer=customer,
        client_ip=ip,
        challenge=issued["challenge"],
        nonce=proof_of_work_solve(issued["challenge"], issued["difficulty"]),
        idempotency_key=key or uuid.uuid4().hex,
    )


def status(kit: SaleKit, customer: Any | None) -> dict:
    return services.queue_status(info=kit.info, customer_id=customer.pk if customer else None)


def claim(kit: SaleKit, customer: Any, token: str, *, key: str = "") -> services.ClaimAnswer:
    return services.unit_claim(
        sale_id=kit.sale.pk, customer=customer, token=token, idempotency_key=key or uuid.uuid4().hex
    )


def direct_token(kit: SaleKit, customer: Any, *, seconds: int = 60) -> str:
    """An admission as the waiting room would sign it, for a buyer it never let through.

    Used to show that the database alone prevents overselling, whatever the room does.
    """
    now_ms = int(time.time() * 1000)
    return admission_token_issue(
        sale_id=kit.sale.pk,
        customer_id=customer.pk,
        admitted_at_ms=now_ms,
        until_ms=now_ms + seconds * 1000,
    )


def poll_all(kit: SaleKit, customers: list[Any]) -> tuple[dict[Any, str], list[Any]]:
    """Every buyer's page polls once: their admission tokens, and who is still waiting."""
    tokens, waiting = {}, []
    for customer in customers:
        answer = status(kit, customer)
        if answer["place"] == "admitted":
            tokens[customer] = answer["admission"]["token"]
        else:
            waiting.append(customer)
    return tokens, waiting
