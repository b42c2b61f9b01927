"""The loader refuses broken flows with a message naming the flow, the node and the problem."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
import yaml

from throughline.config import Settings
from throughline.flows import loader
from throughline.flows.rules import END_TYPES, reachable

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "flows"

GOOD = """
title: Test flow
start: ask
nodes:
  ask:
    type: question
    text: Is it plugged in?
    choices:
      - label: "Yes"
        next: restart
      - label: "No"
        next: done
  restart:
    type: instruction
    text: Restart it.
    fixed: done
    not_fixed: person
  done:
    type: solved
    text: Good.
  person:
    type: open_case
    text: A person will help.
    severity: 2
    team: Hardware
"""


def _with(change: dict[str, object]) -> str:
    data = yaml.safe_load(GOOD)
    for path, value in change.items():
        target = data
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return yaml.safe_dump(data)


def _problems(source: str, name: str = "broken") -> str:
    with pytest.raises(loader.FlowInvalid) as caught:
        loader.load_source(name, source)
    return caught.value.message


def test_a_good_flow_loads() -> None:
    flow = loader.load_source("good", GOOD)
    assert flow.start == "ask"
    assert [choice.label for choice in flow.node("ask").choices] == ["Yes", "No"]
    assert flow.node("person").severity == 2
    assert flow.node("person").team == "Hardware"


def test_unknown_node_reference_is_named() -> None:
    message = _problems(_with({"nodes.restart.not_fixed": "nowhere"}))
    assert "flow 'broken', node 'restart': refers to unknown node 'nowhere'" in message


def test_unknown_start_is_named() -> None:
    message = _problems(_with({"start": "missing"}))
    assert "flow 'broken': start refers to unknown node 'missing'" in message


def test_unreachable_node_is_named() -> None:
    source = _with({"nodes.orphan": {"type": "solved", "text": "Nobody comes here."}})
    assert "flow 'broken', node 'orphan': unreachable" in _problems(source)


def test_cycle_that_cannot_reach_an_end_is_named() -> None:
    source = _with(
        {
            "nodes.ask.choices": [{"label": "Loop", "next": "a"}],
            "nodes.a": {"type": "instruction", "text": "Try A.", "fixed": "b", "not_fixed": "b"},
            "nodes.b": {
                "type": "question",
                "text": "Again?",
                "choices": [{"label": "x", "next": "a"}],
            },
            "nodes.restart": None,
            "nodes.done": None,
            "nodes.person": None,
        }
    )
    message = _problems(source)
    assert "flow 'broken', node 'a': is in a cycle that can never reach an end" in message
    assert "a -> b -> a" in message


def test_a_cycle_with_an_exit_is_allowed() -> None:
    source = _with(
        {
            "nodes.restart.not_fixed": "ask",
            "nodes.ask.choices": [
                {"label": "Yes", "next": "restart"},
                {"label": "No", "next": "done"},
                {"label": "Help", "next": "person"},
            ],
        }
    )
    flow = loader.load_source("loop-ok", source)
    assert flow.node("restart").not_fixed == "ask"


def test_question_without_choices_is_named() -> None:
    message = _problems(_with({"nodes.ask.choices": []}))
    assert "flow 'broken', node 'ask': a question needs at least one choice" in message


def test_more_than_nine_choices_is_named() -> None:
    choices = [{"label": f"Option {n}", "next": "done"} for n in range(10)]
    message = _problems(_with({"nodes.ask.choices": choices}))
    assert "flow 'broken', node 'ask': has 10 choices; at most 9" in message


def test_missing_text_is_named() -> None:
    assert "node 'restart': missing text" in _problems(_with({"nodes.restart.text": "  "}))
    assert "node 'ask': choice 2: missing text" in _problems(
        _with({"nodes.ask.choices.1.label": None})
    )
    assert "flow 'broken': missing title" in _problems(_with({"title": None}))


def test_unknown_type_and_bad_severity_are_named() -> None:
    assert "node 'done': unknown type 'finished'" in _problems(
        _with({"nodes.done.type": "finished"})
    )
    assert "node 'person': severity must be 1 (down) to 4" in _problems(
        _with({"nodes.person.severity": 7})
    )


def test_invalid_yaml_names_the_line() -> None:
    assert "flow 'broken': not valid YAML at line 2" in _problems("title: x\n  - : [")


def test_every_problem_is_reported_at_once() -> None:
    source = _with({"nodes.ask.choices": [], "nodes.restart.text": ""})
    problems = loader.parse_source("broken", source)[1]
    assert {(problem.node, problem.problem.split(":")[0]) for problem in problems} >= {
        ("ask", "a question needs at least one choice"),
        ("restart", "missing text"),
    }


def test_the_shipped_flows_load_and_end_well() -> None:
    problems = loader.check_folder(SHIPPED)
    assert problems == []
    names = {item.name for item in loader.flow_files(SHIPPED)}
    assert names == {"home-internet-down", "printer-will-not-print", "phone-charging-or-sim"}
    for item in loader.flow_files(SHIPPED):
        flow = loader.load_source(item.name, item.source)
        ends = {flow.node(node).type for node in reachable(flow.start, flow.nodes)} & END_TYPES
        assert ends == {"solved", "open_case"}, item.name
        assert all(
            flow.node(node).severity in (1, 2, 3, 4)
            for node in flow.nodes
            if flow.node(node).type == "open_case"
        )


def test_the_package_ships_the_same_flows_for_installs_without_the_folder(tmp_path: Path) -> None:
    packaged = loader.PACKAGED_FLOWS
    for item in loader.flow_files(SHIPPED):
        assert filecmp.cmp(item.path, packaged / item.path.name, shallow=False)
    folder, origin = loader.flows_folder(Settings(flows_dir=tmp_path / "missing"))
    assert (folder, origin) == (packaged, "package")
    assert loader.flows_folder(Settings(flows_dir=SHIPPED)) == (SHIPPED, "file")
