"""红包: announced first (``announce`` at due − ``lead``), then sent by the operator."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Iterator, Literal, Mapping

from pydantic import Field

from sopengine.words import say
from sopengine.channels import OperatorInstruction
from sopengine.model.fields import Duration
from sopengine.rendering.templating import TemplateProblem, render_template
from sopengine.kinds.base import Part, PartTraits, StepBase

CENT = Decimal("0.01")
#: More yuan than any red packet holds (WeChat caps one at ¥200, a group send at ¥20,000):
#: beyond it a number is a mistake, and a huge one would overflow the arithmetic.
MAX_AMOUNT = Decimal("1000000")
MAX_COUNT = 100_000
DEFAULT_BLESSING = "恭喜发财，大吉大利"


class RedPacketStep(StepBase):
    """A red packet: ``amount`` (yuan) split into ``count`` packets, announced ``lead`` before."""

    kind_name = "red_packet"
    label = "kind.red_packet"
    examples = {
        "announce": {"text": "8点整发60个红包，感谢大家这周的坚持！", "amount": 90.0, "count": 60},
        "send": {"text": "发红包：共 ¥90.00，60 个，祝福语「恭喜发财，大吉大利」", "amount": 90.0, "count": 60,
                 "blessing": DEFAULT_BLESSING},
    }
    summary = "red packet (红包), announced first"
    extra_names = frozenset({"amount", "count"})
    kind: Literal["red_packet"]
    lead: Duration = Field(timedelta(minutes=10), description="How long before the send the announcement goes out.")
    announce: str = Field(description="Announcement template; may use {{ count }} and {{ amount }}.")
    amount: str | float | int = Field(description="Total yuan: a number or an expression template.")
    count: str | int = Field(description="Number of packets: a number or an expression template.")
    blessing: str = Field(DEFAULT_BLESSING, description="Text written on the red packet.")

    def parts(self) -> tuple[Part, ...]:
        return tuple(zip(self.part_names(), (-self.lead, timedelta(0))))

    @classmethod
    def part_names(cls) -> tuple[str | None, ...]:
        return ("announce", "send")

    @classmethod
    def traits(cls, part: str | None) -> PartTraits:
        # only a person can send a red packet; it still appears in the group, so quiet hours apply
        if part == "send":
            return PartTraits(label="kind.red_packet.send", operator_only=True)
        return PartTraits(label="kind.red_packet.announce")

    @classmethod
    def operator_instruction(cls, part: str | None, payload: Mapping[str, Any]) -> OperatorInstruction:
        if part == "send":
            blessing = str(payload.get("blessing", ""))
            return OperatorInstruction(
                say("red_packet.send", amount=f"{float(payload['amount']):.2f}", count=payload["count"],
                    blessing=blessing),
                blessing, {"amount": payload.get("amount"), "count": payload.get("count"), "blessing": blessing},
                {"amount": say("detail.amount"), "count": say("detail.count"), "blessing": say("detail.blessing")})
        return OperatorInstruction(say("red_packet.announce"), str(payload.get("text", "")))

    def problems(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        if self.lead <= timedelta(0):
            yield ("lead",), "lead must be more than 0: the announcement always goes first"

    def trial(self, context: Mapping[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """The size for this group first (amount, count, at least ¥0.01 a packet), then the texts
        with ``amount`` and ``count`` in their context."""
        sized = True
        for field, compute in (("amount", self.total_amount), ("count", self.packet_count)):
            try:
                compute(context)
            except TemplateProblem as exc:
                sized = False
                yield (field,), str(exc)
        if sized:
            try:
                self.size(context)
            except TemplateProblem as exc:
                yield ("amount",), str(exc)
        for loc, source in (("announce",), self.announce), (("blessing",), self.blessing):
            try:
                render_template(source, {**context, "amount": 1.0, "count": 1})
            except TemplateProblem as exc:
                yield loc, str(exc)

    def templates(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        for field in ("amount", "count"):
            value = getattr(self, field)
            if isinstance(value, str):
                yield (field,), value
        yield ("announce",), self.announce
        yield ("blessing",), self.blessing

    def total_amount(self, context: Mapping[str, Any]) -> Decimal:
        """Total yuan for this group, rounded to cents; TemplateProblem if not a positive number."""
        text = render_template(self.amount, context) if isinstance(self.amount, str) else str(self.amount)
        value = _finite(text, "amount")
        if value > MAX_AMOUNT:
            raise TemplateProblem(f"amount ¥{text.strip()} is more than ¥{MAX_AMOUNT}: surely a mistake")
        amount = value.quantize(CENT, rounding=ROUND_HALF_UP)
        if amount <= 0:
            raise TemplateProblem(f"amount must be more than ¥0, got {amount}")
        return amount

    def packet_count(self, context: Mapping[str, Any]) -> int:
        """Number of packets for this group; TemplateProblem unless a whole number ≥ 1."""
        text = render_template(self.count, context) if isinstance(self.count, str) else str(self.count)
        value = _finite(text, "count")
        if value > MAX_COUNT:
            raise TemplateProblem(f"count {text.strip()} is more than {MAX_COUNT} packets: surely a mistake")
        if value != value.to_integral_value() or value < 1:
            raise TemplateProblem(f"count must be a whole number of at least 1, got {text.strip()!r}")
        return int(value)

    def size(self, context: Mapping[str, Any]) -> tuple[Decimal, int]:
        """(total amount, packet count); TemplateProblem if a packet would hold under ¥0.01."""
        amount, count = self.total_amount(context), self.packet_count(context)
        if amount < CENT * count:
            raise TemplateProblem(f"amount ¥{amount} is less than ¥0.01 for each of {count} packets")
        return amount, count

    def render(self, part: str | None, context: Mapping[str, Any]) -> dict[str, Any]:
        amount, count = self.size(context)
        sized = {**context, "amount": float(amount), "count": count}
        if part == "announce":
            return {"text": render_template(self.announce, sized), "amount": float(amount), "count": count}
        blessing = render_template(self.blessing, sized)
        return {
            "text": f"发红包：共 ¥{amount}，{count} 个，祝福语「{blessing}」",
            "amount": float(amount),
            "count": count,
            "blessing": blessing,
        }


def _finite(text: str, field: str) -> Decimal:
    """``text`` as a finite number; TemplateProblem for anything else (NaN, Infinity, words)."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        raise TemplateProblem(f"{field} is not a number: {text!r}") from None
    if not value.is_finite():
        raise TemplateProblem(f"{field} must be a finite number, got {text.strip()!r}")
    return value
