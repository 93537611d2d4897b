"""A web page open in the learner's browser cannot use the local cloud.

A page served from another origin tries what an attacker would: a preflighted request with a
made-up Authorization header, and "simple" requests that skip the preflight (a form-encoded
IAM CreateRole, a Lambda CreateFunction and Invoke sent as text/plain). Every one is refused
and nothing is created.
"""

from __future__ import annotations

import http.server
import json
import threading
import uuid
from collections.abc import Iterator

import pytest
from _browser import close_browser, launch_browser

from workshop_lib import clients, cloud
from workshop_lib import constants as C

pytestmark = pytest.mark.cloud

PAGE = """<!doctype html><html><body><pre id="log"></pre><script>
const cloud = "http://127.0.0.1:%(port)d";
const results = {};
async function attempt(name, url, options) {
  try {
    const response = await fetch(url, options);
    results[name] = {status: response.status, type: response.type};
  } catch (error) {
    results[name] = {error: String(error)};
  }
}
(async () => {
  const forged = "AWS4-HMAC-SHA256 Credential=workshop-offline/20260101/us-east-1/iam/" +
    "aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0".repeat(64);
  await attempt("preflighted CreateRole", cloud + "/", {
    method: "POST",
    headers: {"Authorization": forged, "Content-Type": "application/x-www-form-urlencoded"},
    body: "Action=CreateRole&Version=2010-05-08&RoleName=%(role)s-a" +
          "&AssumeRolePolicyDocument=%%7B%%7D",
  });
  await attempt("simple CreateRole", cloud + "/", {
    method: "POST", mode: "no-cors",
    headers: {"Content-Type": "application/x-www-form-urlencoded"},
    body: "Action=CreateRole&Version=2010-05-08&RoleName=%(role)s-b" +
          "&AssumeRolePolicyDocument=%%7B%%7D",
  });
  await attempt("simple CreateFunction", cloud + "/2015-03-31/functions", {
    method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"},
    body: JSON.stringify({FunctionName: "%(function)s", Runtime: "python3.12",
      Role: "arn:aws:iam::123456789012:role/x", Handler: "app.handler",
      Code: {ZipFile: "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}),
  });
  await attempt("simple Invoke", cloud + "/2015-03-31/functions/%(function)s/invocations", {
    method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: "{}",
  });
  await attempt("read health", cloud + "/_workshop/health", {});
  document.getElementById("log").textContent = JSON.stringify(results);
  window.attackDone = results;
})();
</script></body></html>"""


@pytest.fixture()
def attacker_page(local_cloud: cloud.CloudStatus) -> Iterator[tuple[str, str, str]]:
    role, function = f"pwned-{uuid.uuid4().hex[:6]}", f"pwned-{uuid.uuid4().hex[:6]}"
    body = (PAGE % {"port": local_cloud.port, "role": role, "function": function}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer((C.CLOUD_HOST, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{C.CLOUD_HOST}:{server.server_address[1]}/", role, function
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_from_another_origin_can_do_nothing(attacker_page: tuple[str, str, str]) -> None:
    url, role, function = attacker_page
    browser = launch_browser()
    try:
        page = browser.new_page()
        page.goto(url)
        page.wait_for_function("window.attackDone !== undefined", timeout=30_000)
        results = page.evaluate("window.attackDone")
    finally:
        close_browser(browser)

    # The preflighted request never leaves the browser (no CORS answer); the page cannot read
    # anything back from the others (opaque, or refused).
    assert "error" in results["preflighted CreateRole"], results
    assert "error" in results["read health"], results
    for name in ("simple CreateRole", "simple CreateFunction", "simple Invoke"):
        assert results[name].get("type") == "opaque" or "error" in results[name], results

    iam, lam = clients.client("iam"), clients.client("lambda")
    roles = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert f"{role}-a" not in roles and f"{role}-b" not in roles
    assert function not in {f["FunctionName"] for f in lam.list_functions()["Functions"]}


def test_the_cloud_refuses_what_the_browser_sent_even_when_it_reaches_it(
    local_cloud: cloud.CloudStatus,
) -> None:
    """The "simple" requests do reach the server; prove the server itself says no to them."""
    import http.client

    connection = http.client.HTTPConnection(C.CLOUD_HOST, local_cloud.port, timeout=10)
    connection.request(
        "POST",
        "/2015-03-31/functions",
        body=json.dumps({"FunctionName": "from-a-page"}),
        headers={"Content-Type": "text/plain", "Origin": "http://127.0.0.1:1"},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 403
    assert response.getheader("Access-Control-Allow-Origin") is None
