"""What every step has, whatever its kind, and the contract a kind fulfils.

A *kind* is a pydantic model subclassing :class:`StepBase`. It declares its
parts (``parts()``: name and offset from the occurrence's due time, in part
order), the template fields to check (``templates()``), and how one part
renders into channel-neutral payload fields (``render()``). Rendering is pure:
it sees only the plain-data template context it is given.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar, Iterator, Literal, Mapping

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sopengine.words import say
from sopengine.channels import OperatorInstruction
from sopengine.model.content import LinkCard, MediaFile, MiniProgram
from sopengine.model.fields import Duration, StepId
from sopengine.rendering.templating import TemplateProblem, render_template

Part = tuple[str | None, timedelta]
"""A part of an occurrence: its name (None for single-part kinds) and offset."""

NO_PARTS: tuple[Part, ...] = ((None, timedelta(0)),)
#: The instruction of a post an operator pastes.
#: The catalogue key of the usual instruction: paste the text (see :mod:`sopengine.words`).
PASTE = "instruction.paste"


@dataclass(frozen=True)
class PartTraits:
    """What the rest of the engine asks of one part of a kind, so no name is special-cased there.

    ``operator_only``: work only a person can do (send a red packet, rename or dissolve the
    group): an automatic channel posts a note for the operator instead. ``quiet_exempt``: it posts
    nothing into the group, so quiet hours do not apply. ``ends_group``: once done, the group is
    dissolved and nothing more is sent to it. ``label``: how operators call it, in Chinese.
    """

    label: str
    operator_only: bool = False
    quiet_exempt: bool = False
    ends_group: bool = False


class RelativeTiming(BaseModel):
    """``{step: live, by: 1h}``: timed from each occurrence of another step of the SOP."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    step: StepId = Field(description="The step this one is timed from (an at or cron step of the same SOP).")
    by: Duration = Field(description="How long before (or after) each of its occurrences.")


class StepBase(BaseModel):
    """Fields common to every step (timing, rules, routing)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    #: Kind name in SOP files; set by each subclass.
    kind_name: ClassVar[str] = ""
    #: One-line description for ``sopengine schema`` and docs.
    summary: ClassVar[str] = ""
    #: Names this kind adds to its own templates' context (e.g. count, amount).
    extra_names: ClassVar[frozenset[str]] = frozenset()
    #: How operators call the kind (早报, 红包…): a literal text, or a key of :mod:`sopengine.words`.
    label: ClassVar[str] = ""
    #: The kind asks the group for feedback (a survey): lint looks for one in long-lived groups.
    gathers_feedback: ClassVar[bool] = False
    #: Part name → a realistic rendered payload of it, for channel tests (``sopengine.testing``).
    examples: ClassVar[Mapping[str | None, Mapping[str, Any]]] = {}
    #: The kind renders from the group's members (``group_members`` in its context; see
    #: :mod:`sopengine.kinds.members`): whoever renders it at its time reads them from the store.
    reads_members: ClassVar[bool] = False
    #: ``where`` picks which members get a per-member step (a kind whose ``where`` is its own
    #: rule, such as the cleanup's list of members to remove, sets this false).
    where_picks_members: ClassVar[bool] = True

    id: StepId = Field(description="Unique within the SOP; part of every action key.")
    kind: str
    at: str | list[str] | None = Field(None, description="`day N HH:MM`, `YYYY-MM-DD HH:MM`, or a list of them.")
    cron: str | None = Field(None, description="Five-field cron expression in the SOP's timezone.")
    days: str | int | None = Field(None, description="Window of days for `cron`: `A-B`, `A-`, `1,3,5` or `N`.")
    on: str | None = Field(None, description="Event that triggers the step, e.g. member_joined.")
    delay: Duration | None = Field(None, description="With `on`: wait this long after the event.")
    skip: list[Literal["holidays"]] = Field(default_factory=list)
    only: Literal["workdays"] | None = None
    before: RelativeTiming | None = Field(None, description="Timed before each occurrence of another step "
                                                            "(`{step: live, by: 1h}`): it follows that step's moves.")
    after: RelativeTiming | None = Field(None, description="Timed after each occurrence of another step.")
    on_holiday: Literal["next_workday", "previous_workday"] | None = Field(
        None, description="An occurrence on a public holiday of `calendar` moves to the next (or previous) "
                          "working day, at the same time, instead of being dropped.")
    grace: Duration = Field(timedelta(hours=1), description="Past due + grace an action is missed.")
    channel: str | None = Field(None, description="Channel plugin; defaults to the SOP's `channel`.")
    operator: str | None = Field(None, description="Who does this step's task on a channel people work: an "
                                                   "operator of the group (id or name), or a role the group's "
                                                   "`roles:` maps to one (群主). Default: all of its operators.")
    when: str | None = Field(None, description="Expression over group facts, checked when due.")
    mention_all: bool = Field(False, description="Mention everyone in the group (@所有人) with this post, on "
                                                 "channels that can; an operator's task says to.")
    image: MediaFile | None = Field(None, description="An image posted with the text (a poster): a path inside "
                                                      "the SOP's folder, or a URL.")
    link: LinkCard | None = Field(None, description="A link card: `{title, url, description, picture}`.")
    file: MediaFile | None = Field(None, description="A file posted with the text: a path inside the SOP's "
                                                     "folder, or a URL.")
    miniprogram: MiniProgram | None = Field(None, description="A mini program card: `{title, appid, page, "
                                                              "picture}`.")
    mentions: list[str] = Field(default_factory=list, description="Members mentioned by name (@小美), on channels "
                                                                  "a person posts through; templates allowed "
                                                                  "(`{{ member.name }}`).")
    audience: Literal["group", "member"] = Field(
        "group", description="`member`: the step runs for each member of the group, its days counted from the "
                             "member's join (a 1v1 on day 1, 3 and 7); `when:` sees `member`.")
    where: str | None = Field(None, description="With `audience: member`: only the members this expression holds "
                                                "for get the step (`member.tags`, `member.city`…), checked when "
                                                "their journey is planned.")
    stage: str | None = Field(None, description="With `audience: member`: the step runs when a member enters this "
                                                "stage of the SOP's `stages`, its days counted from then.")
    pick: str | None = Field(None, description="Pool whose next item is `{{ item }}`.")
    shuffle: bool = Field(False, description="With `pick`: a fixed shuffled order per group.")
    batch: Duration | None = Field(None, description="With `on`: greet everyone of this window in one message.")
    unless_active: Duration | None = Field(
        None, description="Skip when the group had a message this recently (fact `last_message_at`).")

    @field_validator("image", "file", mode="before")
    @classmethod
    def _media_as_written(cls, value: Any) -> Any:
        return MediaFile.written(value)

    def parts(self) -> tuple[Part, ...]:
        """Parts of one occurrence, in part order, with offsets from its due time."""
        return NO_PARTS

    def member_window(self) -> timedelta | None:
        """For a kind that reads members: how far back each member's ``before`` facts are taken."""
        return None

    def content(self, part: str | None) -> dict[str, Any]:
        """What ``part`` carries besides its text (``image``, ``link``, ``file``, each as plain
        data), for the JSON plan; parts only a person does carry none."""
        if self.traits(part).operator_only:
            return {}
        found = {"image": self.image, "link": self.link, "file": self.file, "miniprogram": self.miniprogram}
        out: dict[str, Any] = {name: value.to_json() for name, value in found.items() if value is not None}
        if self.mentions:
            out["mentions"] = list(self.mentions)
        return out

    def media(self) -> dict[str, MediaFile]:
        """The files the step carries, by where they are (``image``, ``file``, ``miniprogram``'s cover)."""
        found = {"image": self.image, "file": self.file,
                 "miniprogram": self.miniprogram.picture if self.miniprogram else None}
        return {name: ref for name, ref in found.items() if ref is not None}

    @classmethod
    def traits(cls, part: str | None) -> PartTraits:
        """What ``part`` is (see :class:`PartTraits`); a kind with special parts overrides this."""
        return PartTraits(label=cls.label or cls.kind_name)

    @classmethod
    def operator_instruction(cls, part: str | None, payload: Mapping[str, Any]) -> OperatorInstruction:
        """How an operator reads ``part`` with its rendered ``payload`` as a task (default: paste
        the text into the group)."""
        return OperatorInstruction(say(PASTE), str(payload.get("text", "")))

    @classmethod
    def ends_group(cls) -> bool:
        """Whether a part of this kind dissolves the group (a lifetime SOP should have one)."""
        return any(cls.traits(name).ends_group for name in cls.part_names())

    @classmethod
    def part_names(cls) -> tuple[str | None, ...]:
        """The names of the kind's parts, in order (None for a single-part kind)."""
        return (None,)

    def templates(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """(location inside the step, template source) of every text field of the kind."""
        return iter(())

    def all_templates(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """The kind's templates, then those every step may have (the names it mentions)."""
        yield from self.templates()
        for i, name in enumerate(self.mentions):
            yield ("mentions", i), name

    def render(self, part: str | None, context: Mapping[str, Any]) -> dict[str, Any]:
        """Channel-neutral payload of ``part`` (e.g. ``{"text": ...}``)."""
        raise NotImplementedError

    def problems(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """(location in the step, message) of what is wrong with the step itself, beyond its model's
        types (validate reports each at its line); none by default."""
        return iter(())

    def trial(self, context: Mapping[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """Render every template once with ``context``, as dispatching would; yields (location,
        problem) for each that fails. A kind whose templates need more than the context (a red
        packet's size) overrides it."""
        for loc, source in self.all_templates():
            try:
                render_template(source, context)
            except TemplateProblem as exc:
                yield loc, str(exc)



class TextStep(StepBase):
    """A kind whose single action posts (or asks an operator to do) ``text``."""

    text: str = Field(description="Jinja2 template of the message.")

    def templates(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        yield ("text",), self.text

    def render(self, part: str | None, context: Mapping[str, Any]) -> dict[str, Any]:
        return {"text": render_template(self.text, context)}
