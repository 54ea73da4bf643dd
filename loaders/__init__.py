"""Text in, records out: read policy documents and turn them into graph batches."""

from loaders.document import Article, Chapter, ExtractedDocument, Measure
from loaders.extract import extract_file, extract_text
from loaders.records import document_batch, document_id, ontology_batch, stable_id

__all__ = [
    "Article",
    "Chapter",
    "ExtractedDocument",
    "Measure",
    "document_batch",
    "document_id",
    "extract_file",
    "extract_text",
    "ontology_batch",
    "stable_id",
]
