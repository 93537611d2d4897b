"""The layer order of docs/architecture.md, enforced on the code.

The table in docs/architecture.md is the one place the order is written: this test reads it, then
parses every module of workshop_lib with `ast` (module-level and function-local imports, relative
and absolute) and fails on an import against the order, on a cycle between packages, on an import
of another package's private module, on a package without `__all__`, and on a notebook that
reaches a private module. The second half proves each check can fail, on a made-up tree.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LIB = REPO / "workshop_lib"
DOC = REPO / "docs" / "architecture.md"
TOP = "__init__"
"""The unit for workshop_lib/__init__.py itself (`import workshop_lib as wl`)."""


# -- reading the doc -------------------------------------------------------------------------


@dataclass(frozen=True)
class Layers:
    """What docs/architecture.md says: unit -> layer number, and the allowed cycle edges."""

    layer: dict[str, int]
    names: dict[int, str]
    exceptions: dict[tuple[str, str], str]


def read_layers(text: str) -> Layers:
    """The layers table (`| 1 | foundation | `constants`, ... |`) and the known exceptions
    table (`| `clients` | `learner` | why |`) of the doc."""
    layer: dict[str, int] = {}
    names: dict[int, str] = {}
    exceptions: dict[tuple[str, str], str] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip().lower()
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3:
            continue
        if section == "the layers" and cells[0].isdigit():
            number = int(cells[0])
            names[number] = cells[1]
            may = "1" if number == 1 else f"1-{number}"
            assert cells[-1] == may, f"docs/architecture.md: layer {number} may import {may}"
            for unit in re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", cells[2]):
                assert unit not in layer, f"docs/architecture.md lists `{unit}` in two layers"
                layer[unit] = number
        elif section == "known exceptions" and cells[0].startswith("`"):
            exceptions[(cells[0].strip("`"), cells[1].strip("`"))] = cells[2]
    return Layers(layer, names, exceptions)


# -- reading the code ------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    """One import statement's one name, resolved to a dotted target."""

    module: str  # the importing module, dotted
    path: str  # its file, relative to the repository
    line: int
    target: str  # workshop_lib.deploy._template.translate
    text: str  # the statement as written

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line} ({self.module}): `{self.text}`"


def modules(lib: Path) -> Iterator[tuple[str, Path]]:
    """(dotted name, file) of every module of the package at `lib`; folders that are not
    packages (Lambda code shipped as data) are not part of it."""
    for path in sorted(lib.rglob("*.py")):
        folders = path.relative_to(lib).parents
        if any(not (lib / folder / "__init__.py").is_file() for folder in folders):
            continue
        parts = [lib.name, *path.relative_to(lib).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def imports_of(source: str, module: str, is_package: bool, path: str) -> list[Import]:
    """Every import of the library in `source`, wherever it stands (module level, inside a
    function or a class), relative ones resolved."""
    root = module.split(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            targets = [f"{origin}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            continue
        text = ast.get_source_segment(source, node) or ""
        for target in targets:
            if target == root or target.startswith(root + "."):
                found.append(Import(module, path, node.lineno, target, " ".join(text.split())))
    return found


def unit_of(dotted: str, units: set[str]) -> str:
    """The top-level package or module a dotted name belongs to: `workshop_lib.deploy._stack`
    -> `deploy`; a name that is no unit (`workshop_lib.WorkshopError`) is the top `__init__`."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in units else TOP


def is_private(name: str) -> bool:
    """`_stack` is; `__init__`, `__all__` and the exercises' blank `____` are not."""
    return name.startswith("_") and not name.endswith("__") and name.strip("_") != ""


@dataclass(frozen=True)
class Code:
    units: set[str]
    imports: list[Import]

    def edges(self) -> dict[tuple[str, str], list[Import]]:
        """(importer's unit, imported unit) -> the imports behind it, between different units."""
        found: dict[tuple[str, str], list[Import]] = {}
        for item in self.imports:
            pair = (unit_of(item.module, self.units), unit_of(item.target, self.units))
            if pair[0] != pair[1]:
                found.setdefault(pair, []).append(item)
        return found


def read_code(lib: Path) -> Code:
    units = {p.stem for p in lib.glob("*.py") if p.stem != TOP} | {
        p.parent.name for p in lib.glob("*/__init__.py")
    }
    imports = []
    for module, path in modules(lib):
        source = path.read_text(encoding="utf-8")
        relative = str(path.relative_to(lib.parent))
        imports += imports_of(source, module, path.name == "__init__.py", relative)
    return Code(units | {TOP}, imports)


# -- the rules -------------------------------------------------------------------------------


def upward_imports(code: Code, layers: Layers) -> list[str]:
    problems = []
    for (source, target), items in sorted(code.edges().items()):
        if source not in layers.layer or target not in layers.layer:
            continue  # unlisted units are reported by `unlisted_units`
        low, high = layers.layer[source], layers.layer[target]
        if high <= low:
            continue
        for item in items:
            problems.append(
                f"{item.where}: `{source}` (layer {low}, {layers.names[low]}) imports "
                f"`{target}` (layer {high}, {layers.names[high]}), a higher layer. Move what it "
                f"needs down to layer {low} or lower, or pass it in as an argument; if the code "
                "is right and the order wrong, change the table in docs/architecture.md."
            )
    return problems


def cycles(code: Code, layers: Layers) -> list[str]:
    """Each loop between units (strongly connected components of more than one unit), with the
    imports that close it, minus the edges docs/architecture.md lists as known exceptions."""
    edges = {pair: items for pair, items in code.edges().items() if pair not in layers.exceptions}
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    problems = []
    for component in _components(graph):
        lines = [
            f"  {item.where} ({source} -> {target})"
            for (source, target), items in sorted(edges.items())
            if source in component and target in component
            for item in items
        ]
        problems.append(
            f"Cycle between {', '.join(sorted(component))}: these imports go round in a loop "
            "(imports inside functions count too):\n" + "\n".join(lines) + "\nBreak it: move the "
            "shared piece to a lower package, or pass it in (a parameter, a callback), so the "
            "imports follow the order in docs/architecture.md."
        )
    return problems


def _components(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components with more than one member."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def private_imports(code: Code) -> list[str]:
    problems = []
    for item in code.imports:
        source, target = unit_of(item.module, code.units), unit_of(item.target, code.units)
        if source == target:
            continue
        private = [part for part in item.target.split(".")[2:] if is_private(part)]
        if private:
            package = ".".join(item.target.split(".")[:2])
            problems.append(
                f"{item.where}: imports `{item.target}`, private to `{package}` "
                f"(`{private[0]}`). Import the public name from `{package}` instead (add it to "
                f"its `__init__` and `__all__`), or move the shared code to a lower package."
            )
    return problems


def unexpected_exceptions(code: Code, layers: Layers) -> list[str]:
    """An exception the code no longer needs, or one that is not even a cycle, is stale."""
    edges = code.edges()
    problems = []
    for source, target in sorted(layers.exceptions):
        if (source, target) not in edges:
            problems.append(
                f"docs/architecture.md lists `{source}` -> `{target}` as a known exception, "
                "but no such import remains: remove the row."
            )
        elif (target, source) not in edges and not _reaches(edges, target, source):
            problems.append(
                f"docs/architecture.md lists `{source}` -> `{target}` as a known exception, "
                "but it closes no cycle: remove the row."
            )
    return problems


def _reaches(edges: dict[tuple[str, str], list[Import]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for source, target in edges:
            if source == node and target not in seen:
                if target == goal:
                    return True
                seen.add(target)
                todo.append(target)
    return False


def unlisted_units(code: Code, layers: Layers) -> list[str]:
    problems = [
        f"`{unit}` (workshop_lib/{unit}) is in no layer of docs/architecture.md: add it to the "
        "layers table, in the lowest layer whose packages it needs."
        for unit in sorted(code.units - set(layers.layer))
    ]
    problems += [
        f"docs/architecture.md lists `{unit}`, which is not in workshop_lib: remove it from the "
        "layers table (or fix its spelling)."
        for unit in sorted(set(layers.layer) - code.units)
    ]
    return problems


def missing_all(lib: Path) -> list[str]:
    """Every package `__init__` and every top-level module declares `__all__`; every public
    folder of modules is a package (an underscored one, such as Lambda code the library ships
    as data, need not be)."""
    problems = [
        f"{folder.relative_to(lib.parent)} holds Python modules but no __init__.py: make it a "
        "package (with `__all__`), or underscore its name if it is data, not library code."
        for folder in sorted({p.parent for p in lib.rglob("*.py")})
        if folder != lib
        and not (folder / "__init__.py").is_file()
        and not any(part.startswith("_") for part in folder.relative_to(lib).parts)
    ]
    files = [p for p in lib.glob("*.py")] + [p for _, p in modules(lib) if p.name == "__init__.py"]
    for path in sorted(set(files)):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        declared = any(
            isinstance(node, ast.Assign | ast.AnnAssign)
            and any(
                isinstance(t, ast.Name) and t.id == "__all__"
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            )
            for node in tree.body
        )
        if not declared:
            problems.append(
                f"{path.relative_to(lib.parent)} has no `__all__`: list the names other packages "
                "and the notebooks may use (its public surface)."
            )
    return problems


_PRIVATE_REFERENCE = re.compile(r"\b(?:workshop_lib|wl)(?:\.[A-Za-z0-9_]+)*?\.(_[A-Za-z0-9]\w*)")
_PRIVATE_FROM = re.compile(r"^\s*from\s+workshop_lib[\w.]*\s+import\s+(.*)$", re.M)


def notebook_privates(name: str, source: str) -> list[str]:
    """Private modules or names of the library that a notebook's code reaches:
    `workshop_lib.x._y`, `from workshop_lib.x._y import`, `from workshop_lib.x import _y`,
    `wl.x._y`."""
    problems = []
    for number, line in enumerate(source.splitlines(), 1):
        found = [m.group(0) for m in _PRIVATE_REFERENCE.finditer(line) if is_private(m.group(1))]
        start = _PRIVATE_FROM.match(line)
        if start:
            names = re.findall(r"[A-Za-z_]\w*", start.group(1).split("#")[0])
            found += [n for n in names if is_private(n)]
        for reference in found:
            problems.append(
                f"{name}, line {number}: `{line.strip()}` reaches `{reference}`, a private part "
                "of workshop_lib. Use a public name (the package's `__init__` exports it; add it "
                "to `__all__` there if it is missing)."
            )
    return problems


def notebook_sources() -> Iterator[tuple[str, str]]:
    """(name, code) for the notebooks of both editions and the Santa state tests."""
    folders = [REPO / "notebooks", REPO / "notebooks" / "learner"]
    for folder in folders:
        for path in sorted(folder.glob("*.ipynb")):
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            code = "\n".join(
                "".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"
            )
            yield str(path.relative_to(REPO)), code
    for path in sorted((REPO / "notebooks" / "santa_state_tests").glob("*.py")):
        yield str(path.relative_to(REPO)), path.read_text(encoding="utf-8")


# -- the workbook ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def layers() -> Layers:
    return read_layers(DOC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def code() -> Code:
    return read_code(LIB)


def _report(problems: list[str]) -> str:
    return f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_the_doc_lists_every_package_once(code: Code, layers: Layers) -> None:
    assert sorted(layers.names) == list(range(1, len(layers.names) + 1)), "layers 1, 2, 3, ..."
    problems = unlisted_units(code, layers)
    assert not problems, _report(problems)


def test_imports_go_down_the_layers(code: Code, layers: Layers) -> None:
    problems = upward_imports(code, layers)
    assert not problems, _report(problems)


def test_no_cycle_between_packages(code: Code, layers: Layers) -> None:
    problems = cycles(code, layers) + unexpected_exceptions(code, layers)
    assert not problems, _report(problems)


def test_no_import_of_another_package_private_module(code: Code) -> None:
    problems = private_imports(code)
    assert not problems, _report(problems)


def test_every_package_declares_its_public_names() -> None:
    problems = missing_all(LIB)
    assert not problems, _report(problems)


def missing_names(module: str) -> list[str]:
    """Names `module.__all__` promises that the module does not have."""
    loaded = importlib.import_module(module)
    return [
        f"{module}.__all__ names `{name}`, which {module} does not have: export it, or remove "
        "it from __all__."
        for name in getattr(loaded, "__all__", ())
        if not hasattr(loaded, name)
    ]


def test_every_public_name_exists() -> None:
    problems = []
    for module, path in modules(LIB):
        if path.name == "__init__.py" or path.parent == LIB:
            problems += missing_names(module)
    assert not problems, _report(problems)


def test_notebooks_use_only_public_names() -> None:
    sources = list(notebook_sources())
    assert len(sources) > 20, "the notebooks of both editions"
    problems = [problem for name, code in sources for problem in notebook_privates(name, code)]
    assert not problems, _report(problems)


_WL_NAME = re.compile(r"\bwl\.([a-z_]\w*)(?:\.([A-Za-z_]\w*))?")
_FROM_IMPORT = re.compile(r"^\s*from\s+(workshop_lib(?:\.[\w.]+)?)\s+import\s+\(?([^)\n#]*)", re.M)


def _exported(module: str, name: str) -> bool:
    """`name` is in `module`'s `__all__`, or is one of its submodules."""
    loaded = importlib.import_module(module)
    if name in getattr(loaded, "__all__", ()):
        return True
    return hasattr(loaded, "__path__") and importlib.util.find_spec(f"{module}.{name}") is not None


def test_what_notebooks_use_is_in_a_public_surface() -> None:
    """Every `wl.x`, `wl.x.y` and `from workshop_lib.x import y` in a notebook names something
    the package exports in `__all__` (dunders such as `wl.__file__` aside)."""
    problems = []
    for notebook, code in notebook_sources():
        used = {("workshop_lib", a) for a, _ in _WL_NAME.findall(code)}
        used |= {(f"workshop_lib.{a}", b) for a, b in _WL_NAME.findall(code) if b}
        for module, names in _FROM_IMPORT.findall(code):
            used |= {(module, n) for n in re.findall(r"(\w+)(?:\s+as\s+\w+)?", names)}
        for module, name in sorted(used):
            if name.startswith("__") or not _is_module(module):
                continue
            if not _exported(module, name):
                problems.append(
                    f"{notebook} uses `{module}.{name}`, which is not in `{module}.__all__`: "
                    "add it there (the notebooks' surface is the packages' public names)."
                )
    assert not problems, _report(problems)


def _is_module(dotted: str) -> bool:
    """`workshop_lib.costs` is a module; in `wl.executions.Execution.run`, `Execution` is not."""
    try:
        return importlib.util.find_spec(dotted) is not None
    except ModuleNotFoundError:
        return False


# -- each check can fail ---------------------------------------------------------------------

_DOC = """
## The layers

| Layer | Name | Packages | What | May import |
|---|---|---|---|---|
| 1 | low | `base` | | 1 |
| 2 | mid | `mid`, `other` | | 1-2 |
| 3 | high | `top`, `__init__` | | 1-3 |

## Known exceptions

| From | To | Why |
|---|---|---|
{exceptions}
"""


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    lib = tmp_path / "workshop_lib"
    defaults = {
        "__init__.py": "__all__ = []\n",
        "base.py": "__all__ = []\n",
        "mid/__init__.py": "__all__ = []\n",
        "mid/_inner.py": "",
        "other.py": "__all__ = []\n",
        "top/__init__.py": "__all__ = []\n",
    }
    for name, text in {**defaults, **files}.items():
        (lib / name).parent.mkdir(parents=True, exist_ok=True)
        (lib / name).write_text(text)
    return lib


def _fake_layers(exceptions: str = "") -> Layers:
    return read_layers(_DOC.format(exceptions=exceptions))


def test_a_clean_made_up_tree_passes(tmp_path: Path) -> None:
    lib = _tree(
        tmp_path,
        {"top/_x.py": "from ..mid import thing\nfrom workshop_lib import base\n"},
    )
    code, layers = read_code(lib), _fake_layers()
    assert upward_imports(code, layers) == []
    assert cycles(code, layers) == []
    assert private_imports(code) == []
    assert missing_all(lib) == []
    assert unlisted_units(code, layers) == []


def test_an_upward_import_fails_with_where_and_what_to_do(tmp_path: Path) -> None:
    lib = _tree(tmp_path, {"base.py": "__all__ = []\n\n\ndef f():\n    from .top import x\n"})
    [problem] = upward_imports(read_code(lib), _fake_layers())
    assert "workshop_lib/base.py:5" in problem and "`from .top import x`" in problem
    assert "`base` (layer 1, low) imports `top` (layer 3, high)" in problem
    assert "Move what it needs down" in problem


def test_a_lazy_name_of_the_top_package_is_an_upward_import(tmp_path: Path) -> None:
    """`from workshop_lib import connect` in a low module reaches the top `__init__`, which
    loads names from every layer: import from the package that owns the name instead."""
    lib = _tree(tmp_path, {"base.py": "from workshop_lib import connect\n\n__all__ = []\n"})
    [problem] = upward_imports(read_code(lib), _fake_layers())
    assert "`base` (layer 1, low) imports `__init__` (layer 3, high)" in problem


def test_a_cycle_hidden_in_a_function_fails(tmp_path: Path) -> None:
    lib = _tree(
        tmp_path,
        {
            "mid/_inner.py": "from workshop_lib.other import y\n",
            "other.py": "__all__ = []\n\n\ndef g():\n    from workshop_lib import mid\n",
        },
    )
    [problem] = cycles(read_code(lib), _fake_layers())
    assert problem.startswith("Cycle between mid, other")
    assert "workshop_lib/mid/_inner.py:1" in problem and "workshop_lib/other.py:5" in problem


def test_a_known_exception_allows_its_cycle_until_it_is_stale(tmp_path: Path) -> None:
    files = {"mid/_inner.py": "from workshop_lib import other\n", "other.py": "from . import mid\n"}
    code = read_code(_tree(tmp_path, files))
    allowed = _fake_layers("| `other` | `mid` | why |")
    assert cycles(code, allowed) == [] and unexpected_exceptions(code, allowed) == []
    stale = _fake_layers("| `base` | `mid` | why |")
    assert "no such import remains" in unexpected_exceptions(code, stale)[0]


def test_a_private_import_fails_but_not_inside_the_package(tmp_path: Path) -> None:
    lib = _tree(
        tmp_path,
        {
            "top/_x.py": "from ..mid._inner import helper\nfrom workshop_lib.mid import _y\n",
            "mid/__init__.py": "from ._inner import helper\n\n__all__ = ['helper']\n",
        },
    )
    problems = private_imports(read_code(lib))
    assert len(problems) == 2
    assert "imports `workshop_lib.mid._inner.helper`, private to `workshop_lib.mid`" in problems[0]
    assert "`workshop_lib.mid._y`" in problems[1]


def test_a_package_without_all_fails(tmp_path: Path) -> None:
    lib = _tree(
        tmp_path,
        {
            "mid/__init__.py": "from ._inner import *\n",
            "base.py": "X = 1\n",
            "loose/mod.py": "",
            "_data/handler.py": "",
        },
    )
    problems = missing_all(lib)
    assert problems.pop(0).startswith("workshop_lib/loose holds Python modules but no __init__")
    assert [p.split(" ")[0] for p in problems] == [
        "workshop_lib/base.py",
        "workshop_lib/mid/__init__.py",
    ]


def test_a_package_missing_from_the_doc_fails(tmp_path: Path) -> None:
    lib = _tree(tmp_path, {"extra/__init__.py": "__all__ = []\n"})
    layers = read_layers(_DOC.format(exceptions="").replace("`mid`, `other`", "`mid`, `gone`"))
    problems = unlisted_units(read_code(lib), layers)
    assert any("`extra`" in p and "in no layer" in p for p in problems)
    assert any("`other`" in p for p in problems)
    assert any("`gone`" in p and "not in workshop_lib" in p for p in problems)


@pytest.mark.parametrize(
    "line",
    [
        "from workshop_lib.deploy._stack import create_or_update",
        "import workshop_lib.deploy._stack as stack",
        "from workshop_lib.deploy import _stack",
        "wl.exercises._progress.load()",
        "print(workshop_lib.costs._display)",
    ],
)
def test_a_notebook_reaching_a_private_module_fails(line: str) -> None:
    [problem] = notebook_privates("07.ipynb", f"import workshop_lib as wl\n{line}\n")
    assert problem.startswith("07.ipynb, line 2:") and "private part of workshop_lib" in problem


def test_a_notebook_using_public_names_passes() -> None:
    code = (
        "import workshop_lib as wl\nfrom workshop_lib.exercises import ____, nb03\n"
        "wl.deploy.deploy('santa')\nprint(wl.__version__)\nx._private = 1\n"
    )
    assert notebook_privates("03.ipynb", code) == []


def test_a_promised_name_that_is_missing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "made_up_surface.py").write_text("__all__ = ['here', 'gone']\nhere = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    [problem] = missing_names("made_up_surface")
    assert "names `gone`, which made_up_surface does not have" in problem


def test_a_name_outside_all_is_not_exported() -> None:
    assert _exported("workshop_lib.costs", "estimate_usd")
    assert _exported("workshop_lib.exercises", "nb03")  # a submodule
    assert not _exported("workshop_lib.costs", "no_such_name")
