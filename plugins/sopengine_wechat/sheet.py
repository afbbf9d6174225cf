"""Operator task sheets in Markdown, HTML (a copy button per message), CSV and JSON (pure)."""

from __future__ import annotations

import base64
import html
import json
from typing import Mapping, Sequence

from jinja2 import Environment, PackageLoader, select_autoescape

from sopengine.plugin_api import SheetRow, image_type, language, say, table_csv, workbook_bytes


def markdown(rows: Sequence[SheetRow], title: str) -> str:
    """One section per operator, tasks in time order, copy text in a quote block. Text from SOPs,
    facts and events has its HTML escaped: a Markdown viewer shows it, never runs it."""
    def e(text: str) -> str:
        return html.escape(text, quote=False)

    out = [f"# {e(title)}", ""]
    for operator in _operators(rows):
        out += [f"## {e(operator)}", ""]
        for r in (r for r in rows if r.task.operator == operator):
            box = "x" if r.state in ("done", "sent") else " "
            out.append(f"- [{box}] **{r.local_time:%H:%M}** {e(r.task.group_name)} — {e(r.task.instruction)}"
                       f"（{r.state_label}）")
            if r.task.copy_text:
                out += ["", *[f"  > {e(line)}" if line else "  >" for line in r.task.copy_text.splitlines()], ""]
            for a in r.task.attachments:
                mark = {"image": "🖼", "link": "🔗", "file": "📎", "miniprogram": "🧩"}.get(a["kind"], "·")
                out.append(f"  {mark} {e(a.get('title') or a.get('name', ''))} {a.get('url', '')}".rstrip())
            out.append(f"  `sopengine done {r.task.key}`")
            if r.note:
                out.append(f"  {e(r.note)}")
            out.append("")
    if not rows:
        out.append(say("sheet.no_tasks"))
    return "\n".join(out).rstrip() + "\n"


def xlsx_bytes(rows: Sequence[SheetRow], title: str) -> bytes:
    """The sheet as an XLSX workbook: times as real date-times in the sheet's zone, columns sized."""
    headers = [*(say(f"sheet.{name}") for name in ("time", "operator", "group", "what", "copy_text", "state",
                                                    "note")), "key"]
    return workbook_bytes(title, headers, [[r.local_time, r.task.operator, r.task.group_name, r.task.instruction,
                                            r.task.copy_text, r.state_label, r.note, r.task.key] for r in rows])


def csv_text(rows: Sequence[SheetRow]) -> str:
    """Spreadsheet form: one task per row, UTF-8 with a BOM (so Excel reads Chinese right), every
    cell that a spreadsheet would take for a formula neutralised (see :mod:`sopengine.operators.spreadsheet`)."""
    headers = ["time", "operator", "group", "kind", "part", "instruction", "copy_text", "state", "key", "note"]
    return table_csv(headers, [[r.local_time, r.task.operator, r.task.group_name, r.task.kind, r.task.part or "",
                                r.task.instruction, r.task.copy_text, r.state, r.task.key, r.note] for r in rows])


def json_text(rows: Sequence[SheetRow]) -> str:
    return json.dumps([{**r.task.as_dict(), "state": r.state, "time": r.local_time.isoformat(), "note": r.note}
                       for r in rows], ensure_ascii=False, indent=2, default=str)


_PAGES = Environment(loader=PackageLoader("sopengine_wechat", "templates"), autoescape=select_autoescape(["html"]))


def html_page(rows: Sequence[SheetRow], title: str, images: Mapping[str, bytes] | None = None) -> str:
    """A self-contained page: one card per task, a copy button for each message to paste, the
    images to post inline (``images``: SHA-256 → bytes of the image files the tasks carry), in a
    Jinja2 template with every value escaped."""
    by_operator = [(op, [r for r in rows if r.task.operator == op]) for op in _operators(rows)]
    inline = {sha: f"data:{image_type(data) or 'image/jpeg'};base64," + base64.b64encode(data).decode("ascii")
              for sha, data in (images or {}).items()}
    return _PAGES.get_template("sheet.html").render(title=title, by_operator=by_operator, say=say, inline=inline,
                                                    lang="zh-CN" if language() == "zh" else language())


def _operators(rows: Sequence[SheetRow]) -> list[str]:
    seen: dict[str, None] = {}
    for r in rows:
        seen.setdefault(r.task.operator, None)
    return list(seen)
