"""`kg serve` on the command line: mounted, and a store it cannot open is one line, before listening."""

from __future__ import annotations

from click.testing import CliRunner

from kg.cli import cli


def test_serve_is_a_verb_with_the_protocol_options():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--store", "--host", "--port", "--timeout", "--allow", "--cors"):
        assert option in result.output


def test_a_missing_store_is_an_error_line_not_a_server(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--store", str(tmp_path / "none"), "--port", "0"])
    assert result.exit_code == 1
    assert "no store here" in result.output or "no store here" in (result.stderr or "")
