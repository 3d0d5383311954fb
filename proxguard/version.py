"""The package version, in a module of its own.

The report, the CLI and the fix script print it; importing it from here rather than
from `proxguard` keeps the package's `__init__` free of anything that imports it back.
"""

__version__ = "0.1.0"
