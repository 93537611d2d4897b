"""Only the owner may use the local cloud.

The cloud runs Lambda code, so a request it accepts can run code on the owner's computer. Every
AWS API request must carry a valid Signature Version 4 made with the owner's key pair (the
same check AWS makes); `/_workshop/*` control requests carry the owner's secret in a header.
Browsers get no CORS headers and no answer to a preflight, and a request that names a web
origin is refused outright, so a page open in the owner's browser can do nothing here.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import io
import json
import posixpath
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..owner import LocalCredentials

CONTROL_SECRET_HEADER = "X-Workshop-Secret"
_CONTROL_HEADER_ENVIRON = "HTTP_X_WORKSHOP_SECRET"
_ALGORITHM = "AWS4-HMAC-SHA256"
_MAX_SKEW = datetime.timedelta(minutes=15)
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_HOW_TO = (
    "This local cloud answers only its owner: use the workbook's clients "
    "(workshop_lib.clients.client) or, for the AWS CLI, SAM CLI and other SDKs, "
    '`eval "$(workshop cloud env)"`.'
)


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused, in AWS's words."""

    status: int
    code: str
    message: str


def refuse_reason(
    environ: dict[str, Any], credentials: LocalCredentials, *, now: datetime.datetime | None = None
) -> Refusal | None:
    """None if the request is the owner's, else why not. May replace `wsgi.input` (same bytes)."""
    if environ.get("HTTP_ORIGIN") or environ.get("REQUEST_METHOD") == "OPTIONS":
        # SDKs and CLIs never send Origin; browsers always do on cross-origin requests.
        return Refusal(403, "AccessDenied", "Requests from web pages are not accepted. " + _HOW_TO)
    if environ.get("PATH_INFO", "").startswith("/_workshop/"):
        given = environ.get(_CONTROL_HEADER_ENVIRON, "")
        if hmac.compare_digest(given.encode(), credentials.secret_access_key.encode()):
            return None
        return Refusal(403, "AccessDenied", "Missing or wrong workshop secret. " + _HOW_TO)
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if "X-Amz-Signature" in query:
        return _check_presigned(environ, query, credentials, now)
    if "AWSAccessKeyId" in query and "Signature" in query:
        return _check_presigned_v2(environ, query, credentials, now)
    return _check_header_signature(environ, credentials, now)


def _check_header_signature(
    environ: dict[str, Any], credentials: LocalCredentials, now: datetime.datetime | None
) -> Refusal | None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header.startswith(_ALGORITHM + " "):
        return Refusal(
            403,
            "MissingAuthenticationToken",
            "Request is missing a SigV4 Authorization header. " + _HOW_TO,
        )
    fields: dict[str, str] = {}
    for part in header[len(_ALGORITHM) :].split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value
    try:
        credential, signed_headers, signature = (
            fields["Credential"],
            fields["SignedHeaders"],
            fields["Signature"],
        )
    except KeyError:
        return Refusal(403, "IncompleteSignature", "Authorization header is incomplete.")
    amz_date = environ.get("HTTP_X_AMZ_DATE", "")
    body = _read_body(environ)
    declared = environ.get("HTTP_X_AMZ_CONTENT_SHA256")
    actual = hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256
    if declared and len(declared) == 64 and declared != actual:
        return Refusal(400, "XAmzContentSHA256Mismatch", "The body does not match its hash.")
    payload_hash = declared or actual
    return _verify(
        environ,
        credentials,
        credential=credential,
        signed_headers=signed_headers,
        signature=signature,
        amz_date=amz_date,
        query_pairs=_raw_query_pairs(environ.get("QUERY_STRING", "")),
        payload_hashes=[payload_hash],
        now=now,
        expires=None,
    )


def _check_presigned(
    environ: dict[str, Any],
    query: dict[str, list[str]],
    credentials: LocalCredentials,
    now: datetime.datetime | None,
) -> Refusal | None:
    if _first(query, "X-Amz-Algorithm") != _ALGORITHM:
        return Refusal(403, "AccessDenied", "Only AWS4-HMAC-SHA256 presigned URLs are accepted.")
    pairs = [
        (key, value)
        for key, value in _raw_query_pairs(environ.get("QUERY_STRING", ""))
        if urllib.parse.unquote(key) != "X-Amz-Signature"
    ]
    try:
        expires = int(_first(query, "X-Amz-Expires") or "0")
    except ValueError:
        return Refusal(403, "AuthorizationQueryParametersError", "X-Amz-Expires is not a number.")
    return _verify(
        environ,
        credentials,
        credential=_first(query, "X-Amz-Credential"),
        signed_headers=_first(query, "X-Amz-SignedHeaders"),
        signature=_first(query, "X-Amz-Signature"),
        amz_date=_first(query, "X-Amz-Date"),
        query_pairs=pairs,
        payload_hashes=["UNSIGNED-PAYLOAD"],
        now=now,
        expires=expires,
    )


def _check_presigned_v2(
    environ: dict[str, Any],
    query: dict[str, list[str]],
    credentials: LocalCredentials,
    now: datetime.datetime | None,
) -> Refusal | None:
    """S3's older presigned URLs (what botocore's generate_presigned_url makes for S3)."""
    from botocore.auth import HmacV1Auth

    if not hmac.compare_digest(
        _first(query, "AWSAccessKeyId").encode(), credentials.access_key_id.encode()
    ):
        return Refusal(403, "InvalidAccessKeyId", "Unknown access key. " + _HOW_TO)
    try:
        expires = int(_first(query, "Expires"))
    except ValueError:
        return Refusal(403, "AccessDenied", "Expires is not a number.")
    current = now or datetime.datetime.now(datetime.UTC)
    if current.timestamp() > expires:
        return Refusal(403, "AccessDenied", "Request has expired.")
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    resource = HmacV1Auth(None).canonical_resource(urllib.parse.urlsplit(raw))
    custom = sorted(
        (key[5:].lower().replace("_", "-"), " ".join(str(value).split()))
        for key, value in environ.items()
        if key.startswith("HTTP_X_AMZ_")
    )
    to_sign = "\n".join(
        [
            environ.get("REQUEST_METHOD", "GET").upper(),
            environ.get("HTTP_CONTENT_MD5", ""),
            environ.get("CONTENT_TYPE", ""),
            str(expires),
            *(f"{name}:{value}" for name, value in custom),
            resource,
        ]
    )
    digest = hmac.new(credentials.secret_access_key.encode(), to_sign.encode(), hashlib.sha1)
    expected = base64.b64encode(digest.digest()).decode()
    if hmac.compare_digest(expected, _first(query, "Signature")):
        return None
    return Refusal(403, "SignatureDoesNotMatch", "The presigned URL's signature does not match.")


def _first(query: dict[str, list[str]], name: str) -> str:
    return (query.get(name) or [""])[0]


def _verify(
    environ: dict[str, Any],
    credentials: LocalCredentials,
    *,
    credential: str,
    signed_headers: str,
    signature: str,
    amz_date: str,
    query_pairs: list[tuple[str, str]],
    payload_hashes: list[str],
    now: datetime.datetime | None,
    expires: int | None,
) -> Refusal | None:
    scope = credential.split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        return Refusal(403, "IncompleteSignature", f"Malformed credential scope {credential!r}.")
    access_key, day, region, service, _ = scope
    if not hmac.compare_digest(access_key.encode(), credentials.access_key_id.encode()):
        return Refusal(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid (unknown access key). "
            + _HOW_TO,
        )
    try:
        stamp = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    except ValueError:
        return Refusal(403, "IncompleteSignature", "Missing or malformed X-Amz-Date.")
    current = now or datetime.datetime.now(datetime.UTC)
    if expires is not None:
        if current > stamp + datetime.timedelta(seconds=expires):
            return Refusal(403, "AccessDenied", "Request has expired.")
    elif abs(current - stamp) > _MAX_SKEW:
        return Refusal(403, "RequestTimeTooSkewed", "Signature expired: the clock is off.")
    if not amz_date.startswith(day):
        return Refusal(403, "SignatureDoesNotMatch", "Credential date does not match X-Amz-Date.")
    names = [name.strip().lower() for name in signed_headers.split(";") if name.strip()]
    if "host" not in names:
        return Refusal(403, "SignatureDoesNotMatch", "The Host header must be signed.")
    headers = "".join(f"{name}:{_header(environ, name)}\n" for name in names)
    key = _signing_key(credentials.secret_access_key, day, region, service)
    for path in _canonical_paths(_raw_path(environ), service):
        for query in _canonical_queries(query_pairs):
            for payload_hash in payload_hashes:
                canonical = "\n".join(
                    [
                        environ.get("REQUEST_METHOD", "GET").upper(),
                        path,
                        query,
                        headers,
                        ";".join(names),
                        payload_hash,
                    ]
                )
                to_sign = "\n".join(
                    [
                        _ALGORITHM,
                        amz_date,
                        f"{day}/{region}/{service}/aws4_request",
                        hashlib.sha256(canonical.encode()).hexdigest(),
                    ]
                )
                expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
                if hmac.compare_digest(expected, signature):
                    return None
    return Refusal(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method. " + _HOW_TO,
    )


def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _header(environ: dict[str, Any], name: str) -> str:
    if name == "host":
        value = environ.get("HTTP_HOST", "")
    elif name in ("content-type", "content-length"):
        value = environ.get(name.upper().replace("-", "_"), "")
    else:
        value = environ.get("HTTP_" + name.upper().replace("-", "_"), "")
    return " ".join(str(value).split())


def _raw_path(environ: dict[str, Any]) -> str:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        path = raw.split("?", 1)[0]
        if "://" in path:  # an absolute-form request line
            path = urllib.parse.urlsplit(path).path
        return path or "/"
    return urllib.parse.quote(environ.get("PATH_INFO", "/"), safe="/~")


def _canonical_paths(raw_path: str, service: str) -> Iterable[str]:
    if service == "s3":
        # S3 signs the path as sent, encoded once.
        yield raw_path
        requoted = urllib.parse.quote(urllib.parse.unquote(raw_path), safe="/~")
        if requoted != raw_path:
            yield requoted
        return
    # Every other service signs the normalised path, encoded once more.
    normalised = posixpath.normpath(raw_path) if raw_path not in ("", "/") else "/"
    if raw_path.endswith("/") and normalised != "/":
        normalised += "/"
    yield urllib.parse.quote(normalised, safe="/~")


def _raw_query_pairs(query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in query.split("&") if query else []:
        key, _, value = part.partition("=")
        pairs.append((key, value))
    return pairs


def _canonical_queries(pairs: list[tuple[str, str]]) -> Iterable[str]:
    # As sent (botocore encodes before signing), then re-encoded as the spec says.
    yield "&".join(f"{k}={v}" for k, v in sorted(pairs))
    encoded = sorted(
        (
            urllib.parse.quote(urllib.parse.unquote_plus(k), safe="-_.~"),
            urllib.parse.quote(urllib.parse.unquote_plus(v), safe="-_.~"),
        )
        for k, v in pairs
    )
    yield "&".join(f"{k}={v}" for k, v in encoded)


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def refusal_response(environ: dict[str, Any], refusal: Refusal) -> tuple[str, list, bytes]:
    """The refusal in the protocol the caller speaks (JSON or XML), as AWS would answer."""
    status = f"{refusal.status} {'Forbidden' if refusal.status == 403 else 'Bad Request'}"
    content_type = environ.get("CONTENT_TYPE", "")
    service = _signed_service(environ)
    if environ.get("PATH_INFO", "").startswith("/_workshop/"):
        body = json.dumps({"error": refusal.code, "message": refusal.message}).encode()
        return status, [("Content-Type", "application/json")], body
    xml_service = service == "s3" or "x-www-form-urlencoded" in content_type
    if not xml_service and (service or "json" in content_type or not content_type):
        body = json.dumps({"__type": refusal.code, "message": refusal.message}).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", refusal.code),
        ]
        return status, headers, body
    message = _xml_escape(refusal.message)
    if "x-www-form-urlencoded" in content_type:  # query protocol (IAM, SNS, SQS, STS, CFN)
        xml = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{refusal.code}</Code><Message>{message}</Message></Error>"
            "<RequestId>refused</RequestId></ErrorResponse>"
        )
    else:  # S3 and rest-xml, and anything else
        xml = f"<Error><Code>{refusal.code}</Code><Message>{message}</Message></Error>"
    return status, [("Content-Type", "application/xml")], xml.encode()


def _signed_service(environ: dict[str, Any]) -> str | None:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    credential = auth.split("Credential=", 1)[1] if "Credential=" in auth else ""
    credential = (
        credential
        or urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0]
    )
    parts = credential.split(",", 1)[0].split("/")
    return parts[3] if len(parts) >= 4 else None


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def without_cors(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """moto adds permissive CORS headers to every answer; the local cloud sends none."""
    return [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
