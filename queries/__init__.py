"""The saved query library (data files in queries/library/) and its runner."""

from queries.definition import (
    LIBRARY_DIR,
    Param,
    QueryDef,
    check_read_only,
    load_library,
    parse_query_file,
)
from queries.runner import run_query, safe_cell, to_csv, to_json, to_table

__all__ = [
    "LIBRARY_DIR",
    "Param",
    "QueryDef",
    "check_read_only",
    "load_library",
    "parse_query_file",
    "run_query",
    "safe_cell",
    "to_csv",
    "to_json",
    "to_table",
]
