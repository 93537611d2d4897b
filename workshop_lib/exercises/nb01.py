"""Exercises of notebook 01 (Lambda elves): two handlers, called in-process with real kids.

The events come from `data/santa/`: kids from the good list, and the greedy kid of
`bad_too_many_gifts.json`, so the checkers test the same requests the deployed elves see.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from ..paths import SANTA_DATA
from ._context import call, load_handler
from ._exercise import Exercise, Mistake

NOTEBOOK = "01_lambda_elves"
DATA = SANTA_DATA
MAX_GIFTS = 3
STAMP = "Ho Ho Ho"


@cache
def _good_kids() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads((DATA / "good_list.json").read_text(encoding="utf-8")))


def _kid_with(gifts: int) -> dict[str, Any]:
    """A kid from the good list with exactly `gifts` presents (extra ones added if needed)."""
    kids = _good_kids()
    kid = next((k for k in kids if len(k["gifts"]) == gifts), None)
    if kid is None:
        kid = {**kids[0], "gifts": [f"present {n}" for n in range(1, gifts + 1)]}
    return copy.deepcopy(kid)


@cache
def _greedy_kid() -> dict[str, Any]:
    kids = json.loads((DATA / "bad_too_many_gifts.json").read_text(encoding="utf-8"))
    return next(kid for kid in kids if len(kid["gifts"]) > MAX_GIFTS)


# -- exercise 1: naughty or nice ------------------------------------------------------------------

_NAUGHTY_OR_NICE = """def lambda_handler(event, context):
    gifts = event["gifts"]
    verdict = "naughty" if len(gifts) > 3 else "nice"
    return {"id": event["id"], "verdict": verdict}
"""


def _verdict_of(handler: Any, kid: Mapping[str, Any]) -> str:
    try:
        result = call(handler, copy.deepcopy(dict(kid)))
    except Mistake as mistake:
        text = str(mistake)
        if "'list' and 'int'" in text or "'int' and 'list'" in text:
            raise Mistake(
                "a list of gifts cannot be compared with a number: count them first, "
                'len(event["gifts"]) > 3.'
            ) from None
        raised = text.partition(" your handler raised ")[2] or text
        raise Mistake(
            f"for {kid['id']}'s request your handler raised {raised}. The event is the kid's "
            'request itself, as in the list: event["id"], event["gifts"], ...'
        ) from None
    if not isinstance(result, Mapping):
        raise Mistake(
            f'it returned {result!r}; return a dictionary such as {{"id": "kid-0001", '
            '"verdict": "nice"}, so whoever calls the elf gets JSON it can read.'
        )
    if result.get("id") != kid["id"]:
        raise Mistake(
            f"for {kid['id']} the answer's \"id\" was {result.get('id')!r}. Put the kid's id "
            'in the answer ("id": event["id"]), so Santa knows who the verdict is about.'
        )
    verdict = result.get("verdict")
    if verdict not in ("naughty", "nice"):
        raise Mistake(
            f'the "verdict" was {verdict!r}; make it the text "naughty" or "nice" '
            "(lower case), so the next step can compare it."
        )
    return verdict


def _check_naughty_or_nice(source: Any) -> str:
    handler = load_handler(source)
    cases = {n: _kid_with(n) for n in (1, 2, 3, 4)}
    cases[len(_greedy_kid()["gifts"])] = _greedy_kid()
    verdicts = {gifts: _verdict_of(handler, kid) for gifts, kid in sorted(cases.items())}
    if len(set(verdicts.values())) == 1:
        only = next(iter(verdicts.values()))
        raise Mistake(
            f"every kid was {only}, whatever they asked for. Count the gifts: "
            'len(event["gifts"]), and compare that with 3.'
        )
    for gifts, verdict in verdicts.items():
        expected = "naughty" if gifts > MAX_GIFTS else "nice"
        if verdict == expected:
            continue
        if gifts == MAX_GIFTS:
            raise Mistake(
                "a kid with exactly 3 gifts was called naughty, but the rule is *at most* 3: "
                "3 is still nice. Use > 3 (more than three), not >= 3."
            )
        if gifts > MAX_GIFTS:
            raise Mistake(
                f"a kid asking for {gifts} gifts was called nice. More than 3 is naughty: "
                'len(event["gifts"]) > 3.'
            )
        raise Mistake(f"a kid asking for {gifts} gift(s) was called naughty; at most 3 is nice.")
    return "1, 2 and 3 gifts are nice; 4 or more are naughty. Santa approves."


naughty_or_nice = Exercise(
    key="naughty_or_nice",
    notebook=NOTEBOOK,
    title="The naughty-or-nice elf",
    checker=_check_naughty_or_nice,
    hints=[
        "The event is one kid's request, exactly like an item of the list: it has an "
        '"id" and a list of "gifts".',
        'len(event["gifts"]) is the number of presents. The rule: at most 3 is nice, so '
        "more than 3 (> 3) is naughty.",
        'Return {"id": event["id"], "verdict": "naughty" if len(event["gifts"]) > 3 else "nice"}.',
    ],
    solution_code=_NAUGHTY_OR_NICE,
    solution_value=lambda: _NAUGHTY_OR_NICE,
    known_wrong=[
        (
            "def lambda_handler(event, context):\n"
            "    gifts = event['gifts']\n"
            "    return {'id': event['id'], 'verdict': 'naughty' if len(gifts) >= 3 "
            "else 'nice'}\n",
            "exactly 3 gifts",
        ),
        (
            "def lambda_handler(event, context):\n"
            "    return {'id': event['id'], 'verdict': 'naughty' if len(event['gifts']) > 4 "
            "else 'nice'}\n",
            "asking for 4 gifts was called nice",
        ),
        (
            "def lambda_handler(event, context):\n"
            "    return {'id': event['id'], 'verdict': 'nice'}\n",
            "every kid was nice",
        ),
        (
            "def lambda_handler(event, context):\n"
            "    return {'id': event['id'], 'verdict': 'naughty' if event['gifts'] > 3 "
            "else 'nice'}\n",
            "count them first",
        ),
        (
            "def lambda_handler(event, context):\n"
            "    gifts = event['kid']['gifts']\n"
            "    return {'id': event['kid']['id'], 'verdict': 'nice'}\n",
            "the kid's request itself",
        ),
        (
            "def lambda_handler(event, context):\n"
            "    return 'naughty' if len(event['gifts']) > 3 else 'nice'\n",
            "return a dictionary",
        ),
        (
            "def lambda_handler(event, context):\n"
            "    return {'verdict': 'naughty' if len(event['gifts']) > 3 else 'nice'}\n",
            "Put the kid's id",
        ),
        (
            "def lambda_handler(event, context):\n"
            "    return {'id': event['id'], 'verdict': len(event['gifts']) > 3}\n",
            '"naughty" or "nice"',
        ),
        (
            "def naughty_or_nice(event, context):\n    return {}\n",
            "no function called lambda_handler",
        ),
    ],
)


# -- exercise 2: a stamping elf -------------------------------------------------------------------

_STAMPER = """def lambda_handler(event, context):
    kids = []
    newly_stamped = 0
    for kid in event["kids"]:
        if kid.get("stamp") != "Ho Ho Ho":
            kid = {**kid, "stamp": "Ho Ho Ho"}
            newly_stamped += 1
        kids.append(kid)
    return {"kids": kids, "stamped": newly_stamped}
"""


def _stamping_event() -> dict[str, Any]:
    kids = [copy.deepcopy(kid) for kid in _good_kids()[:3]]
    kids[1]["stamp"] = STAMP  # stamped on an earlier run: must be left alone, and not counted
    return {"kids": kids}


def _check_stamper(source: Any) -> str:
    handler = load_handler(source)
    event = _stamping_event()
    original = copy.deepcopy(event["kids"])
    result = call(handler, event)
    if isinstance(result, list):
        raise Mistake(
            'it returned a bare list; return a dictionary, {"kids": [...], "stamped": n}, '
            "so the answer can also say how many kids were stamped."
        )
    if not isinstance(result, Mapping) or not isinstance(result.get("kids"), list):
        raise Mistake(
            f'it returned {result!r}; return {{"kids": [the stamped kids], "stamped": '
            "how many were stamped just now}."
        )
    kids = result["kids"]
    if len(kids) != len(original) or any(
        not isinstance(kid, Mapping) or kid.get("id") != before["id"]
        for kid, before in zip(kids, original, strict=False)
    ):
        raise Mistake(
            f'{len(original)} kids went in and the answer\'s "kids" does not hold the same '
            "kids in the same order. Return every kid, each with its stamp."
        )
    for kid, before in zip(kids, original, strict=True):
        _check_one_stamp(kid, before)
    newly = sum(before.get("stamp") != STAMP for before in original)
    stamped = result.get("stamped")
    if stamped == len(original):
        raise Mistake(
            f'"stamped" says {stamped}, but {original[1]["id"]} already had its stamp from an '
            f"earlier run. Count only the kids stamped just now ({newly} here): an elf run "
            "twice for the same list should report 0 the second time."
        )
    if stamped != newly:
        raise Mistake(
            f'"stamped" should say how many kids were stamped just now ({newly} here), '
            f"not {stamped!r}."
        )
    try:
        again = call(handler, {"kids": []})
    except Mistake as mistake:
        raise Mistake(
            f"an empty list of kids should give no stamps, not an error ({mistake})"
        ) from None
    if not isinstance(again, Mapping) or again.get("kids") != [] or again.get("stamped") != 0:
        raise Mistake(
            f'with {{"kids": []}} the answer should be {{"kids": [], "stamped": 0}}, not {again!r}.'
        )
    return "every kid carries exactly one Ho Ho Ho, and a second run would stamp nobody."


def _check_one_stamp(kid: Mapping[str, Any], before: Mapping[str, Any]) -> None:
    if "stamp" not in kid:
        other = next((name for name in kid if name.lower().startswith("stamp")), None)
        if other:
            raise Mistake(
                f'the stamp is in a field called "{other}"; the list\'s rules name it "stamp" '
                "(lower case), and validate rejects any other field."
            )
        raise Mistake(f'{kid.get("id")} has no "stamp" field: add "stamp": "Ho Ho Ho".')
    if kid["stamp"] != STAMP:
        raise Mistake(
            f'{kid.get("id")} was stamped {kid["stamp"]!r}. The stamp is exactly "Ho Ho Ho" '
            "(capital H's, single spaces, nothing added): validate rejects any other stamp."
        )
    lost = [name for name in before if name not in kid or kid[name] != before[name]]
    lost = [name for name in lost if name != "stamp"]
    if lost:
        raise Mistake(
            f"{kid.get('id')} lost or changed {', '.join(lost)}. A stamped kid is the same "
            'request plus "stamp": copy every field, e.g. {**kid, "stamp": "Ho Ho Ho"}.'
        )


stamper = Exercise(
    key="stamper",
    notebook=NOTEBOOK,
    title="A stamping elf",
    checker=_check_stamper,
    hints=[
        'The event is {"kids": [...]}. Go through event["kids"] with a for loop and build a '
        "new list.",
        '{**kid, "stamp": "Ho Ho Ho"} is a copy of the kid with the stamp added. A kid whose '
        'kid.get("stamp") is already "Ho Ho Ho" is kept as it is, and not counted.',
        'Count the kids you stamp in a variable, and return {"kids": new_list, "stamped": count}.',
    ],
    solution_code=_STAMPER,
    solution_value=lambda: _STAMPER,
    known_wrong=[
        (
            "def lambda_handler(event, context):\n"
            "    kids = [{**k, 'stamp': 'Ho ho ho'} for k in event['kids']]\n"
            "    return {'kids': kids, 'stamped': 2}\n",
            'exactly "Ho Ho Ho"',
        ),
        (
            "def lambda_handler(event, context):\n"
            "    kids = [{**k, 'Stamp': 'Ho Ho Ho'} for k in event['kids']]\n"
            "    return {'kids': kids, 'stamped': 2}\n",
            'a field called "Stamp"',
        ),
        (
            "def lambda_handler(event, context):\n"
            "    kids = [{**k, 'stamp': 'Ho Ho Ho'} for k in event['kids']]\n"
            "    return {'kids': kids, 'stamped': len(kids)}\n",
            "Count only the kids stamped just now",
        ),
        (
            "def lambda_handler(event, context):\n"
            "    kids = [{'id': k['id'], 'stamp': 'Ho Ho Ho'} for k in event['kids']]\n"
            "    return {'kids': kids, 'stamped': 2}\n",
            "copy every field",
        ),
        (
            "def lambda_handler(event, context):\n"
            "    return [{**k, 'stamp': 'Ho Ho Ho'} for k in event['kids']]\n",
            "bare list",
        ),
        (
            "def lambda_handler(event, context):\n"
            "    kids = [{**k, 'stamp': 'Ho Ho Ho'} for k in event['kids'][1:]]\n"
            "    return {'kids': kids, 'stamped': 2}\n",
            "same kids in the same order",
        ),
        (
            "def lambda_handler(event, context):\n"
            "    print('first kid:', event['kids'][0]['name'])\n"
            "    new = [k for k in event['kids'] if k.get('stamp') != 'Ho Ho Ho']\n"
            "    kids = [{**k, 'stamp': 'Ho Ho Ho'} for k in event['kids']]\n"
            "    return {'kids': kids, 'stamped': len(new)}\n",
            "empty list of kids",
        ),
    ],
)
