"""A real Auto Scaling group, read back from the API and mirrored into the simulator.

A learner creates the launch template, the group (with a MixedInstancesPolicy: an On-Demand base,
Spot above it) and a target tracking policy with boto3. `GroupSettings.from_aws(name)` reads
what the service stored, the same way in the local cloud and in a real account, and
`.simulate(traffic, ...)` runs `simulate_auto_scaling` with exactly those settings: the local
cloud keeps the configuration but launches no real servers and measures no CPU, so the
behaviour over a day comes from the model.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import clients
from ..display import TableReport, number
from ..pricing import PriceBook, load_prices
from ._auto_scaling import simulate_auto_scaling
from ._errors import ScalingInputError
from ._scaling_result import ScalingResult

CPU_METRIC = "ASGAverageCPUUtilization"


@dataclass(frozen=True)
class GroupSettings(TableReport):
    """What an Auto Scaling group and its CPU target tracking policy are set to."""

    name: str
    min_size: int
    max_size: int
    desired_capacity: int
    instance_types: tuple[str, ...]
    on_demand_base: int
    on_demand_percent_above_base: float
    spot_allocation_strategy: str | None
    capacity_rebalance: bool
    target_cpu: float | None
    """TargetValue of the ASGAverageCPUUtilization target tracking policy (None: no policy)."""
    warmup_s: float
    warmup_from: str
    """Which setting the warm-up came from (policy, group default, or default cooldown)."""
    instances_now: int

    @property
    def spot_share_above_base(self) -> float:
        return 1.0 - self.on_demand_percent_above_base / 100.0

    @classmethod
    def from_aws(cls, group_name: str) -> GroupSettings:
        """Read the group and its policies with DescribeAutoScalingGroups / DescribePolicies."""
        autoscaling = clients.client("autoscaling")
        groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group_name])[
            "AutoScalingGroups"
        ]
        if not groups:
            raise ScalingInputError(
                f"There is no Auto Scaling group {group_name!r} here.",
                hint="Create it first (create_auto_scaling_group), in this mode and region.",
            )
        group = groups[0]
        policies = autoscaling.describe_policies(AutoScalingGroupName=group_name)["ScalingPolicies"]
        tracking = next(
            (
                p
                for p in policies
                if p.get("PolicyType") == "TargetTrackingScaling"
                and (p.get("TargetTrackingConfiguration") or {})
                .get("PredefinedMetricSpecification", {})
                .get("PredefinedMetricType")
                == CPU_METRIC
            ),
            None,
        )
        mixed = group.get("MixedInstancesPolicy") or {}
        distribution = mixed.get("InstancesDistribution") or {}
        warmup, warmup_from = _warmup(group, tracking)
        return cls(
            name=group_name,
            min_size=int(group["MinSize"]),
            max_size=int(group["MaxSize"]),
            desired_capacity=int(group["DesiredCapacity"]),
            instance_types=_instance_types(group, mixed),
            # AWS's defaults when a field is not set: no On-Demand base, 100% On-Demand above.
            on_demand_base=int(distribution.get("OnDemandBaseCapacity", 0)),
            on_demand_percent_above_base=float(
                distribution.get("OnDemandPercentageAboveBaseCapacity", 100)
            ),
            spot_allocation_strategy=distribution.get("SpotAllocationStrategy"),
            capacity_rebalance=bool(group.get("CapacityRebalance", False)),
            target_cpu=(
                float(tracking["TargetTrackingConfiguration"]["TargetValue"]) if tracking else None
            ),
            warmup_s=warmup,
            warmup_from=warmup_from,
            instances_now=len(group.get("Instances", [])),
        )

    def simulation_arguments(self, prices: PriceBook | None = None) -> dict[str, Any]:
        """The keyword arguments of `simulate_auto_scaling` that mirror this group."""
        book = prices or load_prices()
        if self.target_cpu is None:
            raise ScalingInputError(
                f"{self.name} has no target tracking policy on {CPU_METRIC}.",
                hint="Add one with put_scaling_policy(PolicyType='TargetTrackingScaling', ...).",
            )
        instance_type = next((t for t in self.instance_types if t in book.ec2.on_demand), None)
        if instance_type is None:
            raise ScalingInputError(
                f"None of {', '.join(self.instance_types) or 'its instance types'} has a price "
                "in data/pricing.",
                hint=f"Use one of {', '.join(book.ec2.on_demand)} in the group's overrides.",
            )
        return {
            "min_size": self.min_size,
            "max_size": self.max_size,
            "target_cpu": self.target_cpu,
            "warmup_s": self.warmup_s,
            "instance_type": instance_type,
            "on_demand_base": self.on_demand_base,
            "spot_share_above_base": self.spot_share_above_base,
            "capacity_rebalance": self.capacity_rebalance,
            "initial_size": min(max(self.desired_capacity, self.min_size), self.max_size),
            "prices": book,
        }

    def simulate(
        self,
        traffic: Sequence[float],
        capacity_per_instance: float,
        *,
        prices: PriceBook | None = None,
        **changes: Any,
    ) -> ScalingResult:
        """Run the simulator with this group's settings; keyword `changes` override any of
        `simulate_auto_scaling`'s arguments (for example `spot_interruptions=[3600]`)."""
        arguments = self.simulation_arguments(prices)
        arguments.update(changes)
        return simulate_auto_scaling(traffic, capacity_per_instance, **arguments)

    def _rows(self) -> list[tuple[str, str, str]]:
        target = f"{self.target_cpu:g}% average CPU" if self.target_cpu is not None else "none"
        return [
            ("size", "MinSize / MaxSize / DesiredCapacity",
             f"{self.min_size} / {self.max_size} / {self.desired_capacity}"),
            ("instance types", "LaunchTemplate Overrides", ", ".join(self.instance_types)),
            ("On-Demand base", "OnDemandBaseCapacity", str(self.on_demand_base)),
            ("above the base", "OnDemandPercentageAboveBaseCapacity",
             f"{number(self.on_demand_percent_above_base)}% On-Demand, "
             f"{number(100 - self.on_demand_percent_above_base)}% Spot"),
            ("Spot strategy", "SpotAllocationStrategy", self.spot_allocation_strategy or "-"),
            ("replace at-risk Spot", "CapacityRebalance", str(self.capacity_rebalance)),
            ("target tracking", CPU_METRIC, target),
            ("warm-up", self.warmup_from, f"{number(self.warmup_s)} s"),
            ("instances now", "Instances", str(self.instances_now)),
        ]  # fmt: skip

    def _title(self) -> str:
        return f"Auto Scaling group {self.name}, as the API describes it"

    HEADERS = ("setting", "API field", "value")

    def _notes(self) -> list[str]:
        return ["simulate(traffic, capacity_per_instance) runs the model with these settings."]


def delete_scaling_group(group_name: str, launch_template_name: str | None = None) -> bool:
    """Delete the group (and its instances) and, if named, its launch template. False if the
    group did not exist."""
    autoscaling = clients.client("autoscaling")
    existed = bool(
        autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group_name])[
            "AutoScalingGroups"
        ]
    )
    if existed:
        # AWS deletes a group's policies with it; the local cloud keeps them, so delete first.
        policies = autoscaling.describe_policies(AutoScalingGroupName=group_name)
        for policy in policies["ScalingPolicies"]:
            autoscaling.delete_policy(
                AutoScalingGroupName=group_name, PolicyName=policy["PolicyName"]
            )
        autoscaling.delete_auto_scaling_group(AutoScalingGroupName=group_name, ForceDelete=True)
    if launch_template_name:
        ec2 = clients.client("ec2")
        with contextlib.suppress(ec2.exceptions.ClientError):
            ec2.delete_launch_template(LaunchTemplateName=launch_template_name)
    return existed


def _instance_types(group: dict[str, Any], mixed: dict[str, Any]) -> tuple[str, ...]:
    overrides = (mixed.get("LaunchTemplate") or {}).get("Overrides") or []
    types = [o["InstanceType"] for o in overrides if o.get("InstanceType")]
    if types:
        return tuple(types)
    specification = (mixed.get("LaunchTemplate") or {}).get(
        "LaunchTemplateSpecification"
    ) or group.get("LaunchTemplate")
    if specification:
        ec2 = clients.client("ec2")
        lookup = (
            {"LaunchTemplateId": specification["LaunchTemplateId"]}
            if specification.get("LaunchTemplateId")
            else {"LaunchTemplateName": specification["LaunchTemplateName"]}
        )
        versions = ec2.describe_launch_template_versions(**lookup, Versions=["$Latest"])
        for version in versions.get("LaunchTemplateVersions", []):
            kind = version.get("LaunchTemplateData", {}).get("InstanceType")
            if kind:
                return (kind,)
    return ()


def _warmup(group: dict[str, Any], tracking: dict[str, Any] | None) -> tuple[float, str]:
    """The policy's EstimatedInstanceWarmup, else the group's DefaultInstanceWarmup, else its
    DefaultCooldown: the order AWS documents (the Auto Scaling user guide's consolidated view of
    warm-up and cooldown settings)."""
    if tracking and tracking.get("EstimatedInstanceWarmup") is not None:
        return float(tracking["EstimatedInstanceWarmup"]), "EstimatedInstanceWarmup (policy)"
    if group.get("DefaultInstanceWarmup") is not None:
        return float(group["DefaultInstanceWarmup"]), "DefaultInstanceWarmup (group)"
    if group.get("DefaultCooldown") is not None:
        return float(group["DefaultCooldown"]), "DefaultCooldown (group)"
    return 0.0, "none set"
