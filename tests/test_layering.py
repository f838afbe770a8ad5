"""Imports flow one way: oidc_provider → reports → preferences → access_requests →
accounts, and cpms_portal composes them. An app importing one above it fails here, naming
the file."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

# Bottom first: each app may import only the apps before it.
LAYERS = [
    "accounts",
    "access_requests",
    "preferences",
    "reports",
    "oidc_provider",
    "federation",
    "cpms_portal",
]


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def upward_imports(app: str, base: Path | None = None) -> dict[str, list[str]]:
    above = set(LAYERS[LAYERS.index(app) + 1 :])
    root = Path(base or settings.BASE_DIR) / app
    found = {}
    for path in sorted(root.rglob("*.py")):
        upward = imported_packages(path) & above
        if upward:
            found[str(path.relative_to(root.parent))] = sorted(upward)
    return found


@pytest.mark.parametrize("app", LAYERS)
def test_no_app_imports_an_app_above_it(app):
    assert upward_imports(app) == {}


def test_the_layers_are_every_app_of_the_project():
    local = {
        name.split(".")[0]
        for name in settings.INSTALLED_APPS
        if (Path(settings.BASE_DIR) / name.split(".")[0]).is_dir()
    }
    assert local == set(LAYERS)


def test_the_check_sees_an_upward_import(tmp_path):
    (tmp_path / "access_requests" / "admin").mkdir(parents=True)
    (tmp_path / "access_requests" / "admin" / "bad.py").write_text(
        "from reports.exports import x\nimport accounts.models\nimport preferences.models\n"
    )
    assert upward_imports("access_requests", tmp_path) == {
        "access_requests/admin/bad.py": ["preferences", "reports"]
    }
