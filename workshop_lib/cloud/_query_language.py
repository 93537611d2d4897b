"""JSONata states and variables in moto's Step Functions interpreter, as AWS runs them.

Patch 16 (see `_patches.py`). moto evaluates JSONata through a Java bridge that is absent
(`'NoneType' object is not callable`) and pastes variables into the expression's text. Here:

* every `{% ... %}` expression, and every `$variable` a JSONPath field samples, is evaluated
  in process by `workshop_lib.asl` with `$states` and the variables bound as values;
* a failing expression fails the state with `States.QueryEvaluationError` (an
  `EvaluationFailed` event, then the state's failure), with AWS's cause naming the field;
* the field under evaluation is tracked (`Output/v`, `Choices[0]/Condition`, `Assign/x`)
  so the cause can name it as AWS does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .. import asl
from ._sfn_results import state_failure

_SEGMENT_ATTRIBUTE = "_workshop_field"


def install() -> None:
    """Patch moto's interpreter (runs once moto.stepfunctions.parser.models is imported)."""
    _evaluate_jsonata_in_process()
    _assign_when_the_state_exits()
    _typed_jsonata_fields()
    _track_fields()  # after the patches above: it wraps the bodies they set
    _assigned_variables_as_json()
    _string_literals_as_json()
    _query_language_scopes_per_parse()
    _choice_rules_compare_with_variables()


def bindings(env: Any, with_states: bool = True) -> dict[str, Any]:
    """The values an expression sees: the variables in scope, and `$states`."""
    store = env.variable_store
    values = dict(store._outer_scope)
    values.update(store._inner_scope)
    if with_states:
        values["states"] = env.states._states_data
    return values


def query_evaluation_error(env: Any, cause: str) -> Exception:
    """The failure AWS raises for an expression: an EvaluationFailed event, then the state's
    failure with `States.QueryEvaluationError` (the state prefix is added by moto)."""
    from moto.stepfunctions.parser.api import EvaluationFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    error_name = StatesErrorName(typ=StatesErrorNameType.StatesQueryEvaluationError)
    details = EvaluationFailedEventDetails(error=error_name.error_name, cause=cause)
    location = asl.field_path()
    if location:
        details["location"] = location
    failure = FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=error_name,
            event_type=HistoryEventType.EvaluationFailed,
            event_details=EventDetails(evaluationFailedEventDetails=details),
        )
    )
    env.event_manager.add_event(
        context=env.event_history_context,
        event_type=HistoryEventType.EvaluationFailed,
        event_details=EventDetails(
            evaluationFailedEventDetails=failure.get_evaluation_failed_event_details()
        ),
    )
    return failure


def _evaluate_jsonata_in_process() -> None:
    from moto.stepfunctions.parser.asl.component.common.string import string_expression

    def jsonata_eval_body(self: Any, env: Any) -> None:
        try:
            result = asl.evaluate_field(self.expression, bindings(env))
        except asl.QueryEvaluationFailed as failed:
            raise query_evaluation_error(env, failed.cause) from None
        env.stack.append(result)

    def variable_sample_eval_body(self: Any, env: Any) -> None:
        # A JSONPath field reading a variable ("name.$": "$customer.name"). On AWS a
        # missing field of a variable reads as null here, as moto's Java bridge answered.
        jsonata = (
            self.query_language_mode == string_expression.QueryLanguageMode.JSONata  # states too
        )
        try:
            result = asl.evaluate(self.expression, bindings(env, with_states=jsonata))
        except Exception as error:
            raise query_evaluation_error(
                env,
                f"The expression '{self.expression}' threw an error during evaluation. "
                f"{asl.error_text(error)}",
            ) from None
        env.stack.append(None if result is asl.UNDEFINED else result)

    string_expression.StringJSONata._eval_body = jsonata_eval_body
    string_expression.StringVariableSample._eval_body = variable_sample_eval_body


def _jsonata_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "null" if value is None else "object"


def unexpected_type(env: Any, expression: str, expected: str, value: Any) -> Exception:
    """AWS's words for a field whose expression gave the wrong type (as for Map's Items)."""
    import json

    return query_evaluation_error(
        env,
        f"The JSONata expression '{expression}' specified for the field '{asl.field_path()}'"
        f" returned an unexpected result type. Expected '{expected}', but was "
        f"'{_jsonata_type(value)}' for value: {json.dumps(value, separators=(',', ':'))}",
    )


def _typed_jsonata_fields() -> None:
    from moto.stepfunctions.parser.asl.component.common.string.string_expression import (
        StringJSONata,
    )
    from moto.stepfunctions.parser.asl.component.state.choice.comparison import comparison
    from moto.stepfunctions.parser.asl.component.state.fail import cause_decl, error_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import seconds

    def condition_eval_body(self: Any, env: Any) -> None:
        # A Condition must give a boolean (moto raised a bare RuntimeError: States.Runtime).
        self.string_jsonata.eval(env=env)
        if not isinstance(env.stack[-1], bool):
            raise unexpected_type(env, self.string_jsonata.expression, "boolean", env.stack[-1])

    def wait_seconds(self: Any, env: Any) -> int:
        # A positive integer up to 99999999 (moto cast whatever came: -1, 1.5 or 'a').
        self.string_jsonata.eval(env=env)
        value = env.stack.pop()
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not whole or not 0 <= value <= 99999999:
            raise unexpected_type(env, self.string_jsonata.expression, "integer", value)
        return value

    def text_eval_body(original: Any) -> Any:
        def eval_body(self: Any, env: Any) -> None:
            # A Fail state's Error and Cause are strings (moto failed on a number).
            original(self, env)
            expression = self.string_expression
            if isinstance(expression, StringJSONata) and not isinstance(env.stack[-1], str):
                raise unexpected_type(env, expression.expression, "string", env.stack[-1])

        return eval_body

    comparison.ConditionStringJSONata._eval_body = condition_eval_body
    seconds.SecondsJSONata._get_wait_seconds = wait_seconds
    error_decl.Error._eval_body = text_eval_body(error_decl.Error._eval_body)
    cause_decl.Cause._eval_body = text_eval_body(cause_decl.Cause._eval_body)


def _choice_rules_compare_with_variables() -> None:
    from moto.stepfunctions.parser.asl.component.state.choice.comparison import comparison_func
    from moto.stepfunctions.parser.asl.component.state.choice.comparison.comparison_operator_type import (  # noqa: E501
        ComparisonOperatorType,
    )
    from moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.factory import (
        OperatorFactory,
    )

    def eval_body(self: Any, env: Any) -> None:
        # `"NumericGreaterThanPath": "$limit"` compares the Variable with the variable's
        # value. moto swapped the two operands (the limit was compared with the Variable).
        self.string_variable_sample.eval(env=env)
        sampled = env.stack.pop()
        name = self.operator_type.name.removesuffix("Path")
        operator = OperatorFactory.get(ComparisonOperatorType[name])
        operator.eval(env=env, value=sampled)

    comparison_func.ComparisonFuncStringVariableSample._eval_body = eval_body


def _query_language_scopes_per_parse() -> None:
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    original_init = Preprocessor.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        # moto keeps the scope stack on the class: one definition that fails to parse inside
        # a JSONata scope left it there, and every later JSONPath definition was refused.
        self._query_language_per_scope = []

    Preprocessor.__init__ = init


def _string_literals_as_json() -> None:
    import json

    from moto.stepfunctions.parser.asl.antlr.runtime.ASLLexer import ASLLexer
    from moto.stepfunctions.parser.asl.antlt4utils.antlr4utils import is_terminal
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    def inner_string_of(parser_rule_context: Any) -> str | None:
        # moto keeps a literal's JSON escapes ("Mar\u00eda" stays six characters); a
        # definition sent by json.dumps has them for every non-ASCII character.
        if is_terminal(parser_rule_context, ASLLexer.NULL):
            return None
        text = parser_rule_context.getText()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            try:
                return json.loads(text)
            except ValueError:
                return text[1:-1]
        return text

    Preprocessor._inner_string_of = staticmethod(inner_string_of)


_PENDING = "_workshop_pending_assign"


def _assign_when_the_state_exits() -> None:
    from moto.stepfunctions.parser.asl.component.common.assign import assign_decl
    from moto.stepfunctions.parser.asl.component.state.state import CommonStateField

    def assign_eval_body(self: Any, env: Any) -> None:
        # AWS evaluates Assign and Output side by side: both see the variables as they were
        # when the state was entered. moto set them at once, so Output read the new values.
        declarations: dict[str, Any] = {}
        for binding in self.declaration_bindings:
            binding.eval(env=env)
            declarations.update(env.stack.pop())
        env.heap.setdefault(_PENDING, {}).update(declarations)

    original_exited = CommonStateField._get_state_exited_event_details

    def exited(self: Any, env: Any) -> Any:
        pending = env.heap.pop(_PENDING, None) or {}
        if pending:
            _check_variable_sizes(self, env, pending)
        for name, value in pending.items():
            env.variable_store.set(variable_identifier=name, variable_value=value)
        return original_exited(self, env)

    assign_decl.AssignDecl._eval_body = assign_eval_body
    CommonStateField._get_state_exited_event_details = exited


#: AWS's limits on variables: 256 KiB for one state's Assign, 10 MiB for all of them.
MAX_ASSIGN_BYTES = 256 * 1024
MAX_VARIABLES_BYTES = 10 * 1024 * 1024


def _size(value: Any) -> int:
    import json

    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _check_variable_sizes(state: Any, env: Any, pending: dict[str, Any]) -> None:
    """Over AWS's limits, the state fails with States.DataLimitExceeded."""
    assigned = sum(_size(value) for value in pending.values())
    store = env.variable_store
    kept = {**store._outer_scope, **store._inner_scope, **pending}
    total = sum(_size(value) for value in kept.values())
    if assigned <= MAX_ASSIGN_BYTES and total <= MAX_VARIABLES_BYTES:
        return
    limit, size = (
        (MAX_ASSIGN_BYTES, assigned)
        if assigned > MAX_ASSIGN_BYTES
        else (MAX_VARIABLES_BYTES, total)
    )
    cause = (
        f"The state '{state.name}' assigned variables of {size} bytes, over the limit of "
        f"{limit} bytes."
    )
    raise state_failure(env, "States.DataLimitExceeded", cause, execution=True)


def _assigned_variables_as_json() -> None:
    import json

    from moto.stepfunctions.parser.asl.eval import variable_store

    def get_assigned_variables(self: Any) -> dict[str, str]:
        # moto wraps a string in quotes without escaping it ('"say "hi""'); AWS writes
        # each value as its JSON text, in the order the state assigned them.
        return {
            name: json.dumps(self.get(name), separators=(",", ":"), ensure_ascii=False)
            for name in self._inner_scope
            if name in self._declaration_tracing
        }

    variable_store.VariableStore.get_assigned_variables = get_assigned_variables


# -- the field under evaluation ---------------------------------------------------------------


def _within(segment: Callable[[Any], str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(eval_body: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(eval_body)
        def wrapped(self: Any, env: Any) -> None:
            with asl.in_field(segment(self)):
                eval_body(self, env)

        return wrapped

    return wrap


def _track_fields() -> None:
    from moto.stepfunctions.parser.asl.component.common import outputdecl, parargs
    from moto.stepfunctions.parser.asl.component.common.assign import (
        assign_decl,
        assign_template_binding,
    )
    from moto.stepfunctions.parser.asl.component.common.jsonata import (
        jsonata_template_binding,
        jsonata_template_value_array,
    )
    from moto.stepfunctions.parser.asl.component.common.timeouts import heartbeat, timeout
    from moto.stepfunctions.parser.asl.component.state.choice import choice_rule, choices_decl
    from moto.stepfunctions.parser.asl.component.state.choice.comparison import comparison
    from moto.stepfunctions.parser.asl.component.state.exec.state_map import max_concurrency
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.items import items
    from moto.stepfunctions.parser.asl.component.state.fail import cause_decl, error_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import seconds

    named = [
        (outputdecl.Output, "Output"),
        (parargs.ArgumentsJSONataTemplateValueObject, "Arguments"),
        (parargs.ArgumentsStringJSONata, "Arguments"),
        (assign_decl.AssignDecl, "Assign"),
        (timeout.TimeoutSecondsJSONata, "TimeoutSeconds"),
        (heartbeat.HeartbeatSecondsJSONata, "HeartbeatSeconds"),
        (comparison.ConditionStringJSONata, "Condition"),
        (items.ItemsJSONata, "Items"),
        (max_concurrency.MaxConcurrencyJSONata, "MaxConcurrency"),
        (seconds.SecondsJSONata, "Seconds"),
        (error_decl.Error, "Error"),
        (cause_decl.Cause, "Cause"),
    ]
    for cls, name in named:
        cls._eval_body = _within(lambda _self, _name=name: _name)(cls._eval_body)
    for cls in (
        jsonata_template_binding.JSONataTemplateBinding,
        assign_template_binding.AssignTemplateBinding,
    ):
        cls._eval_body = _within(lambda self: "/" + str(self.identifier))(cls._eval_body)

    def array_eval_body(self: Any, env: Any) -> None:
        values = []
        for index, value in enumerate(self.values):
            with asl.in_field(f"[{index}]"):
                value.eval(env)
            values.append(env.stack.pop())
        env.stack.append(values)

    jsonata_template_value_array.JSONataTemplateValueArray._eval_body = array_eval_body

    original_choices_init = choices_decl.ChoicesDecl.__init__

    def choices_init(self: Any, rules: list[Any]) -> None:
        original_choices_init(self, rules)
        for index, rule in enumerate(rules):
            setattr(rule, _SEGMENT_ATTRIBUTE, f"Choices[{index}]")

    choices_decl.ChoicesDecl.__init__ = choices_init
    choice_rule.ChoiceRule._eval_body = _within(
        lambda self: getattr(self, _SEGMENT_ATTRIBUTE, "Choices")
    )(choice_rule.ChoiceRule._eval_body)
