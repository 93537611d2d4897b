"""Building Lambda deployment packages."""

from ._zip import zip_directory, zip_files

__all__ = ["zip_directory", "zip_files"]
