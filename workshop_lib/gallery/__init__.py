"""Before-and-after views of the image processor's work, and the workbook's sample images.

`compare(original, outputs)` shows an upload beside what was made from it, with sizes and the
percentage saved; `gallery(items)` shows several uploads in a grid. Both display as static
figures that survive HTML export; `Comparison.widget()` adds a live toggle in a kernel.
"""

from ._comparison import Comparison, compare
from ._grid import Gallery, gallery
from ._samples import (
    IMAGES_DIR,
    SampleImageError,
    large_photo,
    large_photos,
    photo_names,
    sample_bytes,
    sample_manifest,
    sample_path,
)
from ._summary import ImageSummary

__all__ = [
    "IMAGES_DIR",
    "Comparison",
    "Gallery",
    "ImageSummary",
    "SampleImageError",
    "compare",
    "gallery",
    "large_photo",
    "large_photos",
    "photo_names",
    "sample_bytes",
    "sample_manifest",
    "sample_path",
]
