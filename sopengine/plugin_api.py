"""Everything a plugin may use, in one place: import from here, nothing else of ``sopengine``.

A channel plugin implements :class:`Channel` (see ``docs/plugins.md``) and registers it with the
``register_channels`` hook; a kind plugin subclasses :class:`StepBase` and registers it with
``register_kinds``; a command plugin adds a click command with ``register_commands`` and reaches
the store through :func:`open_store`. Anything not listed here is private and may change.
The testing kit for plugin authors is :mod:`sopengine.testing` (a pytest plugin).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sopengine.channels import (
    Capabilities, Channel, ChannelConfigError, ChannelContext, ChannelFactory, HandedOver, HandsOver, Ok,
    OperatorInstruction, OutboundAction, Permanent, Quota, RateLimit, Retryable, SendResult, SettingProblem,
    SettingsCheck,
    Settled, Target, check_env_setting,
)
from sopengine.cli.runtime import DB_OPTION, open_store, plugin_host
from sopengine.hookspecs import (
    RegisterChannel, RegisterCommand, RegisterEvent, RegisterFilter, RegisterKind, hookimpl,
)
from sopengine.kinds import Part, PartTraits, StepBase, TextStep
from sopengine.kinds.base import PASTE
from sopengine.kinds.survey import survey_text
from sopengine.model.operators import Operator, Roster
from sopengine.operators.tasks import OperatorTask, SheetRow, operator_task, unusable_task
from sopengine.model.content import Attachment, image_type
from sopengine.words import language, say, word
from sopengine.rendering.actions import outbound
from sopengine.cli.common import echo_bytes
from sopengine.operators.spreadsheet import UTF8_BOM, safe_cell, csv_text as table_csv
from sopengine.operators.xlsx import workbook_bytes
from sopengine.rendering.templating import TemplateProblem, render_template
from sopengine.rendering.text import split_text
from sopengine.webhooks import (
    SignedRobotChannel, check_robot_settings, env_setting, errcode_result, id_list_setting, post_json, redact,
    require_env, retry_after, robot_address, status_result,
)

if TYPE_CHECKING:
    from sopengine.operators.sheet import build_sheet


def __getattr__(name: str) -> Any:
    # the sheet reads the store (SQLAlchemy, alembic): loaded when a plugin asks for it, so that
    # loading the plugins (every command does) stays cheap
    if name == "build_sheet":
        from sopengine.operators.sheet import build_sheet

        return build_sheet
    raise AttributeError(name)

__all__ = [
    "Attachment", "build_sheet", "Capabilities", "Channel", "ChannelConfigError", "ChannelContext",
    "ChannelFactory", "check_env_setting", "check_robot_settings", "DB_OPTION", "echo_bytes", "env_setting",
    "errcode_result", "HandedOver", "HandsOver", "hookimpl", "id_list_setting", "image_type", "language", "Ok",
    "open_store", "Operator", "operator_task", "OperatorInstruction", "OperatorTask", "outbound", "OutboundAction",
    "Part", "PartTraits", "PASTE", "Permanent", "plugin_host", "post_json", "Quota", "RateLimit", "redact",
    "RegisterChannel", "RegisterCommand", "RegisterEvent", "RegisterFilter", "RegisterKind", "render_template",
    "require_env", "retry_after", "Retryable", "robot_address", "Roster", "safe_cell", "say", "SendResult",
    "SettingProblem", "SettingsCheck", "Settled", "SheetRow", "SignedRobotChannel", "split_text", "status_result",
    "StepBase", "survey_text", "table_csv", "Target", "TemplateProblem", "TextStep", "unusable_task", "UTF8_BOM",
    "word", "workbook_bytes",
]
