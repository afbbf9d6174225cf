"""``sopengine serve``: the operators' workspace, served by uvicorn."""

from __future__ import annotations

import gc
import logging
import signal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import click

from sopengine.cli.local_time import TZ_OPTION, common_zone
from sopengine.cli.runtime import DB_OPTION, open_store, plugin_host


@click.command("serve")
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback unless told otherwise; put a reverse proxy in front).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--base-url", envvar="SOPENGINE_BASE_URL", default=None, metavar="URL",
              help="The public URL when behind a reverse proxy under a path (https://ops.example.com/ws).")
@TZ_OPTION
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
def serve_command(db_url: str | None, host: str, port: int, base_url: str | None, tz: ZoneInfo | None,
                  quiet: bool) -> None:
    """Serve the operators' workspace: each operator's tasks of the day (open their link from
    `sopengine operators link NAME`), group calendars, the lead's view, and a JSON API under
    /api/ (OpenAPI at /api/docs). Runs beside daemons on the same store; several serve
    processes may share one PostgreSQL store."""
    import uvicorn

    from sopengine.daemon.clock import SystemClock
    from sopengine.daemon.logs import configure
    from sopengine.web.app import create_app

    configure(logging.WARNING if quiet else logging.INFO, name="sopengine.web")
    plugins = plugin_host()
    store = open_store(db_url, plugins)
    zone = ZoneInfo(str(common_zone(store.sop_zones(), tz)))
    app = create_app(store, plugins.operator_readers(), zone=zone, now=SystemClock().now)
    root_path = urlsplit(base_url).path.rstrip("/") if base_url else ""
    logging.getLogger("sopengine.web").info("serving", extra={"fields": {
        "host": host, "port": port, "store": store.location, "zone": str(zone), "root_path": root_path}})
    # What start-up loaded (plugins, compiled templates, SOP versions) lives as long as the process:
    # kept out of the collector's generations, a full collection does not stall a page.
    gc.freeze()
    # uvicorn handles SIGTERM/SIGINT itself (requests in flight finish) and raises the signal
    # again once it has shut down: handled here, that ends the command normally, exit 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    try:
        # uvicorn's access log is off: it would write a link's token; the app logs each request itself
        uvicorn.run(app, host=host, port=port, root_path=root_path, access_log=False, log_level="warning",
                    proxy_headers=True)
    finally:
        store.close()
        logging.getLogger("sopengine.web").info("stopped", extra={"fields": {"host": host, "port": port}})
