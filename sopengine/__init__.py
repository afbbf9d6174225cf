"""sopengine: run community-operations (社群运营) SOPs.

The public Python API. The command line is built on exactly these functions::

    from sopengine import load_workspace, plan_workspace
    ws = load_workspace(["sops/"], ["sops/groups.yaml"])
    for action in plan_workspace(ws.sops, ws.groups):
        print(action.due, action.key, action.payload.get("text"))
"""

from __future__ import annotations

from sopengine.model.group import Group
from sopengine.loading.loader import load_groups, load_sop
from sopengine.loading.options import LoadOptions
from sopengine.planning.planner import PlannedAction, Window, date_window, life_window, matches, plan
from sopengine.model.problems import Problem, SopFileError
from sopengine.loading.schema import sop_json_schema
from sopengine.model.sop import Sop
from sopengine.loading.workspace import Workspace, load_workspace, plan_workspace

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
