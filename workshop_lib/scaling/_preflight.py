"""Pre-flight checks for notebook 08's real-account cells: each fails with what to do.

- An Auto Scaling group needs subnets: the chosen ones, else the default VPC's. Many accounts
  (and every account's deleted default VPC) have none, and AWS would then reject the group.
- Instances count against the account's vCPU quota for On-Demand instances, which a new
  account may have set too low for even two small servers.
- Reserving concurrency takes it from the account's pool, and AWS refuses any reservation that
  would leave fewer than 100 unreserved executions; a new account starts with a reduced quota
  (below the documented 1,000 default), so it may have nothing to reserve at all.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from .. import clients
from .. import constants as C
from ..display import Displayable, theme
from ..errors import WorkshopError


class PreflightError(WorkshopError):
    """The account is not ready for the next cell; the message says what to do."""


def group_subnets(chosen: str | Sequence[str] | None = None, *, count: int = 2) -> list[str]:
    """Subnets for an Auto Scaling group: `chosen` (ids, or one comma-separated string) after
    checking they exist, else up to `count` default subnets of the default VPC."""
    ec2 = clients.client("ec2")
    ids = [s.strip() for s in chosen.split(",")] if isinstance(chosen, str) else list(chosen or [])
    ids = [s for s in ids if s]
    if ids:
        try:
            found = ec2.describe_subnets(SubnetIds=ids)["Subnets"]
        except ec2.exceptions.ClientError as error:
            raise PreflightError(
                f"The subnets {', '.join(ids)} are not in this account and region: "
                f"{str(error).splitlines()[0]}",
                hint="Copy subnet ids (subnet-...) from the VPC console of this region into "
                "SUBNETS in the parameters cell, or leave it empty to use the default VPC.",
            ) from None
        return [s["SubnetId"] for s in found]
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    if not vpcs:
        raise PreflightError(
            f"This account has no default VPC in {clients.resolve_target().region}, so the "
            "Auto Scaling group has no subnets to start instances in.",
            hint="Set SUBNETS in the parameters cell to one or more subnet ids of a VPC in this "
            "region (comma-separated), or create a default VPC (`aws ec2 create-default-vpc`), "
            "then run this cell again.",
        )
    subnets = ec2.describe_subnets(
        Filters=[
            {"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]},
            {"Name": "default-for-az", "Values": ["true"]},
        ]
    )["Subnets"]
    if not subnets:
        raise PreflightError(
            f"The default VPC {vpcs[0]['VpcId']} has no default subnets.",
            hint="Set SUBNETS in the parameters cell to subnet ids of that VPC, then run "
            "this cell again.",
        )
    return [s["SubnetId"] for s in sorted(subnets, key=lambda s: s["AvailabilityZone"])][:count]


@dataclass(frozen=True)
class ConcurrencyCheck(Displayable):
    """Whether `wanted` reserved executions fit the account's Lambda concurrency quota."""

    wanted: int
    account_limit: int | None
    unreserved: int | None

    @property
    def offline(self) -> bool:
        return self.account_limit is None

    @property
    def fits(self) -> bool:
        if self.unreserved is None:
            return True
        return self.unreserved - self.wanted >= C.MIN_UNRESERVED_CONCURRENCY

    def __str__(self) -> str:
        if self.offline:
            return (
                f"Offline: the local cloud has no account quota; reserving {self.wanted} is fine."
            )
        verdict = "fits" if self.fits else "does NOT fit"
        return (
            f"Lambda concurrency: account quota {self.account_limit}, unreserved "
            f"{self.unreserved}; reserving {self.wanted} {verdict} (AWS keeps at least "
            f"{C.MIN_UNRESERVED_CONCURRENCY} unreserved)."
        )

    def _html(self) -> str:
        colour = theme.SUCCESS if self.fits else theme.FAILURE
        return f"<div style='color:{colour}'>{html.escape(str(self))}</div>"


def check_reserved_concurrency(wanted: int) -> ConcurrencyCheck:
    """Before `put_function_concurrency`: does the account's quota allow reserving `wanted`?

    Raises `PreflightError`, saying why and what to do, when it does not.
    """
    if clients.resolve_target().offline:
        return ConcurrencyCheck(wanted, None, None)
    settings = clients.client("lambda").get_account_settings()["AccountLimit"]
    check = ConcurrencyCheck(
        wanted,
        int(settings["ConcurrentExecutions"]),
        int(settings["UnreservedConcurrentExecutions"]),
    )
    if not check.fits:
        room = max(0, check.unreserved - C.MIN_UNRESERVED_CONCURRENCY)  # type: ignore[operator]
        raise PreflightError(
            f"{check}\nThis account can reserve at most {room} more. New accounts start with a "
            "reduced quota, below the documented default of 1,000, that AWS raises over time.",
            hint="Ask for more in the Service Quotas console (AWS Lambda, 'Concurrent "
            "executions'). Until then, skip this section in aws mode: it runs the same "
            "offline.",
        )
    return check


ON_DEMAND_STANDARD_QUOTA = ("ec2", "L-1216C47A")
"""Service Quotas' code for "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
counted in vCPUs."""


@dataclass(frozen=True)
class InstanceQuotaCheck(Displayable):
    """Whether `count` instances of `instance_type` fit the On-Demand vCPU quota."""

    instance_type: str
    count: int
    vcpus_needed: int | None
    quota_vcpus: float | None
    note: str = ""

    @property
    def fits(self) -> bool:
        if self.quota_vcpus is None or self.vcpus_needed is None:
            return True  # offline, or the quota could not be read: AWS itself will say
        return self.vcpus_needed <= self.quota_vcpus

    def __str__(self) -> str:
        if self.vcpus_needed is None:
            return "Offline: the local cloud launches no servers; no instance quota applies."
        wanted = f"{self.count} x {self.instance_type} = {self.vcpus_needed} vCPUs"
        if self.quota_vcpus is None:
            return f"{wanted}; the On-Demand vCPU quota could not be read ({self.note})."
        verdict = "fits" if self.fits else "does NOT fit"
        return (
            f"{wanted} {verdict} the On-Demand Standard instances quota of "
            f"{self.quota_vcpus:g} vCPUs in this region (instances already running count too)."
        )

    def _html(self) -> str:
        colour = theme.SUCCESS if self.fits else theme.FAILURE
        return f"<div style='color:{colour}'>{html.escape(str(self))}</div>"


def check_instance_quota(instance_type: str, count: int) -> InstanceQuotaCheck:
    """Before launching `count` On-Demand instances: does the account's vCPU quota allow them?

    Raises `PreflightError`, saying what to do, when it clearly does not.
    """
    if clients.resolve_target().offline:
        return InstanceQuotaCheck(instance_type, count, None, None)
    described = clients.client("ec2").describe_instance_types(InstanceTypes=[instance_type])
    vcpus = count * int(described["InstanceTypes"][0]["VCpuInfo"]["DefaultVCpus"])
    service, code = ON_DEMAND_STANDARD_QUOTA
    quotas = clients.client("service-quotas")
    try:
        value = float(
            quotas.get_service_quota(ServiceCode=service, QuotaCode=code)["Quota"]["Value"]
        )
    except quotas.exceptions.ClientError as error:
        # Reading quotas needs servicequotas:GetServiceQuota, which a class account may not
        # grant; AWS still refuses a launch over the quota, so go on and say so.
        reason = str(error).splitlines()[0][:160]
        return InstanceQuotaCheck(instance_type, count, vcpus, None, reason)
    check = InstanceQuotaCheck(instance_type, count, vcpus, value)
    if not check.fits:
        raise PreflightError(
            f"{check}\nAWS refuses launches over the quota, so the group could not start "
            "its instances.",
            hint="Ask for more in the Service Quotas console (Amazon EC2, 'Running On-Demand "
            "Standard (A, C, D, H, I, M, R, T, Z) instances'), or skip this section in aws mode: "
            "it runs the same offline.",
        )
    return check
