"""The house rule: imports inside feedtool/ only go downward, and never in a cycle (docs/architecture.md).

Every `import` and `from … import` is read with ast, those inside functions too, so a cycle cannot hide in
a function body."""

import ast
from fnmatch import fnmatch
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "feedtool"

# Top to bottom. A module may import modules of its own layer or of any layer below it, never above.
LAYERS = [
    ("cli", ["feedtool.cli", "feedtool.cli.*", "feedtool.__main__"]),
    ("commands", ["feedtool.check.run", "feedtool.publish", "feedtool.publish.*", "feedtool.tag", "feedtool.tag.*",
                  "feedtool.serve", "feedtool.serve.*", "feedtool.importer", "feedtool.importer.*", "feedtool.new"]),
    ("pipeline", ["feedtool.build.pipeline"]),
    ("stages", ["feedtool.build", "feedtool.build.*"]),
    ("rules", ["feedtool.check", "feedtool.check.*"]),
    ("render", ["feedtool.render", "feedtool.render.*"]),
    ("read", ["feedtool.read", "feedtool.read.*"]),
    ("leaves", ["feedtool", "feedtool.model", "feedtool.errors", "feedtool.facts", "feedtool.urls",
                "feedtool.timecode", "feedtool.namespace"]),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    for index, (_, patterns) in enumerate(LAYERS):  # first match wins: check.run before check.*
        if any(fnmatch(module, pattern) for pattern in patterns):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_layers.py")


def imports() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def test_every_import_goes_down_or_stays_in_its_layer():
    upward = [
        f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for module, targets in sorted(imports().items())
        for target in sorted(targets)
        if layer_of(target) < layer_of(module)
    ]
    assert upward == []


def test_no_import_cycles():
    graph = imports()
    cycles, state = [], {}

    def visit(module, path):
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_layer_rules_catch_what_they_forbid():
    """The checks above are only worth something if they can fail."""
    assert layer_of("feedtool.check.run") < layer_of("feedtool.build.pipeline") < layer_of("feedtool.check.rules")
    assert layer_of("feedtool.render.feed") < layer_of("feedtool.read.config") < layer_of("feedtool.model")
    graph = imports()
    assert "feedtool.build.pipeline" in graph["feedtool.check.run"]  # the orchestration sits above the pipeline


def test_every_library_feedtool_imports_is_declared():
    """A fresh `pip install .` must bring every library feedtool imports (the s3 extra: boto3's)."""
    import sys
    import tomllib
    from importlib.metadata import packages_distributions

    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]
    declared = {_name(d) for d in project["dependencies"] + project["optional-dependencies"]["s3"]}
    distributions = packages_distributions()
    missing = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                tops = [(node.module or "").split(".")[0]]
            else:
                continue
            for top in tops:
                if top in sys.stdlib_module_names or top == "feedtool":
                    continue
                if not {_name(d) for d in distributions.get(top, [top])} & declared:
                    missing.append(f"{path.relative_to(PACKAGE.parent)}: {top}")
    assert sorted(set(missing)) == []


def _name(requirement: str) -> str:
    import re

    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")
