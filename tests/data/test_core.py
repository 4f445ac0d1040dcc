"""Data roots, downloads with checksums, missing-file errors, the registry."""
import hashlib
from pathlib import Path

import pytest

from jaxgraph import data
from jaxgraph.data import core


def test_root_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGRAPH_DATA", str(tmp_path / "primary"))
    roots = data.data_roots()
    assert roots[0] == tmp_path / "primary"
    if core._REPO_SHARED.is_dir():
        assert roots[-1] == core._REPO_SHARED
    assert data.data_roots(tmp_path / "x") == [tmp_path / "x"]
    monkeypatch.delenv("JAXGRAPH_DATA")
    assert data.data_roots()[0] == Path.home() / ".cache" / "jaxgraph"


def test_find_file_prefers_primary_then_shared(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    (shared / "a").mkdir(parents=True)
    (shared / "a" / "f.txt").write_text("shared")
    monkeypatch.setenv("JAXGRAPH_DATA", str(tmp_path / "primary"))
    monkeypatch.setenv("JAXGRAPH_SHARED_DATA", str(shared))
    assert data.find_file("a/f.txt").read_text() == "shared"
    (tmp_path / "primary" / "a").mkdir(parents=True)
    (tmp_path / "primary" / "a" / "f.txt").write_text("primary")
    assert data.find_file("a/f.txt").read_text() == "primary"


def test_download_checks_checksum(tmp_path, monkeypatch):
    src = tmp_path / "remote.bin"
    src.write_bytes(b"hello graph")
    good = hashlib.sha256(b"hello graph").hexdigest()
    monkeypatch.delenv("JAXGRAPH_OFFLINE", raising=False)
    root = tmp_path / "root"
    p = data.find_file("x/remote.bin", root=root, url=src.as_uri(), sha256=good)
    assert p == root / "x" / "remote.bin" and p.read_bytes() == b"hello graph"
    with pytest.raises(ValueError, match="checksum mismatch"):
        data.find_file("x/other.bin", root=root, url=src.as_uri(), sha256="0" * 64)
    assert not (root / "x" / "other.bin").exists()  # a bad download is not kept
    assert not list((root / "x").glob("*.part*"))


def test_missing_file_error_names_file_and_source(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGRAPH_OFFLINE", "1")
    with pytest.raises(data.DatasetNotFoundError, match=r"'planetoid/raw/ind.cora.x' not found.*download it from https://"):
        data.load("cora", root=tmp_path)
    with pytest.raises(FileNotFoundError):  # DatasetNotFoundError is a FileNotFoundError
        data.find_file("nothing/here.txt", root=tmp_path)


def test_unknown_dataset_lists_names():
    with pytest.raises(ValueError, match=r"unknown dataset 'coraa'.*cora"):
        data.load("coraa")
    names = data.available()
    for required in ["cora", "citeseer", "pubmed", "chameleon", "squirrel", "actor", "texas", "cornell",
                     "wisconsin", "karate", "mutag", "proteins", "nci1", "imdb-binary", "enzymes", "micro-zinc",
                     "pcqm4mv2-2k", "uci", "enron", "wikipedia", "collegemsg", "bitcoin-alpha", "bitcoin-otc",
                     "email-enron", "contact-high-school", "contact-primary-school", "ndc-classes", "blogcatalog",
                     "ppi", "wikipedia-pos", "musk1", "elephant", "movielens-100k"]:
        assert required in names, required
    assert data.load("Bitcoin_Alpha").name  # case and underscores are normalised


def test_malformed_helper_message():
    err = data.malformed("/d/f.txt", 7, "expected 3 columns, got 2")
    assert isinstance(err, ValueError) and "/d/f.txt, line 7: expected 3 columns" in str(err)
