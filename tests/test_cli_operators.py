"""``sopengine operators``: listing, links that work for the API, revoking, and ``serve --help``."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sopengine.cli import main
from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.store import Store
from sopengine.web.tokens import token_hash

NOW = "2026-09-19T12:00+08:00"


def cli(*args: str, db: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [*args, "--db", db])


def applied(store_url, sops_dir):  # type: ignore[no-untyped-def]
    paths = [str(sops_dir / "learning-camp-21d.yaml"), "--groups", str(sops_dir / "groups.yaml")]
    result = cli("apply", *paths, "--now", "2026-09-19T00:00+08:00", db=store_url)
    assert result.exit_code == 0, result.output


def test_operators_lists_people_groups_and_todays_counts(store_url, sops_dir):
    applied(store_url, sops_dir)
    result = cli("operators", "--format", "json", "--now", NOW, db=store_url)
    assert result.exit_code == 0, result.output
    people = {p["id"]: p for p in json.loads(result.stdout)}
    assert people["nuannuan"]["role"] == "lead" and people["nuannuan"]["groups"] == ["ppt-camp-2026-09-b"]
    assert "ppt-camp-2026-09-a" in people["xiaoya"]["groups"]
    assert people["xiaoya"]["today"]["open"] > 0
    table = cli("operators", "--now", NOW, db=store_url)
    assert table.exit_code == 0 and "小雅" in table.stdout


def test_a_link_works_until_it_is_revoked_and_only_its_hash_is_stored(store_url, sops_dir, host):
    applied(store_url, sops_dir)
    result = cli("operators", "link", "小雅", "--format", "json", "--base-url", "https://ops.example.com/ws/",
                 db=store_url)
    assert result.exit_code == 0, result.output
    link = json.loads(result.stdout)
    assert link["operator"] == "xiaoya" and link["url"] == f"https://ops.example.com/ws/t/{link['token']}"
    store = Store.open(store_url, host.kinds, planner=LedgerPlanner())
    try:
        from datetime import datetime, timezone

        now = datetime.now(timezone.utc)
        assert store.token_grant(token_hash(link["token"]), now).operator == "xiaoya"  # type: ignore[union-attr]
        with store.engine.connect() as conn:
            stored = [r[0] for r in conn.exec_driver_sql("SELECT token_hash FROM operator_tokens")]
        assert stored == [token_hash(link["token"])] and link["token"] not in stored
        revoked = cli("operators", "revoke", "xiaoya", db=store_url)
        assert revoked.exit_code == 0 and "1 link(s) ended" in revoked.stdout
        assert store.token_grant(token_hash(link["token"]), now) is None
    finally:
        store.close()


def test_an_unknown_operator_or_a_bad_lifetime_is_refused(store_url, sops_dir):
    applied(store_url, sops_dir)
    unknown = cli("operators", "link", "nobody", db=store_url)
    assert unknown.exit_code == 1 and "no operator 'nobody'" in unknown.output
    bad = cli("operators", "link", "小雅", "--expires", "soon", db=store_url)
    assert bad.exit_code == 2


def test_serve_and_operators_have_help():
    for args in (["serve", "--help"], ["operators", "--help"], ["operators", "link", "--help"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0 and "Usage" in result.output
