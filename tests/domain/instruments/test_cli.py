"""ld-admin instruments list / show / score / import."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from ld_desktop.cli.admin import main
from ld_desktop.services.instrument_library import instruments_dir

PASS = "admin passphrase for tests"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def test_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "instruments", "list", "--json")
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows["aq10"]["text_shipped"] is False
    assert rows["phq9"]["text_shipped"] is True
    code, out, _ = run(capsys, "instruments", "show", "phq9")
    assert "Thoughts that you would be better off dead" in out


def test_score_json_and_invalid_answers(capsys: pytest.CaptureFixture[str]) -> None:
    answers = [f"--answer=phq9.{n}=2" for n in range(1, 9)] + ["--answer=phq9.9=0"]
    code, out, _ = run(capsys, "instruments", "score", "phq9", *answers, "--json")
    result = json.loads(out)
    assert code == 0
    assert result["scores"]["total"]["value"] == 16
    assert result["scores"]["total"]["band"] == "moderately severe depression"
    code, out, _ = run(capsys, "instruments", "score", "auditc", "--answer", "auditc.1=4",
                       "--answer", "auditc.2=1", "--answer", "auditc.3=0", "--json")
    assert json.loads(out)["follow_ups"] == ["audit"]
    assert run(capsys, "instruments", "score", "phq9", "--answer", "phq9.1=9")[0] == 2
    assert run(capsys, "instruments", "score", "phq9", "--answer", "phq9.99=1")[0] == 2
    assert run(capsys, "instruments", "score", "phq9", "--answer", "nonsense")[0] == 2
    code, _, err = run(capsys, "instruments", "score", "audit", "--age", "15")
    assert code == 2
    assert "not for someone aged 15" in err


def test_import_validates_then_records(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    store = str(tmp_path / "ws")
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASS + "\n"))
    assert run(capsys, "init", "--data-dir", store, "--site", "N", "--admin", "admin1",
               "--passphrase-stdin")[0] == 0
    data = json.loads((instruments_dir() / "dast10.json").read_text())
    data["id"], data["title"] = "lic-demo", "Licensed demo (fictional)"
    data["items"] = [{**i, "id": i["id"].replace("dast10", "lic-demo")} for i in data["items"]]
    score = data["scores"][0]
    score["items"] = [i.replace("dast10", "lic-demo") for i in score["items"]]
    score["reverse"] = {}
    good = tmp_path / "lic.json"
    good.write_text(json.dumps(data))
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASS + "\n"))
    code, out, err = run(capsys, "instruments", "import", str(good), "--data-dir", store,
                         "--as", "admin1", "--passphrase-stdin")
    assert code == 0, err
    assert "Imported lic-demo" in out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**data, "kind": "guesswork"}))
    code, _, err = run(capsys, "instruments", "import", str(bad), "--data-dir", store,
                       "--as", "admin1", "--passphrase-stdin")
    assert code == 2
    assert "bad.json" in err
    assert "kind" in err


def test_score_refuses_a_repeated_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "instruments", "score", "phq9", "--answer", "phq9.1=0",
                         "--answer", "phq9.1=3", "--json")
    assert code == 2
    assert out == ""
    assert "phq9.1 is given twice (0 and 3)" in err


@pytest.mark.parametrize("age", ["500", "9", "-1", "121", "thirty"])
def test_score_refuses_an_out_of_range_age(capsys: pytest.CaptureFixture[str], age: str
                                           ) -> None:
    code, out, err = run(capsys, "instruments", "score", "phq9", "--age", age)
    assert code == 2
    assert out == ""
    assert "--age" in err


def test_unknown_instrument_message_has_no_stray_quotes(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    code, _, err = run(capsys, "instruments", "score", "phq99", "--answer", "phq9.1=1")
    assert code == 2
    assert err.startswith("ld-admin: No instrument called phq99. Known: ")
    assert "'" not in err
    assert '"' not in err


def test_score_refuses_an_answer_the_audit_skip_rule_excludes(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "instruments", "score", "audit", "--answer", "audit.1=0",
                         "--answer", "audit.3=2", "--answer", "audit.9=0",
                         "--answer", "audit.10=0")
    assert code == 2
    assert out == ""
    assert "audit.3" in err
    assert "Never" in err


def test_score_partial_and_sex(capsys: pytest.CaptureFixture[str]) -> None:
    answers = [f"--answer=phq9.{n}=3" for n in range(2, 11)]
    code, out, _ = run(capsys, "instruments", "score", "phq9", *answers, "--json")
    result = json.loads(out)
    assert code == 0
    assert result["complete"] is False
    assert result["scores"]["total"]["at_least"] == 24
    assert {f["id"]: f["partial"] for f in result["flags"]}["moderate-or-worse"] is True
    trio = ["--answer=auditc.1=1", "--answer=auditc.2=1", "--answer=auditc.3=1"]
    code, out, _ = run(capsys, "instruments", "score", "auditc", *trio, "--sex", "male")
    assert code == 0
    assert "offer the full AUDIT" not in out
    code, out, _ = run(capsys, "instruments", "score", "auditc", *trio, "--sex", "female")
    assert code == 0
    assert "offer the full AUDIT" in out
    assert "Bradley" in out
