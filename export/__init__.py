"""Exports: the edXML envelope for the national exchange network, and the two access lists."""

from export.codes import DOCUMENT_TYPE_CODES, PRIORITY_NAMES, priority_code, type_code
from export.edxml import (
    Attachment,
    Envelope,
    Organ,
    edxml_bytes,
    envelope_for,
    parse_edxml,
    write_edxml,
)
from export.errors import NotExportable
from export.lists import (
    ConditionalEntry,
    DisclosureEntry,
    DisclosureOptions,
    conditional_list,
    disclosure_list,
    parse_csv,
    parse_json,
    to_csv,
    to_json,
)
from export.stored import check_exportable, export_edxml

__all__ = [
    "DOCUMENT_TYPE_CODES",
    "PRIORITY_NAMES",
    "Attachment",
    "ConditionalEntry",
    "DisclosureEntry",
    "DisclosureOptions",
    "Envelope",
    "NotExportable",
    "Organ",
    "check_exportable",
    "conditional_list",
    "disclosure_list",
    "edxml_bytes",
    "envelope_for",
    "export_edxml",
    "parse_csv",
    "parse_edxml",
    "parse_json",
    "priority_code",
    "to_csv",
    "to_json",
    "type_code",
    "write_edxml",
]
