"""``smartfactory assess``: the plant's smart-factory level, with its evidence and roadmap.

Reads the store (what the platform has measured) and an optional answers file (YAML or JSON:
``{question id: level 0-4}``) for what data cannot show (strategy, people, logistics...);
``--interactive`` asks the questions the evidence leaves open. Prints a table per area, the
overall level and the steps to the next level, or one JSON object with ``--json``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import click
import typer
import yaml
from rich.console import Console
from rich.table import Table

from smartfactory.cli.common import open_cli_store, plant_for
from smartfactory.diagnosis import (
    Assessment,
    collect_evidence,
    gather_facts,
    load_questionnaire,
    load_roadmap,
    validate_answers,
)
from smartfactory.diagnosis.facts import data_as_of
from smartfactory.diagnosis.scoring import assess
from smartfactory.errors import DataError, FactoryError
from smartfactory.kpi.files import parse_time
from smartfactory.settings import get_settings

__all__ = ["register"]

_BAR = "■"


def _read_answers(path: Path | None) -> dict[str, object]:
    if path is None:
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        msg = f"cannot read answers file {path}: {err}"
        raise DataError(msg) from err
    if not isinstance(loaded, dict):
        msg = f"{path}: answers must be a mapping of question id to level 0-4"
        raise DataError(msg)
    return {str(k): v for k, v in loaded.items()}


def _ask(assessment: Assessment, language: str) -> dict[str, int]:
    """Ask each unanswered question on the terminal; return the answers given."""
    questionnaire = load_questionnaire()
    answers: dict[str, int] = {}
    for qid in assessment.unanswered:
        question = questionnaire.question(qid)
        typer.echo(f"\n{question.text.get(language)}")
        for level, answer in enumerate(question.answers):
            typer.echo(f"  {level}  {answer.get(language)}")
        answers[qid] = typer.prompt("level", type=click.IntRange(0, 4))
    return answers


def _print(assessment: Assessment, as_of: datetime, console: Console) -> None:
    ko = assessment.language == "ko"
    table = Table(
        "영역" if ko else "area",
        "점수" if ko else "score",
        "수준" if ko else "level",
        "",
        title=("스마트공장 수준 진단" if ko else "Smart-factory level")
        + f" — {as_of:%Y-%m-%d %H:%M} UTC",
    )
    for area in assessment.areas:
        score = "-" if area.score is None else f"{area.score:.1f}"
        bar = "" if area.score is None else _BAR * round(area.score * 2)
        table.add_row(area.name, score, area.level_name or "-", f"[cyan]{bar}[/]")
    overall = "-" if assessment.score is None else f"{assessment.score:.2f}"
    table.add_row(
        "[bold]" + ("종합" if ko else "overall") + "[/]",
        f"[bold]{overall}[/]",
        f"[bold]{assessment.level_name or '-'}[/]",
        "",
    )
    console.print(table)
    evidence = Table("question", "level", "from", "evidence", title="evidence", show_lines=False)
    for area in assessment.areas:
        for q in area.questions:
            evidence.add_row(
                q.question,
                "-" if q.level is None else str(q.level),
                q.source or "-",
                q.evidence or "",
            )
    console.print(evidence)
    if assessment.unanswered:
        console.print(
            ("답하지 않은 질문: " if ko else "Unanswered (use --answers or --interactive): ")
            + ", ".join(assessment.unanswered)
        )
    roadmap = Table(
        "area", "to", "step", "P", "Q", "C", "D", "how", title="로드맵" if ko else "roadmap"
    )
    for item in assessment.roadmap:
        roadmap.add_row(
            item.area,
            item.target_level_name,
            item.title,
            *(item.effects.get(k, "none") for k in ("P", "Q", "C", "D")),
            item.feature,
        )
    console.print(roadmap)


def register(app: typer.Typer) -> None:
    """Add ``assess`` to the application."""

    @app.command("assess")
    def assess_cmd(
        store: Annotated[
            str | None,
            typer.Option(help="Store file or postgresql:// URL (default: SF_DATABASE)."),
        ] = None,
        config: Annotated[
            Path | None, typer.Option(exists=True, dir_okay=False, help="Plant file.")
        ] = None,
        answers: Annotated[
            Path | None,
            typer.Option(exists=True, dir_okay=False, help="YAML/JSON {question id: level}."),
        ] = None,
        interactive: Annotated[
            bool, typer.Option(help="Ask the questions the evidence leaves open.")
        ] = False,
        at: Annotated[
            str | None, typer.Option(help="Assess as of this UTC time (default: newest data).")
        ] = None,
        window_days: Annotated[
            float, typer.Option(min=1.0, help="Days of data the evidence looks at.")
        ] = 7.0,
        lang: Annotated[str, typer.Option(help="en or ko.")] = "en",
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    ) -> None:
        """Diagnose the plant's smart-factory level per area, with evidence and a roadmap."""
        if lang not in ("en", "ko"):
            msg = f"--lang must be en or ko, not {lang!r}"
            raise FactoryError(msg)
        fallback = get_settings().workspace / "simulation.duckdb"
        plant = plant_for(config)
        questionnaire = load_questionnaire()
        given = validate_answers(questionnaire, _read_answers(answers))
        with open_cli_store(store, fallback=fallback) as db:
            when = parse_time(at) if at else data_as_of(db)
            if when is None:
                msg = "the store holds no production data yet"
                raise FactoryError(msg)
            facts = gather_facts(db, plant, when, timedelta(days=window_days))
        evidence = collect_evidence(facts)
        result = assess(questionnaire, evidence, given, load_roadmap(), lang)
        if interactive and result.unanswered:
            given |= _ask(result, lang)
            result = assess(questionnaire, evidence, given, load_roadmap(), lang)
        if as_json:
            payload = result.model_dump(mode="json") | {"as_of": when.isoformat()}
            typer.echo(json.dumps(payload, ensure_ascii=False))
            return
        _print(result, when, Console())
