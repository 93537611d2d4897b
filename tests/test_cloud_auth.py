"""Only the owner can use the local cloud: not a web page, not another user, not a guess."""

from __future__ import annotations

import http.client
import io
import json
import os
import stat
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError

from workshop_lib import clients, cloud, owner
from workshop_lib import constants as C

pytestmark = pytest.mark.cloud

ROLE_BODY = (
    "Action=CreateRole&Version=2010-05-08&RoleName={name}&AssumeRolePolicyDocument="
    "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"
)


def _raw(port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    connection = http.client.HTTPConnection(C.CLOUD_HOST, port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _role_exists(name: str) -> bool:
    iam = clients.client("iam")
    try:
        iam.get_role(RoleName=name)
    except iam.exceptions.NoSuchEntityException:
        return False
    return True


def test_unsigned_request_is_refused_and_creates_nothing(local_cloud: cloud.CloudStatus) -> None:
    name = f"unsigned-{uuid.uuid4().hex[:8]}"
    status, _, body = _raw(
        local_cloud.port,
        "POST",
        "/",
        ROLE_BODY.format(name=name).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 403
    assert b"MissingAuthenticationToken" in body
    assert not _role_exists(name)


def test_made_up_authorization_header_is_refused(local_cloud: cloud.CloudStatus) -> None:
    name = f"forged-{uuid.uuid4().hex[:8]}"
    forged = (
        "AWS4-HMAC-SHA256 Credential=workshop-offline/20260101/us-east-1/iam/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
    )
    status, _, body = _raw(
        local_cloud.port,
        "POST",
        "/",
        ROLE_BODY.format(name=name).encode(),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": forged,
            "X-Amz-Date": "20260101T000000Z",
        },
    )
    assert status == 403
    assert b"UnrecognizedClientException" in body
    assert not _role_exists(name)


def test_the_right_key_id_with_a_wrong_secret_is_refused(local_cloud: cloud.CloudStatus) -> None:
    import boto3

    mine = owner.local_credentials()
    impostor = boto3.client(
        "iam",
        endpoint_url=local_cloud.endpoint_url,
        region_name=C.OFFLINE_REGION,
        aws_access_key_id=mine.access_key_id,
        aws_secret_access_key="guessed-" + "x" * 32,
    )
    name = f"wrong-secret-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ClientError) as refused:
        impostor.create_role(RoleName=name, AssumeRolePolicyDocument="{}")
    assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert not _role_exists(name)


def test_the_public_offline_constants_no_longer_open_the_cloud(
    local_cloud: cloud.CloudStatus,
) -> None:
    import boto3

    old_style = boto3.client(
        "lambda",
        endpoint_url=local_cloud.endpoint_url,
        region_name=C.OFFLINE_REGION,
        aws_access_key_id=C.OFFLINE_ACCESS_KEY,
        aws_secret_access_key=C.OFFLINE_SECRET_KEY,
    )
    with pytest.raises(ClientError) as refused:
        old_style.list_functions()
    assert refused.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert "workshop cloud env" in refused.value.response["Error"]["Message"]


def test_browser_requests_get_no_cors_and_are_refused(local_cloud: cloud.CloudStatus) -> None:
    status, headers, _ = _raw(
        local_cloud.port,
        "OPTIONS",
        "/2015-03-31/functions/",
        headers={
            "Origin": "http://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert status == 403
    assert not any(k.lower().startswith("access-control-") for k in headers)

    # Even a correctly signed request is refused when a web page sends it.
    lam = clients.client("lambda")
    lam.meta.events.register(
        "before-sign.lambda.ListFunctions",
        lambda request, **_: request.headers.__setitem__("Origin", "http://evil.example"),
    )
    try:
        with pytest.raises(ClientError) as refused:
            lam.list_functions()
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    finally:
        clients.forget_clients()


def test_answers_to_the_owner_carry_no_cors_headers(local_cloud: cloud.CloudStatus) -> None:
    s3 = clients.client("s3")
    seen: list[dict] = []
    s3.meta.events.register(
        "after-call.s3.ListBuckets", lambda http_response, **_: seen.append(http_response.headers)
    )
    s3.list_buckets()
    assert seen and not any(k.lower().startswith("access-control-") for k in seen[0])


def test_control_actions_need_the_owner_secret(local_cloud: cloud.CloudStatus) -> None:
    s3 = clients.client("s3")
    bucket = f"keep-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    status, _, _ = _raw(local_cloud.port, "POST", "/_workshop/reset", b"{}")
    assert status == 403
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    # Health without the secret says only whose cloud this is (no pid, nothing else).
    status, _, body = _raw(local_cloud.port, "GET", "/_workshop/health")
    assert status == 403
    answer = json.loads(body)
    assert answer["owner"] == owner.owner_name()
    assert "pid" not in answer and "environments" not in answer


def test_sdk_and_cli_users_sign_with_the_exported_key_pair(
    local_cloud: cloud.CloudStatus,
) -> None:
    import boto3

    env = clients.offline_environment(local_cloud.port)
    assert env["AWS_DISABLE_HOST_PREFIX_INJECTION"] == "true"
    plain = boto3.client(
        "sts",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    assert plain.get_caller_identity()["Account"] == C.OFFLINE_ACCOUNT_ID


@pytest.mark.parametrize(
    "key",
    ["plain.json", "with space/and+plus.txt", "ünïcödé/ключ.png", "odd~chars!'()*;=@,&$.bin"],
)
def test_s3_keys_with_any_characters_verify(local_cloud: cloud.CloudStatus, key: str) -> None:
    s3 = clients.client("s3")
    bucket = "auth-keys-bucket"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=b"hello")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"hello"
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=key[:3], Delimiter="/")
    assert listed["ResponseMetadata"]["HTTPStatusCode"] == 200
    s3.upload_fileobj(io.BytesIO(b"x" * (9 * 1024 * 1024)), bucket, key + ".big")  # multipart


def test_presigned_urls_work_until_tampered_or_expired(local_cloud: cloud.CloudStatus) -> None:
    s3 = clients.client("s3")
    bucket = "auth-presigned-bucket"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="photo 1.jpg", Body=b"jpeg bytes")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "photo 1.jpg"}, ExpiresIn=60
    )
    assert urllib.request.urlopen(url, timeout=10).read() == b"jpeg bytes"

    tampered = url.replace("photo%201.jpg", "photo%202.jpg")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(tampered, timeout=10)
    assert refused.value.code == 403

    expired = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "photo 1.jpg"}, ExpiresIn=-10
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(expired, timeout=10)
    assert refused.value.code == 403


def test_sigv4_presigned_urls_work(local_cloud: cloud.CloudStatus) -> None:
    import boto3
    from botocore.config import Config

    env = clients.offline_environment(local_cloud.port)
    s3v4 = boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    s3v4.create_bucket(Bucket="auth-presigned-v4")
    s3v4.put_object(Bucket="auth-presigned-v4", Key="a b/c.txt", Body=b"v4")
    url = s3v4.generate_presigned_url(
        "get_object", Params={"Bucket": "auth-presigned-v4", "Key": "a b/c.txt"}, ExpiresIn=60
    )
    assert "X-Amz-Signature" in url
    assert urllib.request.urlopen(url, timeout=10).read() == b"v4"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url.replace("c.txt", "d.txt"), timeout=10)
    assert refused.value.code == 403


def test_state_directory_and_key_file_are_private(local_cloud: cloud.CloudStatus) -> None:
    owner.local_credentials()
    directory = owner.state_dir()
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    key_file = directory / "local-cloud-credentials.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.stat().st_uid == os.getuid()
    assert "***" in repr(owner.local_credentials())
