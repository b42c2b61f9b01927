"""What a flow is and when it is valid: pure rules, no I/O.

A flow is a small graph of nodes. ``question`` nodes offer choices (one to
nine: a phone keypad could read them out); ``instruction`` nodes tell the
customer one thing to try and then ask "Did that fix it?"; ``solved`` and
``open_case`` nodes end the flow. Every node, without exception, also offers
"Talk to a person": that is not written in the flow, the runner adds it.

A valid flow keeps these invariants, each checked by :func:`problems`:
every reference names a node that exists, every node can be reached from the
start, and from every node an end (``solved`` or ``open_case``) can be reached,
so no customer is ever caught in a loop with no way out but giving up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

QUESTION = "question"
INSTRUCTION = "instruction"
SOLVED = "solved"
OPEN_CASE = "open_case"
NODE_TYPES = (QUESTION, INSTRUCTION, SOLVED, OPEN_CASE)
END_TYPES = frozenset({SOLVED, OPEN_CASE})
MAX_CHOICES = 9
DEFAULT_SEVERITY = 3
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
NODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FIXED_QUESTION = "Did that fix it?"

_FLOW_KEYS = {"title", "summary", "start", "nodes"}
_NODE_KEYS = {
    QUESTION: {"type", "text", "choices"},
    INSTRUCTION: {"type", "text", "step", "fixed", "not_fixed"},
    SOLVED: {"type", "text"},
    OPEN_CASE: {"type", "text", "severity", "team", "subject"},
}


@dataclass(frozen=True)
class Choice:
    label: str
    next: str


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    text: str
    choices: tuple[Choice, ...] = ()
    fixed: str | None = None
    not_fixed: str | None = None
    severity: int = DEFAULT_SEVERITY
    team: str | None = None
    subject: str | None = None
    # An instruction's short name as a step on the case ("Restart the router"): what a rep
    # would write, so the repeated-step warning recognises it. Default: the text.
    step: str | None = None

    @property
    def is_end(self) -> bool:
        return self.type in END_TYPES

    def successors(self) -> list[str]:
        if self.type == QUESTION:
            return [choice.next for choice in self.choices]
        if self.type == INSTRUCTION:
            return [target for target in (self.fixed, self.not_fixed) if target]
        return []


@dataclass(frozen=True)
class Flow:
    name: str
    title: str
    summary: str
    start: str
    nodes: dict[str, Node] = field(default_factory=dict)
    # "file", "package" or "database": where this version came from.
    origin: str = "file"

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]


@dataclass(frozen=True)
class Problem:
    flow: str
    node: str | None
    problem: str

    def __str__(self) -> str:
        where = f"flow '{self.flow}'" + (f", node '{self.node}'" if self.node else "")
        return f"{where}: {self.problem}"


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse(name: str, data: object, *, origin: str = "file") -> tuple[Flow | None, list[Problem]]:
    """Build a flow from loaded YAML; the flow is None when there are problems."""
    found: list[Problem] = []

    def problem(node: str | None, text: str) -> None:
        found.append(Problem(name, node, text))

    if not NAME_PATTERN.match(name):
        problem(None, "the name must be lower-case letters, digits and dashes (at most 64)")
    if not isinstance(data, dict):
        problem(None, "must be a mapping with title, start and nodes")
        return None, found
    for key in sorted(set(data) - _FLOW_KEYS, key=str):
        problem(None, f"unknown key '{key}' (use title, summary, start, nodes)")
    title = _text(data.get("title"))
    if not title:
        problem(None, "missing title")
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, dict) or not raw_nodes:
        problem(None, "missing nodes: a mapping of node names to nodes")
        return None, found
    nodes: dict[str, Node] = {}
    for raw_id, raw in raw_nodes.items():
        node_id = str(raw_id)
        node = _parse_node(node_id, raw, problem)
        if node is not None:
            nodes[node_id] = node
    start = _text(data.get("start"))
    if not start:
        problem(None, "missing start: the name of the first node")
    elif start not in raw_nodes:
        problem(None, f"start refers to unknown node '{start}'")
    for node in nodes.values():
        for target in node.successors():
            if target not in raw_nodes:
                problem(node.id, f"refers to unknown node '{target}'")
    if found:
        return None, found
    found.extend(graph_problems(name, start, nodes))
    if found:
        return None, found
    flow = Flow(
        name=name,
        title=title,
        summary=_text(data.get("summary")),
        start=start,
        nodes=nodes,
        origin=origin,
    )
    return flow, []


def _parse_node(node_id: str, raw: object, problem: Any) -> Node | None:
    if not NODE_PATTERN.match(node_id):
        problem(node_id, "a node name may hold letters, digits, '_' and '-' only (at most 64)")
    if not isinstance(raw, dict):
        problem(node_id, "must be a mapping with type and text")
        return None
    kind = _text(raw.get("type"))
    if kind not in NODE_TYPES:
        problem(node_id, f"unknown type '{kind}' (use {', '.join(NODE_TYPES)})")
        return None
    for key in sorted(set(raw) - _NODE_KEYS[kind], key=str):
        problem(
            node_id, f"unknown key '{key}' for a {kind} (use {', '.join(sorted(_NODE_KEYS[kind]))})"
        )
    text = _text(raw.get("text"))
    if not text:
        problem(node_id, "missing text: what the customer reads")
    if kind == QUESTION:
        raw_choices = raw.get("choices")
        if not isinstance(raw_choices, list) or not raw_choices:
            problem(node_id, "a question needs at least one choice")
            return None
        if len(raw_choices) > MAX_CHOICES:
            problem(
                node_id,
                f"has {len(raw_choices)} choices; at most {MAX_CHOICES} "
                "(split the question in two)",
            )
        choices: list[Choice] = []
        for number, raw_choice in enumerate(raw_choices, start=1):
            if not isinstance(raw_choice, dict):
                problem(node_id, f"choice {number} must be a mapping with label and next")
                continue
            label, target = _text(raw_choice.get("label")), _text(raw_choice.get("next"))
            if not label:
                problem(node_id, f"choice {number}: missing text (label)")
            if not target:
                problem(node_id, f"choice {number}: missing next (the node it leads to)")
            choices.append(Choice(label=label, next=target))
        return Node(id=node_id, type=kind, text=text, choices=tuple(choices))
    if kind == INSTRUCTION:
        fixed, not_fixed = _text(raw.get("fixed")), _text(raw.get("not_fixed"))
        if not fixed:
            problem(node_id, "missing fixed: the node to go to when it fixed the problem")
        if not not_fixed:
            problem(node_id, "missing not_fixed: the node to go to when it did not help")
        step = _text(raw.get("step")) or None
        if step is not None and len(step) > 200:
            problem(node_id, "step must be a short name (at most 200 characters)")
        return Node(id=node_id, type=kind, text=text, fixed=fixed, not_fixed=not_fixed, step=step)
    if kind == OPEN_CASE:
        severity = raw.get("severity", DEFAULT_SEVERITY)
        if not isinstance(severity, int) or isinstance(severity, bool) or not 1 <= severity <= 4:
            problem(node_id, "severity must be 1 (down) to 4 (question)")
            severity = DEFAULT_SEVERITY
        return Node(
            id=node_id,
            type=kind,
            text=text,
            severity=severity,
            team=_text(raw.get("team")) or None,
            subject=_text(raw.get("subject")) or None,
        )
    return Node(id=node_id, type=kind, text=text)


def reachable(start: str, nodes: dict[str, Node]) -> list[str]:
    seen = [start]
    index = 0
    while index < len(seen):
        for target in nodes[seen[index]].successors():
            if target not in seen:
                seen.append(target)
        index += 1
    return seen


def graph_problems(name: str, start: str, nodes: dict[str, Node]) -> list[Problem]:
    """Unreachable nodes, and nodes from which no end can be reached (a loop with no exit)."""
    found: list[Problem] = []
    from_start = set(reachable(start, nodes))
    for node_id in nodes:
        if node_id not in from_start:
            found.append(Problem(name, node_id, f"unreachable: no path leads here from '{start}'"))
    predecessors: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    for node in nodes.values():
        for target in node.successors():
            predecessors[target].add(node.id)
    can_end = {node_id for node_id, node in nodes.items() if node.is_end}
    pending = list(can_end)
    while pending:
        for before in predecessors[pending.pop()]:
            if before not in can_end:
                can_end.add(before)
                pending.append(before)
    stuck = [node_id for node_id in nodes if node_id in from_start and node_id not in can_end]
    for node_id in stuck:
        loop = " -> ".join(_loop_from(node_id, nodes, set(stuck)))
        found.append(
            Problem(
                name,
                node_id,
                f"is in a cycle that can never reach an end (solved or open_case): {loop}",
            )
        )
    return found


def _loop_from(node_id: str, nodes: dict[str, Node], stuck: set[str]) -> list[str]:
    path = [node_id]
    current = node_id
    while True:
        following = [target for target in nodes[current].successors() if target in stuck]
        if not following:
            return path
        current = following[0]
        path.append(current)
        if path.count(current) > 1:
            return path


@dataclass(frozen=True)
class NodeCounts:
    node: str
    reached: int
    dropped: int
    opted_out: int


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def drop_off(
    nodes: Iterable[str],
    answered: dict[str, int],
    ended_at: dict[tuple[str, str, bool], int],
) -> list[NodeCounts]:
    """Per node: runs that saw it, runs abandoned on it, runs that asked for a person on it.

    ``answered`` counts runs that answered at each node; ``ended_at`` counts runs by
    (node they are on now, state, opted out).
    """
    result = []
    for node_id in nodes:
        on_it = sum(count for (node, _, _), count in ended_at.items() if node == node_id)
        dropped = sum(
            count
            for (node, state, _), count in ended_at.items()
            if node == node_id and state == "abandoned"
        )
        opted = sum(
            count
            for (node, state, opted_out), count in ended_at.items()
            if node == node_id and state == "person" and opted_out
        )
        result.append(
            NodeCounts(
                node=node_id,
                reached=answered.get(node_id, 0) + on_it,
                dropped=dropped,
                opted_out=opted,
            )
        )
    return result
