"""The package's imports run one way: every module imports only modules of lower layers.

Lazy imports (inside functions) count too. The layering is the module map in the README
("How the pieces fit"); a new module must be placed in a layer here.
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lib" / "livingreview"

LAYERS = [
    # 0: leaves (no import of the package)
    {"fmt", "mh", "screening_vocab", "safeio", "escape", "outputs"},
    # 1: statistics on top of the engine; words; the data store
    {"randeff", "wording", "transaction", "poolio", "bibliography"},
    # 2: loading and validating data; sequential monitoring
    {"data", "sequential"},
    # 3: which trials enter which pool; the search
    {"pools", "search"},
    # 4: the PRISMA flow diagram (read from the search flow)
    {"prisma"},
    # 5: analyses built on the pools
    {"sensitivity", "reproduction", "coverage", "literature", "living", "robustness", "monitoring"},
    # 6: the evidence table (every estimate, computed once per data load)
    {"evidence"},
    # 7: GRADE summary of findings, read from the evidence table
    {"grade"},
    # 8: what readers see: tables and figures; writing GRADE judgements
    {"tables", "plots", "sequential_plot", "judgements"},
    # 9: every value a page glues; the in-page forest plots
    {"facts", "forest_svg"},
    # 10: files written by the review
    {"results"},
    # 11-12: building the book (execution and staleness; the Sphinx extension)
    {"build.notebooks"},
    {"build", "build.sphinxext"},
    # 13: what a living update still needs (data, screening, extraction, notebooks, judgements)
    {"update_status"},
    # 14-15: the command line and the package's front door
    {"search_cli", "sequential_cli", "grade_cli"},
    {"cli", "__init__"},
]
LAYER = {m: i for i, layer in enumerate(LAYERS) for m in layer}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def imports(path: Path, name: str | None = None) -> set[str]:
    """Package modules imported anywhere in a file (top level or inside functions)."""
    name = name or module_name(path)
    package = name.split(".")[:-1] if "." in name else []
    if path.name == "__init__.py" and name != "__init__":
        package = name.split(".")
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            if node.module:
                out.add(".".join(base + node.module.split(".")))
            else:
                out.update(".".join(base + [a.name]) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("livingreview"):
            mod = node.module.split(".")[1:]
            out.update([".".join(mod)] if mod else [a.name for a in node.names])
    return {m if m in LAYER else m.split(".")[0] for m in out}


FILES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    missing = sorted(module_name(p) for p in FILES if module_name(p) not in LAYER)
    assert not missing, f"place these modules in a layer of tests/test_layering.py and the README: {missing}"


@pytest.mark.parametrize("path", FILES, ids=module_name)
def test_imports_run_one_way(path):
    me = module_name(path)
    wrong = sorted(m for m in imports(path) if m in LAYER and LAYER[m] >= LAYER[me] and m != me)
    assert not wrong, f"{me} (layer {LAYER[me]}) imports {wrong} of the same or a higher layer"


def test_the_check_can_fail(tmp_path):
    """A module that imports upwards is caught, a lazy import inside a function included."""
    bad = tmp_path / "fmt.py"
    bad.write_text((PACKAGE / "fmt.py").read_text(encoding="utf-8") + "\n\ndef f():\n    from .facts import x\n")
    found = imports(bad, "fmt")
    assert "facts" in found and LAYER["facts"] > LAYER["fmt"]


def test_readme_module_map_is_this_layer_list():
    """The README's module map is checked against :data:`LAYERS` (one list; the README must follow it)."""
    import re

    readme = (PACKAGE.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Module map", 1)[1]
    rows = [line for line in section.splitlines() if re.match(r"^\| \d", line)]
    seen = []
    for line in rows:
        spec, modules = line.split("|")[1].strip(), line.split("|")[2]
        lo, _, hi = spec.replace("–", "-").partition("-")
        want = set().union(*LAYERS[int(lo): int(hi or lo) + 1])
        got = set(re.findall(r"`([\w.]+)`", modules))
        assert got == want, f"README module map, layer {spec}: {sorted(got)} != tests/test_layering.py {sorted(want)}"
        seen.extend(range(int(lo), int(hi or lo) + 1))
    assert seen == list(range(len(LAYERS))), "README module map: layers missing or out of order"
