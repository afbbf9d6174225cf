"""Step kinds: one pydantic model per kind, looked up by name.

Built-in kinds live here; plugins add theirs through the ``register_kinds``
hook (see :mod:`sopengine.hookspecs`) into a :class:`KindRegistry`.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from sopengine.kinds.base import NO_PARTS, Part, PartTraits, StepBase, TextStep
from sopengine.kinds.dissolution import DISSOLVED_NAME, DissolutionStep
from sopengine.kinds.members import CleanupStep, RecognitionStep
from sopengine.kinds.posts import MessageStep, MorningPostStep, RulesStep, TaskStep, TopicStep
from sopengine.kinds.red_packet import RedPacketStep
from sopengine.kinds.rename import RenameStep
from sopengine.kinds.survey import SurveyStep

BUILTIN_KINDS: tuple[type[StepBase], ...] = (
    MessageStep, MorningPostStep, TopicStep, RulesStep, TaskStep,
    RedPacketStep, SurveyStep, RenameStep, DissolutionStep, RecognitionStep, CleanupStep,
)


class KindRegistry(Mapping[str, type[StepBase]]):
    """Kind name → step model. Registering a name twice is an error."""

    def __init__(self, kinds: Iterable[type[StepBase]] = BUILTIN_KINDS):
        self._kinds: dict[str, type[StepBase]] = {}
        for kind in kinds:
            self.register(kind)

    def register(self, kind: type[StepBase]) -> None:
        """Add ``kind`` (a StepBase subclass with ``kind_name`` set)."""
        if not (isinstance(kind, type) and issubclass(kind, StepBase) and kind.kind_name):
            raise TypeError(f"{kind!r} is not a StepBase subclass with a kind_name")
        if kind.kind_name in self._kinds:
            raise ValueError(f"kind {kind.kind_name!r} is already registered")
        self._kinds[kind.kind_name] = kind

    def __getitem__(self, name: str) -> type[StepBase]:
        return self._kinds[name]

    def __iter__(self):
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)


__all__ = [
    "BUILTIN_KINDS", "CleanupStep", "DISSOLVED_NAME", "DissolutionStep", "KindRegistry", "MessageStep",
    "MorningPostStep", "NO_PARTS", "Part", "PartTraits", "RecognitionStep", "RedPacketStep", "RenameStep", "RulesStep",
    "StepBase", "SurveyStep", "TaskStep", "TextStep", "TopicStep",
]
