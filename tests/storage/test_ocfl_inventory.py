"""The OCFL inventory and layout, pure: content addressing, invariants, JSON, object paths."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from storage.ocfl_inventory import (
    Inventory,
    InventoryError,
    User,
    VersionInfo,
    check_inventory,
    inventory_json,
    next_inventory,
    parse_inventory,
    parse_sidecar,
    sidecar_text,
)
from storage.ocfl_layout import (
    dossier_object_id,
    dossier_scan_object_id,
    object_path,
    plain_id,
    record_object_id,
)

OID = record_object_id("0123456789abcdef0123456789abcdef")
WHO = VersionInfo(
    "ingest", User("Trần Văn Bình", "mailto:binh@example.vn"), datetime(2026, 12, 7, 9, tzinfo=UTC)
)


def d(text: str) -> str:
    return hashlib.sha512(text.encode()).hexdigest()


def first(files: dict[str, str]) -> Inventory:
    new = next_inventory(None, OID, files, WHO)
    assert new is not None
    return new.inventory


def test_v1_stores_each_digest_once_under_its_first_logical_path():
    new = next_inventory(None, OID, {"b.txt": d("x"), "a.txt": d("x"), "c.json": d("y")}, WHO)
    assert new is not None and new.name == "v1"
    assert new.new_content == {"v1/content/a.txt": "a.txt", "v1/content/c.json": "c.json"}
    assert new.inventory.manifest == {d("x"): ["v1/content/a.txt"], d("y"): ["v1/content/c.json"]}
    assert new.inventory.version().files() == {"a.txt": d("x"), "b.txt": d("x"), "c.json": d("y")}
    assert new.inventory.version().created == "2026-12-07T09:00:00Z"


def test_next_version_stores_only_new_digests_and_reuses_old_ones():
    v1 = first({"original/scan.pdf": d("pdf"), "classification.json": d("A")})
    v2 = next_inventory(v1, OID, {"original/scan.pdf": d("pdf"), "classification.json": d("B")}, WHO)
    assert v2 is not None and v2.name == "v2"
    assert v2.new_content == {"v2/content/classification.json": "classification.json"}
    # back to the first decision: its bytes are already stored, nothing new
    v3 = next_inventory(
        v2.inventory, OID, {"original/scan.pdf": d("pdf"), "classification.json": d("A")}, WHO
    )
    assert v3 is not None and v3.new_content == {}
    assert v3.inventory.content_path(d("A")) == "v1/content/classification.json"
    assert v3.inventory.version(1).files() == v3.inventory.version(3).files()
    assert v3.inventory.users_of("v1/content/classification.json") == [
        ("v1", "classification.json"),
        ("v3", "classification.json"),
    ]


def test_an_unchanged_state_makes_no_version():
    v1 = first({"a": d("1")})
    assert next_inventory(v1, OID, {"a": d("1")}, replace(WHO, message="again")) is None


def test_removing_a_file_keeps_its_bytes_for_the_earlier_version():
    v1 = first({"a": d("1"), "b": d("2")})
    v2 = next_inventory(v1, OID, {"a": d("1")}, WHO)
    assert v2 is not None
    assert v2.inventory.version(2).files() == {"a": d("1")}
    assert d("2") in v2.inventory.manifest  # v1 still has it


def test_fixity_block_keeps_the_sha256_of_new_content():
    sha256 = hashlib.sha256(b"x").hexdigest()
    new = next_inventory(None, OID, {"a": d("x")}, WHO, {d("x"): sha256})
    assert new is not None
    assert new.inventory.fixity == {"sha256": {sha256: ["v1/content/a"]}}
    assert new.inventory.fixity_digest("v1/content/a") == sha256


def test_json_round_trip_and_sidecar():
    v1 = first({"pages/0001.txt": d("Điều 1"), "record.json": d("{}")})
    data = inventory_json(v1)
    assert parse_inventory(data) == v1
    raw = json.loads(data)
    assert raw["type"] == "https://ocfl.io/1.1/spec/#inventory" and raw["digestAlgorithm"] == "sha512"
    assert raw["versions"]["v1"]["user"] == {"name": "Trần Văn Bình", "address": "mailto:binh@example.vn"}
    assert parse_sidecar(sidecar_text(data)) == hashlib.sha512(data).hexdigest()
    with pytest.raises(InventoryError):
        parse_sidecar(b"abc inventory.json\n")


def test_created_is_utc_and_needs_a_zone():
    hanoi = timezone(timedelta(hours=7))
    new = next_inventory(
        None, OID, {"a": d("1")}, replace(WHO, created=datetime(2026, 12, 7, 16, tzinfo=hanoi))
    )
    assert new is not None and new.inventory.version().created == "2026-12-07T09:00:00Z"
    with pytest.raises(ValueError, match="time zone"):
        next_inventory(None, OID, {"a": d("1")}, replace(WHO, created=datetime(2026, 12, 7)))


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"a": d("1"), "a/b": d("2")}, "also a folder"),
        ({"../a": d("1")}, "segment"),
        ({"/a": d("1")}, "relative"),
        ({}, "at least one file"),
    ],
)
def test_bad_states_are_refused(files, message):
    with pytest.raises(ValueError, match=message):
        next_inventory(None, OID, files, WHO)


def _broken(**changes) -> Inventory:
    return replace(first({"a": d("1")}), **changes)


@pytest.mark.parametrize(
    ("inventory", "message"),
    [
        (_broken(head="v2"), "head"),
        (_broken(manifest={d("1"): ["v1/content/a"], d("2"): ["v1/content/b"]}), "in no version"),
        (_broken(manifest={d("1"): ["v2/content/a"]}), "not under a version"),
        (_broken(manifest={d("1"): ["v1/a"]}), "not under a version"),
        (_broken(manifest={"ABC": ["v1/content/a"]}), "lowercase sha512"),
        (_broken(manifest={}), "not in the manifest"),
        (_broken(id=""), "id"),
    ],
)
def test_check_inventory_names_the_broken_rule(inventory, message):
    with pytest.raises(InventoryError, match=message):
        check_inventory(inventory)


def test_parse_refuses_other_inventories():
    data = json.loads(inventory_json(first({"a": d("1")})))
    for key, value in [("digestAlgorithm", "sha256"), ("type", "https://ocfl.io/1.0/spec/#inventory")]:
        with pytest.raises(InventoryError, match="not an OCFL 1.1 sha512"):
            parse_inventory(json.dumps({**data, key: value}).encode())
    with pytest.raises(InventoryError, match="not JSON"):
        parse_inventory(b"{")
    del data["manifest"]
    with pytest.raises(InventoryError, match="manifest"):
        parse_inventory(json.dumps(data).encode())


@pytest.mark.parametrize(
    "object_id",
    [
        record_object_id("0123456789abcdef0123456789abcdef"),
        dossier_object_id("fedcba9876543210fedcba9876543210"),
        "plain-id_0",
        "hồ sơ/Quyết định 15.pdf",
        "x" * 150,
        "%" + "é" * 60,
    ],
)
def test_object_paths_are_the_ones_ocfl_py_computes_for_extension_0003(object_id):
    from ocfl.layout_0003_hash_and_id_n_tuple import Layout_0003_Hash_And_Id_N_Tuple

    assert object_path(object_id) == Layout_0003_Hash_And_Id_N_Tuple().identifier_to_path(object_id)


def test_sohoa_object_ids_are_uris_of_checked_ids():
    assert record_object_id("0" * 32) == "urn:sohoa:record:" + "0" * 32
    assert object_path(record_object_id("0" * 32)).endswith("/urn%3asohoa%3arecord%3a" + "0" * 32)
    assert plain_id(record_object_id("0" * 32)) == ("record", "0" * 32)
    assert plain_id(dossier_object_id("rec-a")) == ("dossier", "rec-a")
    assert plain_id(dossier_scan_object_id("rec-a")) == ("dossier-scan", "rec-a")
    assert plain_id("urn:other:0") is None
    for bad in ("", "..", ".", "a/b", "../" + "0" * 29, "a\x00b", ".~tmp-1"):
        with pytest.raises(ValueError):
            record_object_id(bad)
