"""Copy the shared modules into every Lambda package that uses them (share by generation).

A Lambda package is self-contained: what is deployed is its CodeUri folder, nothing else. So the
one copy of a rule both apps need (the execution name of an upload, the way handlers build
clients) lives here, and each package holds a byte-identical copy in its `vendor/` folder,
deployed with its handlers, which import it as `from vendor import aws`. Never edit a copy: edit
the file in infra/shared/, then run:

    python infra/shared/vendor.py            # write the copies
    python infra/shared/vendor.py --check    # list stale copies, exit 1 if any (what the test does)
"""

from __future__ import annotations

import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parent
INFRA = SHARED.parent

COPIES: dict[str, tuple[str, ...]] = {
    "aws.py": (
        "image_processor/src",
        "santa/functions/fixit",
        "santa/functions/notify",
        "santa/functions/transform",
        "santa/functions/trigger",
        "santa/functions/validate",
    ),
    "s3_uploads.py": ("image_processor/src", "santa/functions/trigger"),
}
"""Each shared module, and the Lambda packages (CodeUri folders, relative to infra/) that hold a
copy of it."""


VENDOR = "vendor"
"""The folder, inside each Lambda package, that holds the copies (a regular Python package)."""
PACKAGE_INIT = SHARED / "vendor_init.py"
"""Written as each vendor/__init__.py."""


def copies() -> list[tuple[Path, Path]]:
    """(canonical file, vendored copy) for every copy there should be, vendor/__init__.py too."""
    found = [
        (SHARED / module, INFRA / folder / VENDOR / module)
        for module, folders in COPIES.items()
        for folder in folders
    ]
    packages = sorted({folder for folders in COPIES.values() for folder in folders})
    return found + [(PACKAGE_INIT, INFRA / folder / VENDOR / "__init__.py") for folder in packages]


def stale() -> list[Path]:
    """The copies that are missing or differ from their canonical file."""
    return [
        copy
        for canonical, copy in copies()
        if not copy.is_file() or copy.read_bytes() != canonical.read_bytes()
    ]


def write() -> list[Path]:
    """Bring every stale copy up to date; returns the ones written."""
    written = stale()
    for canonical, copy in copies():
        if copy in written:
            copy.parent.mkdir(exist_ok=True)
            copy.write_bytes(canonical.read_bytes())
    return written


def main(argv: list[str]) -> int:
    if "--check" in argv:
        found = stale()
        for copy in found:
            print(f"stale: {copy.relative_to(INFRA)} (run: python infra/shared/vendor.py)")
        return 1 if found else 0
    for copy in write():
        print(f"wrote {copy.relative_to(INFRA)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
