"""sohoa: turn shelves of Vietnamese paper records into a searchable, classified archive."""

__version__ = "0.1.0"
