"""Vietnamese text helpers used by OCR, classification, search keys and export: NFC, one
tone-mark convention, diacritic folding (vntext.normalise), the syllable validator
(vntext.syllables). Imports nothing of the project."""
