"""sopengine: run community-operations (社群运营) SOPs.

The public Python API. The command line is built on exactly these functions::

    from sopengine import load_workspace, plan_workspace
    ws = load_workspace(["sops/"], ["sops/groups.yaml"])
    for action in plan_workspace(ws.sops, ws.groups):
        print(action.due, action.key, action.payload.get("text"))
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sopengine.loading.loader import load_groups, load_sop
    from sopengine.loading.options import LoadOptions
    from sopengine.loading.schema import sop_json_schema
    from sopengine.loading.workspace import Workspace, load_workspace, plan_workspace
    from sopengine.model.group import Group
    from sopengine.model.problems import Problem, SopFileError
    from sopengine.model.sop import Sop
    from sopengine.planning.planner import PlannedAction, Window, date_window, life_window, matches, plan

#: Where each public name lives: imported on first use, so `sopengine --help` and a command that
#: needs none of them start without loading the whole engine.
_PUBLIC = {
    "Group": "sopengine.model.group", "LoadOptions": "sopengine.loading.options",
    "PlannedAction": "sopengine.planning.planner", "Problem": "sopengine.model.problems",
    "Sop": "sopengine.model.sop", "SopFileError": "sopengine.model.problems", "Window": "sopengine.planning.planner",
    "Workspace": "sopengine.loading.workspace", "date_window": "sopengine.planning.planner",
    "life_window": "sopengine.planning.planner", "load_groups": "sopengine.loading.loader",
    "load_sop": "sopengine.loading.loader", "load_workspace": "sopengine.loading.workspace",
    "matches": "sopengine.planning.planner", "plan": "sopengine.planning.planner",
    "plan_workspace": "sopengine.loading.workspace", "sop_json_schema": "sopengine.loading.schema",
}


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'sopengine' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "Group",
    "LoadOptions",
    "PlannedAction",
    "Problem",
    "Sop",
    "SopFileError",
    "Window",
    "Workspace",
    "__version__",
    "date_window",
    "life_window",
    "load_groups",
    "load_sop",
    "load_workspace",
    "matches",
    "plan",
    "plan_workspace",
    "sop_json_schema",
]
