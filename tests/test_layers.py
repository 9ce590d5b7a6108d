"""The package's shape, read from the source with `ast` (nothing of parallax is imported):

* layers: a module imports only from lower layers, its own top-level package or module, and the base
  (`parallax/__init__.py`: `__version__`, `ANALYZER_VERSION`); siblings of one layer never import each
  other. Imports inside functions count too.
* no import cycle among parallax modules (every import, inside functions too);
* no module over 800 lines, no function over 80 lines (pure data tables may be allow-listed);
* an import of parallax inside a function says why with a `# lazy:` comment (on its lines, in the comment
  block right above, or above the import it directly follows).

Each check is a function of a package root, tested on made-up packages below, and run on parallax/
once per file so that a failure names the file (and lists every violation as file:line).
"""
from __future__ import annotations

import ast
import re
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "parallax"

# lowest first; the base package module (parallax/__init__.py) sits under all of them
LAYERS: tuple[tuple[str, ...], ...] = (
    ("model", "resources", "text", "periods"),
    ("outlet_kinds", "word_table"),   # the outlet registry; the word-vector table: read their data with resources and text, above the base
    ("ingest", "nlp"),
    ("compare", "tone"),
    ("stories",),
    ("store",),
    ("pipeline",),
    ("parallel",),        # ingest on worker processes / a Dask cluster: drives the pipeline
    ("outlets",),
    ("render",),
    ("api",),
    ("web",),
    ("cli",),
)
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80
# "parallax/x.py:function" -> why it may be long; for pure data tables only
LONG_FUNCTIONS_ALLOWED: dict[str, str] = {}
LAZY_MARK = re.compile(r"#\s*lazy:")


# ---- reading a package ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Import:
    source: str          # importing module, dotted ('parallax.nlp.quotes')
    target: str          # imported module of the package, dotted
    path: str            # importing file, relative to the package's parent
    line: int
    in_function: bool
    marked_lazy: bool


def module_name(root: Path, file: Path) -> str:
    parts = [root.name, *file.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@lru_cache(maxsize=None)
def package_files(root: Path) -> dict[str, Path]:
    """module name -> file, for every .py file of the package."""
    return {module_name(root, f): f for f in sorted(root.rglob("*.py"))}


def relative(root: Path, file: Path) -> str:
    return str(file.relative_to(root.parent))


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of a dotted name that is a module of the package."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts.pop()
    return None


def _targets(node: ast.Import | ast.ImportFrom, source: str, is_package: bool, modules: dict[str, Path],
             package: str) -> list[str]:
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            parts = source.split(".") if is_package else source.split(".")[:-1]
            parts = parts[:len(parts) - (node.level - 1)]
            base = ".".join([*parts, *([base] if base else [])])
        # `from parallax.nlp import quotes` imports the module parallax.nlp.quotes
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
    out = []
    for name in names:
        if name == package or name.startswith(package + "."):
            target = _resolve(name, modules)
            if target and target not in out:
                out.append(target)
    return out


class _Walker(ast.NodeVisitor):
    """Every import statement with whether it sits inside a function and the statement before it."""

    def __init__(self):
        self.depth = 0
        self.found: list[tuple[ast.stmt, bool, ast.stmt | None]] = []

    def generic_visit(self, node: ast.AST) -> None:
        for field_name, value in ast.iter_fields(node):
            if isinstance(value, list):
                previous = None
                for item in value:
                    if isinstance(item, (ast.Import, ast.ImportFrom)):
                        self.found.append((item, self.depth > 0, previous))
                    if isinstance(item, ast.AST):
                        self.visit(item)
                    previous = item if isinstance(item, ast.stmt) else None
            elif isinstance(value, ast.AST):
                self.visit(value)

    def _scope(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = _scope


def _has_mark(node: ast.stmt, previous: ast.stmt | None, lines: list[str], marked: dict[int, bool]) -> bool:
    if any(LAZY_MARK.search(lines[i - 1]) for i in range(node.lineno, node.end_lineno + 1)):
        return True
    i = node.lineno - 1
    while i >= 1 and lines[i - 1].strip().startswith("#"):
        if LAZY_MARK.search(lines[i - 1]):
            return True
        i -= 1
    # one comment may explain a run of imports
    return (previous is not None and isinstance(previous, (ast.Import, ast.ImportFrom))
            and previous.end_lineno == node.lineno - 1 and marked.get(id(previous), False))


@lru_cache(maxsize=None)
def package_imports(root: Path) -> tuple[Import, ...]:
    modules = package_files(root)
    out = []
    for source, file in modules.items():
        text = file.read_text(encoding="utf-8")
        lines = text.splitlines()
        walker = _Walker()
        walker.visit(ast.parse(text, filename=str(file)))
        marked: dict[int, bool] = {}
        for node, in_function, previous in walker.found:
            marked[id(node)] = _has_mark(node, previous, lines, marked)
            for target in _targets(node, source, file.name == "__init__.py", modules, root.name):
                out.append(Import(source, target, relative(root, file), node.lineno, in_function, marked[id(node)]))
    return tuple(out)


def top_level(module: str) -> str | None:
    """'parallax.nlp.quotes' -> 'nlp'; the base package module -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


# ---- the checks -----------------------------------------------------------------------------------

def unmapped_modules(root: Path, layers=LAYERS) -> list[str]:
    """Top-level modules and packages that have no layer."""
    known = {name for layer in layers for name in layer}
    tops = {top_level(m) for m in package_files(root)} - {None}
    return sorted(tops - known)


def layer_violations(root: Path, layers=LAYERS) -> dict[str, list[str]]:
    """file -> 'file:line: ...' for every import of a higher layer, of a same-layer sibling, or by the base."""
    layer_of = {name: i for i, layer in enumerate(layers) for name in layer}
    out: dict[str, list[str]] = {}
    for imp in package_imports(root):
        src, dst = top_level(imp.source), top_level(imp.target)
        if dst is None or src == dst or (src is not None and (src not in layer_of or dst not in layer_of)):
            continue                    # the base, the same package, or unmapped (its own check)
        if src is None:
            why = "the base package module imports"
        elif layer_of[dst] > layer_of[src]:
            why = f"{src} (layer {layer_of[src]}) imports the higher layer"
        elif layer_of[dst] == layer_of[src]:
            why = f"{src} imports its same-layer sibling"
        else:
            continue
        out.setdefault(imp.path, []).append(f"{imp.path}:{imp.line}: {why} {dst} ({imp.target})")
    return out


def import_cycles(root: Path) -> list[list[str]]:
    """One cycle path per strongly connected group of modules, as 'module (file:line)' steps."""
    edges: dict[str, dict[str, Import]] = {}
    for imp in package_imports(root):
        if imp.source != imp.target:
            edges.setdefault(imp.source, {}).setdefault(imp.target, imp)
    cycles = []
    for group in _strongly_connected(edges):
        start = min(group)
        path = _path_back(start, edges, group)
        steps = [f"{a} ({edges[a][b].path}:{edges[a][b].line})" for a, b in zip(path, path[1:])]
        cycles.append([*steps, path[-1]])
    return cycles


def _strongly_connected(edges: dict[str, dict[str, Import]]) -> list[set[str]]:
    """Tarjan's groups of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return groups


def _path_back(start: str, edges: dict[str, dict[str, Import]], group: set[str]) -> list[str]:
    """The shortest path start -> ... -> start inside the group (breadth first)."""
    parent: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(edges.get(v, {})):
            if w == start:
                path = [v]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                return [*reversed(path), start]
            if w in group and w not in parent:
                parent[w] = v
                queue.append(w)
    raise AssertionError(f"no cycle through {start}")


def module_lines(file: Path) -> int:
    return len(file.read_text(encoding="utf-8").splitlines())


def long_functions(root: Path, file: Path, limit: int = MAX_FUNCTION_LINES,
                   allowed: dict[str, str] = LONG_FUNCTIONS_ALLOWED) -> list[str]:
    """'file:line: name is N lines' for every function or method (nested ones too) over the limit."""
    path = relative(root, file)
    out = []
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n = node.end_lineno - node.lineno + 1
            if n > limit and f"{path}:{node.name}" not in allowed:
                out.append(f"{path}:{node.lineno}: {node.name} is {n} lines (limit {limit})")
    return out


def unmarked_lazy_imports(root: Path) -> dict[str, list[str]]:
    """file -> 'file:line: import' for every import of the package inside a function without `# lazy:`."""
    out: dict[str, list[str]] = {}
    for imp in package_imports(root):
        if imp.in_function and not imp.marked_lazy:
            out.setdefault(imp.path, []).append(f"{imp.path}:{imp.line}: imports {imp.target} inside a "
                                                "function with no `# lazy:` comment saying why")
    return out


# ---- parallax ---------------------------------------------------------------------------------------

FILES = [relative(PACKAGE, f) for f in package_files(PACKAGE).values()]


def _file(path: str) -> Path:
    return PACKAGE.parent / path


def test_every_top_level_module_has_a_layer():
    assert unmapped_modules(PACKAGE) == [], "add them to LAYERS (and to the layer order in the README)"


@pytest.mark.parametrize("path", FILES)
def test_imports_follow_the_layers(path):
    assert layer_violations(PACKAGE).get(path, []) == []


def test_no_import_cycles():
    cycles = import_cycles(PACKAGE)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("path", FILES)
def test_module_size(path):
    assert module_lines(_file(path)) <= MAX_MODULE_LINES, f"{path} has {module_lines(_file(path))} lines"


@pytest.mark.parametrize("path", FILES)
def test_function_size(path):
    assert long_functions(PACKAGE, _file(path)) == []


@pytest.mark.parametrize("path", FILES)
def test_function_level_imports_say_why(path):
    assert unmarked_lazy_imports(PACKAGE).get(path, []) == []


def test_allow_list_names_existing_functions():
    for key in LONG_FUNCTIONS_ALLOWED:
        path, name = key.rsplit(":", 1)
        tree = ast.parse(_file(path).read_text(encoding="utf-8"))
        assert any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name
                   for n in ast.walk(tree)), f"{key} is allow-listed but does not exist"


# ---- the checks fail where they should: a made-up package -------------------------------------------

def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def fake(tmp_path):
    return _write(tmp_path / "parallax", {
        "__init__.py": '__version__ = "0"\n',
        "model.py": "from parallax import __version__\nfrom parallax.nlp import a\n",         # higher layer
        "nlp/__init__.py": "",
        "nlp/a.py": "import parallax.model\n\n\ndef f():\n    from parallax.ingest.b import g  # sibling\n",
        "ingest/__init__.py": "",
        "ingest/b.py": "from parallax.model import x\n\n\ndef g():\n    pass\n",
        "compare/__init__.py": "from . import c\n",
        "compare/c.py": "from parallax.compare.d import y\n",
        "compare/d.py": ("def y():\n    # lazy: d is imported by c\n    from parallax.compare import c\n"
                         "    from parallax.model import x\n    return c, x\n\n\n"
                         "def z():\n    from parallax.nlp import a\n    return a\n"),
        "widgets.py": "",                                                                      # no layer
    })


def test_layer_check_catches_a_higher_layer_and_a_sibling(fake):
    got = layer_violations(fake)
    assert got == {
        "parallax/model.py": ["parallax/model.py:2: model (layer 0) imports the higher layer nlp (parallax.nlp.a)"],
        "parallax/nlp/a.py": ["parallax/nlp/a.py:5: nlp imports its same-layer sibling ingest (parallax.ingest.b)"],
    }
    assert unmapped_modules(fake) == ["widgets"]


def test_cycle_check_reports_the_path_through_function_level_imports(fake):
    cycles = import_cycles(fake)
    assert sorted(cycles) == [
        ["parallax.compare.c (parallax/compare/c.py:1)", "parallax.compare.d (parallax/compare/d.py:3)",
         "parallax.compare.c"],
        ["parallax.ingest.b (parallax/ingest/b.py:1)", "parallax.model (parallax/model.py:2)",
         "parallax.nlp.a (parallax/nlp/a.py:5)", "parallax.ingest.b"]]


def test_size_checks_catch_a_long_module_and_a_long_function(fake):
    body = "".join(f"    x{i} = {i}\n" for i in range(80))
    _write(fake, {"tone/__init__.py": "", "tone/big.py": "def long():\n" + body + "\n" * 800})
    big = fake / "tone" / "big.py"
    assert module_lines(big) == 881
    assert long_functions(fake, big) == ["parallax/tone/big.py:1: long is 81 lines (limit 80)"]
    assert long_functions(fake, big, allowed={"parallax/tone/big.py:long": "a table"}) == []
    assert long_functions(fake, big, limit=81) == []


def test_lazy_check_wants_a_reason_for_each_function_level_import(fake):
    assert unmarked_lazy_imports(fake) == {
        "parallax/nlp/a.py": ["parallax/nlp/a.py:5: imports parallax.ingest.b inside a function with no "
                              "`# lazy:` comment saying why"],
        "parallax/compare/d.py": ["parallax/compare/d.py:9: imports parallax.nlp.a inside a function with no "
                                  "`# lazy:` comment saying why"],
    }
