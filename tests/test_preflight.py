"""Notebook 08's pre-flight checks: subnets for the Auto Scaling group, room for reserved
concurrency. Each failing check says what to do, before anything is created."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.stub import Stubber
from test_real_account_gate import aws_environment

from workshop_lib import clients
from workshop_lib.scaling import (
    PreflightError,
    check_instance_quota,
    check_reserved_concurrency,
    group_subnets,
)


@pytest.fixture
def aws_mode(local_cloud, monkeypatch, tmp_path) -> Iterator[None]:
    for key, value in aws_environment(local_cloud.endpoint_url, tmp_path).items():
        monkeypatch.setenv(key, value)
    clients.forget_clients()
    yield
    clients.forget_clients()


def test_default_vpc_subnets_are_found(local_cloud):
    subnets = group_subnets()
    assert len(subnets) == 2
    described = clients.client("ec2").describe_subnets(SubnetIds=subnets)["Subnets"]
    assert all(s["DefaultForAz"] for s in described)
    assert len({s["AvailabilityZone"] for s in described}) == 2  # two zones, not one


def test_chosen_subnets_are_checked(local_cloud):
    one = group_subnets()[0]
    assert group_subnets(f" {one} ,") == [one]
    with pytest.raises(PreflightError, match="subnet-0000000000badbad") as error:
        group_subnets("subnet-0000000000badbad")
    assert "SUBNETS" in str(error.value)


def test_an_account_without_a_default_vpc_is_told_what_to_do(aws_mode, monkeypatch):
    # A region of the shared local cloud that nothing else uses: delete its default VPC.
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    clients.forget_clients()
    ec2 = clients.client("ec2")
    default = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    for vpc in default:
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
        for subnet in subnets["Subnets"]:
            ec2.delete_subnet(SubnetId=subnet["SubnetId"])
        gateways = ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}]
        )["InternetGateways"]
        for gateway in gateways:
            ec2.detach_internet_gateway(
                InternetGatewayId=gateway["InternetGatewayId"], VpcId=vpc["VpcId"]
            )
            ec2.delete_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"])
        ec2.delete_vpc(VpcId=vpc["VpcId"])
    with pytest.raises(PreflightError) as error:
        group_subnets()
    text = str(error.value)
    assert "no default VPC in eu-west-3" in text
    assert "SUBNETS" in text and "create-default-vpc" in text
    # With a subnet of its own, the check passes.
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    mine = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    assert group_subnets(mine) == [mine]


def account_settings(limit: int, unreserved: int) -> dict:
    return {
        "AccountLimit": {
            "TotalCodeSize": 80530636800,
            "CodeSizeUnzipped": 262144000,
            "CodeSizeZipped": 52428800,
            "ConcurrentExecutions": limit,
            "UnreservedConcurrentExecutions": unreserved,
        },
        "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": 0},
    }


def test_reserving_fits_an_account_with_the_default_quota(aws_mode):
    lam = clients.client("lambda")
    with Stubber(lam) as stub:
        stub.add_response("get_account_settings", account_settings(1000, 1000))
        check = check_reserved_concurrency(2)
    assert check.fits and "account quota 1000" in str(check)


def test_a_new_accounts_low_quota_stops_and_says_why(aws_mode):
    lam = clients.client("lambda")
    with Stubber(lam) as stub:
        stub.add_response("get_account_settings", account_settings(10, 10))
        with pytest.raises(PreflightError) as error:
            check_reserved_concurrency(2)
    text = str(error.value)
    assert "account quota 10" in text and "at least 100 unreserved" in text
    assert "can reserve at most 0 more" in text and "Service Quotas" in text
    # Just enough room: 102 unreserved leaves exactly 100 after reserving 2.
    with Stubber(lam) as stub:
        stub.add_response("get_account_settings", account_settings(1000, 102))
        assert check_reserved_concurrency(2).fits
    with Stubber(lam) as stub:
        stub.add_response("get_account_settings", account_settings(1000, 101))
        with pytest.raises(PreflightError, match="at most 1 more"):
            check_reserved_concurrency(2)


def test_offline_there_is_no_quota_to_check(local_cloud):
    check = check_reserved_concurrency(2)
    assert check.offline and check.fits


def quota(value: float) -> dict:
    return {
        "Quota": {
            "ServiceCode": "ec2",
            "QuotaCode": "L-1216C47A",
            "QuotaName": "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
            "Value": value,
        }
    }


def test_two_servers_fit_a_quota_of_five_vcpus(aws_mode):
    with Stubber(clients.client("service-quotas")) as stub:
        stub.add_response("get_service_quota", quota(5.0))
        check = check_instance_quota("m5.large", 2)
    assert check.fits and check.vcpus_needed == 4  # m5.large has 2 vCPUs (from EC2 itself)


def test_a_quota_too_small_for_the_group_stops_and_says_what_to_do(aws_mode):
    with Stubber(clients.client("service-quotas")) as stub:
        stub.add_response("get_service_quota", quota(2.0))
        with pytest.raises(PreflightError) as error:
            check_instance_quota("m5.large", 2)
    text = str(error.value)
    assert "2 x m5.large = 4 vCPUs does NOT fit" in text and "quota of 2 vCPUs" in text
    assert "Service Quotas console" in text


def test_an_unreadable_quota_is_reported_not_fatal(aws_mode):
    # The local cloud has no EC2 quotas to read, like an account without the permission.
    check = check_instance_quota("m5.large", 2)
    assert check.fits and check.quota_vcpus is None and "could not be read" in str(check)


def test_offline_no_instance_quota_applies(local_cloud):
    check = check_instance_quota("m5.large", 2)
    assert check.fits and "Offline" in str(check)
