"""Load SOP and groups files into validated objects, reporting every problem at once.

:func:`load_sop` and :func:`load_groups` either return fully validated values
or raise :class:`~sopengine.model.problems.SopFileError` listing every problem of the
file as ``FILE:LINE:COL: message``.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
from pathlib import Path
from typing import Any, Iterator, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import ValidationError

from sopengine.checking.steps import StepChecks
from sopengine.planning.calendars import supported_countries
from sopengine.model.fact_types import KNOWN_FACTS, typed_fact
from sopengine.model.group import Group, GroupOrigin
from sopengine.model.group_file import STRUCTURAL_KEYS, GroupModel
from sopengine.model.content import IMAGE_TYPES, MAX_FILE_BYTES
from sopengine.model.notices import NoticeSettings
from sopengine.model.operators import Operator
from sopengine.model.operators_file import NoticesModel, OperatorModel
from sopengine.kinds import StepBase
from sopengine.loading.model_errors import problems_from_validation
from sopengine.loading.pools import confined, load_pool
from sopengine.model.quiet import parse_quiet
from sopengine.model.problems import Problem, SopFileError, did_you_mean
from sopengine.model.sop import CALENDAR_POSITION, MATCH_POSITION, THEN_POSITION, Sop, Stage, Then
from sopengine.model.sop_file import PoolFile, SopHeader
from sopengine.loading.options import LoadOptions
from sopengine.loading.source import Positions, YamlDocument, load_yaml
from sopengine.notices.texts import check_template
from sopengine.rendering.templating import TemplateProblem, check_expression

PLACEHOLDER_ITEM = "（示例内容）"

def load_sop(path: Path | str, options: LoadOptions | None = None, *, text: str | None = None) -> Sop:
    """Load and fully validate one SOP file (pools resolved relative to it)."""
    path = Path(path)
    doc = load_yaml(path, text)
    raw = text if text is not None else path.read_text(encoding="utf-8")
    return sop_from_document(doc, options or LoadOptions(), hashlib.sha256(raw.encode()).hexdigest())


def sop_from_document(doc: YamlDocument, options: LoadOptions, content_hash: str = "") -> Sop:
    """Validate a parsed SOP document (see :func:`load_sop`)."""
    data = doc.plain()
    if not isinstance(data, dict) or "sop" not in data:
        raise SopFileError([doc.problem((), "an SOP file needs a top-level mapping with `sop:`")])
    problems: list[Problem] = []
    header: SopHeader | None = None
    try:
        header = SopHeader.model_validate(data)
    except ValidationError as exc:
        problems += problems_from_validation(doc, exc, SopHeader)
    steps = _validate_steps(doc, data.get("steps"), options, problems)
    if header is None:
        raise SopFileError(problems)
    tz = _timezone(doc, header.timezone, problems)
    if header.calendar is not None and header.calendar not in supported_countries():
        problems.append(doc.problem(("calendar",), f"unknown calendar {header.calendar!r}"
                                    f"{did_you_mean(header.calendar, supported_countries())}"))
    pools = _resolve_pools(doc, header.pools, problems)
    media: dict[str, bytes] = {}
    steps = [(i, _with_media(doc, i, step, media, problems)) for i, step in steps]
    quiet = None
    if header.quiet is not None:
        try:
            quiet = parse_quiet(header.quiet)
        except ValueError as exc:
            problems.append(doc.problem(("quiet",), str(exc)))
    lifetime = int(header.lifetime[:-1]) if header.lifetime else None
    if lifetime == 0:
        problems.append(doc.problem(("lifetime",), "lifetime must be at least 1d"))
    stage_ids = [s.id for s in header.stages]
    for i, stage in enumerate(header.stages):
        if stage_ids.index(stage.id) != i:
            problems.append(doc.problem(("stages", i, "id"), f"stage {stage.id!r} is declared twice"))
        if stage.when is not None:
            try:
                check_expression(stage.when)
            except TemplateProblem as exc:
                problems.append(doc.problem(("stages", i, "when"), f"stage {stage.id!r}: when: {exc}"))
    for i, step in steps:
        if step.stage is not None and step.stage not in stage_ids:
            problems.append(doc.problem(("steps", i, "stage"), f"step {step.id!r}: unknown stage {step.stage!r}"
                                        + (f" (stages: {', '.join(stage_ids)})" if stage_ids else
                                           ": declare `stages:` at the top of the file")))
        if step.where is not None and step.where_picks_members:
            if step.audience != "member":
                problems.append(doc.problem(("steps", i, "where"), f"step {step.id!r}: where needs audience: member "
                                            "(it picks which members get the step)"))
            else:
                try:
                    check_expression(step.where)
                except TemplateProblem as exc:
                    problems.append(doc.problem(("steps", i, "where"), f"step {step.id!r}: where: {exc}"))
        if step.stage is not None and step.audience != "member":
            problems.append(doc.problem(("steps", i, "stage"), f"step {step.id!r}: stage needs audience: member"))
    if header.then is not None and lifetime is None:
        problems.append(doc.problem(("then",), "then: follows the end of a life: give the SOP a lifetime"))
    if header.then is not None and header.then.move_to == header.sop:
        problems.append(doc.problem(("then", "move_to"), "then.move_to names this SOP itself"))
    if header.then is not None and header.then.at is not None and header.then.at not in {s.id for _, s in steps}:
        problems.append(doc.problem(("then", "at"), f"then.at: no step {header.then.at!r} in this SOP"))
    if options.channels is not None and header.channel not in options.channels:
        problems.append(doc.problem(("channel",), f"unknown channel {header.channel!r}"
                                    f"{did_you_mean(header.channel, options.channels)}"))
    sop = Sop(
        id=header.sop, title=header.title, timezone=tz or ZoneInfo("UTC"), steps=tuple(s for _, s in steps),
        match_tags=tuple(header.match.tags), match_where=header.match.where, lifetime=lifetime,
        channel=header.channel, calendar=header.calendar, quiet=quiet, vars=dict(header.vars), pools=pools,
        path=doc.path, content_hash=content_hash, media=media,
        then=Then(header.then.move_to, tuple(header.then.add_tags), tuple(header.then.remove_tags),
                  header.then.members_to, header.then.at) if header.then is not None else None,
        stages=tuple(Stage(s.id, s.name, s.when) for s in header.stages),
        positions=Positions(doc, {MATCH_POSITION: ("match",), CALENDAR_POSITION: ("calendar",),
                                  THEN_POSITION: ("then",), **{s.id: ("steps", i) for i, s in steps}}),
    )
    if tz is not None:
        problems += StepChecks(doc, sop, [i for i, _ in steps], options).run()
    if any(p.severity == "error" for p in problems):
        raise SopFileError([p for p in problems if p.severity == "error"])
    return dataclasses.replace(sop, warnings=tuple(problems)) if problems else sop


def _with_media(doc: YamlDocument, index: int, step: StepBase, media: dict[str, bytes],
                problems: list[Problem]) -> StepBase:
    """``step`` with each file it carries read (inside the SOP's folder, at most
    :data:`MAX_FILE_BYTES`, an image an image) and named by its SHA-256; the bytes go to ``media``.
    A URL is left as written: the channel sends the address."""
    update: dict[str, Any] = {}
    for name, ref in step.media().items():
        where = ("steps", index, name) if name != "miniprogram" else ("steps", index, name, "picture")
        if name in ("image", "miniprogram") and ref.type not in IMAGE_TYPES:
            problems.append(doc.problem(where, f"step {step.id!r}: image {ref.name!r} is {ref.type}, not an image "
                                               f"({', '.join(sorted(IMAGE_TYPES))})"))
            continue
        if ref.path is None:
            continue
        try:
            target = confined(doc.path.parent, ref.path)
            if not target.is_file():
                raise ValueError(f"file not found: {ref.path}")
            size = target.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ValueError(f"{ref.path} is {size / 1048576:.1f} MB, over {MAX_FILE_BYTES // 1048576} MB")
            data = target.read_bytes()
        except (OSError, ValueError) as exc:
            problems.append(doc.problem(where, f"step {step.id!r}: {name}: {exc}"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        media[digest] = data
        loaded = ref.model_copy(update={"size": len(data), "sha256": digest})
        update[name] = (loaded if name != "miniprogram" or step.miniprogram is None
                        else step.miniprogram.model_copy(update={"picture": loaded}))
    return step.model_copy(update=update) if update else step


def _validate_steps(doc: YamlDocument, raw: Any, options: LoadOptions,
                    problems: list[Problem]) -> list[tuple[int, StepBase]]:
    """Validate each step by its kind; returns (index in file, step) of the valid ones."""
    if not isinstance(raw, list):
        return []
    valid: list[tuple[int, StepBase]] = []
    seen_ids: dict[str, int] = {}
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.append(doc.problem(("steps", i), "a step must be a mapping with id, kind and timing"))
            continue
        kind_name = item.get("kind")
        if kind_name is None:
            problems.append(doc.problem(("steps", i), "missing required key 'kind'"))
            continue
        model = options.kinds.get(str(kind_name))
        if model is None:
            problems.append(doc.problem(("steps", i, "kind"), f"unknown kind {kind_name!r}"
                                        f"{did_you_mean(str(kind_name), options.kinds)}"))
            continue
        step_id = item.get("id")
        if isinstance(step_id, str):
            if step_id in seen_ids:
                problems.append(doc.problem(("steps", i, "id"), f"duplicate step id {step_id!r} "
                                            f"(first used by step {seen_ids[step_id] + 1})"))
                continue
            seen_ids[step_id] = i
        try:
            valid.append((i, model.model_validate(item)))
        except ValidationError as exc:
            label = f"step {step_id!r}" if isinstance(step_id, str) else f"step {i + 1}"
            problems += problems_from_validation(doc, exc, model, ("steps", i), label)
    return valid


def _timezone(doc: YamlDocument, name: str, problems: list[Problem]) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(doc.problem(("timezone",), f"unknown timezone {name!r}"
                                    f"{did_you_mean(name, available_timezones())}"))
        return None


def _resolve_pools(doc: YamlDocument, pools: Mapping[str, Any], problems: list[Problem]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for name, spec in pools.items():
        if isinstance(spec, PoolFile):
            try:
                out[name] = load_pool(confined(doc.path.parent, spec.file))
            except ValueError as exc:
                problems.append(doc.problem(("pools", name, "file"), f"pool {name!r}: {exc}"))
                out[name] = [PLACEHOLDER_ITEM]  # keeps trial renders from repeating this problem
                continue
        else:
            out[name] = list(spec)
        if not out[name]:
            problems.append(doc.problem(("pools", name), f"pool {name!r} is empty"))
    return out


#: Keys of a group entry a misspelt key is compared with (any other key is a fact).
_GROUP_KEYS = sorted((STRUCTURAL_KEYS - {"id"}) | set(KNOWN_FACTS))


def _fact_problems(doc: YamlDocument, index: int, model: GroupModel) -> Iterator[Problem]:
    """Facts of a group entry that are surely mistakes: a key one letter from a known one
    (``chanels:``), a mapping, or a value of the wrong type for a fact the engine reads."""
    for name, value in (model.model_extra or {}).items():
        loc = ("groups", index, name)
        close = difflib.get_close_matches(name, _GROUP_KEYS, n=1, cutoff=0.8)
        # a plural of a key is a fact of its own (names beside name); a key missing its s is not
        if close and close[0] not in KNOWN_FACTS and name != close[0] + "s":
            yield doc.problem(loc, f"group {model.id!r}: unknown key {name!r} (did you mean {close[0]!r}?); "
                                   "other keys are facts", key=True)
            continue
        try:
            typed_fact(name, value)
        except ValueError as exc:
            yield doc.problem(loc, f"group {model.id!r}: {exc}")


def load_groups(path: Path | str, *, text: str | None = None) -> list[Group]:
    """Load and validate a groups file (``groups:`` list); ids must be unique."""
    path = Path(path)
    doc = load_yaml(path, text)
    return groups_from_document(doc)


def groups_from_document(doc: YamlDocument) -> list[Group]:
    """Validate a parsed groups document (see :func:`load_groups`); each group on its own."""
    groups, problems = groups_and_problems(doc)
    if problems:
        raise SopFileError(problems)
    return groups


def groups_and_problems(doc: YamlDocument, *, consume: bool = False) -> tuple[list[Group], list[Problem]]:
    """The valid groups of a parsed groups document, and the problems of the others: one bad
    entry never keeps the good ones from being planned. SopFileError when the file as a whole
    is not a groups file. ``consume``: each entry's values are let go once its group is built
    (the caller then lets go of the document's values: :meth:`YamlDocument.forget_values`), so
    100,000 groups never sit in memory twice."""
    data = doc.plain()
    if not isinstance(data, dict) or "groups" not in data:
        raise SopFileError([doc.problem((), "a groups file needs a top-level mapping with `groups:`")])
    problems: list[Problem] = []
    for key in data:
        if key not in ("groups", "operators", "notices"):
            problems.append(doc.problem((key,), f"unknown key {key!r} in a groups file", key=True))
    raw = data["groups"]
    if not isinstance(raw, list):
        raise SopFileError([*problems, doc.problem(("groups",), "`groups:` must be a list of groups")])
    groups: list[Group] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        if consume and i:
            raw[i - 1] = None  # the previous entry's problems, if any, are placed: let it go
        try:
            model = GroupModel.model_validate(item)
        except ValidationError as exc:
            gid = item.get("id") if isinstance(item, dict) else None
            label = f"group {gid!r}" if isinstance(gid, str) else f"group {i + 1}"
            problems += problems_from_validation(doc, exc, GroupModel, ("groups", i), label)
            continue
        if model.id in seen:
            problems.append(doc.problem(("groups", i, "id"), f"duplicate group id {model.id!r}"))
        fact_problems = list(_fact_problems(doc, i, model))
        if fact_problems:
            problems += fact_problems
            continue
        seen.add(model.id)
        for channel, settings in model.channels.items():
            for key, value in settings.items():
                if key.endswith("_env") and not (isinstance(value, str) and value.isidentifier()):
                    problems.append(doc.problem(("groups", i, "channels", channel, key),
                                                f"{key} names an environment variable, got {value!r}"))
        groups.append(Group.from_model(model, GroupOrigin(doc, i)))
    return groups, problems


def operators_and_problems(doc: YamlDocument,
                           options: LoadOptions | None = None) -> tuple[list[Operator], list[Problem]]:
    """The valid entries of a groups file's ``operators:`` list (none when it has none), each with
    the file's ``notices:`` defaults under their own settings, and the problems of the others, each
    at its line; ids and names are unique. With ``options``, where notices reach them is checked
    too (an installed channel that sends, its settings as that channel checks them)."""
    data = doc.plain()
    raw = data.get("operators") if isinstance(data, dict) else None
    defaults, problems = _notice_defaults(doc)
    if raw is None:
        return [], problems
    if not isinstance(raw, list):
        return [], [*problems, doc.problem(("operators",), "`operators:` must be a list of operators")]
    out: list[Operator] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        try:
            model = OperatorModel.model_validate(item)
        except ValidationError as exc:
            oid = item.get("id") if isinstance(item, dict) else None
            label = f"operator {oid!r}" if isinstance(oid, str) else f"operator {i + 1}"
            problems += problems_from_validation(doc, exc, OperatorModel, ("operators", i), label)
            continue
        clash = next((ref for ref in (model.id, model.name) if ref in seen), None)
        if clash is not None:
            problems.append(doc.problem(("operators", i, "id" if clash == model.id else "name"),
                                        f"operator {clash!r} is listed twice"))
            continue
        seen |= {model.id, model.name}
        operator = Operator(model.id, model.name, model.role, dict(model.notify), defaults.overlaid(model))
        found = notify_problems(operator, options) if options is not None else []
        problems += [doc.problem(("operators", i, "notify", *where), f"operator {model.id!r}: {message}")
                     for where, message in found]
        out.append(operator)
    return out, problems


def _notice_defaults(doc: YamlDocument) -> tuple[NoticeSettings, list[Problem]]:
    """The groups file's ``notices:`` over the built-in defaults (those alone when it is bad)."""
    data = doc.plain()
    raw = data.get("notices") if isinstance(data, dict) else None
    if raw is None:
        return NoticeSettings(), []
    try:
        model = NoticesModel.model_validate(raw)
    except ValidationError as exc:
        return NoticeSettings(), problems_from_validation(doc, exc, NoticesModel, ("notices",), "notices")
    problems = []
    for name, source in model.templates.items():
        try:
            check_template(name, source)
        except TemplateProblem as exc:
            problems.append(doc.problem(("notices", "templates", name), f"notices: {name} template: {exc}"))
    return NoticeSettings().overlaid(model), problems


def notify_problems(operator: Operator, options: LoadOptions, *,
                    unset_env_is_error: bool = False) -> list[tuple[tuple[str, ...], str]]:
    """What is wrong with where ``operator``'s notices go, each with the key under ``notify:``. A
    variable named but not set here is left to ``run`` (``unset_env_is_error``), where it counts."""
    if not operator.notify:
        return []
    channel = operator.notify_channel
    if channel is None:
        return [((), "notify needs `channel:` (where notices reach them) and that channel's settings")]
    if options.channels is not None and channel not in options.channels:
        return [(("channel",), f"notify channel {channel!r} is not installed "
                               f"(installed: {', '.join(sorted(options.channels))})")]
    if channel in options.channel_operators:
        return [(("channel",), f"notify channel {channel!r} hands work to people; notices need a channel "
                               "that sends by itself")]
    check = options.channel_checks.checks.get(channel)
    if check is None:
        return []
    found: list[tuple[tuple[str, ...], str]] = []
    for p in check(operator.notify_settings, options.channel_checks.env):
        if p.unset_env and not unset_env_is_error:  # it may be set where the daemon runs
            continue
        found.append(((p.key,) if p.key else (), f"notify ({channel}): {p.message}"))
    return found
