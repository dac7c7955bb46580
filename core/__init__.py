"""The bottom layer: the error tree (core.errors) and the one settings object (core.settings).

Imports nothing of the project except `schemas`; everything else may import it.
"""

__version__ = "0.1.0"
