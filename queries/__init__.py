"""The saved query library (data files in queries/library/) and its runner."""

from queries.audit import append_audit, result_hash
from queries.definition import (
    LIBRARY_DIR,
    Param,
    QueryDef,
    check_read_only,
    load_library,
    parse_query_file,
)
from queries.runner import lookup_choices, run_query, safe_cell, to_csv, to_json, to_table

__all__ = [
    "LIBRARY_DIR",
    "Param",
    "QueryDef",
    "append_audit",
    "check_read_only",
    "load_library",
    "lookup_choices",
    "parse_query_file",
    "result_hash",
    "run_query",
    "safe_cell",
    "to_csv",
    "to_json",
    "to_table",
]
