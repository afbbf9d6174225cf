"""问卷: numbered questions, each channel renders them its own way."""

from __future__ import annotations

from typing import Any, Iterator, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field

from sopengine.words import say
from sopengine.channels import OperatorInstruction
from sopengine.rendering.templating import render_template
from sopengine.kinds.base import StepBase


class Question(BaseModel):
    """One survey question; with ``choices`` it is single-choice, without it open."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    ask: str
    choices: list[str] | None = None


class SurveyStep(StepBase):
    """A survey with a title, an optional intro ``text`` and numbered questions."""

    kind_name = "survey"
    label = "kind.survey"
    gathers_feedback = True
    summary = "survey (问卷)"
    kind: Literal["survey"]
    title: str
    text: str | None = Field(None, description="Optional intro before the questions.")
    questions: list[Question] = Field(min_length=1)

    @classmethod
    def operator_instruction(cls, part: str | None, payload: Mapping[str, Any]) -> OperatorInstruction:
        return OperatorInstruction(say("survey.send"), str(payload.get("text", "")),
                                   {"title": payload.get("title"), "questions": payload.get("questions")},
                                   {"title": say("detail.title")})

    def templates(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        yield ("title",), self.title
        if self.text is not None:
            yield ("text",), self.text
        for i, q in enumerate(self.questions):
            yield ("questions", i, "ask"), q.ask
            for j, choice in enumerate(q.choices or ()):
                yield ("questions", i, "choices", j), choice

    def render(self, part: str | None, context: Mapping[str, Any]) -> dict[str, Any]:
        title = render_template(self.title, context)
        questions = [
            {"ask": render_template(q.ask, context),
             "choices": [render_template(c, context) for c in q.choices] if q.choices else None}
            for q in self.questions
        ]
        intro = render_template(self.text, context) if self.text is not None else None
        return {"text": survey_text(title, intro, questions), "title": title, "questions": questions}


def survey_text(title: str, intro: str | None, questions: list[dict[str, Any]]) -> str:
    """Plain-text rendering: title, intro, then ``1. ask`` with lettered choices."""
    lines = [f"【{title}】"]
    if intro:
        lines.append(intro)
    for n, q in enumerate(questions, 1):
        lines.append(f"{n}. {q['ask']}")
        for letter, choice in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", q["choices"] or ()):
            lines.append(f"   {letter}. {choice}")
    return "\n".join(lines)


_EXAMPLE_QUESTIONS: list[dict[str, Any]] = [
    {"ask": "每天的早报有帮助吗？", "choices": ["很有帮助", "一般", "没帮助"]},
    {"ask": "你最希望增加什么内容？", "choices": None},
]
SurveyStep.examples = {None: {"text": survey_text("两周打卡反馈", None, _EXAMPLE_QUESTIONS), "title": "两周打卡反馈",
                              "questions": _EXAMPLE_QUESTIONS}}
