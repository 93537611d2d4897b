"""Architecture diagrams of the workbook's applications, drawn from their SAM templates.

    from workshop_lib.diagram import ArchitectureDiagram
    ArchitectureDiagram.for_app("santa")     # shows itself in a notebook
    ArchitectureDiagram.for_app("images").save("images.svg")

Services and the arrows between them (event sources, invocations, reads and writes), each arrow
with the IAM permission it needs on hover; one self-contained SVG in the look of the
state-machine graphs (`workshop_lib.graph`).
"""

from ._diagram import ArchitectureDiagram, architecture_svg
from ._model import Architecture, Arrow, Service

__all__ = ["Architecture", "ArchitectureDiagram", "Arrow", "Service", "architecture_svg"]
