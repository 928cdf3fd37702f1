"""``mlineage render``: selection, the layered layout, and the four formats — the quickstart
drawn as Snowsight draws it, masked for a role, escaped for hostile names, and opened in a real
(headless) browser when one is installed."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_fixtures import FIXTURES, read_edges_tsv

from extractor.cli import cli
from extractor.query import Edge, Graph, Node, load_graph, resolve_object
from extractor.run import ExtractOptions, extract
from extractor.sinks import render as r
from extractor.visibility import VisibilityError

P = "ML_LINEAGE_DATABASE.ML_LINEAGE_SCHEMA."
EXPECTED_EDGES = read_edges_tsv(FIXTURES / "quickstart" / "expected_edges.tsv")
EXPECTED_NODES = {end for s, t, _ in EXPECTED_EDGES for end in (s, t)}
# Snowsight's picture, column by column (shared/docs/quickstart-dag.png).
EXPECTED_COLUMNS = {
    f"stage:{P}FEATURE_STORE_TEMP_STAGE": 0,
    f"table:{P}WINEDATA": 1,
    f"feature_view:{P}WINE_FEATURES@1.0": 2,
    f"feature_view:{P}EXTRA_WINE_FEATURES@1.0": 2,
    f"dataset:{P}MY_DATASET_FROM_TABLE@v1": 2,
    f"table:{P}SNOWPARK_TEMP_TABLE_6YQ2HK8ZM0": 2,
    f"dataset:{P}MY_DATASET@1.0": 3,
    f"table:{P}MY_TABLE_DATASET_1": 3,
    f"model:{P}MODEL_TRAINED_ON_TABLE@V1": 3,
    f"model:{P}MODEL_TRAINED_ON_DATASET@V1": 4,
    f"model:{P}MODEL_TRAINED_ON_PANDAS@V1": 4,
}
T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def quickstart_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("qs")
    extract(ExtractOptions(sources=[str(FIXTURES / "quickstart")], out=out))
    return out


@pytest.fixture
def quickstart(quickstart_dir: Path) -> Graph:
    return load_graph(quickstart_dir)


def page_data(page: str) -> dict:
    pattern = r'<script type="application/json" id="mlineage-data">(.*?)</script>'
    match = re.search(pattern, page, re.S)
    assert match, "the page embeds its graph as JSON"
    return json.loads(match.group(1))


def node(node_id: str, status: str = "ACTIVE", name: str | None = None) -> Node:
    domain, rest = node_id.split(":", 1)
    database, schema, obj = rest.split(".")
    return Node(node_id, domain, domain, database, schema, name or obj, None, status, T0, None)


def edge(source: str, target: str, edge_type: str = "data") -> Edge:
    return Edge(source, target, edge_type, "INSERT", T0, T0, 1, "q1", "q2")


def graph_of(nodes: list[Node], edges: list[Edge], grants: list[dict] | None = None) -> Graph:
    return Graph({n.node_id: n for n in nodes}, edges, grants or [])


# ---------------------------------------------------------------------------------------------
# Selection and layout


def test_quickstart_page_holds_every_object_and_edge(quickstart: Graph) -> None:
    data = page_data(r.render(r.select_subgraph(quickstart), "html"))
    assert set(data["nodes"]) == EXPECTED_NODES
    edges = {(e["source_id"], e["target_id"], e["edge_type"]) for e in data["edges"]}
    assert edges == EXPECTED_EDGES
    assert {c["id"] for c in data["views"]["main"]["cards"]} == EXPECTED_NODES
    assert len(data["views"]["main"]["links"]) == 14
    assert data["collapsed"] is False


def test_isolated_objects_only_with_all_nodes(quickstart: Graph) -> None:
    everything = r.select_subgraph(quickstart, all_nodes=True)
    assert set(everything.nodes) == set(quickstart.nodes)
    isolated = set(everything.nodes) - EXPECTED_NODES
    assert "database:ML_LINEAGE_DATABASE" in isolated and f"schema:{P[:-1]}" in isolated
    assert any(n.startswith("stage:") and "SNOWPARK_TEMP_STAGE" in n for n in isolated)
    assert set(r.select_subgraph(quickstart).nodes) == EXPECTED_NODES


def test_layers_follow_snowsights_columns(quickstart: Graph) -> None:
    layout = r.layout_subgraph(r.select_subgraph(quickstart))
    assert {i: c.column for i, c in layout.cards.items()} == EXPECTED_COLUMNS
    xs = {c.column: c.x for c in layout.cards.values()}
    assert xs[0] < xs[1] < xs[2] < xs[3] < xs[4]


def test_cards_in_a_column_never_overlap(quickstart: Graph) -> None:
    layout = r.layout_subgraph(r.select_subgraph(quickstart))
    by_column: dict[int, list[int]] = {}
    for card in layout.cards.values():
        by_column.setdefault(card.column, []).append(card.y)
    for ys in by_column.values():
        ys.sort()
        assert all(b - a >= r.LABEL_H + r.CARD_H for a, b in zip(ys, ys[1:], strict=False))
    slot = r.LABEL_H + r.CARD_H
    assert all(0 <= c.y and c.y + slot <= layout.height for c in layout.cards.values())


def test_every_edge_runs_from_the_right_side_to_the_left_side(quickstart: Graph) -> None:
    layout = r.layout_subgraph(r.select_subgraph(quickstart))
    for (source, target), points in layout.routes.items():
        assert points[0] == (layout.cards[source].x + r.CARD_W, layout.port_y(source))
        assert points[-1] == (layout.cards[target].x, layout.port_y(target))


def test_barycentre_sweeps_untangle_a_crossing() -> None:
    # Sorted by id, column 1 would be [Y, Z] while A (above) feeds Z and B feeds Y: one crossing.
    layout = r.layered_layout(["A", "B", "Y", "Z"], [("A", "Z"), ("B", "Y")])
    cards = sorted(layout.cards.values(), key=lambda c: (c.column, c.order))
    assert [c.id for c in cards] == ["A", "B", "Z", "Y"]


def test_cycles_and_self_loops_are_laid_out() -> None:
    ids = ["t:D.S.A", "t:D.S.B", "t:D.S.C"]
    a, b, c = ids
    pairs = [(a, b), (b, c), (c, a), (b, b)]
    layout = r.layered_layout(ids, pairs)
    assert sorted(c.column for c in layout.cards.values()) == [0, 1, 2]
    paths = r.edge_paths(layout, [edge(s, t) for s, t in pairs])
    assert all(p.startswith("M") for p in paths) and len(set(paths)) == 4
    # the edge closing the cycle runs right to left: from C's left side to A's right side
    c_to_a = layout.routes[(c, a)]
    assert c_to_a[0][0] == layout.cards[c].x
    assert c_to_a[-1][0] == layout.cards[a].x + r.CARD_W


def test_long_edges_get_their_own_slots() -> None:
    """A → D across two columns passes through slots of its own, never through a card."""
    layout = r.layered_layout("ABCD", [("A", "B"), ("B", "C"), ("C", "D"), ("A", "D")])
    route = layout.routes[("A", "D")]
    assert len(route) == 2 + 2 * 2
    card_rows = [
        (c.y, c.y + r.LABEL_H + r.CARD_H) for c in layout.cards.values() if c.column in (1, 2)
    ]
    assert all(not (top <= y <= bottom) for _, y in route[1:-1] for top, bottom in card_rows)


@pytest.mark.parametrize("fmt", r.FORMATS)
def test_same_graph_same_bytes(quickstart_dir: Path, tmp_path: Path, fmt: str) -> None:
    again = tmp_path / "again"
    extract(ExtractOptions(sources=[str(FIXTURES / "quickstart")], out=again))
    folders = (quickstart_dir, quickstart_dir, again)
    texts = [r.render(r.select_subgraph(load_graph(folder)), fmt) for folder in folders]
    assert texts[0] == texts[1] == texts[2]
    outputs = []
    for k in range(2):
        target = tmp_path / f"picture{k}.{fmt}"
        args = ["render", "--graph", str(quickstart_dir), "--format", fmt, "-o", str(target)]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1] == texts[0].encode("utf-8")


def test_neighbourhood_uses_the_rules_of_lineage(quickstart: Graph) -> None:
    start = resolve_object(quickstart, f"{P}WINE_FEATURES", version="1.0")
    sub = r.select_subgraph(quickstart, start, "downstream", 1)
    assert {(e.source_id, e.target_id) for e in sub.edges} == {
        (start.node_id, f"dataset:{P}MY_DATASET@1.0"),
        (start.node_id, f"table:{P}MY_TABLE_DATASET_1"),
    }
    both = r.select_subgraph(quickstart, start)
    assert len(both.edges) == 6 and both.focus == start.node_id
    assert "class n" in r.render(both, "mermaid") and "focus" in r.render(both, "mermaid")


# ---------------------------------------------------------------------------------------------
# Roles


@pytest.fixture
def analyst_graph(quickstart: Graph) -> Graph:
    """The quickstart plus a role that may read WINEDATA and nothing else."""

    def grant(privilege: str, on_type: str, on_name: str) -> dict:
        return {
            "action": "GRANT",
            "privilege": privilege,
            "on_type": on_type,
            "on_name": on_name,
            "grantee_type": "ROLE",
            "grantee": "ANALYST",
            "with_grant_option": False,
            "query_id": "g",
            "granted_at": T0,
            "revoked_at": None,
            "role_name": "SECURITYADMIN",
            "user_name": "U",
        }

    quickstart.grants.extend(
        [
            grant("USAGE", "DATABASE", "ML_LINEAGE_DATABASE"),
            grant("USAGE", "SCHEMA", "ML_LINEAGE_DATABASE.ML_LINEAGE_SCHEMA"),
            grant("SELECT", "TABLE", f"{P}WINEDATA"),
        ]
    )
    return quickstart


@pytest.mark.parametrize("fmt", r.FORMATS)
def test_a_role_sees_stars_where_it_may_not_look(analyst_graph: Graph, fmt: str) -> None:
    start = resolve_object(analyst_graph, f"{P}WINEDATA")
    sub = r.select_subgraph(analyst_graph, start, as_role="analyst")
    masked = [n for n in sub.nodes.values() if n.status == "MASKED"]
    assert len(masked) == 7 and len(sub.nodes) == 8 and len(sub.edges) == 7
    assert all(n.node_id.startswith("masked:") and n.name == "***" for n in masked)
    text = r.render(sub, fmt)
    assert "WINEDATA" in text and "***" in text
    hidden_names = (
        "FEATURE_STORE_TEMP_STAGE",
        "WINE_FEATURES",
        "MY_DATASET",
        "MODEL_TRAINED",
        "SNOWPARK",
    )
    for hidden in hidden_names:
        assert hidden not in text, hidden


def test_whole_graph_for_a_role_skips_edges_between_hidden_objects(analyst_graph: Graph) -> None:
    sub = r.select_subgraph(analyst_graph, as_role="ANALYST")
    assert len(sub.edges) == 7  # WINEDATA's own; the 7 edges among hidden objects are left out
    data = page_data(r.render(sub, "html"))
    assert {n["status"] for n in data["nodes"].values()} == {"ACTIVE", "MASKED"}


def test_render_refuses_a_role_without_lineage(quickstart: Graph) -> None:
    start = resolve_object(quickstart, f"{P}WINEDATA")
    with pytest.raises(VisibilityError, match="not authorized"):
        r.select_subgraph(quickstart, start, as_role="NOBODY")
    with pytest.raises(VisibilityError, match="Insufficient privileges"):
        r.select_subgraph(quickstart, as_role="NOBODY", public_view_lineage=False)


# ---------------------------------------------------------------------------------------------
# Formats


def test_dot_is_well_formed(quickstart: Graph) -> None:
    text = r.render(r.select_subgraph(quickstart), "dot")
    assert text.startswith("digraph lineage {") and "rankdir=LR" in text
    outside_strings = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    assert outside_strings.count("{") == outside_strings.count("}")
    declared = set(re.findall(r"^  (n\d+) \[", text, re.M))
    arrows = re.findall(r"^  (n\d+) -> (n\d+) \[", text, re.M)
    assert len(declared) == 11 and len(arrows) == 14
    assert all(a in declared and b in declared for a, b in arrows)
    assert text.count("style=dotted") == 2  # the two feature views over WINEDATA


def test_mermaid_is_well_formed(quickstart: Graph) -> None:
    text = r.render(r.select_subgraph(quickstart), "mermaid")
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    declared = {m.group(1) for line in lines if (m := re.fullmatch(r'  (n\d+)\["[^"]*"\]', line))}
    arrows = [re.fullmatch(r"  (n\d+) (-->|-\.->) (n\d+)", line) for line in lines if "->" in line]
    assert len(declared) == 11 and len(arrows) == 14 and all(arrows)
    assert all(a.group(1) in declared and a.group(3) in declared for a in arrows)
    assert sum(a.group(2) == "-.->" for a in arrows) == 2


def test_svg_is_xml_with_a_card_per_object(quickstart: Graph) -> None:
    import xml.etree.ElementTree as ET

    text = r.render(r.select_subgraph(quickstart), "svg")
    root = ET.fromstring(text.encode("utf-8"))
    ns = "{http://www.w3.org/2000/svg}"
    cards = {
        g.get("data-node-id"): int(g.get("data-column"))
        for g in root.iter(f"{ns}g")
        if g.get("data-node-id")
    }
    assert cards == EXPECTED_COLUMNS
    assert len([p for p in root.iter(f"{ns}path") if "link" in (p.get("class") or "")]) == 14


HOSTILE = 'Evil</script><script>alert("x")</script> & #1 `q` <b>'


def hostile_graph() -> Graph:
    a = node("table:D.S.A", name=HOSTILE)
    b = replace(node('table:D.S."B"', status="DELETED"), deleted_at=T0 + timedelta(days=1))
    c = node("table:D.S.C")
    return graph_of([a, b, c], [edge(a.node_id, b.node_id), edge(b.node_id, c.node_id, "clone")])


def test_hostile_names_are_escaped_in_every_format() -> None:
    import xml.etree.ElementTree as ET

    sub = r.select_subgraph(hostile_graph())
    page = r.render(sub, "html")
    assert "</script><script>" not in page and "<b>" not in page
    assert page.count("</script>") == 2  # the data block and the code block, nothing more
    assert page_data(page)["nodes"]["table:D.S.A"]["name"] == HOSTILE
    svg = r.render(sub, "svg")
    ET.fromstring(svg.encode("utf-8"))
    dot = r.render(sub, "dot")
    label = re.search(r'^  n\d+ \[label="((?:\\.|[^"\\])*)", .*tooltip="table:D\.S\.A"', dot, re.M)
    assert label and 'alert(\\"x\\")' in label.group(1)
    mermaid = r.render(sub, "mermaid")
    (line,) = [ln for ln in mermaid.splitlines() if "Evil" in ln]
    assert line.count('"') == 2 and "<b>" not in line and "#60;b#62;" in line


def test_clone_edges_are_dashed_and_deleted_objects_grey() -> None:
    sub = r.select_subgraph(hostile_graph())
    svg = r.render(sub, "svg")
    assert 'class="link clone"' in svg
    assert ".link.clone{stroke:#e8590c;stroke-dasharray:7 5;}" in svg
    assert re.search(r'<g class="node deleted" data-node-id="table:D\.S\.&quot;B&quot;"', svg)
    assert "Deleted on: Mar 2, 2026, 00:00:00 UTC" in svg
    data = page_data(r.render(sub, "html"))
    assert sorted(link["type"] for link in data["views"]["main"]["links"]) == ["clone", "data"]
    assert "stroke-dasharray:7 5" in r.render(sub, "html")
    # edges sort by source, and '"B"' sorts before 'A': the clone is link 0
    assert "linkStyle 0 stroke:#e8590c" in r.render(sub, "mermaid")
    assert "style=dashed" in r.render(sub, "dot")


def test_page_is_self_contained(quickstart: Graph) -> None:
    page = r.render(r.select_subgraph(quickstart), "html")
    assert not re.search(r'\b(?:src|href)="(?:https?:)?//', page)
    assert "@import" not in page and "url(http" not in page and "fetch(" not in page
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}


def test_big_graphs_open_on_one_card_per_schema() -> None:
    nodes, edges = [], []
    for s in range(3):
        for k in range(5):
            nodes.append(node(f"table:D.S{s}.T{k}"))
            if k:
                edges.append(edge(f"table:D.S{s}.T{k - 1}", f"table:D.S{s}.T{k}"))
        if s:
            edges.append(edge(f"table:D.S{s - 1}.T4", f"table:D.S{s}.T0"))
    sub = r.select_subgraph(graph_of(nodes, edges))
    data = page_data(r.render_html(sub, collapse_over=10))
    assert data["collapsed"] is True
    main = data["views"]["main"]
    assert [c["id"] for c in main["cards"]] == ["group:D.S0", "group:D.S1", "group:D.S2"]
    assert [c["column"] for c in main["cards"]] == [0, 1, 2]
    assert [(ln["source"], ln["target"]) for ln in main["links"]] == [
        ("group:D.S0", "group:D.S1"),
        ("group:D.S1", "group:D.S2"),
    ]
    assert data["groups"]["group:D.S1"]["counts"] == {"table": 5}
    middle = {c["id"] for c in data["views"]["group:D.S1"]["cards"]}
    assert middle == {f"table:D.S1.T{k}" for k in range(5)} | {"table:D.S0.T4", "table:D.S2.T0"}
    assert page_data(r.render_html(sub))["collapsed"] is False


def test_cli_render_errors_are_one_line(quickstart_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["render", "NOPE", "--graph", str(quickstart_dir)])
    assert result.exit_code == 1 and "not found" in result.output
    result = CliRunner().invoke(
        cli,
        [
            "render",
            "--graph",
            str(quickstart_dir),
            "--as-role",
            "NOBODY",
            "--no-public-view-lineage",
        ],
    )
    assert result.exit_code == 1 and "Insufficient privileges" in result.output
    result = CliRunner().invoke(
        cli,
        [
            "render",
            f"{P}WINEDATA",
            "--graph",
            str(quickstart_dir),
            "--direction",
            "upstream",
            "--format",
            "mermaid",
        ],
    )
    assert result.exit_code == 0 and result.output.count(" --> ") == 1


# ---------------------------------------------------------------------------------------------
# A real browser


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """A small PNG reader (8-bit RGB/RGBA, not interlaced): what Chromium writes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + best) & 255
        rows.append(b"".join(bytes(line[k : k + 3]) for k in range(0, stride, bpp)))
        previous = line
    return width, height, rows


class CardCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("data-node-id") and found.get("data-column") is not None:
            self.cards[found["data-node-id"] or ""] = int(found["data-column"] or -1)


@pytest.mark.skipif(chromium_binary() is None, reason="no chromium/chromium-browser binary")
def test_quickstart_page_in_headless_chromium(quickstart: Graph, tmp_path: Path) -> None:
    page = tmp_path / "lineage.html"
    page.write_text(r.render(r.select_subgraph(quickstart), "html"), encoding="utf-8")
    binary = chromium_binary()
    assert binary
    profile = tmp_path / "profile"
    dom = run_chromium(binary, profile, "--window-size=1600,700", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    collector = CardCollector()
    collector.feed(dom.stdout)
    assert collector.cards == EXPECTED_COLUMNS
    assert 'data-ready="true"' in dom.stdout and dom.stdout.count('class="link ') == 14

    shot = tmp_path / "lineage.png"
    result = run_chromium(
        binary, profile, "--window-size=1600,700", f"--screenshot={shot}", page.as_uri()
    )
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (1600, 700)
    pixels = [row[k : k + 3] for row in rows[::4] for k in range(0, len(row), 12)]
    colours = set(pixels)
    not_white = sum(p != b"\xff\xff\xff" for p in pixels) / len(pixels)
    assert len(colours) > 50 and 0.03 < not_white < 0.9
