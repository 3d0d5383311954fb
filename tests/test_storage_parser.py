"""storage.cfg → StorageConfig (formats.md §4, ST Plugin.pm parse_config)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.parsers import storage

F = "etc/pve/storage.cfg"

STOCK = """dir: local
\tpath /var/lib/vz
\tcontent iso,vztmpl,backup

lvmthin: local-lvm
\tthinpool data
\tvgname pve
\tcontent rootdir,images

nfs: nas
\texport /export/pve
\tpath /mnt/pve/nas
\tserver 10.0.0.5
\tcontent backup,iso
\toptions vers=4.2,soft
\tprune-backups keep-last=3

cifs: smb
\tpath /mnt/pve/smb
\tserver 10.0.0.6
\tshare guest-backups
\tcontent backup
\tusername backup
\tdomain CORP
\tsmbversion 3.11

pbs: pbs1
\tdatastore store1
\tserver 10.0.0.7
\tcontent backup
\tfingerprint aa:bb
\tusername backup@pbs
\tencryption-key 1a:2b
"""


def parse(text: str) -> tuple[storage.StorageConfig, Diagnostics]:
    d = Diagnostics()
    return storage.parse(text, F, d), d


def test_stock_file() -> None:
    cfg, d = parse(STOCK)
    assert list(d) == []
    assert list(cfg.storages) == ["local", "local-lvm", "nas", "smb", "pbs1"]
    nas = cfg.storages["nas"]
    assert (nas.type, nas.shared, nas.disabled, nas.line) == ("nfs", True, False, 10)
    assert nas.options == ["vers=4.2", "soft"]
    assert nas.content == frozenset({"backup", "iso"}) and nas.content_default is False
    assert nas.line_of("options") == 15 and nas.get("server") == "10.0.0.5"
    assert nas.mount_option("vers") == "4.2" and nas.mount_option("soft") == ""
    assert nas.mount_option("sec") is None
    assert cfg.storages["local"].shared is False and cfg.storages["local"].line == 1
    assert cfg.storages["pbs1"].shared is True  # forced for pbs
    assert [s.id for s in cfg.of_type("cifs", "nfs")] == ["nas", "smb"]


def test_missing_content_takes_type_default() -> None:
    cfg, _ = parse("nfs: nn\n\tpath /mnt/pve/n\n\tserver s\n\texport /e\n\n"
                   "dir: dd\n\tpath /srv\n\npbs: pp\n\tserver s\n\tdatastore x\n")
    assert cfg.storages["nn"].content == frozenset({"images"})
    assert cfg.storages["nn"].content_default is True
    assert cfg.storages["dd"].content == frozenset({"images", "rootdir"})
    assert cfg.storages["pp"].content == frozenset({"backup"})


def test_local_forced_when_missing_or_wrong() -> None:
    cfg, d = parse("")
    local = cfg.storages["local"]
    assert (local.type, local.get("path"), local.line, local.file) == ("dir", "/var/lib/vz", 0, F)
    assert local.content == frozenset({"backup", "images", "iso", "rootdir", "snippets",
                                       "vztmpl"})
    assert list(d) == []
    cfg, d = parse("dir: other\n\tpath /x\n\nnfs: local\n\tpath /mnt/pve/local\n\tserver s\n"
                   "\texport /e\n\toptions no_root_squash\n")
    assert list(cfg.storages) == ["local", "other"]
    assert cfg.storages["local"].type == "dir" and cfg.storages["local"].options == []
    assert [(x.line, x.level) for x in d] == [(4, "warning")]


def test_local_nodes_removed() -> None:
    cfg, d = parse("dir: local\n\tpath /var/lib/vz\n\tnodes pve1,pve2\n")
    assert cfg.storages["local"].nodes == () and "nodes" not in cfg.storages["local"].props
    assert [(x.line, x.level) for x in d] == [(3, "info")]


def test_shared_flag_and_nodes_and_disable() -> None:
    cfg, d = parse("dir: dd\n\tpath /srv\n\tshared 1\n\tdisable\n\tnodes a,b\n")
    s = cfg.storages["dd"]
    assert (s.shared, s.disabled, s.nodes) == (True, True, ("a", "b"))
    assert list(d) == []


def test_unknown_key_unknown_type_maxfiles_and_glusterfs() -> None:
    cfg, d = parse("dir: dd\n\tpath /srv\n\tfoo bar\n\tmaxfiles 2\n\n"
                   "glusterfs: gg\n\tserver a\n\tvolume v\n")
    assert "foo" not in cfg.storages["dd"].props and "gg" not in cfg.storages
    assert [(x.line, x.level) for x in d] == [(3, "warning"), (4, "warning"), (6, "warning")]
    assert "removed in PVE 9" in d[1].message and "unsupported type 'glusterfs'" in d[2].message


def test_options_with_space_is_dropped() -> None:
    cfg, d = parse("nfs: nn\n\tpath /p\n\tserver s\n\texport /e\n\toptions vers=3, soft\n")
    assert cfg.storages["nn"].options == [] and "options" not in cfg.storages["nn"].props
    assert [(x.line, x.level) for x in d] == [(5, "warning")]


def test_required_key_missing_skips_storage() -> None:
    cfg, d = parse("cifs: cc\n\tpath /p\n\tserver s\n")
    assert "cc" not in cfg.storages
    assert [(x.line, x.level) for x in d] == [(1, "warning")]
    assert "'share'" in d[0].message


def test_content_invalid_types() -> None:
    cfg, d = parse("pbs: pp\n\tserver s\n\tdatastore x\n\tcontent images\n\n"
                   "dir: ee\n\tpath /e\n\tcontent none,iso\n\ndir: ff\n\tpath /f\n\tcontent iso,junk\n")
    # pbs allows `none`, so with every type dropped PVE keeps an empty set (no default)
    assert cfg.storages["pp"].content == frozenset()
    assert cfg.storages["ee"].content == frozenset({"images", "rootdir"})
    assert cfg.storages["ff"].content == frozenset({"iso"})
    assert [x.line for x in d] == [4, 8, 12]


def test_password_in_file_warned() -> None:
    cfg, d = parse("cifs: cc\n\tpath /p\n\tserver s\n\tshare x\n\tpassword hunter2\n")
    assert cfg.storages["cc"].get("password") == "hunter2"
    assert [(x.line, x.level) for x in d] == [(5, "warning")]


def test_crlf_loses_later_storages() -> None:
    cfg, d = parse(STOCK.replace("\n", "\r\n"))
    assert list(cfg.storages) == ["local"]
    assert cfg.storages["local"].content == frozenset({"iso", "vztmpl", "backup"})
    assert d[0].line == 4 and "whitespace-only" in d[0].message


def test_load() -> None:
    assert storage.load(Snapshot(), Diagnostics()) is None
    cfg = storage.load(Snapshot.from_texts({F: STOCK}), Diagnostics())
    assert cfg is not None and len(cfg.storages) == 5


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*STOCK.split("\n"), "", " ", "\r", "\toptions a b",
                                 "\tcontent none", "\tshared yes", "zfs: z", "\tdisable"]),
                max_size=50))
def test_mutations_never_raise(lines: list[str]) -> None:
    cfg, _ = parse("\n".join(lines))
    assert cfg.storages["local"].type == "dir"
    for s in cfg.storages.values():
        assert all(o and "," not in o for o in s.options)
        if s.type in storage.SHARED_TYPES:
            assert s.shared


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_random_text_never_raises(text: str) -> None:
    cfg, _ = parse(text)
    assert "local" in cfg.storages
