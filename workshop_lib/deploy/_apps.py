"""The applications in infra/, by the names learners type."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import DeployError
from ..paths import INFRA

# Short names learners type, and the folder each one lives in.
_ALIASES = {
    "santa": "santa",
    "images": "image_processor",
    "image-processor": "image_processor",
    "image_processor": "image_processor",
}


@dataclass(frozen=True)
class App:
    name: str
    directory: Path

    @property
    def template(self) -> Path:
        return self.directory / "template.yaml"

    @property
    def stack_name(self) -> str:
        """`workshop-santa`; in aws mode with the learner's prefix, `workshop-alice-santa`, so
        classmates sharing an account each deploy their own stack."""
        from ..learner import name

        return name(f"workshop-{self.name}")


def resolve_app(name: str) -> App:
    """`santa`, `images`, or a path to a folder with a template.yaml."""
    folder = _ALIASES.get(name.lower())
    directory = INFRA / folder if folder is not None else Path(name)
    if not (directory / "template.yaml").is_file():
        known = ", ".join(sorted({"santa", "images"}))
        raise DeployError(
            f"There is no application called {name!r}.",
            hint=f"Use one of: {known} (or a folder that holds a template.yaml).",
        )
    short = next((alias for alias, f in _ALIASES.items() if f == directory.name), directory.name)
    return App(name=short.replace("_", "-"), directory=directory.resolve())
