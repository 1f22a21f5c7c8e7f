"""An import-linter contract type: a context is reached only through its published modules.

import-linter's own contracts name what is forbidden; this one names what is allowed, so a
module added to a context is private until it is published. For every context listed in
`contexts`, an import from outside the context must name the context package itself or one of
its `published` modules (or a module inside them, e.g. `services.raising`). `allowed_importers`
(composition roots such as settings, the demo seed and the test world) and `ignore_imports`
(each with a reason in pyproject.toml) are exempt. Registered in pyproject.toml under
`contract_types`; `lint-imports` runs it with the built-in contracts.
"""

from __future__ import annotations

from typing import Any

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils
from importlinter.domain import helpers


class PublishedInterfaceContract(Contract):
    type_name = "published_interface"

    contexts = fields.ListField(subfield=fields.ModuleExpressionField())
    published = fields.ListField(subfield=fields.StringField())
    allowed_importers = fields.ListField(subfield=fields.ModuleExpressionField(), required=False)
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        exempt = {
            m.name
            for m in helpers.module_expressions_to_modules(
                graph,
                self.allowed_importers or [],  # type: ignore[arg-type]
                as_packages=True,
            )
        }
        published: list[str] = list(self.published)  # type: ignore[call-overload]
        contexts = helpers.module_expressions_to_modules(graph, self.contexts)  # type: ignore[arg-type]
        illegal: list[dict[str, Any]] = []
        for context in sorted(m.name for m in contexts):
            inside = {context} | graph.find_descendants(context)
            for imported in sorted(inside - {context}):
                first = imported[len(context) + 1 :].split(".")[0]
                if first in published:
                    continue
                for importer in sorted(graph.find_modules_that_directly_import(imported)):
                    if importer in inside or importer in exempt:
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    illegal.append(
                        {
                            "importer": importer,
                            "imported": imported,
                            "lines": [d["line_number"] for d in details],
                        }
                    )
        return ContractCheck(
            kept=not illegal,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"illegal": illegal, "published": published},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        names = ", ".join(check.metadata["published"])
        output.print_error(f"Only {names} may be imported from another context:", bold=False)
        output.new_line()
        for link in check.metadata["illegal"]:
            lines = ", ".join(map(str, link["lines"]))
            output.print_error(
                f"- {link['importer']} -> {link['imported']} (l.{lines})", bold=False
            )
        output.new_line()
