"""Hostile and unusual input: every bad file gets exit 2 with a located message, nothing outside the scenario is
read or echoed, resources stay bounded, and no command ever prints a traceback (issue: hostile input)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forceplan.cli.app import run
from tests.conftest import edit

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SECRET = "root:$6$not-a-real-hash:20228:0:99999:7:::"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = run(list(argv))
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text, text
    return code, text


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the scenario's folder that must never be read or echoed."""
    p = tmp_path / "outside" / "shadow"
    p.parent.mkdir()
    p.write_text(SECRET + "\n")
    return p


# ---------------------------------------------------------------------------------------------- reading outside


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "data-dotdot", "symlink", "proc"])
def test_side_files_cannot_leave_the_scenario_folder(scenario_copy: Path, secret: Path, kind: str, capsys) -> None:
    yaml = scenario_copy / "scenario.yaml"
    if kind == "dotdot":
        ref = os.path.relpath(secret, scenario_copy)
    elif kind == "absolute":
        ref = str(secret)
    elif kind == "data-dotdot":
        ref = "data:../../../../../../../../.." + str(secret)
    elif kind == "symlink":
        (scenario_copy / "link.csv").symlink_to(secret)
        ref = "link.csv"
    else:
        ref = "/proc/self/environ"
    edit(yaml, "pledges: pledges.csv", f"pledges: {ref}")
    code, text = cli(capsys, "scenario", "validate", str(yaml))
    assert code == 2
    assert "root:" not in text and "not-a-real-hash" not in text
    assert "leads outside" in text or "absolute path" in text


def test_geojson_reference_cannot_leave_the_folder(scenario_copy: Path, secret: Path, capsys) -> None:
    yaml = scenario_copy / "scenario.yaml"
    edit(yaml, "outline: naturalearth_lowres_europe.geojson", f"outline: {os.path.relpath(secret, scenario_copy)}")
    code, text = cli(capsys, "scenario", "validate", str(yaml))
    assert code == 2 and "leads outside" in text and "not-a-real-hash" not in text


def test_a_file_that_is_not_a_scenario_is_not_echoed(secret: Path, capsys) -> None:
    secret.write_text("\n".join(f"user{i}:{SECRET}" for i in range(10)) + "\n")
    code, text = cli(capsys, "scenario", "validate", str(secret))
    assert code == 2 and "not-a-real-hash" not in text


# ---------------------------------------------------------------------------------------------- denial of service

BOMB = """schema_version: 1
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_yaml_alias_bomb_refused_at_once(tmp_path: Path, capsys) -> None:
    f = tmp_path / "bomb.yaml"
    f.write_text(BOMB)
    t0 = time.perf_counter()
    code, text = cli(capsys, "scenario", "validate", str(f))
    assert code == 2 and "alias" in text and "bomb.yaml:3" in text
    assert time.perf_counter() - t0 < 5


@pytest.mark.parametrize("doc", ["[" * 5000 + "]" * 5000, "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 200))])
def test_deep_nesting_refused(tmp_path: Path, doc: str, capsys) -> None:
    f = tmp_path / "deep.yaml"
    f.write_text("schema_version: 1\nx: " + doc if doc.startswith("[") else "schema_version: 1\n" + doc)
    code, text = cli(capsys, "scenario", "validate", str(f))
    assert code == 2 and ("nested" in text or "YAML" in text)


def test_huge_csv_cell_and_huge_file_refused(scenario_copy: Path, capsys) -> None:
    p = scenario_copy / "pledges.csv"
    lines = p.read_text().splitlines()
    lines[1] = lines[1].replace(",,committed", ',"' + "x" * 200_000 + '",committed', 1)
    p.write_text("\n".join(lines) + "\n")
    code, text = cli(capsys, "scenario", "validate", str(scenario_copy / "scenario.yaml"))
    assert code == 2 and "pledges.csv:2" in text and "limit" in text


def test_huge_polygon_refused_by_its_vertex_count(scenario_copy: Path, capsys, monkeypatch) -> None:
    import forceplan.fsutil as fsutil

    monkeypatch.setattr(fsutil, "MAX_GEOJSON_VERTICES", 1000)
    code, text = cli(capsys, "scenario", "validate", str(scenario_copy / "scenario.yaml"))
    assert code == 2 and "vertices" in text and "simplify" in text


# ---------------------------------------------------------------------------------------------- decoding, numbers


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe", "not UTF-8"),
        ("schema_version: 1\n".encode("utf-16"), "UTF-16"),
        ("schema_version: 1\nname: Zürich\n".encode("latin-1"), "not UTF-8"),
        (b"", "mapping"),
    ],
)
def test_undecodable_scenario_files(tmp_path: Path, content: bytes, expect: str, capsys) -> None:
    f = tmp_path / "s.yaml"
    f.write_bytes(content)
    code, text = cli(capsys, "scenario", "validate", str(f))
    assert code == 2 and expect in text


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("GBR-01,GBR,bde_hq,1,400,30", "GBR-01,GBR,bde_hq,999999999999,400,30", "pledges.csv:2"),
        ("GBR-01,GBR,bde_hq,1,400,30", "GBR-01,GBR,bde_hq,1,400,inf", "pledges.csv:2"),
        ("GBR-01,GBR,bde_hq,1,400,30", "GBR-01,GBR,bde_hq,1,400,3650000", "pledges.csv:2"),
        ("GBR-01,GBR,bde_hq,1,400,30", "GBR-01,GBR,bde_hq,1,400,1e308", "pledges.csv:2"),
    ],
)
def test_absurd_numbers_in_csv_are_refused_with_their_cell(scenario_copy: Path, old, new, where, capsys) -> None:
    edit(scenario_copy / "pledges.csv", old, new)
    code, text = cli(capsys, "scenario", "validate", str(scenario_copy / "scenario.yaml"))
    assert code == 2 and where in text


@pytest.mark.parametrize(
    ("old", "new", "word"),
    [
        ("  standoff_km: 50", "  standoff_km: .inf", "finite"),
        ("  standoff_km: 50", "  standoff_km: true", "got true"),
        ("  standoff_km: 50", "  standoff_km: 1e308", "implausibl"),
        ("warning_time_h: 12\n", "warning_time_h: 87600000\n", "implausible"),
        ("weight: 1.0\n", "weight: true\n", "got true"),
    ],
)
def test_absurd_numbers_in_yaml_are_refused(scenario_copy: Path, old, new, word, capsys) -> None:
    edit(scenario_copy / "scenario.yaml", old, new)
    code, text = cli(capsys, "scenario", "validate", str(scenario_copy / "scenario.yaml"))
    assert code == 2 and word in text and "scenario.yaml:" in text


SLOT = "quantity: 3, max_notice_to_move_days: 30"


@pytest.mark.parametrize(
    ("value", "word"),
    [
        ('!!python/object/apply:os.system ["touch PWNED"]', "YAML tag !!python/object/apply:os.system"),
        ("!!omap [a: 1]", "YAML tag !!omap"),
        ("9" * 5000, "a number of 5,000 digits"),
        ("1_000", "number '1_000' contains '_'"),
    ],
    ids=["python-object-apply", "omap", "5000-digit-integer", "underscore-1_000"],
)
def test_yaml_tags_and_number_forms_exit_2_located(scenario_copy: Path, value: str, word: str, capsys) -> None:
    """Issue 24: these gave a TypeError / ValueError traceback, or read 1_000 as 1000."""
    edit(scenario_copy / "scenario.yaml", SLOT, f"quantity: {value}, max_notice_to_move_days: 30")
    line = next(
        n
        for n, x in enumerate((scenario_copy / "scenario.yaml").read_text().splitlines(), 1)
        if f"quantity: {value[:12]}" in x
    )
    code, text = cli(capsys, "scenario", "validate", str(scenario_copy / "scenario.yaml"))
    assert code == 2 and word in " ".join(text.split()) and f"scenario.yaml:{line}:" in text
    assert not (scenario_copy / "PWNED").exists() and not Path("PWNED").exists()


def test_a_pledges_csv_with_a_garbage_header_and_no_rows_is_refused(scenario_copy: Path, capsys) -> None:
    """Issue 24: it validated as '0 pledges'."""
    (scenario_copy / "pledges.csv").write_text("foo,bar,baz\n")
    code, text = cli(capsys, "scenario", "validate", str(scenario_copy / "scenario.yaml"))
    text = " ".join(text.split())
    assert code == 2 and "0 pledges" not in text
    assert "pledges.csv:1" in text and "unknown column 'foo'" in text and "personnel_per_unit" in text


def test_swapped_coordinates_caught(scenario_copy: Path, capsys) -> None:
    edit(scenario_copy / "sites.csv", '"[25.89744, 51.3245]"', '"[51.3245, 25.89744]"')
    code, text = cli(capsys, "scenario", "validate", str(scenario_copy / "scenario.yaml"))
    assert code == 2 and "swapped" in text and "sites.csv:2" in text


@pytest.mark.parametrize(
    "geometry",
    [
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        '"geometry": {"type": "Polygon", "coordinates": []}}]}',
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": "Polygon"}]}',
        '{"type": "FeatureCollection", "features": "none"}',
        "[1, 2, 3]",
    ],
)
def test_malformed_geojson(scenario_copy: Path, geometry: str, capsys) -> None:
    (scenario_copy / "deepstatemap_data_20251231.geojson").write_text(geometry)
    code, text = cli(capsys, "scenario", "validate", str(scenario_copy / "scenario.yaml"))
    assert code == 2 and "deepstatemap_data_20251231.geojson" in text


def test_outline_that_is_a_point(scenario_copy: Path, capsys) -> None:
    p = scenario_copy / "naturalearth_lowres_europe.geojson"
    doc = json.loads(p.read_text())
    for f in doc["features"]:
        if f["properties"].get("iso_a3") == "UKR":
            f["geometry"] = {"type": "Point", "coordinates": [31.0, 49.0]}
    p.write_text(json.dumps(doc))
    code, text = cli(capsys, "scenario", "validate", str(scenario_copy / "scenario.yaml"))
    assert code == 2 and "Polygon" in text


@pytest.mark.parametrize("doc", ["42", '"text"', "[1, 2]", '{"incidents": 3}', "[" * 3000 + "]" * 3000])
def test_malformed_incident_json(tmp_path: Path, doc: str, capsys) -> None:
    f = tmp_path / "inc.json"
    f.write_text(doc)
    code, text = cli(capsys, "monitor", "ingest", str(f), "--log", str(tmp_path / "log"))
    assert code == 2 and "inc.json" in text


def test_infinite_calibre_never_reaches_the_log(tmp_path: Path, capsys) -> None:
    f = tmp_path / "inc.csv"
    f.write_text("event_id_cnty,event_date,latitude,longitude,calibre_mm\nA1,2026-03-01,48.0,35.0,inf\n")
    code, _ = cli(capsys, "monitor", "ingest", str(f), "--log", str(tmp_path / "log"))
    assert code == 0
    assert b"Infinity" not in (tmp_path / "log" / "records.jsonl").read_bytes()


# ---------------------------------------------------------------------------------------------- Rich markup


def test_markup_and_emoji_codes_print_as_written(tmp_path: Path, capsys) -> None:
    d = tmp_path / "a:100:b [bold]x[-bold]"
    d.mkdir()
    f = d / "s.yaml"
    f.write_text("schema_version: 1\nname: [lon, lat]\n")
    code, text = cli(capsys, "scenario", "validate", str(f))
    assert code == 2 and "a:100:b [bold]x[-bold]" in text.replace("\n", "")


# ---------------------------------------------------------------------------------------------- every path argument


def _kinds(tmp_path: Path) -> dict[str, Path]:
    binary = tmp_path / "binary.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    return {"folder": folder, "binary": binary, "empty": empty, "missing": tmp_path / "missing.yaml"}


PATH_ARGS = [
    ["scenario", "validate", "{}"],
    ["scenario", "show", "{}"],
    ["plan", "{}", "--out", "{out}", "--no-pdf"],
    ["phases", "{}"],
    ["forcegen", "{}"],
    ["station", "{}"],
    ["respond", "{}", "--trials", "100"],
    ["assess", "{}", "--trials", "100"],
    ["engage", "{}"],
    ["calibrate", "{}"],
    ["monitor", "ingest", "{}", "--log", "{log}"],
    ["monitor", "classify", "{}"],
    ["monitor", "status", "--log", "{}"],
    ["monitor", "verify", "--log", "{log}", "--trust-file", "{}"],
    ["monitor", "verify", "--log", "{log}", "--trust", "coalition={}"],
    ["monitor", "checkpoint", "--log", "{log}", "--key", "{}", "--signer", "coalition"],
    ["monitor", "consistency", "--log", "{log}", "--checkpoint", "{}"],
    ["monitor", "prove", "--log", "{}", "--event", "X"],
    ["plan", "ukraine-2025", "--log", "{}", "--out", "{out}", "--no-pdf", "--trials", "100"],
    ["compare", "{}", "{}"],
]


@pytest.mark.parametrize("argv", PATH_ARGS, ids=lambda a: " ".join(x for x in a if "{" not in x))
def test_every_path_argument_survives_a_folder_a_binary_an_empty_and_a_missing_file(
    tmp_path: Path, argv: list[str], capsys
) -> None:
    log = tmp_path / "log"
    assert run(["monitor", "ingest", str(ROOT / "examples" / "incidents-sample.csv"), "--log", str(log)]) == 0
    capsys.readouterr()
    for kind, path in _kinds(tmp_path).items():
        args = [
            a.replace("{}", str(path)).replace("{log}", str(log)).replace("{out}", str(tmp_path / "out")) for a in argv
        ]
        code, text = cli(capsys, *args)
        assert code == 2, (kind, args, text)
        assert not (tmp_path / "out").exists(), "no partial output"


# ---------------------------------------------------------------------------------------------- outputs


def test_plan_out_checked_before_work(tmp_path: Path, capsys) -> None:
    f = tmp_path / "a-file"
    f.write_text("x")
    t0 = time.perf_counter()
    code, text = cli(capsys, "plan", "--out", str(f), "--no-pdf")
    assert code == 2 and "not a folder" in text and time.perf_counter() - t0 < 10
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    if os.geteuid() != 0:  # root may write anywhere
        code, text = cli(capsys, "plan", "--out", str(ro / "x"), "--no-pdf")
        assert code == 2
    code, text = cli(capsys, "plan", "--out", "/proc/forceplan", "--no-pdf")
    assert code == 2 and "cannot write" in text


def test_ctrl_c_exits_130_and_leaves_no_partial_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "forceplan", "plan", "--out", str(out), "--no-pdf"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert not out.exists() and not list(tmp_path.glob(".out.*"))


def test_ctrl_c_wrapped_by_nested_numba_unpickles_still_counts_as_ctrl_c() -> None:
    """numba wraps a Ctrl-C that lands while it loads a cached kernel in one SystemError per nested unpickle."""
    from forceplan.cli.app import _caused_by_interrupt

    def nested(depth: int) -> None:
        if depth == 0:
            raise KeyboardInterrupt
        try:
            nested(depth - 1)
        except BaseException as exc:
            raise SystemError("returned a result with an exception set") from exc

    with pytest.raises(SystemError) as info:
        nested(12)
    assert _caused_by_interrupt(info.value)
    assert not _caused_by_interrupt(SystemError("a real fault"))


def test_runs_finishing_together_into_one_folder_never_mix(tmp_path: Path) -> None:
    """Eight writers swap their folders into the same place at the same moment: none fails, and what is left is
    one writer's files, whole."""
    import threading

    from forceplan.fsutil import output_folder

    target = tmp_path / "out"
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            with output_folder(target, ours=frozenset({"a.txt", "b.txt"})) as tmp:
                (tmp / "a.txt").write_text(str(k))
                (tmp / "b.txt").write_text(str(k))
                barrier.wait(timeout=30)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(p.name for p in target.iterdir()) == ["a.txt", "b.txt"]
    assert (target / "a.txt").read_text() == (target / "b.txt").read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary or moved-aside folder left


# ---------------------------------------------------------------------------------------------- fuzz

MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["delete", "duplicate", "replace", "insert", "truncate", "flip"]),
        st.integers(0, 10_000),
        st.sampled_from(["", "-1", "1e400", "true", "[", "*x", "&a", "\t", "null", "[1, 2]", "{a: 1}", "é", ":", "'"]),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=MUTATIONS)
def test_fuzzed_scenarios_never_crash(scenario_copy: Path, mutations, capsys) -> None:
    """Random mutations of the bundled scenario's YAML: exit 0 only on a scenario that loads, else exit 2; never a
    traceback; every run bounded in time."""
    from forceplan.scenario import ScenarioError, load_scenario

    yaml = scenario_copy / "scenario.yaml"
    original = yaml.read_text()
    lines = original.splitlines()
    for op, pos, token in mutations:
        i = pos % max(len(lines), 1)
        if op == "delete" and lines:
            del lines[i]
        elif op == "duplicate" and lines:
            lines.insert(i, lines[i])
        elif op == "replace" and lines and ":" in lines[i]:
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {token}"
        elif op == "insert":
            lines.insert(i, token)
        elif op == "truncate":
            lines = lines[:i]
        elif op == "flip" and lines:
            lines[i] = lines[i][::-1]
    yaml.write_text("\n".join(lines) + "\n")
    t0 = time.perf_counter()
    code, _ = cli(capsys, "scenario", "validate", str(yaml))
    assert time.perf_counter() - t0 < 10
    try:
        load_scenario(yaml)
        loads = True
    except ScenarioError:
        loads = False
    assert code == (0 if loads else 2)
    yaml.write_text(original)
