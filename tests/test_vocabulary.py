"""One vocabulary: a synced entity's name, a screening state, a risk level, an NHS number
status and an op kind are each spelled once, in their enum, and used through it everywhere
else (issue 18). An AST scan of ``ld_desktop/`` (the frozen migrations aside) finds any string
literal equal to one of their values; the few places where the same word means something
else are listed below with the reason."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pytest

from ld_desktop.domain.nhs_number import NhsNumberStatus
from ld_desktop.domain.risk_level import RiskLevel
from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.resources import resource_path
from ld_desktop.store.models import SYNCED_MODELS, Base
from sync.protocol import OpKind

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ld_desktop"

#: (module, enclosing definition, word) -> why the word means something else there
ENTITY_WORDS_ELSEWHERE: dict[tuple[str, str, str], str] = {
    ("ld_desktop/domain/instruments/fhir.py", "_observations", "note"): "FHIR Observation.note",
    ("ld_desktop/domain/instruments/result.py", "ScreeningResult.to_json", "escalation"):
        "a scored result's escalation advice",
    ("ld_desktop/services/clinical/screenings.py", "raised_urgency", "escalation"):
        "a scored result's escalation advice",
    ("ld_desktop/ui/clinical/result_panel.py", "ResultPanel.__init__", "escalation"):
        "a scored result's escalation advice",
    ("ld_desktop/services/clinical/escalation.py", "EscalationService.set_status", "outcome"):
        "the escalation's outcome column",
    ("ld_desktop/services/clinical/outcome.py", "OutcomeService.close", "note"):
        "an audit detail key",
    ("ld_desktop/services/sharing.py", "SECTIONS", "screening"): "a section of a share",
    ("ld_desktop/ui/clinical/share_dialog.py", "_MNEMONICS", "screening"):
        "a section of a share (its Include box's label)",
    ("ld_desktop/services/sharing.py", "SharingService.build", "screening"):
        "a section of a share",
    ("ld_desktop/services/clinical_timeline.py", "clinical_entries", "consent"):
        "a timeline entry kind",
    ("ld_desktop/services/clinical_timeline.py", "clinical_entries", "screening"):
        "a timeline entry kind",
    ("ld_desktop/services/clinical_timeline.py", "clinical_entries", "escalation"):
        "a timeline entry kind",
    ("ld_desktop/services/clinical_timeline.py", "clinical_entries", "outcome"):
        "a timeline entry kind",
    ("ld_desktop/services/timeline.py", "build_timeline", "note"): "a timeline entry kind",
    ("ld_desktop/store/handover_queries.py", "my_open_items", "screening"):
        "a handover item kind",
    ("ld_desktop/store/handover_queries.py", "my_open_items", "escalation"):
        "a handover item kind",
    ("ld_desktop/store/handover_queries.py", "my_open_items", "case"): "a handover item kind",
    ("ld_desktop/store/case_queries.py", "SORTABLE", "site"): "a sort key",
    ("ld_desktop/ui/models/case_table.py", "SORT_KEYS", "site"): "a sort key",
    ("ld_desktop/ui/screenshot_stage.py", "SCENES", "person"): "a screenshot scene name",
    ("ld_desktop/ui/screenshot_stage.py", "SCENES", "case"): "a screenshot scene name",
    ("ld_desktop/ui/screenshot_stage.py", "SCENES", "screening"): "a screenshot scene name",
    ("ld_desktop/ui/screenshot_stage.py", "stage", "person"): "a page name",
    ("ld_desktop/ui/screenshot_stage.py", "stage", "case"): "a page name",
    ("ld_desktop/ui/screenshot_stage.py", "stage", "screening"): "a page name",
    ("ld_desktop/ui/clinical/case_actions.py", "ACTIONS", "consent"): "a case action",
    ("ld_desktop/ui/clinical/case_actions.py", "ACTIONS", "screening"): "a case action",
    ("ld_desktop/ui/clinical/case_actions.py", "ACTIONS", "note"): "a case action",
    ("ld_desktop/ui/clinical/case_actions.py", "ACTIONS", "outcome"): "a case action",
    ("ld_desktop/ui/clinical/case_page.py", "CasePage._action", "consent"): "a case action",
    ("ld_desktop/ui/clinical/case_page.py", "CasePage._action", "screening"): "a case action",
    ("ld_desktop/ui/clinical/case_page.py", "CasePage._action", "note"): "a case action",
    ("ld_desktop/ui/clinical/case_page.py", "CasePage._action", "outcome"): "a case action",
}

#: the same, for the values of the other enums
STATE_WORDS_ELSEWHERE: dict[tuple[str, str, str], str] = {
    ("ld_desktop/domain/instruments/fhir.py", "to_questionnaire_response", "completed"):
        "FHIR QuestionnaireResponse.status",
    ("ld_desktop/services/clinical/escalation.py", "EscalationStatus", "completed"):
        "an escalation's own states",
    ("ld_desktop/services/clinical_timeline.py", "clinical_entries", "completed"):
        "words on the timeline",
    ("ld_desktop/services/person_history.py", "_last_scores", "completed"): "words in a summary",
    ("ld_desktop/services/maintenance.py", "_ACTION_WORDS", "delete"): "an audit action",
    ("ld_desktop/store/prepared.py", "insert_rows", "insert"): "the SQL statement's kind",
    ("ld_desktop/store/prepared.py", "TableStatements.many", "insert"): "the SQL statement's kind",
    ("ld_desktop/store/prepared.py", "insert_stored_rows", "insert"): "the SQL statement's kind",
    ("ld_desktop/services/reports/national_codes.py", "STATUSES", "verified"):
        "how a national code mapping was checked",
    ("ld_desktop/services/reports/national_codes.py", "STATUSES", "unverified"):
        "how a national code mapping was checked",
    ("ld_desktop/services/reports/national_codes.py", "CodeMapping.load", "unverified"):
        "how a national code mapping was checked",
}

#: where each enum is defined: its own values are literals there
DEFINITIONS = {("ld_desktop/domain/synced_entity.py", "SyncedEntity"),
               ("ld_desktop/domain/nhs_number.py", "NhsNumberStatus"),
               ("ld_desktop/domain/screening_state.py", "ScreeningState"),
               ("ld_desktop/domain/risk_level.py", "RiskLevel")}


@dataclass(frozen=True)
class Literal:
    module: str
    line: int
    scope: str
    value: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} ({self.scope}): {self.value!r}"


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) \
                and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant):
            found.add(id(node.body[0].value))
    return found


def _walk(node: ast.AST, scope: str) -> Iterator[tuple[ast.AST, str]]:
    """Every node with the name of its innermost enclosing definition: a class or function
    (dotted: ``Class.method``), or a module-level assignment's target."""
    for child in ast.iter_child_nodes(node):
        inner = scope
        if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            inner = f"{scope}.{child.name}" if scope else child.name
        elif not scope and isinstance(child, ast.Assign | ast.AnnAssign):
            targets = child.targets if isinstance(child, ast.Assign) else [child.target]
            inner = next((t.id for t in targets if isinstance(t, ast.Name)), scope)
        yield child, inner
        yield from _walk(child, inner)


def string_literals(words: set[str]) -> list[Literal]:
    """Each string literal in ld_desktop/ (not docstrings, not migrations) that is a word."""
    found: list[Literal] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        module = path.relative_to(ROOT).as_posix()
        for node, scope in _walk(tree, ""):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and node.value in words and id(node) not in docstrings:
                found.append(Literal(module, node.lineno, scope, node.value))
    return found


def _values(*enums: type[StrEnum]) -> set[str]:
    return {member.value for enum in enums for member in enum}


def _bare(words: set[str], elsewhere: dict[tuple[str, str, str], str]) -> list[str]:
    return [str(lit) for lit in string_literals(words)
            if (lit.module, lit.scope, lit.value) not in elsewhere
            and (lit.module, lit.scope) not in DEFINITIONS]


def test_no_synced_entity_name_is_a_bare_string() -> None:
    bare = _bare(_values(SyncedEntity), ENTITY_WORDS_ELSEWHERE)
    assert not bare, ("use SyncedEntity (ld_desktop/domain/synced_entity.py) instead of these "
                      "literals, or list the place in ENTITY_WORDS_ELSEWHERE with the reason "
                      "the word means something else there:\n" + "\n".join(bare))


def test_no_state_or_level_is_a_bare_string() -> None:
    bare = _bare(_values(ScreeningState, RiskLevel, NhsNumberStatus, OpKind),
                 STATE_WORDS_ELSEWHERE)
    assert not bare, ("use ScreeningState, RiskLevel, NhsNumberStatus or OpKind instead of "
                      "these literals, or list the place in STATE_WORDS_ELSEWHERE with the "
                      "reason:\n" + "\n".join(bare))


@pytest.mark.parametrize("elsewhere", [ENTITY_WORDS_ELSEWHERE, STATE_WORDS_ELSEWHERE])
def test_every_listed_exception_is_still_needed(
        elsewhere: dict[tuple[str, str, str], str]) -> None:
    """A stale entry would let a new literal in unnoticed."""
    words = _values(SyncedEntity, ScreeningState, RiskLevel, NhsNumberStatus, OpKind)
    seen = {(lit.module, lit.scope, lit.value) for lit in string_literals(words)}
    stale = [" ".join(key) for key in elsewhere if key not in seen]
    assert not stale, "no such literal any more; remove the entry:\n" + "\n".join(stale)


def test_synced_entities_are_the_synced_models_and_the_published_schema() -> None:
    schema = json.loads(resource_path("sync-schema.json").read_text(encoding="utf-8"))
    assert set(SyncedEntity) == set(SYNCED_MODELS) == set(schema["entities"])
    for entity, model in SYNCED_MODELS.items():
        assert model.__entity__ is SyncedEntity(entity)
        assert model.__tablename__ == entity.value   # type: ignore[attr-defined]
        assert type(model.__tablename__) is str      # type: ignore[attr-defined]
    assert set(SyncedEntity) <= set(Base.metadata.tables)


def test_the_scan_finds_a_bare_entity_name() -> None:
    """The scanner itself: the models' table names, written as literals, would be found."""
    found = {(lit.module, lit.value) for lit in string_literals({"conflict", "outbox"})}
    assert ("ld_desktop/store/models/system.py", "conflict") in found
    assert ("ld_desktop/store/models/system.py", "outbox") in found
