"""Building Lambda deployment packages: code, plus dependencies built for the Lambda platform."""

from ._dependencies import PROVIDED_BY_RUNTIME, PackagingError, Target, requirements_of
from ._function import MAX_UNZIPPED_BYTES, MAX_ZIPPED_BYTES, FunctionPackage, build_package
from ._zip import zip_directory, zip_files, zip_tree

__all__ = [
    "MAX_UNZIPPED_BYTES",
    "MAX_ZIPPED_BYTES",
    "PROVIDED_BY_RUNTIME",
    "FunctionPackage",
    "PackagingError",
    "Target",
    "build_package",
    "requirements_of",
    "zip_directory",
    "zip_files",
    "zip_tree",
]
