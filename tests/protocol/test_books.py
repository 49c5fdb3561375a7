"""The local order book: snapshot/update, seqId continuity, the REST splice and the checksum
(okx-streams-rest.md sections 1.3-1.9). No event loop: the book is sans-I/O."""

from __future__ import annotations

import copy
import json
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okxws.protocol.books import (
    ApplyResult,
    BookState,
    LocalBook,
    OkxBookItemError,
    okx_checksum,
)
from okxws.protocol.exceptions import OkxDecodeError, OkxValidationError

FRAMES = Path(__file__).parent.parent / "fixtures" / "okx-frames"
R = ApplyResult


def _frame(name: str) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads((FRAMES / name).read_text())["frame"]
    return frame


def lv(px: str, sz: str, width: int = 4) -> list[str]:
    """A wire level: ``[px, sz, "0", count]`` (instruments) or ``[px, sz, count]`` (spreads)."""
    count = "0" if sz == "0" else "1"
    return [px, sz, "0", count] if width == 4 else [px, sz, count]


def item(
    bids: list[list[str]],
    asks: list[list[str]],
    seq: int,
    prev: int | None = -1,
    ts: str = "1597026383085",
    checksum: int | None = 0,
) -> dict[str, Any]:
    """A push ``data[0]`` item; ``prev=None`` leaves ``prevSeqId`` out (snapshot channels)."""
    out: dict[str, Any] = {"asks": asks, "bids": bids, "ts": ts, "seqId": seq}
    if prev is not None:
        out["prevSeqId"] = prev
    if checksum is not None:
        out["checksum"] = checksum
    return out


def synced_book(channel: str = "books", seq: int = 10) -> LocalBook:
    """bids 100/1, 99/2, 98/3; asks 101/1, 102/2, 103/3; seqId ``seq``."""
    book = LocalBook(channel, "BTC-USDT")
    bids = [lv("100", "1"), lv("99", "2"), lv("98", "3")]
    asks = [lv("101", "1"), lv("102", "2"), lv("103", "3")]
    assert book.apply(item(bids, asks, seq), "snapshot") is R.SNAPSHOT
    return book


def in_sequence(book: LocalBook) -> bool:
    """``book.synced``, read through a call: mypy would keep an earlier ``assert`` narrowing."""
    return book.synced


def update(book: LocalBook, bids: list[list[str]], asks: list[list[str]], seq: int) -> ApplyResult:
    """An in-sequence update (prevSeqId = the book's last seqId)."""
    return book.apply(item(bids, asks, seq, prev=book.seq_id), "update")


# --------------------------------------------------------------------- snapshot and update


def test_snapshot_replaces_the_book_and_reads_best_first() -> None:
    book = synced_book()
    assert book.synced and book.state is BookState.SYNCED
    assert book.seq_id == 10
    assert book.ts == 1597026383085
    assert book.bids() == [("100", "1"), ("99", "2"), ("98", "3")]
    assert book.asks(2) == [("101", "1"), ("102", "2")]
    assert book.best_bid() == ("100", "1")
    assert book.best_ask() == ("101", "1")
    # A second snapshot is a full replace, not a merge.
    assert book.apply(item([lv("50", "5")], [], 20), "snapshot") is R.SNAPSHOT
    assert book.bids() == [("50", "5")]
    assert book.asks() == []
    assert book.best_ask() is None
    assert book.seq_id == 20


def test_snapshot_sorts_unsorted_levels_and_skips_zero_sizes() -> None:
    book = LocalBook("books")
    snap = item([lv("98", "3"), lv("100", "1"), lv("99", "0")], [lv("102", "2"), lv("101", "1")], 1)
    assert book.apply(snap, "snapshot") is R.SNAPSHOT
    assert book.bids() == [("100", "1"), ("98", "3")]
    assert book.asks() == [("101", "1"), ("102", "2")]


def test_update_changes_deletes_and_inserts_levels() -> None:
    book = synced_book()
    # Change a size, delete a level, delete a level that is not there (a no-op), insert levels
    # in the middle and at the end.
    bids = [lv("99", "2.5"), lv("98", "0"), lv("97", "0"), lv("98.5", "4"), lv("90", "1")]
    asks = [lv("102", "0"), lv("104", "7")]
    assert update(book, bids, asks, 15) is R.UPDATE
    assert book.bids() == [("100", "1"), ("99", "2.5"), ("98.5", "4"), ("90", "1")]
    assert book.asks() == [("101", "1"), ("103", "3"), ("104", "7")]
    assert book.seq_id == 15


def test_update_inserts_a_new_best_bid_and_ask_and_deletes_the_best() -> None:
    book = synced_book()
    assert update(book, [lv("100.5", "9")], [lv("100.9", "8")], 11) is R.UPDATE
    assert book.best_bid() == ("100.5", "9")
    assert book.best_ask() == ("100.9", "8")
    assert update(book, [lv("100.5", "0")], [lv("100.9", "0"), lv("101", "0")], 12) is R.UPDATE
    assert book.best_bid() == ("100", "1")
    assert book.best_ask() == ("102", "2")


def test_prices_and_sizes_stay_the_wire_strings() -> None:
    book = LocalBook("books")
    book.apply(item([lv("0.5000", "1.10")], [lv("0.5010", "2.000")], 1), "snapshot")
    assert book.bids() == [("0.5000", "1.10")]
    assert book.asks() == [("0.5010", "2.000")]
    # The same price spelled otherwise is the same level; the latest spelling is kept.
    update(book, [lv("0.5", "3")], [], 2)
    assert book.bids() == [("0.5", "3")]


def test_the_order_is_numeric_not_lexicographic() -> None:
    book = LocalBook("books")
    book.apply(item([lv("9.5", "1"), lv("10", "1"), lv("100", "1")], [], 1), "snapshot")
    assert [px for px, _ in book.bids()] == ["100", "10", "9.5"]


def test_heartbeat_keeps_the_book_and_the_seq_id() -> None:
    """No change for ~60 s: empty asks/bids, prevSeqId == seqId == last (OKX exception 1)."""
    book = synced_book(seq=15)
    before = (book.bids(), book.asks())
    heartbeat = item([], [], 15, prev=15, ts="1597026443085")
    assert book.apply(heartbeat, "update") is R.HEARTBEAT
    assert (book.bids(), book.asks()) == before
    assert book.seq_id == 15
    assert book.ts == 1597026443085
    assert book.synced
    assert update(book, [lv("100", "5")], [], 16) is R.UPDATE


def test_sequence_reset_is_in_sequence() -> None:
    """Maintenance reset: seqId < prevSeqId, prevSeqId == last (OKX exception 2)."""
    book = synced_book(seq=15)
    assert book.apply(item([lv("100", "7")], [], 3, prev=15), "update") is R.UPDATE
    assert book.seq_id == 3
    assert book.apply(item([], [lv("101", "6")], 5, prev=3), "update") is R.UPDATE
    assert book.best_bid() == ("100", "7")
    assert book.best_ask() == ("101", "6")
    assert book.synced


def test_docs_sequence_example() -> None:
    """The docs' example: snapshot 10, update 10->15, no change 15->15, reset 15->3, 3->5."""
    book = LocalBook("books-l2-tbt")
    assert book.apply(item([lv("1", "1")], [lv("2", "1")], 10), "snapshot") is R.SNAPSHOT
    steps = [(10, 15, R.UPDATE), (15, 15, R.HEARTBEAT), (15, 3, R.UPDATE), (3, 5, R.UPDATE)]
    for prev, seq, expected in steps:
        levels = [] if expected is R.HEARTBEAT else [lv("1", str(seq))]
        assert book.apply(item(levels, [], seq, prev=prev), "update") is expected
    assert book.seq_id == 5
    assert book.bids() == [("1", "5")]


# --------------------------------------------------------------------- gaps and duplicates


def test_gap_empties_the_book_and_drops_updates_until_a_snapshot() -> None:
    book = synced_book(seq=10)
    assert book.apply(item([lv("100", "9")], [], 20, prev=12), "update") is R.GAP
    assert not book.synced and book.state is BookState.OUT_OF_SYNC
    assert book.bids() == [] and book.asks() == []
    assert book.resyncs == 1
    # Updates still in flight before the fresh snapshot: dropped, and no second GAP.
    assert book.apply(item([lv("100", "9")], [], 21, prev=20), "update") is R.DROPPED
    assert book.apply(item([lv("100", "9")], [], 30, prev=25), "update") is R.DROPPED
    assert book.resyncs == 1
    # The resubscription's snapshot re-syncs the book.
    assert book.apply(item([lv("100", "4")], [lv("101", "4")], 40), "snapshot") is R.SNAPSHOT
    assert in_sequence(book) and book.bids() == [("100", "4")]
    assert update(book, [lv("99", "1")], [], 41) is R.UPDATE


def test_duplicate_update_is_a_gap() -> None:
    book = synced_book(seq=10)
    duplicate = item([lv("100", "9")], [], 12, prev=10)
    assert book.apply(duplicate, "update") is R.UPDATE
    assert book.apply(copy.deepcopy(duplicate), "update") is R.GAP
    assert not book.synced


def test_an_older_update_is_a_gap() -> None:
    book = synced_book(seq=10)
    assert book.apply(item([lv("100", "9")], [], 9, prev=8), "update") is R.GAP


def test_real_recorded_books_frames() -> None:
    snapshot = _frame("push-books-snapshot.json")
    update_frame = _frame("push-books-update.json")
    book = LocalBook(snapshot["arg"]["channel"], snapshot["arg"]["instId"])
    assert book.apply(snapshot["data"][0], snapshot["action"]) is R.SNAPSHOT
    assert book.best_bid() == ("1.782", "2173.46443964")
    assert book.best_ask() == ("1.783", "411.15719291")
    assert book.seq_id == 9690930615
    assert book.apply(update_frame["data"][0], update_frame["action"]) is R.UPDATE
    assert book.seq_id == 9690930617
    assert book.bids() == [
        ("1.782", "2173.46443964"),
        ("1.781", "14694.07509503"),
        ("1.78", "12102.991384"),
        ("1.32", "541.81794985"),
    ]
    assert len(book.asks()) == 3
    # Replayed: the same frame again is out of sequence.
    assert book.apply(update_frame["data"][0], update_frame["action"]) is R.GAP


# --------------------------------------------------------------------- snapshot-only channels


def test_books5_recorded_frame_without_seq_id() -> None:
    frame = _frame("push-books5.json")
    book = LocalBook("books5", "PERP-USDT")
    assert book.apply(frame["data"][0], frame.get("action")) is R.SNAPSHOT
    assert book.seq_id == -1  # the 2022 shape has no seqId
    assert book.best_bid() == ("0.771", "1111.147468")
    assert book.asks(5)[-1] == ("0.777", "192")
    assert len(book.bids()) == 5


@pytest.mark.parametrize("channel", ["books5", "bbo-tbt"])
def test_snapshot_channels_replace_on_every_push_latest_wins(channel: str) -> None:
    book = LocalBook(channel, "LTC-USDC")
    first = item([lv("83.8", "11.93317")], [lv("83.81", "11.93175")], 378617009, prev=None)
    assert book.apply(first) is R.SNAPSHOT
    # No prevSeqId and no documented order: a lower seqId still replaces (latest wins).
    second = item([lv("83.7", "1")], [lv("83.9", "2")], 378617001, prev=None)
    assert book.apply(second) is R.SNAPSHOT
    assert book.bids() == [("83.7", "1")] and book.asks() == [("83.9", "2")]
    assert book.seq_id == 378617001
    assert book.synced


def test_actions_are_checked_against_the_channel() -> None:
    with pytest.raises(OkxBookItemError, match="unexpected action"):
        LocalBook("books5").apply(item([], [], 1), "update")
    with pytest.raises(OkxBookItemError, match="unexpected action"):
        LocalBook("books5").apply_update(item([], [], 1))
    with pytest.raises(OkxBookItemError, match="unexpected action"):
        LocalBook("books").apply(item([], [], 1))
    with pytest.raises(OkxBookItemError, match="unexpected action"):
        LocalBook("books").apply(item([], [], 1), "partial")


def test_only_book_channels() -> None:
    with pytest.raises(OkxValidationError):
        LocalBook("tickers")
    with pytest.raises(OkxValidationError):
        LocalBook("no-such-channel")


# --------------------------------------------------------------------- spreads


def test_spread_books_use_three_element_levels_and_signed_prices() -> None:
    book = LocalBook("sprd-books-l2-tbt", "BTC-USDT_BTC-USDT-SWAP")
    assert book.spec.level_width == 3
    bids = [lv("0", "10", 3), lv("-0.1", "5", 3), lv("0.3", "1", 3)]
    asks = [lv("0.5", "4", 3), lv("0.4", "2", 3)]
    assert book.apply(item(bids, asks, 7), "snapshot") is R.SNAPSHOT
    assert book.bids() == [("0.3", "1"), ("0", "10"), ("-0.1", "5")]
    assert book.asks() == [("0.4", "2"), ("0.5", "4")]
    upd = item([lv("0", "0", 3), lv("-0.2", "3", 3)], [lv("0.4", "9", 3)], 9, prev=7)
    assert book.apply(upd, "update") is R.UPDATE
    assert book.bids() == [("0.3", "1"), ("-0.1", "5"), ("-0.2", "3")]
    assert book.asks() == [("0.4", "9"), ("0.5", "4")]


def test_spread_snapshot_channel() -> None:
    book = LocalBook("sprd-books5", "BTC-USDT_BTC-USDT-SWAP")
    assert book.apply(item([lv("411.8", "10", 3)], [lv("415", "5", 3)], 2, prev=None)) is R.SNAPSHOT
    assert book.best_bid() == ("411.8", "10")


# --------------------------------------------------------------------- malformed items


GOOD_SNAPSHOT = item([lv("100", "1")], [lv("101", "1")], 10)

MALFORMED: dict[str, dict[str, Any]] = {
    "not a dict": {"bids": "nope"},
    "no seqId": {k: v for k, v in GOOD_SNAPSHOT.items() if k != "seqId"},
    "no ts": {k: v for k, v in GOOD_SNAPSHOT.items() if k != "ts"},
    "no bids": {k: v for k, v in GOOD_SNAPSHOT.items() if k != "bids"},
    "seqId a string": {**GOOD_SNAPSHOT, "seqId": "10"},
    "ts not digits": {**GOOD_SNAPSHOT, "ts": "soon"},
    "ts a number": {**GOOD_SNAPSHOT, "ts": 1597026383085},
    "levels not a list": {**GOOD_SNAPSHOT, "bids": {"100": "1"}},
    "level not a list": {**GOOD_SNAPSHOT, "bids": ["100"]},
    "level too short": {**GOOD_SNAPSHOT, "bids": [["100"]]},
    "price a number": {**GOOD_SNAPSHOT, "asks": [[101, "1", "0", "1"]]},
    "size a number": {**GOOD_SNAPSHOT, "asks": [["101", 1, "0", "1"]]},
    "price not a number": {**GOOD_SNAPSHOT, "asks": [lv("abc", "1")]},
    "price nan": {**GOOD_SNAPSHOT, "asks": [lv("nan", "1")]},
    "price inf": {**GOOD_SNAPSHOT, "bids": [lv("-inf", "1")]},
    "price beyond float precision": {**GOOD_SNAPSHOT, "asks": [lv("1.00000000000000001", "1")]},
    "size negative": {**GOOD_SNAPSHOT, "asks": [lv("101", "-1")]},
    "size nan": {**GOOD_SNAPSHOT, "asks": [lv("101", "nan")]},
    "size not a number": {**GOOD_SNAPSHOT, "bids": [lv("100", "lots")]},
}


@pytest.mark.parametrize("bad", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_snapshot_raises_and_leaves_the_book_unchanged(bad: dict[str, Any]) -> None:
    book = synced_book()
    before = (book.bids(), book.asks(), book.seq_id, book.state)
    with pytest.raises(OkxBookItemError) as info:
        book.apply(bad, "snapshot")
    assert isinstance(info.value, OkxDecodeError)
    assert info.value.raw is not None
    assert (book.bids(), book.asks(), book.seq_id, book.state) == before


@pytest.mark.parametrize("bad", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_update_raises_and_the_book_stops_serving(bad: dict[str, Any]) -> None:
    book = synced_book(seq=10)
    bad = {**bad, "prevSeqId": 10}  # in sequence, so that the levels are read
    with pytest.raises(OkxBookItemError):
        book.apply(bad, "update")
    # Either rejected before anything was applied (book as it was) or out of sync (empty):
    # never a half-applied book that still claims to be in sequence.
    if book.synced:
        assert book.bids() == [("100", "1"), ("99", "2"), ("98", "3")]
        assert book.seq_id == 10
    else:
        assert book.bids() == [] and book.resyncs == 1


def test_a_bad_level_after_good_ones_takes_the_book_out_of_sync() -> None:
    book = synced_book(seq=10)
    with pytest.raises(OkxBookItemError):
        update(book, [lv("100", "5"), lv("99", "oops")], [], 11)
    assert not book.synced and book.bids() == []
    assert book.apply(item([lv("1", "1")], [], 20), "snapshot") is R.SNAPSHOT


def test_a_price_string_that_is_long_but_exact_is_fine() -> None:
    book = LocalBook("books")
    long_px = "0.0000000012345678"  # 18 characters, 8 significant digits
    book.apply(item([lv(long_px, "1")], [], 1), "snapshot")
    assert book.bids() == [(long_px, "1")]


# --------------------------------------------------------------------- REST snapshot splice


def splicing_book(first_prev: int = 100, seqs: tuple[int, ...] = (103, 106, 110)) -> LocalBook:
    """A book that got no snapshot: updates prev=first_prev -> seqs[0] -> seqs[1] ... buffered.
    Each update sets bid 50 to its seqId, so the book shows which updates were applied."""
    book = LocalBook("books", "BTC-USDT-SWAP")
    prev = first_prev
    for i, seq in enumerate(seqs):
        result = book.apply(
            item([lv("50", str(seq))], [lv(str(200 + seq), "1")], seq, prev), "update"
        )
        assert result is (R.SPLICE_NEEDED if i == 0 else R.BUFFERED)
        prev = seq
    assert book.state is BookState.SPLICING and not book.synced
    return book


def rest_snapshot(seq: int) -> dict[str, Any]:
    """``GET /api/v5/market/books`` ``data[0]`` (no prevSeqId/checksum); bid 50 is ``0.<seqId>``."""
    return item(
        [lv("50", f"0.{seq}"), lv("49", "1")], [lv("300", "1")], seq, prev=None, checksum=None
    )


def test_splice_discards_buffered_updates_the_snapshot_covers() -> None:
    book = splicing_book()
    assert book.splice(rest_snapshot(104)) is R.SPLICED  # 103 <= 104 < 106: keep 106 and 110
    assert book.synced and book.seq_id == 110
    assert book.bids() == [("50", "110"), ("49", "1")]
    assert book.asks() == [("300", "1"), ("306", "1"), ("310", "1")]  # 303 was discarded
    assert update(book, [lv("49", "0")], [], 111) is R.UPDATE


def test_splice_with_the_snapshot_at_a_buffered_seq_id() -> None:
    book = splicing_book()
    assert book.splice(rest_snapshot(106)) is R.SPLICED
    assert book.asks() == [("300", "1"), ("310", "1")]
    assert book.seq_id == 110


def test_splice_with_the_snapshot_at_the_first_prev_seq_id() -> None:
    book = splicing_book(first_prev=100)
    assert book.splice(rest_snapshot(100)) is R.SPLICED  # 100 <= 100 < 103: keep all
    assert book.asks() == [("300", "1"), ("303", "1"), ("306", "1"), ("310", "1")]


def test_splice_snapshot_too_old() -> None:
    book = splicing_book(first_prev=100)
    assert book.splice(rest_snapshot(99)) is R.SNAPSHOT_TOO_OLD
    assert book.state is BookState.SPLICING
    assert book.apply(item([], [], 112, prev=110), "update") is R.BUFFERED
    assert book.splice(rest_snapshot(111)) is R.SPLICED
    assert book.seq_id == 112


def test_splice_snapshot_ahead_of_the_stream_waits_for_it() -> None:
    book = splicing_book()
    assert book.splice(rest_snapshot(115)) is R.SPLICE_PENDING
    assert not book.synced
    assert book.splice(rest_snapshot(116)) is R.DROPPED  # one snapshot is enough
    assert book.apply(item([lv("50", "113")], [], 113, prev=110), "update") is R.BUFFERED
    assert book.apply(item([lv("50", "115")], [], 115, prev=113), "update") is R.BUFFERED
    assert book.bids()[0] == ("50", "0.115")  # the covered updates were not applied
    assert book.apply(item([lv("50", "118")], [], 118, prev=115), "update") is R.SPLICED
    assert in_sequence(book) and book.seq_id == 118 and book.bids()[0] == ("50", "118")


def test_splice_pending_then_a_gap_starts_over() -> None:
    book = splicing_book()
    assert book.splice(rest_snapshot(115)) is R.SPLICE_PENDING
    assert book.apply(item([], [], 130, prev=120), "update") is R.SPLICE_NEEDED
    assert book.bids() == []  # the installed snapshot is void
    assert book.splice(rest_snapshot(119)) is R.SNAPSHOT_TOO_OLD  # the stream restarts at 120
    assert book.splice(rest_snapshot(125)) is R.SPLICED  # 120 <= 125 < 130
    assert book.seq_id == 130


def test_a_gap_inside_the_buffer_restarts_it() -> None:
    book = splicing_book(first_prev=100, seqs=(103, 106))
    assert book.apply(item([], [], 120, prev=110), "update") is R.SPLICE_NEEDED
    assert book.splice(rest_snapshot(104)) is R.SNAPSHOT_TOO_OLD  # before the new start (110)
    assert book.splice(rest_snapshot(110)) is R.SPLICED
    assert book.seq_id == 120


def test_a_sequence_reset_inside_the_buffer_asks_for_a_new_snapshot() -> None:
    book = splicing_book(first_prev=100, seqs=(103, 106))
    assert book.apply(item([lv("50", "2")], [], 2, prev=106), "update") is R.SPLICE_NEEDED
    assert book.apply(item([lv("50", "4")], [], 4, prev=2), "update") is R.BUFFERED
    assert book.splice(rest_snapshot(1)) is R.SNAPSHOT_TOO_OLD
    assert book.splice(rest_snapshot(2)) is R.SPLICED
    assert book.bids()[0] == ("50", "4") and book.seq_id == 4


def test_the_buffer_is_bounded_and_forgets_its_oldest() -> None:
    book = LocalBook("books", max_buffered=3)
    assert book.apply(item([], [], 1, prev=0), "update") is R.SPLICE_NEEDED
    for seq in range(2, 7):
        assert book.apply(item([lv("50", str(seq))], [], seq, prev=seq - 1), "update") is R.BUFFERED
    # Kept: 4, 5, 6 (prev 3): a snapshot older than 3 cannot be joined any more.
    assert book.splice(rest_snapshot(2)) is R.SNAPSHOT_TOO_OLD
    assert book.splice(rest_snapshot(3)) is R.SPLICED
    assert book.bids()[0] == ("50", "6")


def test_a_websocket_snapshot_ends_a_splice() -> None:
    book = splicing_book()
    assert book.apply(item([lv("1", "1")], [], 200), "snapshot") is R.SNAPSHOT
    assert book.synced
    assert book.splice(rest_snapshot(150)) is R.DROPPED  # the late REST answer is not needed
    assert book.bids() == [("1", "1")]


def test_splice_is_only_for_a_splicing_book() -> None:
    assert synced_book().splice(rest_snapshot(5)) is R.DROPPED
    assert LocalBook("books").splice(rest_snapshot(5)) is R.DROPPED


def test_malformed_rest_snapshot_and_buffered_update_raise() -> None:
    book = splicing_book()
    with pytest.raises(OkxBookItemError):
        book.splice({"asks": [], "bids": [], "ts": "1"})  # no seqId
    with pytest.raises(OkxBookItemError):
        book.apply(item([lv("50", "x")], [], 111, prev=110), "update")
    assert book.splice(rest_snapshot(104)) is R.SPLICED  # the buffer is intact


def test_reset_after_a_gap_lets_a_snapshotless_resubscription_splice() -> None:
    book = synced_book(seq=10)
    assert book.apply(item([], [], 20, prev=15), "update") is R.GAP
    assert book.apply(item([], [], 21, prev=20), "update") is R.DROPPED
    book.reset()  # the resubscription was acknowledged
    assert book.state is BookState.AWAITING_SNAPSHOT and book.seq_id == -1
    assert book.resyncs == 1
    assert book.apply(item([lv("50", "30")], [], 30, prev=29), "update") is R.SPLICE_NEEDED
    assert book.splice(rest_snapshot(29)) is R.SPLICED
    assert book.bids()[0] == ("50", "30")


# --------------------------------------------------------------------- checksum


def _ck4() -> tuple[list[list[str]], list[list[str]]]:
    bids = [lv(str(Decimal(100) - Decimal("0.5") * i).rstrip("0").rstrip("."), str(i + 1))
            for i in range(27)]  # fmt: skip
    asks = [lv("100.5", "2.5"), lv("101", "0.001"), lv("102.25", "10")]
    return bids, asks


def test_ck1_ck2_docs_examples() -> None:
    bids1 = [lv("3366.1", "7"), lv("3366", "6")]
    asks1 = [lv("3366.8", "9"), lv("3368", "8")]
    assert okx_checksum(bids1, asks1) == -1881014294
    asks2 = [lv("3366.8", "9"), lv("3368", "8"), lv("3372", "8")]
    assert okx_checksum([lv("3366.1", "7")], asks2) == 831078360


def test_ck3_real_snapshot_checksum() -> None:
    frame = _frame("push-books-snapshot-checksum-2022.json")
    data = frame["data"][0]
    assert (len(data["bids"]), len(data["asks"])) == (39, 37)
    assert okx_checksum(data["bids"], data["asks"]) == -1462286744 == data["checksum"]
    book = LocalBook("books", "BTC-USDT", verify_checksum=True)
    # The 2022 frame predates seqId; the book needs one on an incremental channel.
    assert book.apply({**data, "seqId": 1}, "snapshot") is R.SNAPSHOT
    assert book.checksum() == -1462286744


def test_ck4_ck5_more_than_25_levels_and_an_update() -> None:
    bids, asks = _ck4()
    assert okx_checksum(bids, asks) == 942866028
    book = LocalBook("books")
    book.apply(item(bids, asks, 1), "snapshot")
    assert book.checksum() == 942866028
    upd = [lv("99.5", "3.75"), lv("100.25", "1")]
    assert update(book, upd, [["101", "0", "0", "0"]], 2) is R.UPDATE
    assert book.checksum() == 726827743


def test_ck6_formatting_matters_and_ck7_empty_book() -> None:
    assert okx_checksum([lv("0.5000", "1")], [lv("0.5010", "2")]) == 414592370
    assert okx_checksum([lv("0.5", "1")], [lv("0.501", "2")]) == 912180189
    assert okx_checksum([], []) == 0
    assert LocalBook("books").checksum() == 0


def test_checksum_verified_only_when_asked_and_non_zero() -> None:
    bids, asks = _ck4()
    good = item(bids, asks, 1, checksum=942866028)
    bad = item(bids, asks, 1, checksum=12345)
    absent = item(bids, asks, 1, checksum=0)  # deprecated: 0 means "not sent", never "verified"
    assert LocalBook("books", verify_checksum=True).apply(good, "snapshot") is R.SNAPSHOT
    assert LocalBook("books", verify_checksum=True).apply(absent, "snapshot") is R.SNAPSHOT
    assert LocalBook("books").apply(bad, "snapshot") is R.SNAPSHOT  # off by default
    book = LocalBook("books", verify_checksum=True)
    assert book.apply(bad, "snapshot") is R.CHECKSUM_MISMATCH
    assert not book.synced and book.resyncs == 1


def test_checksum_mismatch_on_an_update() -> None:
    bids, asks = _ck4()
    book = LocalBook("books", verify_checksum=True)
    book.apply(item(bids, asks, 1, checksum=942866028), "snapshot")
    ok = item(
        [lv("99.5", "3.75"), lv("100.25", "1")], [["101", "0", "0", "0"]], 2, 1, checksum=726827743
    )
    assert book.apply(ok, "update") is R.UPDATE
    wrong = item([lv("99", "1")], [], 3, 2, checksum=726827743)
    assert book.apply(wrong, "update") is R.CHECKSUM_MISMATCH
    assert not book.synced and book.bids() == []


# --------------------------------------------------------------------- properties

PRICES = st.integers(min_value=1, max_value=60).map(lambda t: str(Decimal(t) / 4))
SIZES = st.sampled_from(["0", "0", "1", "2.5", "0.001", "10", "3.1415"])
CHANGES = st.lists(st.tuples(PRICES, SIZES), max_size=8)


def _rebuilt(levels: dict[Decimal, tuple[str, str]], bids: bool) -> list[tuple[str, str]]:
    return [levels[p] for p in sorted(levels, reverse=bids)]


@given(
    snapshot=st.tuples(CHANGES, CHANGES),
    deltas=st.lists(st.tuples(CHANGES, CHANGES), max_size=15),
    seq_steps=st.lists(st.integers(min_value=0, max_value=50), min_size=15, max_size=15),
)
def test_snapshot_plus_deltas_equals_the_book_rebuilt(
    snapshot: tuple[list[tuple[str, str]], list[tuple[str, str]]],
    deltas: list[tuple[list[tuple[str, str]], list[tuple[str, str]]]],
    seq_steps: list[int],
) -> None:
    """Any sequence of level changes: the incrementally kept book equals a reference model
    (a dict of levels sorted at the end) and equals a fresh book built from that model."""
    model: list[dict[Decimal, tuple[str, str]]] = [{}, {}]
    book = LocalBook("books-l2-tbt")

    def to_model(side: int, changes: list[tuple[str, str]]) -> None:
        for px, sz in changes:
            if Decimal(sz) == 0:
                model[side].pop(Decimal(px), None)
            else:
                model[side][Decimal(px)] = (px, sz)

    def wire(changes: list[tuple[str, str]]) -> list[list[str]]:
        return [lv(px, sz) for px, sz in changes]

    book.apply(item(wire(snapshot[0]), wire(snapshot[1]), 1000), "snapshot")
    to_model(0, snapshot[0])
    to_model(1, snapshot[1])
    for (bid_changes, ask_changes), step in zip(deltas, seq_steps, strict=False):
        expected = R.UPDATE if bid_changes or ask_changes else R.HEARTBEAT
        assert update(book, wire(bid_changes), wire(ask_changes), book.seq_id + step) is expected
        to_model(0, bid_changes)
        to_model(1, ask_changes)
    assert book.synced
    assert book.bids() == _rebuilt(model[0], bids=True)
    assert book.asks() == _rebuilt(model[1], bids=False)
    fresh = LocalBook("books-l2-tbt")
    fresh.apply(item(wire(book.bids()), wire(book.asks()), book.seq_id), "snapshot")
    assert (fresh.bids(), fresh.asks()) == (book.bids(), book.asks())
    assert fresh.checksum() == book.checksum()


def _reference_checksum(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> int:
    """okx-streams-rest.md 1.7, written independently: build the string pair by pair."""
    text = ""
    for i in range(25):
        for side in (bids, asks):
            if i < len(side):
                text += f"{side[i][0]}:{side[i][1]}:"
    value = zlib.crc32(text.rstrip(":").encode("ascii"))
    return int.from_bytes(value.to_bytes(4, "big"), "big", signed=True)


LEVELS = st.lists(
    st.tuples(st.decimals(min_value=0, max_value=10**6, places=4).map(str), SIZES), max_size=40
)


@given(bids=LEVELS, asks=LEVELS)
def test_checksum_equals_a_straightforward_implementation(
    bids: list[tuple[str, str]], asks: list[tuple[str, str]]
) -> None:
    assert okx_checksum(bids, asks) == _reference_checksum(bids, asks)
    assert okx_checksum([list(b) for b in bids], [list(a) for a in asks]) == okx_checksum(
        bids, asks
    )


@given(
    prevs=st.lists(st.integers(min_value=-1, max_value=30), min_size=1, max_size=30),
    seqs=st.lists(st.integers(min_value=0, max_value=30), min_size=30, max_size=30),
)
def test_out_of_sequence_input_is_always_detected(prevs: list[int], seqs: list[int]) -> None:
    """Random prevSeqId/seqId pairs: an update is applied iff prevSeqId equals the last seqId
    applied; the first one that does not is a GAP, and nothing is applied after it."""
    book = LocalBook("books")
    book.apply(item([lv("1", "1")], [], 0), "snapshot")
    last, synced = 0, True
    for prev, seq in zip(prevs, seqs, strict=False):
        result = book.apply(item([lv("1", str(seq + 1))], [], seq, prev=prev), "update")
        if not synced:
            assert result is R.DROPPED
        elif prev == last:
            assert result is R.UPDATE
            last = seq
        else:
            assert result is R.GAP
            synced = False
        assert book.synced is synced
        assert book.seq_id == last
        assert book.bids() == ([("1", str(last + 1))] if synced else [])
    assert book.resyncs == (0 if synced else 1)


def test_a_heartbeat_with_a_missing_side_is_malformed() -> None:
    book = synced_book(seq=10)
    with pytest.raises(OkxBookItemError):
        book.apply({**item([], [], 10, prev=10), "bids": None}, "update")
    assert not book.synced
