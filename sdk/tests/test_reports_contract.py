"""What a plugin contributes to the report pipeline is checked before the host stores it:
every problem is found, none raises, and each names the field at fault."""

from __future__ import annotations

import pytest
from sieuapp.sdk import ReportCategory, ReportChoice, ReportInfo, ReportQuestion, text
from sieuapp.sdk._reports import DATATYPES


def question(**changes) -> ReportQuestion:
    base = dict(
        code="plate",
        datatype="string",
        description=text("Biển số xe", "Licence plate"),
    )
    base.update(changes)
    return ReportQuestion(**base)


def listed(datatype: str = "singlevaluelist", **changes) -> ReportQuestion:
    base = dict(
        code="kind",
        datatype=datatype,
        description=text("Loại sự việc", "What happened"),
        choices=(
            ReportChoice("overcharge", text("Thu quá giá", "Overcharged")),
            ReportChoice("rude", text("Thái độ không tốt", "Rude driver")),
        ),
    )
    base.update(changes)
    return ReportQuestion(**base)


def category(**changes) -> ReportCategory:
    base = dict(
        code="taxi.complaint",
        name=text("Phản ánh taxi", "Taxi complaint"),
        description=text("Tài xế, giá cước, thái độ", "Driver, fare, behaviour"),
        organization="mai-linh-hue",
        group=text("Giao thông", "Transport"),
        keywords=("taxi", "cước"),
        questions=(question(), listed()),
    )
    base.update(changes)
    return ReportCategory(**base)


def test_a_valid_category_has_no_problems():
    assert category().problems() == []


def test_every_datatype_is_accepted():
    for datatype in DATATYPES:
        q = listed(datatype) if datatype.endswith("valuelist") else question(datatype=datatype)
        assert q.problems("q") == [], datatype


def test_the_defaults_are_valid():
    minimal = ReportCategory(code="ab", name=text("a", "a"), description=text("b", "b"))
    assert minimal.problems() == []
    assert minimal.organization is None  # the IOC routes it


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"code": "Taxi"}, "category.code: 'Taxi' must be 2-64"),
        ({"code": "t"}, "category.code: 't'"),
        ({"code": "x" * 65}, "category.code:"),
        ({"code": None}, "category.code: None"),
        ({"code": 7}, "category.code: 7"),
        ({"name": text("", "Taxi")}, "category.name.vi: must be a non-empty string"),
        ({"name": text("x" * 201, "Taxi")}, "category.name.vi: longer than 200 characters"),
        ({"name": "Taxi"}, "category.name: must be LocalizedText"),
        ({"description": text("Mô tả", " ")}, "category.description.en: must be a non-empty"),
        ({"description": None}, "category.description: must be LocalizedText"),
        ({"organization": ""}, "category.organization: '' must be an organization code"),
        ({"organization": 12}, "category.organization: 12"),
        ({"group": "Giao thông"}, "category.group: must be LocalizedText"),
        ({"group": text("x" * 101, "y")}, "category.group.vi: longer than 100"),
        ({"keywords": "taxi cuoc"}, "category.keywords: must be a tuple of words"),
        ({"keywords": ("taxi", "")}, "category.keywords: each keyword must be a non-empty"),
        ({"keywords": ("x" * 200, "y" * 200)}, "category.keywords: longer than 300"),
        ({"deadline_days": 0}, "category.deadline_days: 0 must be a whole number from 1 to 90"),
        ({"deadline_days": 91}, "category.deadline_days: 91"),
        ({"deadline_days": 2.5}, "category.deadline_days: 2.5"),
        ({"deadline_days": True}, "category.deadline_days: True"),
        ({"duplicate_radius_m": -1}, "category.duplicate_radius_m: -1"),
        ({"duplicate_radius_m": 5001}, "category.duplicate_radius_m: 5001"),
        ({"duplicate_radius_m": "100"}, "category.duplicate_radius_m: '100'"),
        ({"questions": question()}, "category.questions: must be a tuple of ReportQuestion"),
        ({"questions": ({"code": "plate"},)}, "category.questions[0]: must be ReportQuestion"),
        ({"questions": (question(), question())}, "category.questions[1].code: 'plate' is asked"),
    ],
)
def test_each_category_problem_is_named(changes, expected):
    problems = category(**changes).problems()
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (question(code="1st"), "q.code: '1st' must be 1-64 letters"),
        (question(code="a-b"), "q.code: 'a-b'"),
        (question(code=""), "q.code: ''"),
        (question(code=None), "q.code: None"),
        (question(datatype="date"), "q.datatype: 'date' is not one of string, number"),
        (question(datatype=None), "q.datatype: None"),
        (question(description=text("", "")), "q.description.vi: must be a non-empty"),
        (question(description="Biển số"), "q.description: must be LocalizedText"),
        (question(required="yes"), "q.required: must be True or False"),
        (question(variable=None), "q.variable: must be True or False"),
        (listed(choices=()), "q.choices: a singlevaluelist needs at least one choice"),
        (listed("multivaluelist", choices=()), "q.choices: a multivaluelist needs"),
        (question(choices=(ReportChoice("a", text("a", "a")),)), "q.choices: only single"),
        (listed(choices="ab"), "q.choices: must be a tuple of ReportChoice"),
        (listed(choices=("a",)), "q.choices[0]: must be ReportChoice"),
        (listed(choices=(ReportChoice("", text("a", "a")),)), "q.choices[0].key: ''"),
        (listed(choices=(ReportChoice("k" * 101, text("a", "a")),)), "q.choices[0].key:"),
        (
            listed(choices=(ReportChoice("a", text("a", "a")), ReportChoice("a", text("b", "b")))),
            "q.choices[1].key: 'a' is listed twice",
        ),
        (listed(choices=(ReportChoice("a", text("a", "")),)), "q.choices[0].name.en"),
        (listed(choices=(ReportChoice("a", "A"),)), "q.choices[0].name: must be LocalizedText"),
    ],
)
def test_each_question_problem_is_named(q, expected):
    problems = q.problems("q")
    assert any(expected in p for p in problems), problems


def test_question_problems_carry_the_category_path():
    problems = category(questions=(question(), question(code="km", datatype="date"))).problems(
        "taxi[0]"
    )
    assert problems == [
        "taxi[0].questions[1].datatype: 'date' is not one of string, number, datetime, text, "
        "singlevaluelist, multivaluelist"
    ]


def test_all_problems_are_listed_not_just_the_first():
    bad = category(code="X", name=text("", ""), deadline_days=0, questions=(question(code="?"),))
    problems = bad.problems()
    assert len(problems) == 5, problems


def test_report_info_lists_every_report_status():
    assert ReportInfo.STATUSES == (
        "submitted",
        "moderated",
        "assigned",
        "in_progress",
        "info_requested",
        "resolved",
        "rejected",
        "closed",
        "merged",
        "dismissed",
    )
