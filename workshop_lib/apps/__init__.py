"""The apps' shared front end: deploy, outputs, upload, wait, the latest execution, and loading
a Lambda module for a local test, written once for both apps in infra/.

    from workshop_lib.images_app import ImageApp    # an App
    from workshop_lib.santa import SantaApp         # an App
    app = SantaApp.deploy()
    app.load_function("validate").check_list(b"[]")

`load_lambda_module(folder, module)` (or `load_lambda_package(folder, modules)` for several that
share one environment) is the one way the workbook imports Lambda code: the apps, the benchmarks
and the tests use it.
"""

from ._app import App, AppError
from ._lambda import LambdaCodeError, WorkbookClients, load_lambda_module, load_lambda_package

__all__ = [
    "App",
    "AppError",
    "LambdaCodeError",
    "WorkbookClients",
    "load_lambda_module",
    "load_lambda_package",
]
