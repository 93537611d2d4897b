"""Exercises of notebook 07 (deploy with SAM): least privilege for the notify elf, two ways.

Both answers go into a small template with Santa's topic and buckets and through the same
`least_privilege` rules as `workshop validate`. Then the checker works out the ARN each
permission really names (Ref, Fn::GetAtt and Fn::Sub resolved as CloudFormation would, in a
made-up stack), because a policy can pass the rules and still name a topic that does not exist.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from .. import constants as C
from ..deploy import ALLOWED_MANAGED_POLICIES, least_privilege
from ..errors import DeployError
from ._checks import check_fields, closest, python_value
from ._exercise import Exercise, Mistake

NOTEBOOK = "07_deploy_with_sam"
STACK = "workshop-santa"
TOPIC_NAME = f"{STACK}-Topic-1A2B3C4D5E6F"
TOPIC_ARN = f"arn:aws:sns:{C.OFFLINE_REGION}:{C.OFFLINE_ACCOUNT_ID}:{TOPIC_NAME}"
# Santa's resources a policy may name, as CloudFormation would name them in the made-up stack.
_RESOURCES: dict[str, dict[str, Any]] = {
    "Topic": {
        "Type": "AWS::SNS::Topic",
        "Ref": TOPIC_ARN,
        "TopicArn": TOPIC_ARN,
        "TopicName": TOPIC_NAME,
    },
    "InputBucket": {
        "Type": "AWS::S3::Bucket",
        "Ref": f"{STACK}-input-{C.OFFLINE_ACCOUNT_ID}-{C.OFFLINE_REGION}",
        "Arn": f"arn:aws:s3:::{STACK}-input-{C.OFFLINE_ACCOUNT_ID}-{C.OFFLINE_REGION}",
    },
    "OutputBucket": {
        "Type": "AWS::S3::Bucket",
        "Ref": f"{STACK}-outputbucket-9z8y7x6w5v4u",
        "Arn": f"arn:aws:s3:::{STACK}-outputbucket-9z8y7x6w5v4u",
    },
}
_PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": C.OFFLINE_REGION,
    "AWS::AccountId": C.OFFLINE_ACCOUNT_ID,
    "AWS::StackName": STACK,
}
STATEMENT_FIELDS = frozenset(
    {"Sid", "Effect", "Action", "Resource", "Condition", "NotAction", "NotResource", "Principal"}
)
PUBLISH = "sns:Publish"


# -- resolving references the way CloudFormation does -------------------------------------------


def _resolve(value: Any) -> str:
    """The text CloudFormation would put in place of `value` in the made-up stack."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":
            return _attribute(str(argument), "Ref")
        if function == "Fn::GetAtt":
            name, _, attribute = (
                (argument[0], None, argument[1])
                if isinstance(argument, list) and len(argument) == 2
                else str(argument).partition(".")
            )
            return _attribute(str(name), str(attribute))
        if function == "Fn::Sub" and isinstance(argument, str):
            argument = [argument, {}]
        if (
            function == "Fn::Sub"
            and isinstance(argument, list)
            and len(argument) == 2
            and isinstance(argument[0], str)
            and isinstance(argument[1], Mapping)
        ):
            text, variables = argument
            bound = {key: _resolve(inner) for key, inner in variables.items()}
            return re.sub(r"\$\{([^}]+)\}", lambda m: _substitute(m.group(1), bound), text)
    raise Mistake(
        f"{json.dumps(value)} is more than this exercise needs: name the topic with "
        '{"Ref": "Topic"}.'
    )


def _substitute(name: str, bound: Mapping[str, str]) -> str:
    if name in bound:
        return bound[name]
    if name in _PSEUDO:
        return _PSEUDO[name]
    resource, _, attribute = name.partition(".")
    return _attribute(resource, attribute or "Ref")


def _attribute(resource: str, attribute: str) -> str:
    if resource in _PSEUDO:
        return _PSEUDO[resource]
    known = _RESOURCES.get(resource)
    if known is None:
        guess = closest(resource, _RESOURCES)
        meant = f' Did you mean "{guess}"?' if guess else ""
        raise Mistake(
            f"Santa's template has no resource called \"{resource}\".{meant} The topic's "
            'logical id is "Topic".'
        )
    if attribute not in known:
        raise Mistake(f'a {known["Type"]} has no attribute "{attribute}" to refer to.')
    return known[attribute]


# -- what a statement allows --------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _template_with(statements: list[dict[str, Any]]) -> dict[str, Any]:
    resources: dict[str, Any] = {name: {"Type": r["Type"]} for name, r in _RESOURCES.items()}
    resources["NotifyFunctionRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "ManagedPolicyArns": sorted(ALLOWED_MANAGED_POLICIES),
            "Policies": [
                {
                    "PolicyName": "NotifyFunctionRolePolicy0",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }
    return {"Resources": resources}


def _check_least_privilege(template: dict[str, Any], statements: list[Mapping[str, Any]]) -> None:
    """`workshop validate`'s rules, each finding told in a beginner's words."""
    for statement in statements:  # first, a name that is not in the template at all
        for resource in _as_list(statement.get("Resource")):
            _resolve(resource)
    for finding in least_privilege(template):
        text = finding.message
        if text.startswith("attaches the broad managed policy"):
            name = text.removeprefix("attaches the broad managed policy ").rstrip(".")
            raise Mistake(
                f"{name.rpartition('/')[2]} is an AWS managed policy for every topic in the "
                "account, deleting them included. The notify elf only publishes to Santa's "
                "topic: use the policy template SNSPublishMessagePolicy."
            )
        if text.startswith("wildcard action"):
            action = text.removeprefix("wildcard action ").rstrip(".")
            raise Mistake(
                f"{action} allows every SNS action, deleting the topic and subscribing strangers "
                f'included. The notify elf only publishes: "{PUBLISH}".'
            )
        if text.endswith("on every resource."):
            raise Mistake(
                '"Resource": "*" means every topic in the account. Name Santa\'s topic only: '
                '{"Ref": "Topic"} (for a topic, Ref gives its ARN).'
            )
        if "is not this app's" in text:
            raise Mistake(
                "this names the topic by hand. A written-out name or ARN only fits one account, "
                "region and deploy; refer to the template's own topic instead: "
                '{"Ref": "Topic"} (for a topic, Ref gives its ARN).'
            )
        raise Mistake(f"`workshop validate` would refuse it: {text}")


def _check_grants(statements: list[Mapping[str, Any]]) -> None:
    """The statements allow sns:Publish on Santa's topic, and nothing else."""
    if any(statement.get("Effect") != "Allow" for statement in statements):
        raise Mistake('every statement here should give a permission: "Effect": "Allow".')
    actions = [str(a) for s in statements for a in _as_list(s.get("Action"))]
    if not any(action.lower() == PUBLISH.lower() for action in actions):
        raise Mistake(
            f"the notify elf publishes a message to the topic: the action it needs is "
            f'"{PUBLISH}", not {", ".join(actions) or "nothing"}.'
        )
    extra = sorted({a for a in actions if a.lower() != PUBLISH.lower()})
    if extra:
        raise Mistake(
            f"{', '.join(extra)}: more than the notify elf needs. It only publishes; allow "
            f'"{PUBLISH}" alone.'
        )
    for statement in statements:
        for resource in _as_list(statement.get("Resource")):
            arn = _resolve(resource)
            if arn == TOPIC_ARN:
                continue
            if arn == TOPIC_NAME:
                raise Mistake(
                    "Fn::GetAtt Topic.TopicName is the topic's name; a policy's Resource needs "
                    'its ARN: {"Ref": "Topic"} (for a topic, Ref gives the ARN).'
                )
            if arn.count("arn:") > 1:
                raise Mistake(
                    "the topic's ARN ended up where its name belongs, so the policy names "
                    f"{arn}, a topic that does not exist, and publishing would be denied. For a "
                    "topic, !Ref gives the ARN; SNSPublishMessagePolicy wants the name: "
                    "TopicName: !GetAtt Topic.TopicName. (The least-privilege rules cannot see "
                    "this: the policy does refer to the topic.)"
                )
            if arn.startswith("arn:aws:s3:::") or arn in {r["Ref"] for r in _RESOURCES.values()}:
                raise Mistake(f"{arn} is not the topic; the notify elf publishes to the topic.")
            raise Mistake(f"the permission names {arn}, which is not Santa's topic ({TOPIC_ARN}).")


# -- exercise 1: one IAM statement --------------------------------------------------------------

_STATEMENT = """my_statement = {
    "Effect": "Allow",
    "Action": "sns:Publish",
    "Resource": {"Ref": "Topic"},
}
"""


def _statement() -> dict[str, Any]:
    return {"Effect": "Allow", "Action": PUBLISH, "Resource": {"Ref": "Topic"}}


def _check_statement(answer: Any) -> str:
    if isinstance(answer, list):
        raise Mistake("one statement is enough here: a dictionary { ... }, not a list.")
    statement = python_value(answer, dict, "the statement")
    check_fields(statement, STATEMENT_FIELDS, "An IAM statement")
    if "Principal" in statement:
        raise Mistake(
            "a policy attached to a role has no Principal: the role is the principal. "
            "(Principal belongs in resource policies, such as a bucket's.)"
        )
    if "NotAction" in statement or "NotResource" in statement:
        raise Mistake(
            "NotAction and NotResource allow everything *except* what they list: the opposite "
            'of least privilege. Use "Action" and "Resource".'
        )
    effect = statement.get("Effect")
    if effect == "Deny":
        raise Mistake('"Deny" forbids; this statement should give a permission: "Allow".')
    if effect != "Allow":
        raise Mistake(f'"Effect" must be exactly "Allow" (capital A), not {effect!r}.')
    for field in ("Action", "Resource"):
        values = _as_list(statement.get(field))
        if field not in statement or not values:
            raise Mistake(f'the statement needs "{field}".')
        if field == "Action" and not all(isinstance(v, str) for v in values):
            raise Mistake('"Action" is a text such as "sns:Publish", or a list of them.')
    _check_least_privilege(_template_with([statement]), [statement])
    _check_grants([statement])
    return (
        "publish to Santa's topic, and nothing else: the same permission SAM's "
        "SNSPublishMessagePolicy generates."
    )


notify_statement = Exercise(
    key="notify_statement",
    notebook=NOTEBOOK,
    title="Least privilege: the notify elf's permission",
    checker=_check_statement,
    hints=[
        'A statement has three parts: "Effect" (allow or deny), "Action" (what may be done) '
        'and "Resource" (to what).',
        'Publishing to a topic is the action "sns:Publish". Only that one: no "sns:*".',
        'Name the topic from the template, never by hand: {"Ref": "Topic"}. For an SNS topic, '
        "Ref gives its ARN.",
    ],
    solution_code=_STATEMENT,
    solution_value=_statement,
    known_wrong=[
        ({**_statement(), "Action": "sns:*"}, "allows every SNS action"),
        ({**_statement(), "Resource": "*"}, "every topic in the account"),
        (
            {**_statement(), "Resource": f"arn:aws:sns:us-east-1:111122223333:{TOPIC_NAME}"},
            "by hand",
        ),
        ({**_statement(), "Resource": {"Fn::GetAtt": ["Topic", "TopicName"]}}, "needs its ARN"),
        ({**_statement(), "Resource": {"Ref": "SantaTopic"}}, 'logical id is "Topic"'),
        ({**_statement(), "Resource": {"Ref": "OutputBucket"}}, "is not the topic"),
        ({**_statement(), "Action": "sns:Subscribe"}, "the action it needs"),
        ({**_statement(), "Action": [PUBLISH, "sns:DeleteTopic"]}, "more than the notify elf"),
        ({**_statement(), "Effect": "allow"}, "capital A"),
        ({**_statement(), "Effect": "Deny"}, "forbids"),
        ({**_statement(), "Principal": {"Service": "lambda.amazonaws.com"}}, "no Principal"),
        ({k: v for k, v in _statement().items() if k != "Resource"}, 'needs "Resource"'),
        ({"effect": "Allow", "Action": PUBLISH, "Resource": {"Ref": "Topic"}}, '"Effect"'),
        ([_statement()], "not a list"),
    ],
)


# -- exercise 2: the SAM way, a policy template -------------------------------------------------

_POLICIES = '''my_policies = """
- SNSPublishMessagePolicy:
    TopicName: !GetAtt Topic.TopicName
"""
'''


def _policies() -> str:
    return "- SNSPublishMessagePolicy:\n    TopicName: !GetAtt Topic.TopicName\n"


@cache
def _policy_template_names() -> tuple[str, ...]:
    from samtranslator import policy_templates_data

    with open(policy_templates_data.POLICY_TEMPLATES_FILE, encoding="utf-8") as file:
        return tuple(json.load(file)["Templates"])


def _parse_policies(answer: Any) -> list[Any]:
    if isinstance(answer, str):
        from samtranslator.yaml_helper import yaml_parse

        try:
            answer = yaml_parse(answer)
        except Exception as error:  # the YAML parser says where
            raise Mistake(f"YAML cannot read this: {error}") from None
    if isinstance(answer, Mapping):
        raise Mistake(
            "Policies is a list, even with one entry: start the entry with a dash, "
            "- SNSPublishMessagePolicy: ..."
        )
    if not isinstance(answer, list) or not answer:
        raise Mistake(
            "write the Policies section as YAML text: a list with one entry, such as\n"
            "- SomePolicyTemplate:\n    SomeParameter: value"
        )
    for entry in answer:
        if isinstance(entry, Mapping):
            for name in entry:
                if name != "Statement" and name not in _policy_template_names():
                    guess = closest(str(name), _policy_template_names())
                    meant = f' Did you mean "{guess}"?' if guess else ""
                    raise Mistake(
                        f'SAM has no policy template called "{name}".{meant} The one for '
                        "publishing to a topic is SNSPublishMessagePolicy."
                    )
    return answer


def _sam_template(policies: list[Any]) -> dict[str, Any]:
    resources: dict[str, Any] = {name: {"Type": r["Type"]} for name, r in _RESOURCES.items()}
    resources["NotifyFunction"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": {"Bucket": "workshop-artifacts", "Key": "santa/notify.zip"},
            "Handler": "app.lambda_handler",
            "Runtime": "python3.12",
            "Environment": {"Variables": {"TOPIC_ARN": {"Ref": "Topic"}}},
            "Policies": policies,
        },
    }
    return {"Transform": "AWS::Serverless-2016-10-31", "Resources": resources}


def _check_policies(answer: Any) -> str:
    from ..templates import translate

    policies = _parse_policies(answer)
    try:
        template = translate(_sam_template(policies), region=C.OFFLINE_REGION)
    except (TypeError, ValueError, KeyError, AttributeError) as error:  # beyond SAM's own checks
        raise Mistake(f"SAM cannot make sense of this section ({error}).") from None
    except DeployError as error:
        text = str(error).split("\n  What to do")[0]
        if "don't have values" in text:
            raise Mistake(
                "a policy template needs its parameters, indented under it: "
                "SNSPublishMessagePolicy needs TopicName."
            ) from None
        raise Mistake(f"SAM cannot translate it. {text}") from None
    role = template["Resources"]["NotifyFunctionRole"]["Properties"]
    for name in role.get("ManagedPolicyArns", []):
        if isinstance(name, str) and not name.startswith("arn:"):
            raise Mistake(
                f'SAM read "{name}" alone as the name of an AWS managed policy, and there is '
                "none by that name. A policy template needs its parameters, indented under it:\n"
                f"- {name}:\n    TopicName: ..."
            )
    statements = []
    for policy in role.get("Policies", []):
        # IAM also takes a single statement without a list; the rules below expect a list.
        document = policy["PolicyDocument"]
        document["Statement"] = _as_list(document.get("Statement"))
        statements += document["Statement"]
    if not all(isinstance(statement, Mapping) for statement in statements):
        raise Mistake("each statement is a mapping with Effect, Action and Resource.")
    _check_least_privilege(template, statements)
    _check_grants(statements)
    return (
        "SAM turns your entry into a statement allowing sns:Publish on exactly Santa's topic: "
        "least privilege in two lines of YAML."
    )


notify_policies = Exercise(
    key="notify_policies",
    notebook=NOTEBOOK,
    title="The same permission with a SAM policy template",
    checker=_check_policies,
    hints=[
        "Policies is a YAML list: each entry starts with a dash. A policy template entry is "
        "its name, a colon, and its parameters indented below.",
        "The policy template for publishing to a topic is SNSPublishMessagePolicy, and its "
        "one parameter is TopicName.",
        "TopicName wants the topic's *name*. For a topic, !Ref gives the ARN, so use "
        "!GetAtt Topic.TopicName.",
    ],
    solution_code=_POLICIES,
    solution_value=_policies,
    known_wrong=[
        ("- SNSPublishMessagePolicy:\n    TopicName: !Ref Topic\n", "ARN ended up where"),
        ("- AmazonSNSFullAccess\n", "AWS managed policy for every topic"),
        ("- SNSCrudPolicy:\n    TopicName: !GetAtt Topic.TopicName\n", "more than the notify"),
        ("- SNSPublishMessagePolicy\n", "needs its parameters"),
        ("- SNSPublishMessagePolicy: {}\n", "needs its parameters"),
        ("- SNSPublishMessagePolicy:\n    TopicName: santa-news\n", "by hand"),
        ("- SNSPublishPolicy:\n    TopicName: !GetAtt Topic.TopicName\n", "SNSPublishMessage"),
        ("SNSPublishMessagePolicy:\n  TopicName: !GetAtt Topic.TopicName\n", "dash"),
        (
            "- Statement:\n    - Effect: Allow\n      Action: 'sns:*'\n      Resource: '*'\n",
            "allows every SNS action",
        ),
        ("- SNSPublishMessagePolicy:\n  TopicName: [\n", "YAML cannot read"),
    ],
)
