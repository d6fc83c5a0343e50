"""The ``faces`` contract type: an app is entered only through its face.

import-linter's own types say what may *not* be imported; an app's face is the
opposite, a short list of what may be: its ``services``, ``selectors``,
``models``, ``errors``, its registry packages and a few named modules. Listing
the internals instead would let every new internal module through unnoticed.

    [[tool.importlinter.contracts]]
    name = "forms is entered only through its face"
    type = "faces"
    app = "apps.forms"
    face = ["services", "selectors", "models", "errors", "fields"]

A face entry covers the module and, for a package, everything in it (a registry
package shows its types). Entries that do not exist yet are allowed: the face
is what others may use, not what the app must have. Only direct imports are
checked; reaching an internal module through the face is the face's business.
"""

from __future__ import annotations

from dataclasses import dataclass

import grimp
from importlinter import Contract, ContractCheck, fields, output


@dataclass(frozen=True)
class Entry:
    importer: str
    imported: str
    line_numbers: tuple[int, ...]


class FacesContract(Contract):
    type_name = "faces"

    app = fields.StringField()
    face = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        app: str = self.app  # type: ignore[assignment]
        if app not in graph.modules:
            raise ValueError(f"{self.name}: there is no module {app}.")
        inside = {app} | graph.find_descendants(app)
        entries = []
        for imported in sorted(inside):
            if imported == app or self._in_face(imported):
                continue
            for importer in sorted(graph.find_modules_that_directly_import(imported) - inside):
                details = graph.get_import_details(importer=importer, imported=imported)
                entries.append(Entry(importer, imported, tuple(d["line_number"] for d in details)))
        entries.sort(key=lambda e: (e.importer, e.imported))
        return ContractCheck(kept=not entries, metadata={"entries": entries})

    def render_broken_contract(self, check: ContractCheck) -> None:
        faces = ", ".join(self.face)  # type: ignore[arg-type]
        output.print_error(f"Outside {self.app}, import only its face ({faces}):", bold=False)
        output.new_line()
        for entry in check.metadata["entries"]:
            lines = ", ".join(map(str, entry.line_numbers))
            output.print_error(f"- {entry.importer} -> {entry.imported} (l.{lines})", bold=False)
        output.new_line()

    def _in_face(self, module: str) -> bool:
        return any(module == f"{self.app}.{tail}" or module.startswith(f"{self.app}.{tail}.")
                   for tail in self.face)  # type: ignore[union-attr]
