"""The operators' workspace: a phone-first web app over the store's front door.

:func:`create_app` builds it from what it needs, all injected: the store, how each manual channel
names a group's operators, the zone days are shown in, and the clock. Pages are Jinja2 templates
(``templates/``) with one small script (``static/app.js``: copy buttons, and the task list kept
fresh); every form works without it. The JSON API under ``/api/`` serves the same data.
"""

import hashlib
import logging
import re
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Awaitable, Callable, Mapping
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from sopengine.channels import OperatorsOf
from sopengine.daemon.logs import log_state
from sopengine.operators.board import (
    NEEDS_A_PERSON, SECTIONS, UNDO_WINDOW, Viewer, build_board, day_span, task_tally, team_counts,
    viewer_groups,
)
from sopengine.operators.sheet import RenderCache
from sopengine.reports.ledger import tally_figures
from sopengine.reports.notices import kind_label as notice_kind, notice_summary, state_label as notice_state
from sopengine.store import DataStore, NotFound, states
from sopengine.model.content import image_type
from sopengine.model.operators import Roster
from sopengine.web.tokens import csrf_ok, csrf_value, token_hash
from sopengine.words import language, say, speaking, state_label

HERE = Path(__file__).resolve().parent
#: The session cookie: the link's token, HttpOnly, never readable by scripts.
COOKIE = "sopengine_token"
#: A page shows at most this many tasks (a lead's day on a large fleet): the rest are counted.
MAX_TASKS_SHOWN = 500
#: How often an open task list is fetched again, so tasks coming due appear without a reload.
REFRESH_SECONDS = 30.0
#: A group calendar covers this many days before and after the day asked for.
CALENDAR_DAYS_BEFORE, CALENDAR_DAYS_AFTER = 3, 7
CALENDAR_MAX_ACTIONS = 1000
#: The lead's page links this many group calendars (the rest are counted).
LEAD_GROUPS_SHOWN = 300
#: The day's notices a lead's page reads (counted), and the failed ones it lists.
LEAD_NOTICES_READ = 5000
LEAD_NOTICES_SHOWN = 50
#: The tasks needing someone (failed, missed, overdue) a lead's page lists; the rest are counted.
LEAD_NEEDING_SHOWN = 100
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "Cache-Control": "no-store",
}

log = logging.getLogger("sopengine.web")


class SkipBody(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


def board_version(board: Any) -> str:
    """A digest of what a board shows (tasks, states, notes, confirmations): the page's script
    replaces its sections only when it changes, never under a finger about to tap."""
    text = "|".join(f"{t.key}:{t.row.state}:{t.section}:{t.row.note}:{t.can_undo}:{t.confirmation}"
                    for t in board.tasks)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def create_app(store: DataStore, readers: Mapping[str, OperatorsOf], *, zone: ZoneInfo,
               now: Callable[[], datetime], undo_window: timedelta = UNDO_WINDOW,
               refresh_seconds: float = REFRESH_SECONDS, lang: str | None = None) -> FastAPI:
    """The workspace over ``store``. ``readers``: for each channel people work, how a group's
    settings name its operators; ``zone``: the zone of days and times shown; ``now``: the clock;
    ``refresh_seconds``: how often an open task list fetches its sections again; ``lang``: the
    language of its words (default: the one spoken where the app is made)."""
    speaks = lang or language()
    app = FastAPI(title="sopengine workspace", version="1", docs_url="/api/docs", redoc_url=None,
                  openapi_url="/api/openapi.json")
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    rendered = RenderCache()
    templates.env.filters["keypath"] = lambda key: quote(key, safe="/:")
    templates.env.globals.update(SECTIONS=SECTIONS, say=say, state_label=state_label, notice_kind=notice_kind,
                                 notice_state=notice_state, html_lang="zh-CN" if speaks == "zh" else speaks)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def headers_and_log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        with speaking(speaks):  # the endpoint (in a worker thread) runs in a copy of this context
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        path = request.url.path
        if path.startswith("/t/"):
            path = "/t/…"  # a link's token never reaches a log
        log.info("request", extra={"fields": {"method": request.method, "path": path,
                                              "status": response.status_code,
                                              "ms": round((time.perf_counter() - started) * 1000, 1)}})
        return response

    def token_of(request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return header[7:].strip() or None
        return request.cookies.get(COOKIE)

    def viewer_of(token: str | None) -> Viewer | None:
        if not token:
            return None
        grant = store.token_grant(token_hash(token), now())
        if grant is None:
            return None
        operator = current_roster().resolve(grant.operator)
        return Viewer(operator, grant.lead or operator.is_lead)

    known: dict[int, Roster] = {}

    def current_roster() -> Roster:
        """The store's roster, read again only when what is planned has changed (an apply of the
        groups file moves the setup revision; a confirmation does not): every request needs it,
        and hundreds of operators take milliseconds to read."""
        revision = store.setup_revision()
        roster = known.get(revision)
        if roster is None:
            known.clear()
            roster = known[revision] = store.roster()
        return roster

    def need_viewer(request: Request) -> Viewer:
        viewer = viewer_of(token_of(request))
        if viewer is None:
            raise HTTPException(401, "a valid link or bearer token is needed",
                                headers={"WWW-Authenticate": "Bearer"})
        return viewer

    ViewerDep = Annotated[Viewer, Depends(need_viewer)]

    def need_lead(viewer: ViewerDep) -> Viewer:
        if not viewer.lead:
            raise HTTPException(403, "for leads only")
        return viewer

    LeadDep = Annotated[Viewer, Depends(need_lead)]
    DayParam = Annotated[str | None, Query(alias="date", description="A local date, YYYY-MM-DD (default: today).")]

    def check_csrf(request: Request, sent: str | None) -> None:
        token = request.cookies.get(COOKIE)
        if token is None or not csrf_ok(token, sent):
            raise HTTPException(403, "the form is stale or not from this workspace: reload the page")

    def day_of(raw: str | None) -> date:
        if not raw:
            return now().astimezone(zone).date()
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise HTTPException(422, f"date is YYYY-MM-DD, got {raw!r}") from None

    def action_for(viewer: Viewer, key: str) -> Any:
        """The action ``key`` if the viewer may act on it; 404 alike for one that does not exist
        and one of another operator's group (nothing leaks)."""
        found = store.list_actions(key=key)
        if not found:
            raise HTTPException(404, "no such task")
        groups = viewer_groups(store, viewer)
        if groups is not None and found[0].group not in groups:
            raise HTTPException(404, "no such task")
        return found[0]

    def act(viewer: Viewer, key: str, what: str, reason: str | None = None) -> tuple[str, str]:
        """Do ``what`` to the task ``key`` as ``viewer``; returns (state before, state after)."""
        before = action_for(viewer, key).state
        at = now()
        try:
            if what == "done":
                before, after = store.mark_done(key, at, actor=viewer.actor), states.DONE
            elif what == "skip":
                before, after = store.skip(key, reason or "", at, actor=viewer.actor), states.SKIPPED
            elif what == "undo":
                after = store.undo_done(key, at, viewer.actor, undo_window)
            else:
                before, after = store.retry(key, at, actor=viewer.actor), states.RETRYING
        except NotFound:
            raise HTTPException(404, "no such task") from None
        except states.TransitionError as exc:
            raise HTTPException(409, str(exc)) from None
        log_state(log, key, before, after, by=viewer.operator.id)
        return before, after

    def page(request: Request, name: str, viewer: Viewer, **context: Any) -> HTMLResponse:
        token = request.cookies.get(COOKIE) or ""
        return templates.TemplateResponse(request, name, {
            "viewer": viewer, "csrf": csrf_value(token) if token else "", "base": request.scope.get("root_path", ""),
            "refresh_ms": int(refresh_seconds * 1000), **context})

    def board_context(viewer: Viewer, day: date) -> dict[str, Any]:
        board = build_board(store, readers, viewer, day, zone, now(), undo_window=undo_window, cache=rendered)
        shown = 0
        sections: dict[str, list[Any]] = {}
        for s in SECTIONS:
            sections[s] = board.sections[s][:max(0, MAX_TASKS_SHOWN - shown)]
            shown += len(sections[s])
        return {"board": board, "sections": sections, "hidden": len(board.tasks) - shown,
                "version": board_version(board), **day_context(day)}

    def day_context(day: date) -> dict[str, Any]:
        """What a page of one day shows around it: the day, the days either side, today."""
        return {"day": day, "yesterday": day - timedelta(days=1), "tomorrow": day + timedelta(days=1),
                "today": now().astimezone(zone).date()}

    # --- entering ---------------------------------------------------------------------------
    @app.get("/t/{token}", include_in_schema=False)
    def enter(token: str, request: Request) -> Response:
        """A personal link: the token becomes an HttpOnly cookie and leaves the address bar."""
        if viewer_of(token) is None:
            return HTMLResponse(say("page.bad_link"), status_code=401)
        response = RedirectResponse(f"{request.scope.get('root_path', '')}/", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                            max_age=60 * 60 * 24 * 90, path="/")
        return response

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        store.revision()
        return {"status": "ok"}

    # --- pages ------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def my_tasks(request: Request, day_param: DayParam = None) -> Response:
        viewer = viewer_of(token_of(request))
        if viewer is None:
            return HTMLResponse(say("page.need_link"), status_code=401)
        return page(request, "tasks.html", viewer, **board_context(viewer, day_of(day_param)))

    @app.get("/fragment/tasks", response_class=HTMLResponse, include_in_schema=False)
    def task_sections(request: Request, viewer: ViewerDep, day_param: DayParam = None) -> Response:
        context = board_context(viewer, day_of(day_param))
        response = page(request, "_sections.html", viewer, **context)
        response.headers["X-Board-Version"] = context["version"]
        return response

    @app.get("/media/{sha256}", include_in_schema=False)
    def media_file(sha256: str, viewer: ViewerDep, name: str = "") -> Response:
        """A file a task carries (a poster to save and forward), by its SHA-256: content-addressed,
        so it is cached for good."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise HTTPException(404)
        data = store.media(sha256)
        if data is None:
            raise HTTPException(404)
        kind = image_type(data) or "application/octet-stream"  # anything but an image is downloaded
        headers = {"Cache-Control": "private, max-age=31536000, immutable"}
        if not kind.startswith("image/"):
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name or sha256[:12])}"
        return Response(data, media_type=kind, headers=headers)

    @app.get("/groups/{group_id}/calendar", response_class=HTMLResponse, include_in_schema=False)
    def calendar(group_id: str, request: Request, viewer: ViewerDep, day_param: DayParam = None) -> Response:
        groups = viewer_groups(store, viewer)
        stored = store.groups_by_id({group_id})
        if group_id not in stored or (groups is not None and group_id not in groups):
            raise HTTPException(404, "no such group")
        day = day_of(day_param)
        start = datetime.combine(day - timedelta(days=CALENDAR_DAYS_BEFORE), datetime.min.time(), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=CALENDAR_DAYS_AFTER + 1), datetime.min.time(), tzinfo=zone)
        days: dict[date, list[Any]] = {}
        for a in store.list_actions(group=group_id, since=start, until=end, limit=CALENDAR_MAX_ACTIONS):
            days.setdefault(a.due.astimezone(zone).date(), []).append(a)
        first, last = day - timedelta(days=CALENDAR_DAYS_BEFORE), day + timedelta(days=CALENDAR_DAYS_AFTER)
        stats = {s.day: s for s in store.group_days(group_id, first, last, zone)}
        return page(request, "calendar.html", viewer, group=stored[group_id].group, days=sorted(days.items()),
                    stats=stats,
                    day=day, zone=zone, earlier=day - timedelta(days=7), later=day + timedelta(days=7))

    @app.get("/lead", response_class=HTMLResponse, include_in_schema=False)
    def lead_view(request: Request, viewer: LeadDep, day_param: DayParam = None) -> Response:
        # bounded by the page, not by the fleet's day: the team's and execution figures are counted in SQL,
        # and only the tasks listed as needing someone are read and rendered
        day = day_of(day_param)
        context = day_context(day)
        start, end = day_span(day, zone)
        tallies = store.execution_tally(start, end)  # the day, read once
        tally = task_tally(tallies, readers)
        group_ops, roster = store.group_operators_of(), current_roster()
        team = team_counts(tally, roster, group_ops)
        # as the board's sections order them: overdue first (still to be done), then the failed
        # and missed; each read up to what the page lists
        needing: list[Any] = []
        for wanted in ({states.OVERDUE}, NEEDS_A_PERSON - {states.OVERDUE}):
            if len(needing) < LEAD_NEEDING_SHOWN:
                needing += build_board(store, readers, viewer, day, zone, now(), undo_window=undo_window,
                                       cache=rendered, in_states=wanted,
                                       limit=LEAD_NEEDING_SHOWN - len(needing)).tasks
        needing = needing[:LEAD_NEEDING_SHOWN]
        needing_total = sum(n for (_, state), n in tally.items() if state in NEEDS_A_PERSON)
        # dissolved groups' operators too: a group dissolved today still had its tasks
        day_ops = {**store.group_operators_of({t.group_id for t in tallies} - group_ops.keys(), live=False),
                   **group_ops}
        execution, execution_total = tally_figures(tallies, readers, day_ops, roster)
        shown = sorted(group_ops)[:LEAD_GROUPS_SHOWN]
        stored = store.groups_by_id(set(shown))
        calendars = [stored[g].group for g in shown if g in stored]
        told = store.list_notices(since=start, until=end, limit=LEAD_NOTICES_READ)
        return page(request, "lead.html", viewer, team=team, needing=needing, needing_total=needing_total,
                    calendars=calendars,
                    execution=execution, execution_total=execution_total, notices=notice_summary(told),
                    failed_notices=[n for n in told if n.state in ("failed", "missed")][:LEAD_NOTICES_SHOWN],
                    more_groups=max(0, len(group_ops) - len(shown)), **context)

    # --- forms (CSRF-checked, then back to the page) -----------------------------------------
    @app.post("/tasks/{key:path}/{what}", include_in_schema=False)
    def form_action(key: str, what: str, request: Request, viewer: ViewerDep, csrf: Annotated[str, Form()] = "",
                    reason: Annotated[str, Form()] = "", back: Annotated[str, Form()] = "/") -> Response:
        check_csrf(request, csrf)
        if what not in ("done", "skip", "undo", "retry"):
            raise HTTPException(404, "no such action")
        if what == "skip" and not reason.strip():
            raise HTTPException(422, say("page.skip_needs_reason"))
        if what == "retry" and not viewer.lead:
            raise HTTPException(403, "for leads only")
        act(viewer, key, what, reason.strip())
        target = back if back.startswith("/") and not back.startswith("//") else "/"
        return RedirectResponse(f"{request.scope.get('root_path', '')}{target}", status_code=303)

    # --- the API ------------------------------------------------------------------------------
    @app.get("/api/me")
    def api_me(viewer: ViewerDep) -> dict[str, Any]:
        """Who the token belongs to."""
        return {"operator": viewer.operator.id, "name": viewer.operator.name, "lead": viewer.lead}

    @app.get("/api/tasks")
    def api_tasks(viewer: ViewerDep, day_param: DayParam = None) -> JSONResponse:
        """The caller's tasks on ``date`` (YYYY-MM-DD, local; default today): the fields of
        ``sopengine tasks --format json``, with state, section and who confirmed each."""
        day = day_of(day_param)
        board = build_board(store, readers, viewer, day, zone, now(), undo_window=undo_window, cache=rendered)
        return JSONResponse({"date": day.isoformat(), "operator": viewer.operator.id,
                             "tasks": [t.to_json() for t in board.tasks]})

    @app.post("/api/tasks/{key:path}/done")
    def api_done(key: str, viewer: ViewerDep) -> dict[str, Any]:
        """Confirm a task done (409 when its state does not allow it, e.g. already done)."""
        before, after = act(viewer, key, "done")
        return {"key": key, "state": after, "was": before, "by": viewer.operator.id}

    @app.post("/api/tasks/{key:path}/skip")
    def api_skip(key: str, body: SkipBody, viewer: ViewerDep) -> dict[str, Any]:
        """Skip a task, with the reason."""
        before, after = act(viewer, key, "skip", body.reason.strip())
        return {"key": key, "state": after, "was": before, "by": viewer.operator.id}

    @app.post("/api/tasks/{key:path}/undo")
    def api_undo(key: str, viewer: ViewerDep) -> dict[str, Any]:
        """Take back your own confirmation, within a few minutes of it."""
        before, after = act(viewer, key, "undo")
        return {"key": key, "state": after, "was": before, "by": viewer.operator.id}

    return app
