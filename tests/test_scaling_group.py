"""A real Auto Scaling group (launch template, Spot above an On-Demand base, CPU target
tracking), read back from the API and mirrored into the simulator."""

from __future__ import annotations

import uuid

import pytest

from workshop_lib import clients
from workshop_lib.scaling import (
    GroupSettings,
    ScalingInputError,
    delete_scaling_group,
    simulate_auto_scaling,
    traffic_with_spike,
)

AMAZON_LINUX = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"


@pytest.fixture
def group(local_cloud):
    suffix = uuid.uuid4().hex[:6]
    ec2 = clients.client("ec2")
    autoscaling = clients.client("autoscaling")
    template = f"web-{suffix}"
    image = clients.client("ssm").get_parameter(Name=AMAZON_LINUX)["Parameter"]["Value"]
    ec2.create_launch_template(
        LaunchTemplateName=template,
        LaunchTemplateData={"ImageId": image, "InstanceType": "m5.large"},
    )
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    name = f"web-{suffix}"
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        MinSize=2,
        MaxSize=12,
        DesiredCapacity=2,
        VPCZoneIdentifier=subnet,
        CapacityRebalance=True,
        MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {
                    "LaunchTemplateName": template,
                    "Version": "$Latest",
                },
                "Overrides": [{"InstanceType": "c5.large"}, {"InstanceType": "m5.large"}],
            },
            "InstancesDistribution": {
                "OnDemandBaseCapacity": 2,
                "OnDemandPercentageAboveBaseCapacity": 25,
                "SpotAllocationStrategy": "price-capacity-optimized",
            },
        },
    )
    autoscaling.put_scaling_policy(
        AutoScalingGroupName=name,
        PolicyName=f"{name}-cpu",
        PolicyType="TargetTrackingScaling",
        EstimatedInstanceWarmup=180,
        TargetTrackingConfiguration={
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
            "TargetValue": 70.0,
        },
    )
    yield name, template
    delete_scaling_group(name, template)


def test_the_settings_are_read_back_from_the_api(group):
    name, _ = group
    settings = GroupSettings.from_aws(name)
    assert (settings.min_size, settings.max_size, settings.desired_capacity) == (2, 12, 2)
    assert settings.instance_types == ("c5.large", "m5.large")
    assert settings.on_demand_base == 2
    assert settings.spot_share_above_base == pytest.approx(0.75)
    assert settings.target_cpu == 70.0
    assert (settings.warmup_s, settings.warmup_from) == (180, "EstimatedInstanceWarmup (policy)")
    assert settings.capacity_rebalance
    assert settings.instances_now == 2
    assert "OnDemandPercentageAboveBaseCapacity" in settings._repr_html_()


def test_the_simulation_mirrors_the_group(group):
    name, _ = group
    settings = GroupSettings.from_aws(name)
    traffic = traffic_with_spike(100, 400, steps=90, spike_start=20)
    mirrored = settings.simulate(traffic, capacity_per_instance=50, spot_interruptions=[2400])
    direct = simulate_auto_scaling(
        traffic,
        50,
        min_size=2,
        max_size=12,
        target_cpu=70.0,
        warmup_s=180,
        instance_type="c5.large",
        on_demand_base=2,
        spot_share_above_base=0.75,
        initial_size=2,
        spot_interruptions=[2400],
        capacity_rebalance=True,  # the group's CapacityRebalance
    )
    assert mirrored.capacity_rebalance
    assert mirrored.series("desired") == direct.series("desired")
    assert mirrored.total_cost == pytest.approx(direct.total_cost)
    assert all(2 <= d <= 12 for d in mirrored.series("desired"))
    assert all(step.on_demand >= 2 for step in mirrored.steps if step.warming == 0)


def test_deleting_removes_the_group_its_policies_and_the_template(group):
    name, template = group
    assert delete_scaling_group(name, template)
    autoscaling = clients.client("autoscaling")
    assert not autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"
    ]
    assert not autoscaling.describe_policies(AutoScalingGroupName=name)["ScalingPolicies"]
    assert not delete_scaling_group(name)
    with pytest.raises(ScalingInputError, match="no Auto Scaling group"):
        GroupSettings.from_aws(name)


def test_a_group_without_a_cpu_policy_cannot_be_mirrored(group):
    name, _ = group
    autoscaling = clients.client("autoscaling")
    autoscaling.delete_policy(AutoScalingGroupName=name, PolicyName=f"{name}-cpu")
    settings = GroupSettings.from_aws(name)
    assert settings.target_cpu is None
    with pytest.raises(ScalingInputError, match="target tracking"):
        settings.simulate([100.0], capacity_per_instance=50)
