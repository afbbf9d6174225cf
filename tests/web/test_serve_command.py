"""``sopengine serve`` as people run it: a subprocess on loopback that answers, logs JSON lines
(a link's token masked), and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import httpx
from click.testing import CliRunner

from sopengine.cli import main

from .conftest import free_port


def test_serve_answers_masks_tokens_in_its_log_and_stops_on_sigterm(tmp_path, sops_dir):
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["apply", str(sops_dir), "--groups", str(sops_dir / "groups.yaml"), "--now",
                                "2026-09-19T00:00+08:00", "--db", db]).exit_code == 0
    link = json.loads(runner.invoke(main, ["operators", "link", "小雅", "--format", "json", "--db", db]).stdout)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "sopengine", "serve", "--port", str(port), "--db", db],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "serve did not come up"
            time.sleep(0.1)
        assert httpx.get(f"{base}/t/{link['token']}", follow_redirects=False).status_code == 303
        me = httpx.get(f"{base}/api/me", headers={"Authorization": f"Bearer {link['token']}"})
        assert me.json()["operator"] == "xiaoya"
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert [e["event"] for e in events][0] == "serving" and events[-1]["event"] == "stopped"
    assert any(e.get("path") == "/t/…" for e in events)
    assert link["token"] not in err
