"""Operator task sheets in Markdown, HTML (a copy button per message), CSV and JSON (pure)."""

from __future__ import annotations

import html
import json
from typing import Sequence

from sopengine.plugin_api import SheetRow, table_csv, workbook_bytes


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
            out.append(f"  `sopengine done {r.task.key}`")
            if r.note:
                out.append(f"  {e(r.note)}")
            out.append("")
    if not rows:
        out.append("今天没有任务。")
    return "\n".join(out).rstrip() + "\n"


def xlsx_bytes(rows: Sequence[SheetRow], title: str) -> bytes:
    """The sheet as an XLSX workbook: times as real date-times in the sheet's zone, columns sized."""
    headers = ["时间", "运营", "群", "做什么", "复制文字", "状态", "说明", "key"]
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


_HTML_HEAD = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:860px;margin:1.5em auto;
padding:0 1em;color:#222}}
.task{{border:1px solid #ddd;border-radius:8px;padding:.8em 1em;margin:.8em 0}}
.task.done{{opacity:.55}} .task.overdue{{border-color:#d33}}
.meta{{color:#666;font-size:.9em}} .note{{color:#b00;margin:.3em 0}} .state{{float:right;font-weight:600}}
pre{{white-space:pre-wrap;background:#f6f6f6;padding:.6em;border-radius:6px;margin:.5em 0}}
button.copy{{cursor:pointer;padding:.3em .9em}} code{{font-size:.85em;color:#555}}
</style></head><body>
<h1>{title}</h1>
"""

_HTML_SCRIPT = """<script>
document.querySelectorAll("button.copy").forEach(function (button) {
  button.addEventListener("click", function () {
    var text = document.getElementById(button.dataset.target).textContent;
    var done = function () { button.textContent = "已复制"; button.dataset.copied = "1"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
    } else { fallback(text); done(); }
  });
});
function fallback(text) {
  var area = document.createElement("textarea");
  area.value = text; document.body.appendChild(area); area.select();
  try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
}
</script>
</body></html>
"""


def html_page(rows: Sequence[SheetRow], title: str) -> str:
    """A self-contained page: one card per task, a copy button for each message to paste."""
    e = html.escape
    parts = [_HTML_HEAD.format(title=e(title))]
    for operator in _operators(rows):
        parts.append(f"<h2>{e(operator)}</h2>")
        for n, r in enumerate(r for r in rows if r.task.operator == operator):
            t = r.task
            ident = f"copy-{e(operator)}-{n}"
            parts.append(f'<div class="task {e(r.state)}" data-key="{e(t.key)}">')
            parts.append(f'<span class="state">{e(r.state_label)}</span>')
            parts.append(f'<div><b>{r.local_time:%H:%M}</b> {e(t.group_name)} — {e(t.instruction)}</div>')
            if t.copy_text:
                parts.append(f'<pre id="{ident}">{e(t.copy_text)}</pre>')
                parts.append(f'<button class="copy" data-target="{ident}">复制</button>')
            if r.note:
                parts.append(f'<div class="note">{e(r.note)}</div>')
            parts.append(f'<div class="meta"><code>sopengine done {e(t.key)}</code></div></div>')
    if not rows:
        parts.append("<p>今天没有任务。</p>")
    parts.append(_HTML_SCRIPT)
    return "\n".join(parts)


def _operators(rows: Sequence[SheetRow]) -> list[str]:
    seen: dict[str, None] = {}
    for r in rows:
        seen.setdefault(r.task.operator, None)
    return list(seen)
