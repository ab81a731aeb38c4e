"""Loads: import from the TMS's CSV/XLSX, list, find the eligible ones, attach supporting
documents, read a load's status history.

By job:

- ``rows``: the loads file, its template and the checks of each row (no database);
- ``debtors``: which customer each row is billed to;
- ``importing``: the import's steps, each in a unit of work the caller (the Desk) opens:
  ``plan_import`` (a read), ``write_loads`` (one write), ``race_lost``;
- ``queries``: the listing, the eligible loads, one load, its history;
- ``documents``: a load's supporting documents;
- ``moves``: Create invoice, back to Released, Void, and editing a load before its batch.

``from factor_desk.services import loads`` then ``loads.list_loads(...)`` reaches them all.
"""

from factor_desk.services.loads.debtors import RowCustomer
from factor_desk.services.loads.documents import (
    MAX_DOCUMENT_BYTES,
    DocumentFile,
    DocumentInfo,
    attach_document,
    document_file,
    load_documents,
    read_document,
    remove_document,
    sniff_document_type,
)
from factor_desk.services.loads.importing import (
    ImportPlan,
    LoadImportResult,
    plan_import,
    race_lost,
    write_loads,
)
from factor_desk.services.loads.moves import (
    EDITABLE,
    FieldChange,
    LoadToEdit,
    MovedLoad,
    edit_load,
    load_to_edit,
    queue_loads,
    unqueue_loads,
    void_loads,
)
from factor_desk.services.loads.queries import (
    HistoryEntry,
    LoadSummary,
    effective_method,
    eligible_loads,
    find_load,
    list_loads,
    load_history,
)
from factor_desk.services.loads.rows import (
    LOAD_COLUMNS,
    LoadsFile,
    loads_template,
    read_loads_file,
)

__all__ = [
    "EDITABLE",
    "FieldChange",
    "MovedLoad",
    "edit_load",
    "queue_loads",
    "unqueue_loads",
    "void_loads",
    "LOAD_COLUMNS",
    "MAX_DOCUMENT_BYTES",
    "DocumentFile",
    "DocumentInfo",
    "HistoryEntry",
    "ImportPlan",
    "LoadImportResult",
    "LoadSummary",
    "LoadsFile",
    "RowCustomer",
    "attach_document",
    "document_file",
    "effective_method",
    "eligible_loads",
    "find_load",
    "list_loads",
    "load_documents",
    "load_history",
    "loads_template",
    "plan_import",
    "race_lost",
    "read_document",
    "remove_document",
    "read_loads_file",
    "sniff_document_type",
    "write_loads",
    "LoadToEdit",
    "load_to_edit",
]
