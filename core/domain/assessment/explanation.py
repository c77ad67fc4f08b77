"""The explanation tree behind a total, down to the ledger seqs of every input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.domain.assessment.compiled import Leaf
from core.domain.assessment.scoring import Scored
from core.kernel.numbers import as_text


def render_period(leaf: Leaf, period: str, source: Any, score: Decimal, note: str) -> dict:
    """One period of a leaf in the explanation: its input, the seqs behind it, the score."""
    if source is None:
        shown, seqs = None, []
    elif leaf.rule.inputs == "ratings":
        shown = [{"role": r.role, "score": as_text(r.score)} for r in source]
        seqs = [r.seq for r in source]
    elif leaf.from_items:
        shown = as_text(sum((q for q, _ in source), Decimal(0)))
        seqs = [seq for _, seq in source]
    elif isinstance(source, list):
        names = ["value", *leaf.inputs]
        shown = {n: row[0] for n, row in zip(names, source, strict=False)}
        seqs = [row[1] for row in source]
    else:
        shown, seqs = source[0], [source[1]]
    if note == "rejected":
        shown = None
    out = {"period": period, "input": shown, "seqs": seqs, "score": as_text(score)}
    if note:
        out["note"] = note
    return out


def explain(scored: Scored) -> dict:
    """The tree behind a total: nodes → leaves → periods, each with the seqs it used."""
    scheme, result = scored.scheme, scored.result
    leaves = {leaf.code: leaf for leaf in scheme.leaves}
    children: dict[str | None, list[dict]] = {}
    for node in scheme.nodes:
        children.setdefault(node["parent"], []).append(node)

    def render(node: dict) -> dict:
        out = {
            "code": node["code"],
            "name": node["name"],
            "points": node["points"],
            "score": as_text(scored.result.nodes[node["code"]]),
        }
        if node.get("extra"):
            out["extra"] = True
        if "rule" in node:
            out["indicator"] = node["indicator"]
            out["rule"] = node["rule"]["type"]
            leaf = leaves[node["code"]]
            out["periods"] = [render_period(leaf, *period) for period in scored.trace[leaf.code][1]]
        else:
            out["children"] = [render(child) for child in children.get(node["code"], [])]
        return out

    tree = {
        "scheme": scheme.describe(),
        "total": as_text(result.total),
        "nodes": [render(node) for node in children.get(None, [])],
    }
    if scored.vetoed_by:
        tree["veto"] = scored.vetoed_by
    if result.adjustments:
        tree["adjustments"] = result.adjustments
    return tree
