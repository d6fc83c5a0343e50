"""The ``faces`` import contract: outside an app, only the modules of its face may be imported.

Each test lints a small package written to a temporary folder with ``lint-imports``, as
``make lint`` does (in its own process: import-linter cannot read its options in a process
that has loaded Twisted, as the test process has).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MODULES = ("shop/__init__.py", "shop/orders/__init__.py", "shop/orders/services.py", "shop/orders/pricing.py",
           "shop/orders/types/__init__.py", "shop/orders/types/gift.py", "shop/billing/__init__.py",
           "shop/billing/invoices.py")


def lint(tmp_path: Path, face: list[str], imports: dict[str, str]) -> subprocess.CompletedProcess:
    for module in MODULES:
        path = tmp_path / module
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(imports.get(module, ""))
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [tool.importlinter]
        root_package = "shop"
        contract_types = ["faces: lint.faces.FacesContract"]

        [[tool.importlinter.contracts]]
        name = "orders is entered only through its face"
        type = "faces"
        app = "shop.orders"
        face = {json.dumps(face)}
        """))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)


def test_importing_a_module_outside_the_face_breaks_the_contract_and_names_the_import(tmp_path):
    done = lint(tmp_path, ["services", "types"], {
        "shop/billing/invoices.py": "import shop.orders.services\nimport shop.orders.pricing\n"})

    assert done.returncode == 1, done.stdout + done.stderr
    assert "- shop.billing.invoices -> shop.orders.pricing (l.2)" in done.stdout
    assert "shop.orders.services (l." not in done.stdout


def test_a_face_package_is_open_with_everything_in_it_and_the_app_imports_itself_freely(tmp_path):
    done = lint(tmp_path, ["services", "types", "selectors"], {
        "shop/billing/invoices.py": "from shop.orders.types import gift\nfrom shop.orders import services\n",
        "shop/orders/services.py": "from . import pricing\nfrom shop.billing import invoices\n"})

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_a_face_entry_is_matched_by_whole_names_not_by_prefix(tmp_path):
    done = lint(tmp_path, ["type"], {"shop/billing/invoices.py": "import shop.orders.types.gift\n"})

    assert done.returncode == 1
    assert "- shop.billing.invoices -> shop.orders.types.gift (l.1)" in done.stdout
