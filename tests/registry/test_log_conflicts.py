"""The served log (a real ``forceplan serve``): a known event id re-sent with other content is refused with 409
and a message naming it, nothing of the batch appended; the auditor needs the log's key (issue 24, item 6)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from forceplan.cli.app import run
from tests.registry.logserver import LogServer, incident

pytestmark = pytest.mark.integration


@pytest.fixture
def server(tmp_path: Path, sqlite_template: Path) -> Iterator[LogServer]:
    srv = LogServer(tmp_path, sqlite_template).start()
    try:
        yield srv
    finally:
        srv.stop()


def test_a_known_event_id_with_other_content_is_refused(server: LogServer, capsys) -> None:
    assert server.submit([incident(i) for i in range(5)]).status_code == 200
    again = server.submit([incident(i) for i in range(5)])
    assert again.status_code == 200 and again.json()["duplicate"] == 5 and again.json()["appended"] == 0
    changed = server.submit([incident(9), {**incident(3), "fatalities": 12}])
    assert changed.status_code == 409
    detail = changed.text
    assert "T-000003" in detail and "differs in fatalities" in detail and "own event id" in detail
    assert httpx.get(f"{server.url}/api/log/checkpoint").json()["tree_size"] == 5
    assert run(["monitor", "audit", server.url]) == 2
    assert "--trust" in capsys.readouterr().err
    assert run(["monitor", "audit", server.url, "--trust", f"log={server.keys / 'log.pub'}"]) == 0
    assert "consistent: 5 records" in " ".join(capsys.readouterr().out.split())
