"""Canaries for the moto gaps the local cloud fills (workshop_lib/cloud/_patches.py).

Each test asserts that plain moto still has the gap, or still has the internals our patch
hooks into. When one fails after a moto upgrade, upstream changed: check the patch, and drop it
if moto now does the right thing itself.
"""

from __future__ import annotations

import inspect
import json
import time

import boto3
import pytest
from conftest import zip_source
from moto import mock_aws

SFN_CONFIG = {"stepfunctions": {"execute_state_machine": True}}


@pytest.fixture
def aws_env(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_gap_1_moto_cannot_run_lambda_code_without_docker(aws_env):
    with mock_aws(config={"lambda": {"use_docker": False}}):
        iam = boto3.client("iam")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam = boto3.client("lambda")
        lam.create_function(
            FunctionName="f",
            Runtime="python3.12",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": zip_source({"app.py": "def handler(e, c):\n    return 'real'\n"})},
        )
        payload = lam.invoke(FunctionName="f", Payload=b"{}")["Payload"].read()
    assert payload != b'"real"'
    from moto.awslambda.models import LambdaFunction

    assert "invoke" in vars(LambdaFunction)  # the method our runtime replaces


def test_gap_2_s3_events_lack_sequencer_and_invoke_synchronously():
    from moto.s3 import notifications

    source = inspect.getsource(notifications._get_s3_event)
    assert "sequencer" not in source and "versionId" not in source
    assert "func.invoke(" in inspect.getsource(notifications._invoke_awslambda)


def test_gap_3_unnamed_executions_are_all_named_none(aws_env):
    with mock_aws(config=SFN_CONFIG):
        sfn = boto3.client("stepfunctions")
        arn = sfn.create_state_machine(
            name="m",
            roleArn="arn:aws:iam::123456789012:role/r",
            definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        )["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert execution.endswith(":None")


def test_gap_4_retry_and_wait_sleep_in_real_time():
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

    assert "time.sleep(interval_seconds)" in inspect.getsource(retrier_decl)
    assert "program_state_event.wait(wait_seconds)" in inspect.getsource(
        wait_function.WaitFunction._wait_interval
    )


def test_gap_5_errors_without_error_type_are_named_exception():
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_lambda,
    )

    source = inspect.getsource(state_task_service_lambda.StateTaskServiceLambda._from_error)
    assert 'error = "Exception"' in source
    assert "Lambda.Unknown" not in source


def test_gap_6_interpreter_builds_a_client_per_call_over_http():
    from moto.stepfunctions.parser.asl.utils import boto_client

    source = inspect.getsource(boto_client.boto_client_for)
    assert "boto3.client(" in source and "localhost" in source


def test_gap_7_dispatcher_lists_the_package_directory_per_request():
    from moto import backends
    from moto.moto_server import werkzeug_app

    assert "os.listdir" in inspect.getsource(backends.list_of_moto_modules)
    assert "backends.list_of_moto_modules()" in inspect.getsource(
        werkzeug_app.DomainDispatcherApplication.get_backend_for_host
    )


def test_gap_8_cloudformation_state_machines_ignore_substitutions():
    from moto.stepfunctions.models import StateMachine

    source = inspect.getsource(StateMachine.create_from_cloudformation_json)
    assert "DefinitionSubstitutions" not in source
    assert "stepfunctions_backends[" in source  # not the backend that executes


def test_gap_9_cloudformation_buckets_ignore_notifications_and_versioning():
    from moto.s3.models import FakeBucket

    source = inspect.getsource(FakeBucket.create_from_cloudformation_json)
    assert "NotificationConfiguration" not in source
    assert "VersioningConfiguration" not in source


def test_gap_10_execution_logging_session_is_never_created():
    from moto.stepfunctions.parser import models

    assert "cloud_watch_logging_session=None" in inspect.getsource(
        models.StepFunctionsParserBackend.start_execution
    )


def test_gap_11_no_start_sync_execution():
    from moto.stepfunctions.responses import StepFunctionResponse

    assert "start_sync_execution" not in vars(StepFunctionResponse)


def test_gap_12_no_lambda_or_step_functions_metrics():
    from moto.awslambda import models as lambda_models
    from moto.stepfunctions.parser.backend import execution

    assert "put_metric_data" not in inspect.getsource(lambda_models)
    assert "put_metric_data" not in inspect.getsource(execution)


def test_gap_13_failed_resources_leave_stacks_in_progress():
    from moto.cloudformation.models import Stack

    source = inspect.getsource(Stack.create_resources)
    assert "ROLLBACK" not in source and "except" not in source


def test_gap_14_a_choice_on_a_missing_field_is_quietly_false(aws_env):
    definition = {
        "StartAt": "Nice?",
        "States": {
            "Nice?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.nice", "BooleanEquals": True, "Next": "Gift"}],
                "Default": "Coal",
            },
            "Gift": {"Type": "Succeed"},
            "Coal": {"Type": "Succeed"},
        },
    }
    with mock_aws(config=SFN_CONFIG):
        sfn = boto3.client("stepfunctions")
        arn = sfn.create_state_machine(
            name="m", roleArn="arn:aws:iam::123456789012:role/r", definition=json.dumps(definition)
        )["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
        for _ in range(100):
            status = sfn.describe_execution(executionArn=execution)["status"]
            if status != "RUNNING":
                break
            time.sleep(0.05)
    assert status == "SUCCEEDED"  # AWS: FAILED with States.Runtime


def test_gap_15_a_definite_path_through_an_index_gives_a_one_item_list():
    from moto.stepfunctions.parser.asl.utils.json_path import extract_json

    assert extract_json("$[0].field", [{"field": 1}, {"field": 2}]) == [1]  # AWS: 1


def test_gap_16_jsonata_needs_an_absent_java_bridge_and_variables_are_pasted_as_text():
    from moto.stepfunctions.parser.asl.component.common.string import string_expression
    from moto.stepfunctions.parser.asl.eval.variable_store import VariableStore
    from moto.stepfunctions.parser.asl.jsonata import jsonata
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    with pytest.raises(TypeError):  # AWS: 2 (moto: 'NoneType' object is not callable)
        jsonata.eval_jsonata_expression("1 + 1")
    # The hooks our patch replaces (workshop_lib/cloud/_query_language.py).
    for cls in (string_expression.StringJSONata, string_expression.StringVariableSample):
        assert "eval_jsonata_expression" in inspect.getsource(cls._eval_body)
    store = VariableStore()
    store.set("quote", 'say "hi"')
    assert store.get_assigned_variables() == {"quote": '"say "hi""'}  # AWS: valid JSON text
    assert "json.loads" not in inspect.getsource(Preprocessor._inner_string_of)  # keeps \u00e9


# -- 17. Orchestration patterns (_orchestration.py) --------------------------------------------


def test_gap_17_service_tasks_pass_parameters_and_results_unmapped():
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service,
        state_task_service_aws_sdk,
    )

    base = state_task_service.StateTaskService
    for method in (base._normalise_parameters, base._normalise_response):
        assert inspect.getsource(method).rstrip().endswith("pass")
    # The helpers our mapping calls are still there.
    assert callable(base._to_boto_request) and callable(base._from_boto_response)
    assert "s3" not in state_task_service_aws_sdk._SERVICE_ERROR_NAMES
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sns,
    )

    assert "SdkHttpMetadata" not in inspect.getsource(state_task_service_sns)


def test_gap_17_callbacks_name_every_timeout_states_timeout_and_drop_the_failure_cause():
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task
    from moto.stepfunctions.parser.asl.eval import states
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    from moto.stepfunctions.responses import StepFunctionResponse

    assert "HeartbeatTimeout" not in inspect.getsource(state_task.StateTask._from_error)
    assert "cause" not in inspect.getsource(StepFunctionResponse.send_task_failure)
    assert "long_uid()" in inspect.getsource(states.ContextObject.update_task_token)
    heartbeat = inspect.getsource(StepFunctionsParserBackend.send_task_heartbeat)
    assert "raise InvalidToken()" in heartbeat  # also for a task without HeartbeatSeconds


def test_gap_17_timeouts_wait_in_real_time():
    from moto.stepfunctions.parser.asl.component.state.exec import execute_state
    from moto.stepfunctions.parser.asl.eval.callback import callback

    assert "terminated_event.wait(timeout_seconds)" in inspect.getsource(execute_state)
    from moto.stepfunctions.parser.asl.component.program import program

    assert "worker_thread.join(timeout=timeout)" in inspect.getsource(program.Program.eval)
    # The spec's 60 s default, not AWS's 99999999 s, when only HeartbeatSeconds is set.
    assert "TimeoutSeconds(timeout_seconds=60, is_default=True)" in inspect.getsource(
        execute_state.ExecutionState.from_state_props
    )
    assert "wait(timeout=self._heartbeat_seconds)" in inspect.getsource(callback.HeartbeatEndpoint)


def test_gap_16_test_state_has_no_route_and_knows_no_mocks():
    import inspect as _inspect

    from moto.stepfunctions.parser.backend.test_state import execution, execution_worker
    from moto.stepfunctions.responses import StepFunctionResponse

    assert not hasattr(StepFunctionResponse, "test_state")  # AWS: TestState answers
    # The pieces our TestState builds on (workshop_lib/cloud/_test_state.py).
    assert "mock" not in _inspect.getsource(execution.TestStateExecution.__init__)
    assert hasattr(execution_worker.TestStateExecutionWorker, "_get_evaluation_environment")
    assert hasattr(execution.TestStateExecution, "TestCaseExecutionWorkerCommunication")


def test_gap_17_no_redrive_execution():
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    from moto.stepfunctions.responses import StepFunctionResponse

    assert not hasattr(StepFunctionsParserBackend, "redrive_execution")
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor.map_run_record import (  # noqa: E501
        MapRunRecord,
    )

    assert "redrive" not in inspect.getsource(MapRunRecord.describe)
    assert not hasattr(StepFunctionResponse, "redrive_execution")
    assert "redrive" not in inspect.getsource(StepFunctionResponse.describe_execution)
    # What the redrive patch hooks: each state's evaluation and the worker's run.
    from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    assert "_set_next(env)" in inspect.getsource(CommonStateField._eval_body)
    assert "_get_evaluation_environment()" in inspect.getsource(ExecutionWorker._execution_logic)


# -- 18. what `sam deploy` needs from CloudFormation (workshop_lib/cloud/_sam_deploys.py) --------

_TOPIC_TEMPLATE = {
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
    "Outputs": {"TopicArn": {"Value": {"Ref": "Topic"}}},
}


def test_gap_18a_the_sam_transform_is_ignored():
    from moto.cloudformation import models

    for method in (models.Stack._parse_template, models.ChangeSet._parse_template):
        assert "Transform" not in inspect.getsource(method)
    assert "Transform" not in inspect.getsource(models.CloudFormationBackend.create_change_set)


def test_gap_18b_an_executed_change_set_leaves_the_stack_without_outputs(aws_env):
    with mock_aws():
        cfn = boto3.client("cloudformation")
        cfn.create_change_set(
            StackName="s",
            ChangeSetName="c",
            ChangeSetType="CREATE",
            TemplateBody=json.dumps(_TOPIC_TEMPLATE),
        )
        cfn.execute_change_set(StackName="s", ChangeSetName="c")
        stack = cfn.describe_stacks(StackName="s")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert "Outputs" not in stack


def test_gap_18c_a_failing_change_set_is_not_rolled_back():
    from moto.cloudformation import models

    source = inspect.getsource(models.CloudFormationBackend.execute_change_set)
    assert "ROLLBACK" not in source and "except" not in source


def test_gap_18d_state_machines_ignore_definition_s3_location():
    from moto.stepfunctions.models import StateMachine

    source = inspect.getsource(StateMachine.create_from_cloudformation_json)
    assert "DefinitionS3Location" not in source


def test_gap_18e_a_template_url_on_a_loopback_address_names_the_wrong_bucket(aws_env):
    from moto.cloudformation.utils import get_stack_from_s3_url

    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="artifacts")
        boto3.client("s3").put_object(Bucket="artifacts", Key="t.template", Body=b"{}")
        with pytest.raises(Exception, match="bucket"):
            get_stack_from_s3_url(
                "http://127.0.0.1:4747/artifacts/t.template",
                account_id="123456789012",
                partition="aws",
            )


def test_gap_18f_a_rest_api_needs_a_name_even_with_a_body():
    from moto.apigateway.models import RestAPI

    body = {"swagger": "2.0", "info": {"title": "api"}, "paths": {}}
    with pytest.raises(KeyError, match="Name"):
        RestAPI.create_from_cloudformation_json(
            "Api", {"Properties": {"Body": body}}, "123456789012", "us-east-1"
        )


def test_gap_16_results_differ_from_aws():
    from moto.stepfunctions.parser.asl.component.state import state
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.responses import StepFunctionResponse

    source = inspect.getsource(lambda_eval_utils)
    assert "SdkHttpMetadata" not in source  # AWS: lambda:invoke answers with it
    assert 'separators=(",", ":")' in source  # AWS: the error JSON keeps the runtime's spaces
    assert ".isoformat()" in inspect.getsource(state.CommonStateField._eval_body)  # AWS: ...Z
    assert "isinstance(execution.output, str)" in inspect.getsource(
        StepFunctionResponse.describe_execution
    )  # AWS: a string output is JSON text


def test_gap_16_the_parsers_query_language_scopes_are_shared_by_every_parse():
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    # A class-level list: a definition that fails inside a JSONata scope poisons later parses.
    assert isinstance(vars(Preprocessor).get("_query_language_per_scope"), list)
    assert "__init__" not in vars(Preprocessor)


def test_gap_17_distributed_map_lacks_batcher_thresholds_and_result_files():
    from moto.stepfunctions.parser.asl.antlr.runtime.ASLLexer import ASLLexer
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.reader_config.input_type import (  # noqa: E501
        InputTypeValue,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (  # noqa: E501
        distributed_item_processor_worker as worker,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval import (  # noqa: E501
        resource_eval_s3,
    )
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    assert not any("BATCHER" in name.upper() for name in ASLLexer.symbolicNames)
    assert "JSONL" not in {member.value for member in InputTypeValue}
    assert "ERRORNAMEStatesExceedToleratedFailureThreshold" in ASLLexer.symbolicNames
    assert "STANDARD" in ASLLexer.symbolicNames and "EXPRESS" not in ASLLexer.symbolicNames
    for field in ("CSVDELIMITER", "WRITERCONFIG", "TRANSFORMATION"):
        assert field not in ASLLexer.symbolicNames
    assert "float(ctx.NUMBER().getText())" in inspect.getsource(
        Preprocessor.visitTolerated_failure_percentage_number
    )
    # Failed children are counted but never compared with a tolerated threshold.
    assert "ExceedToleratedFailureThreshold" not in inspect.getsource(worker)
    assert '"SUCCEEDED": []' in inspect.getsource(
        resource_eval_s3.ResourceEvalS3._handle_put_object
    )


def test_gap_16_assign_is_set_before_output_is_evaluated():
    from moto.stepfunctions.parser.asl.component.common.assign.assign_decl import AssignDecl

    # moto sets the variables at once, so the same state's Output reads the new values
    # (AWS: Assign and Output both see the values from when the state was entered).
    assert "variable_store.set" in inspect.getsource(AssignDecl._eval_body)


def test_gap_16_inner_failures_choice_variables_and_context_retry_count():
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
        CustomErrorName,
    )
    from moto.stepfunctions.parser.asl.component.state import state
    from moto.stepfunctions.parser.asl.component.state.choice.comparison import comparison_func

    with pytest.raises(ValueError):  # a Map's States.Runtime became this ValueError
        CustomErrorName("States.Runtime")
    sample = comparison_func.ComparisonFuncStringVariableSample._eval_body
    assert "del env.stack[-2]" in inspect.getsource(sample)  # the swapped operands
    entered = inspect.getsource(state.CommonStateField._eval_body)
    assert "RetryCount" not in entered  # AWS: every state's context has RetryCount


def test_gap_16_a_wait_beyond_the_longest_execution_waits():
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )

    # moto waits whatever the delay (AWS: the execution times out at its longest duration).
    assert "set_timed_out" not in inspect.getsource(WaitFunction)


def test_gap_16_test_state_parses_every_nested_state_as_the_tested_one():
    from moto.stepfunctions.parser.asl.parse.test_state.preprocessor import (
        TestStatePreprocessor,
    )

    # Every state_decl_body becomes a TestStateProgram, so a Map or Parallel cannot parse.
    source = inspect.getsource(TestStatePreprocessor.visitState_decl_body)
    assert "return TestStateProgram(state_field)" in source and "depth" not in source


def test_gap_16_jsonata_fields_of_the_wrong_type_are_not_query_evaluation_errors():
    from moto.stepfunctions.parser.asl.component.state.choice.comparison import comparison
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import seconds

    assert "raise RuntimeError" in inspect.getsource(comparison.ConditionStringJSONata)
    assert "int(env.stack.pop())" in inspect.getsource(seconds.SecondsJSONata)


def test_gap_18g_to_i_sam_resource_types_have_no_cloudformation_model():
    from moto.cloudformation import parsing

    models = parsing.get_model_map()
    for kind in (
        "AWS::Lambda::Alias",
        "AWS::Lambda::Url",
        "AWS::ApiGatewayV2::Api",
        "AWS::ApiGatewayV2::Stage",
    ):
        assert kind not in models, kind
    # moto's Version has no Ref (physical id) and no Version attribute.
    version = models["AWS::Lambda::Version"]
    assert "physical_resource_id" not in vars(version)
    assert "get_cfn_attribute" not in vars(version)


def test_gap_16_a_tasks_missing_path_is_its_own_failure_named_at_the_latest_event():
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState

    # The cause's "(entered at the event id #N)" is the latest event, not the StateEntered one.
    assert "event_history_context.source_event_id" in inspect.getsource(FailureEvent.__init__)
    # A ResultSelector path that matches nothing goes through Retry/Catch as a task failure.
    assert "NoSuchJsonPathError" not in inspect.getsource(ExecutionState)


def test_gap_16_states_all_catches_terminal_errors():
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import (
        ErrorEqualsDecl,
    )

    # AWS: a retry or catch on States.ALL does not catch States.Runtime.
    source = inspect.getsource(ErrorEqualsDecl._eval_body)
    assert "_STATE_ALL_ERROR in self.error_names" in source and "Runtime" not in source


def _queue_template(timeout_default: str) -> str:
    return json.dumps(
        {
            "Parameters": {"Timeout": {"Type": "Number", "Default": timeout_default}},
            "Resources": {
                "Queue": {
                    "Type": "AWS::SQS::Queue",
                    "Properties": {"QueueName": "gap19", "VisibilityTimeout": {"Ref": "Timeout"}},
                }
            },
        }
    )


def test_gap_19_a_new_parameter_default_leaves_resources_unchanged(aws_env):
    with mock_aws():
        cfn, sqs = boto3.client("cloudformation"), boto3.client("sqs")
        cfn.create_stack(StackName="gap19", TemplateBody=_queue_template("30"))
        cfn.update_stack(StackName="gap19", TemplateBody=_queue_template("60"))
        url = sqs.get_queue_url(QueueName="gap19")["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
        assert attributes["Attributes"]["VisibilityTimeout"] == "30"  # AWS: 60
