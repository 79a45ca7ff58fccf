"""The JSON Schema (Draft 2020-12) of study files, for editors and validators.

It is generated from the same pydantic models that validate a study (:mod:`eventstudy.config`)
plus each registered evaluator's ``Params`` model, so it cannot drift from what
``eventstudy validate`` accepts. pydantic describes the parsed form of a few values; the
schema describes how they are *written* in YAML instead:

* a horizon (``1m``, ``63``, ``10d``) and a declustering gap (``21``, ``21cd``, ``4w``,
  ``1mo``) are a string or a whole number, not the objects they become;
* ``series`` is a mapping of names to symbols or a list of symbols;
* an ``events:`` entry is a file name or ``{file: ...}``;
* each ``evaluate`` item is a one-key mapping, the evaluator's name to its parameters
  (``- path:``, null, for an evaluator none of whose parameters is required).

Checks that need more than a schema (the condition, assets named in ``series``, plug-ins)
remain ``eventstudy validate``'s job.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from typing import Any

from eventstudy.config import Study, load_plugins
from eventstudy.data.providers import PROVIDERS
from eventstudy.evaluators import EVALUATORS

__all__ = ["DIALECT", "schema_json", "study_schema"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"

HORIZON = {
    "description": "trading days: a whole number (10) or '10d', '1w' (5), '1m' (21), '3m' (63), '6m' (126), '1y' (252)",
    "anyOf": [
        {"type": "integer", "minimum": 1},
        {"type": "string", "pattern": r"^\s*0*[1-9][0-9]*\s*[dwmyDWMY]?\s*$"},  # not '0d': a horizon is a day or more
    ],
}
GAP = {
    "description": "'21' or '21td' (trading days), '21cd' (calendar days), '4w' (calendar weeks), '1mo' (calendar months)",
    "anyOf": [
        {"type": "integer", "minimum": 1},
        {"type": "string", "pattern": r"^\s*0*[1-9][0-9]*\s*([tT][dD]|[cC][dD]|[wW]|[mM][oO])?\s*$"},  # not '0cd'
    ],
}
PERCENT = {"type": "string", "pattern": r"^\s*-?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*%\s*$"}
"""A share written as a percent ('5%', '-2.5%'), which a threshold, alpha and ci take beside a number."""

SERIES = {
    "description": "name used in conditions -> symbol in the data (or a list of symbols, each its own name)",
    "anyOf": [
        {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
            "additionalProperties": {"type": "string"},
        },
        {"type": "array", "minItems": 1, "items": {"type": "string"}},
    ],
}


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    """Rewrite ``#/$defs/NAME`` references according to ``renames``."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                name = value[len("#/$defs/") :]
                out[key] = f"#/$defs/{renames.get(name, name)}"
            else:
                out[key] = _rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(v, renames) for v in node]
    return node


def _merge_defs(defs: dict[str, Any], schema: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Move ``schema``'s ``$defs`` into ``defs`` (renaming on a clash); return the rest."""
    schema = copy.deepcopy(schema)
    own = schema.pop("$defs", {})
    renames = {}
    for name, body in own.items():
        if name in defs and defs[name] != body:
            renames[name] = f"{prefix}_{name}"
    for name, body in own.items():
        defs.setdefault(renames.get(name, name), _rename_refs(body, renames))
    return _rename_refs(schema, renames)


def _written_forms(defs: dict[str, Any]) -> None:
    """Replace the parsed forms of horizons and gaps by how they are written."""
    if "Horizon" in defs:
        defs["Horizon"] = copy.deepcopy(HORIZON)
    if "Gap" in defs:
        defs["Gap"] = copy.deepcopy(GAP)
    for def_name, field in (("StatisticsSpec", "alpha"), ("StatisticsSpec", "ci"), ("evaluator_hit_rate", "threshold")):
        spec = defs.get(def_name, {}).get("properties", {}).get(field)
        if spec is not None and "type" in spec:  # '5%' is the percent form of 0.05
            number = {k: spec.pop(k) for k in ("type", "exclusiveMinimum", "exclusiveMaximum", "minimum", "maximum") if k in spec}
            spec["anyOf"] = [number, copy.deepcopy(PERCENT)]
    data = defs.get("DataSpec", {})
    if "provider" in data.get("properties", {}):  # a registered provider, any letter case (as the loader reads it)
        data["properties"]["provider"]["anyOf"] = [{"type": "string", "pattern": _any_case(PROVIDERS)}, {"type": "null"}]
    if "max_stale" in data.get("properties", {}):  # written, it needs 'align: ffill' (the loader refuses it otherwise)
        data["dependentSchemas"] = {"max_stale": {"required": ["align"], "properties": {"align": {"const": "ffill"}}}}
    if "EventsSpec" in defs:  # ``events: {fomc: fomc.csv}`` is the short form of ``{fomc: {file: fomc.csv}}``
        spec = defs["EventsSpec"]
        defs["EventsSpec"] = {
            "anyOf": [{"type": "string", "description": "the events file (CSV or Parquet), relative to the study file"}, spec],
            "description": spec.get("description", "a file of your own events"),
        }


def _any_case(names: Iterable[str]) -> str:
    """A pattern matching exactly one of ``names`` in any letter case ('fred', 'FRED')."""
    alternatives = ("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in name) for name in names)
    return f"^({'|'.join(alternatives)})$"


def study_schema(plugins: Iterable[str] = ()) -> dict[str, Any]:
    """The JSON Schema of a study file, with every registered evaluator's parameters.

    ``plugins``: installed modules to import first, so the evaluators they register are
    in the schema too (as a study's ``plugins:`` would).

    Examples
    --------
    >>> schema = study_schema()
    >>> schema["$schema"]
    'https://json-schema.org/draft/2020-12/schema'
    >>> "forward_returns" in str(schema["properties"]["evaluate"])
    True
    """

    load_plugins(list(plugins))
    base = Study.model_json_schema(mode="validation")
    defs: dict[str, Any] = dict(base.pop("$defs", {}))
    options = []
    for name, evaluator in EVALUATORS.items():
        params = _merge_defs(defs, evaluator.Params.model_json_schema(mode="validation"), name)
        params.pop("title", None)
        def_name = f"evaluator_{name}"
        defs[def_name] = params
        # '- path:' with no parameters is written as null: only for an evaluator that needs none
        written = [{"$ref": f"#/$defs/{def_name}"}] + ([] if params.get("required") else [{"type": "null"}])
        options.append(
            {
                "type": "object",
                "title": name,
                "description": evaluator.description,
                "properties": {name: written[0] if len(written) == 1 else {"anyOf": written}},
                "required": [name],
                "additionalProperties": False,
            }
        )
    _written_forms(defs)
    properties = base["properties"]
    properties["series"] = {**SERIES, "description": properties["series"].get("description", SERIES["description"])}
    properties["evaluate"] = {
        "type": "array",
        "minItems": 1,
        "description": "what to measure after each event: a list of '- EVALUATOR: {parameters}'",
        "items": {"oneOf": options} if options else {"type": "object"},
    }
    properties["name"].setdefault("description", "a title (shown in reports)")
    properties["description"].setdefault("description", "free text, shown in reports")
    properties["window"].setdefault("description", "event dates are restricted to [start, end]; either may be open (null)")
    for entry in ("title", "description"):
        base.pop(entry, None)
    # what a study measures: evaluators, or an event study (or both); validate says the same
    base["anyOf"] = [{"required": ["evaluate"]}, {"required": ["event_study"]}]
    return {
        "$schema": DIALECT,
        "title": "eventstudy study file",
        "description": "One event study: series, a condition, a window, declustering, evaluators and statistics.",
        **base,
        "$defs": dict(sorted(defs.items())),
    }


def schema_json(plugins: Iterable[str] = ()) -> str:
    """:func:`study_schema` as indented JSON text."""
    return json.dumps(study_schema(plugins), indent=2, ensure_ascii=False) + "\n"
