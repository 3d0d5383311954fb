"""Acceptances are judged by one validator, whether they come from a TOML file (CLI, page
import) or from the page's list (export): the same entry gets the same verdict and the
same sentence, only the location and what becomes of it differ."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import proxguard.web
from proxguard.diagnostics import Diagnostics
from proxguard.engine.acceptances import Acceptance, parse_acceptances

BAD = [
    ({"rule": "r", "target": "ct/1", "reason": " "}, " (r ct/1): a reason is required"),
    ({"rule": " ", "target": "ct/1", "reason": "x"}, ": needs a rule and a target"),
    ({"rule": "r", "target": "ct/1", "reason": "x", "expires": "soon"},
     " (r ct/1): expiry 'soon' is not a date like 2027-06-30"),
]


def _toml(entry: dict[str, str]) -> str:
    return "[[accept]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in entry.items())


@pytest.mark.parametrize(("entry", "body"), BAD)
def test_same_entry_same_sentence_from_toml_and_from_the_page(entry: dict[str, str],
                                                              body: str) -> None:
    diags = Diagnostics()
    assert parse_acceptances(_toml(entry), "a.toml", diags) == []
    assert [d.message for d in diags] == [f"[[accept]] #1{body}; ignored"]
    out = json.loads(proxguard.web.handle("acceptances_export",
                                          json.dumps({"acceptances": [entry]})))
    assert [d["message"] for d in out["diagnostics"]] == [f"acceptance #1{body}; left out"]


def test_same_good_entry_same_acceptance_either_way() -> None:
    entry = {"rule": " r ", "target": "ct/1", "reason": "needs\n  raw  access",
             "expires": "2027-06-30"}
    from_toml = parse_acceptances(_toml(entry), "a.toml", Diagnostics())
    assert from_toml == [Acceptance("r", "ct/1", "needs raw access", dt.date(2027, 6, 30), 1)]
    out = json.loads(proxguard.web.handle("acceptances_export",
                                          json.dumps({"acceptances": [entry]})))
    assert out["acceptances"] == [a.to_json() for a in from_toml]
