"""The floor plan, held by the imports themselves (README "Architecture").

* Applications (``kiosk``, ``backoffice``) import ``integrations``, ``hardware`` and
  ``common``, never each other; ``integrations`` imports no application; ``hardware``
  imports neither; ``common`` imports nothing of ours. The image's provisioning script
  stands on ``common`` only.
* No module imports another package's ``_private`` name.
* Between packages (the top-level ones, and the rooms of ``backoffice/`` and
  ``integrations/``) no import runs back up: the package graph has no circle.

Every product module is read with ``ast`` (lazy imports inside functions count too);
tests, benches and the image's build scripts are not product code.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = ("common", "hardware", "integrations", "kiosk", "backoffice")
PROVISION = ROOT / "image-build/overlay/usr/lib/jhcis-kiosk"
#: Who may import whom, by top-level package.
ALLOWED: dict[str, set[str]] = {
    "common": {"common"},
    "hardware": {"hardware", "common"},
    "integrations": {"integrations", "hardware", "common"},
    "kiosk": {"kiosk", "integrations", "hardware", "common"},
    "backoffice": {"backoffice", "integrations", "hardware", "common"},
    "provision": {"common"},
}
#: Top-level packages whose sub-folders are rooms of their own in the cycle check.
OPENED = {"backoffice", "integrations", "hardware"}


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name of the importing file
    target: str  # dotted module imported from
    names: tuple[str, ...]  # names taken from it (empty for `import x`)
    line: int


def module_name(path: Path) -> str:
    if path.is_relative_to(PROVISION):
        return "provision." + path.stem
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, *, is_package: bool = False) -> Iterator[Import]:
    """Every import of one of our packages in `source`, relative ones resolved."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([target] if target else [])])
            yield Import(module, target, tuple(a.name for a in node.names), node.lineno)


def product_imports() -> list[Import]:
    found: list[Import] = []
    files = [p for top in OURS for p in sorted((ROOT / top).rglob("*.py"))]
    files += sorted(PROVISION.glob("*.py"))
    for path in files:
        found += imports_of(
            path.read_text("utf-8"), module_name(path), is_package=path.name == "__init__.py"
        )
    return [i for i in found if i.target.split(".")[0] in OURS]


def top(module: str) -> str:
    return module.split(".", maxsplit=1)[0]


def package(module: str, *, is_module: bool) -> str:
    """The room a module stands in: `backoffice.claims`, `integrations.jhcis`, `kiosk`..."""
    parts = module.split(".")
    if parts[0] not in OPENED:
        return parts[0]
    folder = parts[:-1] if is_module and len(parts) > 1 else parts
    return ".".join(folder[:2])


def layer_crossings(imports: list[Import]) -> list[str]:
    return [
        f"{i.importer}:{i.line} imports {i.target}"
        for i in imports
        if top(i.target) not in ALLOWED[top(i.importer)]
    ]


def private_crossings(imports: list[Import]) -> list[str]:
    """`from a.b import _x` or `import a._b` where a.b is not the importer's own package."""
    bad = []
    for i in imports:
        own = i.importer.rsplit(".", 1)[0]
        target_package = i.target if i.names else i.target.rsplit(".", 1)[0]
        if target_package.startswith(own + ".") or target_package == own:
            continue
        private = [n for n in i.names if n.startswith("_") and not n.startswith("__")]
        private += [p for p in i.target.split(".") if p.startswith("_") and p != "__main__"]
        if private:
            bad.append(f"{i.importer}:{i.line} takes {', '.join(private)} from {i.target}")
    return bad


def package_edges(imports: list[Import]) -> dict[tuple[str, str], list[str]]:
    modules = {i.importer for i in imports}
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for i in imports:
        source = package(i.importer, is_module=not _is_package(i.importer))
        # `from pkg import mod` names a module of pkg: that module's room is pkg's.
        target = package(i.target, is_module=i.target in modules and not _is_package(i.target))
        if source != target and top(source) in (*OURS, "provision"):
            edges[(source, target)].append(f"{i.importer}:{i.line} -> {i.target}")
    return edges


def _is_package(module: str) -> bool:
    return (ROOT / module.replace(".", "/") / "__init__.py").is_file()


def circles(edges: dict[tuple[str, str], list[str]]) -> list[str]:
    """Each package edge a -> b for which b also reaches a."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)

    def reaches(start: str, goal: str) -> bool:
        seen, todo = {start}, [start]
        while todo:
            for nxt in graph[todo.pop()]:
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    return [f"{a} -> {b} ({edges[(a, b)][0]}) and back" for a, b in sorted(edges) if reaches(b, a)]


# -- the checkers see what they must ---------------------------------------------------


def test_the_checkers_catch_each_kind_of_crossing() -> None:
    sample = "\n".join(
        [
            "from kiosk.ports import Identity",
            "import backoffice.app",
            "from integrations.moph.sandbox import _Handler",
            "from hardware.printer.render import _Canvas",
            "def later():",
            "    from backoffice.claims import sync",
        ]
    )
    found = list(imports_of(sample, "integrations.nhso.client"))
    assert len(layer_crossings(found)) == 3  # kiosk, backoffice, and the lazy one
    assert len(private_crossings(found)) == 2
    own = list(imports_of("from integrations.nhso.errors import _detail", "integrations.nhso.x"))
    assert private_crossings(own) == []  # a package's own private names are its own


def test_the_cycle_check_sees_a_circle() -> None:
    edges = {("backoffice.claims", "backoffice.reports"): ["a"]}
    assert circles(edges) == []
    edges[("backoffice.reports", "backoffice.claims")] = ["b"]
    assert len(circles(edges)) == 2


# -- the house keeps them ----------------------------------------------------------------


def test_layers_import_only_downwards() -> None:
    assert layer_crossings(product_imports()) == []


def test_no_module_takes_another_packages_private_name() -> None:
    assert private_crossings(product_imports()) == []


def test_no_import_between_packages_runs_back_up() -> None:
    assert circles(package_edges(product_imports())) == []
