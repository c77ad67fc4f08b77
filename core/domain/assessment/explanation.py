"""The explanation tree behind a total, down to the ledger seqs of every input.

It is stored in two parts. The **trace** (per leaf: its cycle score and, per period,
the input, the seqs behind it and the score) changes only when the subject's inputs
change. The **tree** around it (node scores after post-processing, adjustments, the
total) is assembled when read, from the stored result, so re-ranking a group never
rewrites every subject's trace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from core.domain.assessment.compiled import CompiledScheme, Leaf
from core.domain.assessment.scoring import Scored
from core.kernel.numbers import as_text


def render_period(leaf: Leaf, period: str, source: Any, score: Decimal | None, note: str) -> dict:
    """One period of a leaf: its input, the seqs behind it, the score (a ``sum`` leaf's
    periods have no score of their own: the rule scores their sum)."""
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
    out = {"period": period, "input": shown, "seqs": seqs}
    if score is not None:
        out["score"] = as_text(score)
    if note:
        out["note"] = note
    return out


def render_trace(scored: Scored) -> dict[str, dict]:
    """leaf code → {score, periods}: the part of the explanation its inputs decide."""
    leaves = {leaf.code: leaf for leaf in scored.scheme.leaves}
    out = {}
    for code, (score, periods, *summed) in scored.trace.items():
        out[code] = {
            "score": as_text(score),
            "periods": [render_period(leaves[code], *period) for period in periods],
        }
        if summed:
            out[code]["sum"] = as_text(summed[0])
    return out


def explain(
    scheme: CompiledScheme,
    trace: Mapping[str, dict],
    nodes: Mapping[str, Decimal | str],
    total: Decimal | str,
    adjustments: Sequence[dict] = (),
    vetoed_by: Sequence[str] = (),
) -> dict:
    """The tree behind a total: nodes → leaves → periods, each with the seqs it used."""
    children: dict[str | None, list[dict]] = {}
    for node in scheme.nodes:
        children.setdefault(node["parent"], []).append(node)

    def render(node: dict) -> dict:
        out = {
            "code": node["code"],
            "name": node["name"],
            "points": node["points"],
            "score": _text(nodes[node["code"]]),
        }
        if node.get("extra"):
            out["extra"] = True
        if "rule" in node:
            out["indicator"] = node["indicator"]
            out["rule"] = node["rule"]["type"]
            out["periods"] = trace.get(node["code"], {}).get("periods", [])
            if "sum" in trace.get(node["code"], {}):
                out["sum"] = trace[node["code"]]["sum"]
        else:
            out["children"] = [render(child) for child in children.get(node["code"], [])]
        return out

    tree: dict[str, Any] = {
        "scheme": scheme.describe(),
        "total": _text(total),
        "nodes": [render(node) for node in children.get(None, [])],
    }
    if vetoed_by:
        tree["veto"] = list(vetoed_by)
    if adjustments:
        tree["adjustments"] = list(adjustments)
    return tree


def _text(value: Decimal | str) -> str:
    return value if isinstance(value, str) else as_text(value)
