"""Read a rulebook file: YAML -> schema -> Rulebook, with errors naming the file, the key path
and the line, so whoever edits the rules can fix them without reading Python."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from vetline.errors import InputError
from vetline.rulebook.model import Rulebook
from vetline.rulebook.schema import RulebookModel

DEFAULT_RULEBOOK = "labour-2016"
_EXAMPLES = "vetline.rulebook.examples"


def example_names() -> list[str]:
    """The rulebooks shipped with vetline (also under rulebooks/ in the repository)."""
    return sorted(
        p.name.removesuffix(".yaml")
        for p in resources.files(_EXAMPLES).iterdir()
        if p.name.endswith(".yaml")
    )


def _path_text(loc: tuple[int | str, ...], data: Any) -> str:
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            if isinstance(node, list) and key < len(node):
                node = node[key]
                if isinstance(node, dict) and "id" in node:
                    label = f"[{key}] (id {node['id']})"
            else:
                node = None
            parts.append(label)
        else:
            parts.append(("." if parts else "") + key)
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def _line_of(loc: tuple[int | str, ...], root: yaml.Node | None) -> int | None:
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def parse_rulebook(body: str, source: str) -> Rulebook:
    """Validate rulebook text; `source` names it in error messages."""
    try:
        data = yaml.safe_load(body)
        root = yaml.compose(body)
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{source}: a rulebook is a mapping with name, version, clauses, …")
    try:
        model = RulebookModel.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:10]:
            loc = tuple(k for k in err["loc"] if k not in ("function-after",))
            line = _line_of(loc, root)
            where = f"line {line}, " if line else ""
            problems.append(f"{source}: {where}{_path_text(loc, data)}: {err['msg']}")
        raise InputError("bad rulebook:\n" + "\n".join(problems)) from exc
    sha = hashlib.sha256(body.encode()).hexdigest()
    return Rulebook(model=model, body=body, sha256=sha, source=source)


def load_rulebook(path_or_name: str | Path) -> Rulebook:
    """Load a rulebook from a YAML path, or a shipped one by name (e.g. 'labour-2016')."""
    text = str(path_or_name)
    path = Path(text)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise InputError(f"{path}: no such rulebook file")
        return parse_rulebook(path.read_text(encoding="utf-8"), str(path))
    resource = resources.files(_EXAMPLES) / f"{text}.yaml"
    if not resource.is_file():
        raise InputError(
            f"no rulebook called {text!r}: give a .yaml path or one of {', '.join(example_names())}"
        )
    return parse_rulebook(resource.read_text(encoding="utf-8"), f"{text}.yaml")
