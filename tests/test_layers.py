"""The package's layers import downwards only: analysis knows nothing of configuration or rules, and no
import cycle runs through configuration (a cycle of seven modules once did)."""

from __future__ import annotations

import ast

from .annotations import ROOT

PACKAGE = ROOT / "flake8_asynctest"


def imports_of(path):
    """The package modules ``path`` imports, at module level or inside functions."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            found.add(f"{base}.{node.module}" if node.module else base)
            if not node.module:  # ``from . import helper``: the submodules it names
                found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("flake8_asynctest"):
            found.add(node.module)
    return found


def test_analysis_imports_no_configuration_rules_or_front_end():
    for path in sorted((PACKAGE / "analysis").glob("*.py")):
        layer = ("config", "rules", "catalogue", "cli", "plugin")
        above = [name for name in imports_of(path) if name.split(".")[1] in layer]
        assert above == [], f"{path.name} imports {above}"


def test_configuration_is_in_no_import_cycle():
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        graph[name] = imports_of(path)

    def reaches(start, goal, seen):
        for target in graph.get(start, ()):
            if target == goal or (target not in seen and not seen.add(target) and reaches(target, goal, seen)):
                return True
        return False

    config = [name for name in graph if name.startswith("flake8_asynctest.config")] + ["flake8_asynctest.tomlfile"]
    assert [name for name in config if reaches(name, name, set())] == []


def test_rule_families_share_fix_helpers_through_the_fix_side():
    """A family module (one that defines a rule family) never imports another family: shared fix
    helpers live on the fix side, shared questions in analysis. A family may split its own detection
    into helper modules beside it; a helper never imports a family."""
    from flake8_asynctest.rules import FAMILIES

    families = {type(family).__module__ for family in FAMILIES}
    for path in sorted((PACKAGE / "rules").glob("*.py")):
        if path.name in ("__init__.py", "family.py"):
            continue
        module = f"flake8_asynctest.rules.{path.stem}"
        imported = imports_of(path) & families
        assert imported == set(), f"{path.name} imports the families {sorted(imported)}"
        if module not in families:
            users = [f for f in families if module in imports_of(PACKAGE / "rules" / (f.rpartition(".")[2] + ".py"))]
            assert len(users) <= 1, f"{path.name} is shared by the families {sorted(users)}: move it to analysis"
