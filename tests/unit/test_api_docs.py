"""docs/api-reference.md is generated from the registry; it must match the declarations in the tree."""
import importlib.util
from pathlib import Path

TOOL = Path(__file__).parents[2] / "tools" / "gen_api_docs.py"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_api_docs", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_is_current():
    gen = _generator()
    assert gen.OUTPUT.read_text() == gen.render(), "docs/api-reference.md is stale: run tools/gen_api_docs.py"


def test_every_command_is_documented_with_its_parameters():
    import cloudsim.commands  # noqa: F401
    from cloudsim.api.registry import COMMANDS

    text = _generator().render()
    for cmd in COMMANDS.values():
        assert f"### {cmd.name}\n" in text
        for prm in cmd.params:
            assert f"| `{prm.name}` |" in text
