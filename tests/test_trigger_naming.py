"""The trigger naming rule: one function (infra/shared/s3_uploads.py), vendored into each Lambda
package, so both apps name the same upload by the same rule.

The copies are generated (infra/shared/vendor.py), not imported across packages, because each
Lambda package is deployed alone: these tests fail when a copy drifts from the canonical file,
and when the two apps' triggers disagree on an upload (ETag quoted or not).
"""

from __future__ import annotations

import re
from types import ModuleType

import pytest

from workshop_lib.apps import load_lambda_module
from workshop_lib.images_app import SOURCE_DIR
from workshop_lib.paths import INFRA
from workshop_lib.santa import SantaApp

EXECUTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
ETAG = "d41d8cd98f00b204e9800998ecf8427e"


@pytest.fixture(scope="module")
def vendor() -> ModuleType:
    return load_lambda_module(INFRA / "shared", "vendor", name="_infra_vendor")


@pytest.fixture(scope="module")
def santa_trigger() -> ModuleType:
    return SantaApp.load_function("trigger", workbook_clients=False)


@pytest.fixture(scope="module")
def image_uploads() -> ModuleType:
    return load_lambda_module(
        SOURCE_DIR, "uploads", name="_naming_test_uploads", workbook_clients=False
    )


def test_every_vendored_copy_is_the_canonical_file(vendor: ModuleType) -> None:
    assert vendor.copies(), "the generator lists no copies"
    stale = [str(path.relative_to(INFRA)) for path in vendor.stale()]
    assert not stale, f"run `python infra/shared/vendor.py`: {stale} differ from infra/shared/"


def test_a_changed_copy_is_found(vendor: ModuleType, tmp_path, monkeypatch) -> None:
    canonical, copy = vendor.copies()[0]
    changed = tmp_path / copy.name
    changed.write_text(canonical.read_text() + "# edited by hand\n")
    monkeypatch.setattr(vendor, "copies", lambda: [(canonical, changed)])
    assert vendor.stale() == [changed]


def test_every_handler_package_that_imports_a_shared_module_holds_a_copy(
    vendor: ModuleType,
) -> None:
    held = {(copy.parent.parent, copy.name) for _, copy in vendor.copies()}
    packages = [SOURCE_DIR, *(p for p in (INFRA / "santa" / "functions").iterdir() if p.is_dir())]
    imports = 0
    for package in packages:
        for source in package.glob("*.py"):
            text = source.read_text(encoding="utf-8")
            for shared in vendor.COPIES:
                module = shared.removesuffix(".py")
                if re.search(rf"^from vendor(\.{module})? import .*\b{module}\b", text, re.M) or (
                    re.search(rf"^from vendor\.{module} import", text, re.M)
                ):
                    imports += 1
                    assert (package, shared) in held, f"{source} imports {module} without a copy"
    assert imports >= 8  # both triggers, every Santa handler, the image processor's modules


def test_no_package_holds_a_copy_outside_vendor() -> None:
    # A stray aws.py beside the handlers would shadow nothing, but would drift unseen.
    for shared in ("aws.py", "s3_uploads.py"):
        strays = [p for p in INFRA.rglob(shared) if p.parent.name not in ("vendor", "shared")]
        assert not strays, strays


@pytest.mark.parametrize("etag", [ETAG, f'"{ETAG}"'])
@pytest.mark.parametrize(
    "key",
    ["uploads/good_list.json", "uploads/Fête de Noël — photo 1.jpg", "uploads/" + "x" * 300],
)
def test_both_triggers_name_one_upload_by_one_rule(
    santa_trigger: ModuleType, image_uploads: ModuleType, key: str, etag: str
) -> None:
    # An unversioned bucket and no sequencer: the ETag alone tells uploads apart.
    santa = santa_trigger.execution_name(santa_trigger.Upload("in", key, etag=etag))
    image = image_uploads.image_id(image_uploads.Upload("in", key, etag=etag))
    assert EXECUTION_NAME.fullmatch(santa) and EXECUTION_NAME.fullmatch(image)
    # The same identity (ETag without quotes) hashed the same way, after each app's prefix...
    assert santa[-16:] == image[-16:]
    # ...and the same readable part, cut to the room each prefix leaves.
    santa_part, image_part = santa.removeprefix("santa-")[:-17], image.removeprefix("img-")[:-17]
    assert image_part.startswith(santa_part)
    assert len(santa) <= 80 and len(image) <= 80


def test_quotes_around_an_etag_do_not_change_the_name(
    santa_trigger: ModuleType, image_uploads: ModuleType
) -> None:
    for make, name in (
        (santa_trigger.Upload, santa_trigger.execution_name),
        (image_uploads.Upload, image_uploads.image_id),
    ):
        assert name(make("in", "uploads/a.json", etag=ETAG)) == name(
            make("in", "uploads/a.json", etag=f'"{ETAG}"')
        )
        assert name(make("in", "uploads/a.json", etag=ETAG)) != name(
            make("in", "uploads/a.json", etag="0" * 32)
        )


def test_the_workbook_names_an_upload_as_the_trigger_does(santa_trigger: ModuleType) -> None:
    from workshop_lib import images_app, santa

    upload = santa_trigger.Upload("in", "uploads/list.json", version_id="v1")
    assert santa._execution_name("in", "uploads/list.json", "v1") == (
        santa_trigger.execution_name(upload)
    )
    assert images_app.image_id("in", "uploads/list.json", "v1").startswith("img-list-")
