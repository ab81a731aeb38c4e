"""The factor's reports: the purchase report (invoices become Financed) and the payment
report (invoices become Completed, the payment is applied to the load).

Every upload is previewed row by row first (applies, warning or error, and why). Applying
is one transaction: nothing applies if any row is an error. The same file is never applied
twice, nor the same payment reference; every import is kept with a copy of its file and
can be undone exactly, unless a later import depends on it.

By job:
- ``columns``: the columns of each report, its template, reading an uploaded file;
  ``mapping``: the factors' saved column mappings (issue #14), placing by services/placing.py;
- ``checking`` (the one row checker), with what ``purchase``, ``payments`` and
  ``reserve`` (the reserve report, issue #13) add to it;
  ``outcomes``: what checking finds (the Preview) and why it cannot be applied;
- ``upload``: the steps of an upload, check and apply (the Desk opens their work and runs
  the retry after a lost race);
- ``history``: the imports, their original files, undo;
- ``reconciliation``: the factor's flags and the money of every batch (added up by the
  database on services/ledger.py), with the reserve held by each factor.

Every function that reads or writes the database takes a ``Work``."""

from factor_desk.domain.factor_reports import ImportStatus, Outcome, PurchaseStatus, ReportKind
from factor_desk.services.reports.columns import (
    PAYMENT_COLUMNS,
    PURCHASE_COLUMNS,
    RESERVE_COLUMNS,
    ReportFile,
    look_at_report,
    read_report,
    report_batches,
    report_fields,
    report_fits,
    report_template,
)
from factor_desk.services.reports.history import (
    ImportInfo,
    UndoResult,
    import_file,
    import_history,
    undo_import,
)
from factor_desk.services.reports.mapping import (
    ColumnsNotPlaced,
    FileLook,
    MappingField,
    SavedMapping,
)
from factor_desk.services.reports.outcomes import (
    ImportResult,
    PaymentValues,
    Preview,
    PurchaseValues,
    ReportCancelled,
    ReserveValues,
    RowOutcome,
    refusals,
)
from factor_desk.services.reports.reconciliation import (
    RECON_FIELDS,
    BatchReconciliation,
    Reconciliation,
    ReconRow,
    batches_money,
    factor_flags,
    reconcile,
)
from factor_desk.services.reports.upload import (
    ATTEMPTS,
    RACE_ERRORS,
    applied,
    apply_report,
    preview_report,
    raise_unless_retried,
)

__all__ = [
    "ATTEMPTS", "PAYMENT_COLUMNS", "PURCHASE_COLUMNS", "RACE_ERRORS", "RECON_FIELDS",
    "RESERVE_COLUMNS", "ReserveValues",
    "BatchReconciliation", "ColumnsNotPlaced", "FileLook", "ImportInfo", "MappingField",
    "SavedMapping", "look_at_report", "report_fields", "ImportResult", "ImportStatus", "Outcome",
    "PaymentValues", "Preview", "PurchaseStatus", "PurchaseValues", "Reconciliation",
    "ReconRow", "ReportCancelled", "ReportFile", "ReportKind", "RowOutcome", "UndoResult",
    "applied", "apply_report", "batches_money", "factor_flags", "import_file", "import_history",
    "preview_report", "raise_unless_retried", "read_report", "reconcile", "refusals",
    "report_batches", "report_fits", "report_template", "undo_import",
]
