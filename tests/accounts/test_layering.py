"""The bottom app imports nothing built on it (preferences → access_requests → accounts)."""

import ast
from pathlib import Path

import accounts

UPPER_PACKAGES = {"cpms_portal", "access_requests", "preferences", "reports"}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_accounts_never_imports_an_app_above_it():
    root = Path(accounts.__file__).parent
    upward = {
        str(path.relative_to(root)): sorted(imported_packages(path) & UPPER_PACKAGES)
        for path in root.rglob("*.py")
        if imported_packages(path) & UPPER_PACKAGES
    }
    assert upward == {}
