"""A store that cannot be opened is one line naming the URL (password masked), exit 1; commands that
only read never create a store."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sopengine.cli import main


@pytest.mark.parametrize("command", [["status"], ["actions"], ["health"], ["groups"], ["tasks"],
                                     ["done", "a/b/c/d"], ["pause", "--group", "g"]])
def test_commands_on_a_store_that_does_not_exist_never_create_it(tmp_path, command):
    missing = tmp_path / "nowhere" / "x.db"
    result = CliRunner().invoke(main, [*command, "--db", f"sqlite:///{missing}"])
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == [f"Error: no store at {missing} (nothing has been applied "
                                                  "there: `sopengine apply` creates it)"]
    assert not missing.parent.exists()


def test_the_default_store_is_not_created_by_reading_it(tmp_path):
    result = CliRunner().invoke(main, ["status"], env={"XDG_DATA_HOME": str(tmp_path), "SOPENGINE_DB": None})
    assert result.exit_code == 1 and "no store at" in result.output
    assert list(tmp_path.iterdir()) == []


SOPS = str(Path(__file__).resolve().parents[2] / "sops")


@pytest.mark.parametrize("command", [["status"], ["apply", SOPS], ["run", "--once"]])
def test_an_unreachable_server_is_one_line_without_the_password(command):
    result = CliRunner().invoke(main, [*command, "--db", "postgresql://ops:s3cret@127.0.0.1:1/ledger"])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    assert errors[0].startswith("Error: cannot open the store postgresql://ops:***@127.0.0.1:1/ledger: ")
    assert "s3cret" not in result.output


def test_a_url_of_no_known_database_is_one_line():
    result = CliRunner().invoke(main, ["status", "--db", "nosuchdb://x/y"])
    assert result.exit_code == 1 and result.output.startswith("Error: cannot open the store nosuchdb://x/y")
