"""Loads → Import: a loads file from the TMS checked (a preview of every row's problems)
and imported, all or nothing or the good rows only; a file whose headers are not the usual
ones goes through the column-mapping assistant first (issue #14). A mixin of LoadsPage."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox

from factor_desk.gui.common import ask_for_sheet
from factor_desk.gui.jobs import Call, Job
from factor_desk.gui.mapping_dialog import MappingDialog, can_be_matched
from factor_desk.gui.page import Page
from factor_desk.gui.permissions import refused
from factor_desk.gui.preview_dialog import PreviewDialog, PreviewRow, plural
from factor_desk.services.reports.mapping import ColumnsNotPlaced

ALL_SUBSIDIARIES = "All subsidiaries"
LOAD_FILES = "Spreadsheets (*.csv *.xlsx);;All files (*)"


class LoadsImport(Page):
    """Importing loads files: the part of LoadsPage, which makes the subsidiary filter and
    reloads its list."""

    subsidiary: QComboBox
    preview_dialog: PreviewDialog | None
    mapping_dialog: MappingDialog | None = None

    def reload(self, select: str | None = None) -> None:
        raise NotImplementedError  # LoadsPage's

    def choose_loads_file(self) -> None:
        if refused(self.desk, self.asker, "import_loads"):
            return  # before the file dialog, not after it
        start = str(self.settings.value("folders/loads", str(Path.home()), str))
        path = self.asker.open_file("Import loads", start, LOAD_FILES)
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> None:
        self.settings.setValue("folders/loads", str(Path(path).parent))
        sub = self.subsidiary.currentText()
        if sub in ("", ALL_SUBSIDIARIES):
            names = [self.subsidiary.itemText(i) for i in range(1, self.subsidiary.count())]
            chosen = self.asker.item("Import loads", "Into which subsidiary?", names)
            if not chosen:
                return
            sub = chosen
        self._check(path, sub)

    def _check(self, path: str, sub: str, sheet: str | None = None,
               mapping: dict[str, str] | None = None) -> None:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, ColumnsNotPlaced) and can_be_matched(exc.look):
                self._match_columns(path, sub, exc.look)
                return
            chosen = ask_for_sheet(self.asker, exc, "loads list")
            if chosen:
                self._check(path, sub, chosen, mapping)

        self.run(Job(f"Checking {Path(path).name}",
                     Call(self.desk.check_loads_file, path, sub, sheet=sheet,
                          mapping=mapping),
                     done=lambda result: self._show_check(path, sub, result, mapping),
                     error=failed))

    def _match_columns(self, path: str, sub: str, look) -> None:
        """The column-mapping assistant for a loads file whose headers are not the usual
        ones (the twin of ``loads import --map``): OK checks the file again read that way.
        A loads file is no factor's: the columns are matched for this file only."""
        dialog = MappingDialog(self, look)
        dialog.accepted.connect(lambda: self._check(path, sub, look.sheet, dialog.mapping()))
        self.mapping_dialog = dialog
        dialog.open()

    def _show_check(self, path: str, sub: str, result,
                    mapping: dict[str, str] | None = None) -> None:
        rows = [PreviewRow(p.row or 0, p.column or "", "", "error", p.message)
                for p in result.problems]
        # A row billed to another customer than its name or MC says is not an error, but
        # the clerk sees it before pressing Import.
        rows += [PreviewRow(r.row, "Customer", r.load_number, "warning", r.note)
                 for r in result.row_customers if r.note]
        rows.sort(key=lambda r: r.row)
        summary = (f"<b>Loads for {sub}: {result.file_name}</b><br>"
                   f"{plural(result.rows_total, 'row')}: {result.rows_valid:,} can be "
                   f"imported, {result.rows_bad:,} "
                   f"{'has problems' if result.rows_bad == 1 else 'have problems'}."
                   + (f"<br>New customers: {', '.join(result.new_customers)}"
                      if result.new_customers else "")
                   + "<br>Nothing changes until you press Import.")
        confirmation = None
        blockers = []
        if result.problems and result.rows_valid:
            confirmation = (f"Import the {plural(result.rows_valid, 'good row')} only and "
                            f"skip the {result.rows_bad:,} with problems")
        elif not result.rows_valid:
            blockers = ["no row can be imported"]
        dialog = PreviewDialog(self, title="Import loads", summary=summary, rows=rows,
                               headers=("Column", "Load #"), totals="", blockers=blockers,
                               confirmation=confirmation, apply_text="Import",
                               sheet=result.sheet)
        dialog.apply_requested.connect(lambda only_valid: self._import(
            dialog, path, sub, only_valid, result.sheet, mapping))
        self.preview_dialog = dialog
        dialog.open()

    def _import(self, dialog, path: str, sub: str, only_valid: bool,
                sheet: str | None = None, mapping: dict[str, str] | None = None) -> None:
        dialog.busy(True)

        def done(result):
            dialog.accept()
            self.status.emit(f"{result.imported} loads imported into {sub}.")
            self.reload()

        def failed(exc):
            dialog.busy(False)
            self.asker.problem(exc)

        self.run(Job(f"Importing {Path(path).name}",
                     Call(self.desk.import_loads, path, sub, only_valid=only_valid,
                          sheet=sheet, mapping=mapping),  # the sheet and columns checked
                     done=done, error=failed))
