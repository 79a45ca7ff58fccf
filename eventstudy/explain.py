"""``eventstudy explain STUDY``: what a study's condition means, for audit.

Prints the condition as written and in canonical form, its structure as a tree (so the
precedence of ``and`` / ``or`` / ``not`` is explicit), the features it reads per series
with their descriptions and timeline columns, the polars expression it compiles to, and
how events are then selected (trigger, window, declustering) and measured (evaluators).
Nothing is loaded or run: this reads the study file only.
"""

from __future__ import annotations

from dataclasses import dataclass

from eventstudy.conditions import (
    SELF,
    And,
    Modified,
    Node,
    Not,
    Or,
    compile_condition,
    parse,
    required_features,
    resolve,
    to_text,
)
from eventstudy.config import Study
from eventstudy.features import FEATURES, FeatureRequest, column_name

__all__ = ["Explanation", "explain", "render_explanation"]

@dataclass(frozen=True)
class Explanation:
    """What :func:`explain` found: texts ready to print."""

    written: str
    canonical: str
    tree: list[str]
    features: list[tuple[str, list[tuple[str, str, str, str]]]]  # series label -> (feature, unit, description, column)
    expression: str
    selection: list[tuple[str, str]]
    evaluators: list[str]


def _tree(node: Node) -> list[str]:
    """The boolean structure as an indented tree; tests are leaves in canonical text."""

    def flatten(n: Node, kind: type) -> list[Node]:
        if isinstance(n, kind):
            return flatten(n.left, kind) + flatten(n.right, kind)  # type: ignore[union-attr]
        return [n]

    def label_and_children(n: Node) -> tuple[str, list[Node]]:
        if isinstance(n, Or):
            return "any of (or)", flatten(n, Or)
        if isinstance(n, And):
            return "all of (and)", flatten(n, And)
        if isinstance(n, Not):
            return "not", [n.operand]
        if isinstance(n, Modified):
            words = "on each of the last" if n.kind == "for" else "on at least one of the last"
            return f"{words} {n.n} days ({n.kind} {n.n} days)", [n.test]
        return to_text(n), []

    lines: list[str] = []

    def visit(n: Node, prefix: str, last: bool, root: bool) -> None:
        label, children = label_and_children(n)
        lines.append(label if root else f"{prefix}{'└─ ' if last else '├─ '}{label}")
        inner = "" if root else prefix + ("   " if last else "│  ")
        for i, child in enumerate(children):
            visit(child, inner, i == len(children) - 1, False)

    visit(node, "", True, True)
    return lines


def _feature_rows(requests: list[FeatureRequest], study: Study) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    by_series: dict[str, list[tuple[str, str, str, str]]] = {}
    for req in requests:
        feature = FEATURES.get(req.name)
        written = f"{feature.name}({', '.join(str(a) for a in req.args)})" if req.args else feature.name
        if req.series == SELF:
            label = "each symbol of the universe"
        elif req.of is not None:
            label = f"{req.series} (an expression: computed on the study's dates, not each series' full history)"
        else:
            label = f"{req.series} (symbol {study.series.get(req.series, req.series)})"
        by_series.setdefault(label, []).append((written, feature.unit, feature.description, column_name(req.series, req.name, tuple(req.args))))
    return list(by_series.items())


def explain(study: Study) -> Explanation:
    """Explain a validated study's condition and event selection.

    Examples
    --------
    >>> from eventstudy.config import load_study
    >>> explain(load_study("configs/spx_rut.yaml")).canonical  # doctest: +SKIP
    'SPX at ATH and RUT drawdown >= 10%'
    """
    universe = getattr(study, "universe", None) is not None
    node = resolve(parse(study.when), list(study.series), universe=universe)
    requests = required_features(node)
    expression = compile_condition(node, over="symbol") if universe else compile_condition(node)
    window = f"{study.window.start or 'start of data'} .. {study.window.end or 'end of data'}"
    selection = [
        ("trigger", "every day the condition holds" if study.trigger == "level" else "only days it turns true (edge)"),
        ("window", window + " (event dates only; features use all earlier history)"),
    ]
    if study.decluster is not None:
        gap = study.decluster.gap
        rule = (
            f"keep an event at least {gap.describe()} after the previous kept event"
            if study.decluster.mode == "after_kept"
            else f"keep the first day of each cluster (a new one starts {gap.describe()} or more after the previous raw event)"
        )
        selection.append(("declustering", f"gap {gap.label}, {study.decluster.mode}: {rule}"))
    else:
        selection.append(("declustering", "none: every day the condition holds is an event"))
    alignment = "inner (dates on which every series has a close)" if study.data.align == "inner" else (
        f"ffill (the first series' dates; others carried forward up to {study.data.max_stale} days)"
    )
    selection.append(("alignment", alignment))
    evaluators = []
    for spec in study.evaluators:
        params = spec.params.model_dump(mode="json", exclude_defaults=False)
        shown = ", ".join(f"{k}: {_short(v)}" for k, v in params.items())
        evaluators.append(f"{spec.name}: {{{shown}}}")
    return Explanation(
        written=" ".join(study.when.split()),
        canonical=to_text(node),
        tree=_tree(node),
        features=_feature_rows(requests, study),
        expression=str(expression),
        selection=selection,
        evaluators=evaluators,
    )


def _short(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if isinstance(value, dict) and set(value) >= {"label"}:
        return str(value["label"])
    return "each symbol" if value == SELF else str(value)


def render_explanation(study: Study, explanation: Explanation) -> str:
    """The explanation as plain text."""
    where = f"{study.path}: " if study.path else ""
    out = [f"{where}{study.name}", ""]
    out.append(f"condition as written:  {explanation.written}")
    out.append(f"canonical form:        {explanation.canonical}")
    out += ["", "structure:"]
    out += [f"  {line}" for line in explanation.tree]
    out += ["", "features (computed per series on its full history, null until their window is full):"]
    name_w = max((len(r[0]) for _, rows in explanation.features for r in rows), default=0)
    for label, rows in explanation.features:
        out.append(f"  {label}")
        for written, unit, description, column in rows:
            out.append(f"    {written:<{name_w}}  {description} [{unit}; column {column}]")
    out += ["", "polars expression (one boolean per day; null counts as false):"]
    out.append(f"  {explanation.expression}")
    out += ["", "events:"]
    out += [f"  {label}: {text}" for label, text in explanation.selection]
    out += ["", "evaluators:"]
    out += [f"  {line}" for line in explanation.evaluators]
    return "\n".join(out) + "\n"
