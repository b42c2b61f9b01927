"""How a run looks to the customer: the node, its numbered answers, "Talk to a person"."""

from __future__ import annotations

from throughline.flows.rules import FIXED_QUESTION, INSTRUCTION, QUESTION, Flow, Node
from throughline.flows.schemas import (
    NO_NOT_FIXED,
    TALK_TO_A_PERSON,
    YES_FIXED,
    ActionOut,
    CaseLink,
    ChoiceOut,
    NodeOut,
    RunOut,
)
from throughline.models import FlowRun


def node_out(node: Node) -> NodeOut:
    if node.type == QUESTION:
        choices = [
            ChoiceOut(number=number, label=choice.label)
            for number, choice in enumerate(node.choices, start=1)
        ]
        return NodeOut(id=node.id, type=node.type, text=node.text, choices=choices)
    if node.type == INSTRUCTION:
        return NodeOut(
            id=node.id,
            type=node.type,
            text=node.text,
            question=FIXED_QUESTION,
            choices=[ChoiceOut(number=1, label=YES_FIXED), ChoiceOut(number=2, label=NO_NOT_FIXED)],
        )
    return NodeOut(id=node.id, type=node.type, text=node.text)


def run_out(run: FlowRun, flow: Flow, token: str, *, case: CaseLink | None = None) -> RunOut:
    base = f"/api/v1/flow-runs/{token}"
    node = flow.nodes.get(run.node) or flow.node(flow.start)
    needs_contact = run.state == "person" and run.case_id is None
    return RunOut(
        token=token,
        flow=flow.name,
        title=flow.title,
        state=run.state,
        node=node_out(node),
        talk_to_person=ActionOut(label=TALK_TO_A_PERSON, url=f"{base}/person"),
        contact=ActionOut(label="Send to a person", url=f"{base}/contact")
        if needs_contact
        else None,
        case=case,
    )
