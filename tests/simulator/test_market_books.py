"""The order-book channels rendered by the simulator, applied by the client's LocalBook: pure,
no loop, no socket (okx-streams-rest.md section 1)."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okxws.protocol.books import ApplyResult, LocalBook, okx_checksum
from okxws.protocol.channels import CHANNELS
from okxws.simulator.engine import Engine, MarketEvent
from okxws.simulator.market_books import (
    BookFeeds,
    entitlement_error,
    rest_books,
    rest_books_full,
)

from .conftest import BTC, limit

INST = "BTC-USDT"
UID = "u1"


class Sub:
    """A subscriber (what the feeds hand frames to)."""

    def __init__(self, name: str) -> None:
        self.name = name


def _engine() -> Engine:
    eng = Engine(0)
    eng.create_account(UID, {"USDT": "100000000", "BTC": "1000"})
    return eng


def _decode(frames: list[tuple[Sub, bytes]], sub: Sub) -> list[dict[str, Any]]:
    return [orjson.loads(f) for s, f in frames if s is sub]


def _apply(local: LocalBook, msg: dict[str, Any]) -> ApplyResult:
    return local.apply(msg["data"][0], msg.get("action"))


def _expected(eng: Engine, channel: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    spec = CHANNELS[channel].book
    assert spec is not None
    item = rest_books(eng.book(INST), spec.depth, 0)
    return [(r[0], r[1]) for r in item["bids"]], [(r[0], r[1]) for r in item["asks"]]


_CHANNELS = ("books", "books50-l2-tbt", "books5", "bbo-tbt", "books-l2-tbt")

_step = st.one_of(
    st.tuples(st.sampled_from(["buy", "sell"]), st.integers(-3, 70), st.integers(1, 5)),
    st.tuples(st.just("cancel"), st.integers(0, 200), st.just(0)),
    st.tuples(st.just("tick"), st.just(0), st.just(0)),
    st.tuples(st.just("publish"), st.just(0), st.just(0)),
    st.tuples(st.just("join"), st.just(0), st.just(0)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_step, max_size=80))
def test_any_sequence_of_changes_applied_by_localbook_equals_the_simulators_book(
    steps: list[tuple[str, int, int]],
) -> None:
    eng = _engine()
    feeds: BookFeeds[Sub] = BookFeeds(eng)
    subs = {ch: Sub(ch) for ch in _CHANNELS}
    locals_ = {ch: LocalBook(ch, INST) for ch in _CHANNELS}
    for ch in _CHANNELS:
        (snap,) = feeds.add(subs[ch], {"channel": ch, "instId": INST}, 0)
        assert _apply(locals_[ch], orjson.loads(snap)) is ApplyResult.SNAPSHOT
    ord_ids: list[str] = []
    now = 0
    # Late subscribers without a snapshot, splicing a REST snapshot (okx-streams-rest.md 1.8).
    late: list[tuple[Sub, LocalBook]] = []
    rest_due: set[int] = set()  # which of them fetch their REST snapshot before the next push

    def publish() -> None:
        nonlocal now
        for ev in eng.drain_events():
            if isinstance(ev, MarketEvent):  # what the router marks for the book feeds
                feeds.mark(ev.inst_id)
        now += 100
        for k in sorted(rest_due):
            # Between two pushes, after more changes committed: the snapshot is ahead of the
            # last update the book saw, and the next update must bridge it exactly.
            result = late[k][1].splice(rest_books(eng.book(INST), 400, now))
            assert result in (ApplyResult.SPLICED, ApplyResult.SPLICE_PENDING), result
        rest_due.clear()
        frames = feeds.publish(now)
        for ch in _CHANNELS:
            for msg in _decode(frames, subs[ch]):
                result = _apply(locals_[ch], msg)
                assert result in (ApplyResult.UPDATE, ApplyResult.SNAPSHOT), (ch, msg)
            assert locals_[ch].synced
            bids, asks = _expected(eng, ch)
            depth = CHANNELS[ch].book.depth  # type: ignore[union-attr]
            assert locals_[ch].bids(depth) == bids, ch
            assert locals_[ch].asks(depth) == asks, ch
            assert locals_[ch].seq_id <= eng.book(INST).seq_id
        for k, (sub, local) in enumerate(late):
            for msg in _decode(frames, sub):
                result = _apply(local, msg)
                if result is ApplyResult.SPLICE_NEEDED:
                    rest_due.add(k)
                assert result in (ApplyResult.SPLICE_NEEDED,
                    ApplyResult.UPDATE, ApplyResult.SPLICED, ApplyResult.SPLICE_PENDING,
                    ApplyResult.BUFFERED,
                ), result  # fmt: skip
            if local.synced:
                assert (local.bids(), local.asks()) == _expected(eng, "books")

    for kind, offset, size in steps:
        if kind in ("buy", "sell"):
            mid = eng.book(INST).mid
            ticks = mid - offset if kind == "buy" else mid + offset
            px = str(ticks * eng.book(INST).tick)
            r = eng.place("book", UID, limit(kind, px, f"0.0{size}"), now)
            if r.ord_id:
                ord_ids.append(r.ord_id)
        elif kind == "cancel" and ord_ids:
            ord_id = ord_ids.pop(offset % len(ord_ids))
            r = eng.cancel("book", UID, {"instIdCode": BTC, "ordId": ord_id}, now)
            assert r.code in ("0", "51400"), r  # 51400: already filled
        elif kind == "tick":
            eng.tick_market(now)
        elif kind == "join":
            feeds.faults.no_snapshot()
            sub = Sub(f"late{len(late)}")
            assert feeds.add(sub, {"channel": "books", "instId": INST}, now) == []
            late.append((sub, LocalBook("books", INST)))
        else:
            publish()
    publish()


def _feeds_with(channel: str, key: str = INST) -> tuple[Engine, BookFeeds[Sub], Sub, LocalBook]:
    eng = _engine()
    feeds: BookFeeds[Sub] = BookFeeds(eng)
    sub = Sub("a")
    arg_key = "sprdId" if channel.startswith("sprd-") else "instId"
    local = LocalBook(channel, key)
    for f in feeds.add(sub, {"channel": channel, arg_key: key}, 0):
        _apply(local, orjson.loads(f))
    return eng, feeds, sub, local


def _rest_after(eng: Engine, feeds: BookFeeds[Sub], now: int) -> list[dict[str, Any]]:
    eng.drain_events()
    feeds.mark(INST)
    return [orjson.loads(f) for _, f in feeds.publish(now)]


def test_snapshot_then_update_shapes_and_strides() -> None:
    eng, feeds, _sub, local = _feeds_with("books")
    book = eng.book(INST)
    (snap,) = [
        orjson.loads(f) for f in feeds.add(Sub("b"), {"channel": "books", "instId": INST}, 0)
    ]
    assert snap["arg"] == {"channel": "books", "instId": INST} and snap["action"] == "snapshot"
    item = snap["data"][0]
    assert list(item) == ["asks", "bids", "ts", "checksum", "prevSeqId", "seqId"]
    assert item["prevSeqId"] == -1 and item["seqId"] == book.seq_id and item["checksum"] == 0
    assert item["asks"][0] == ["95000.1", "0.5", "0", "1"]
    # Two levels change in one batch: the seqId jumps by 2.
    eng.place("book", UID, limit("buy", "95000", "0.01"), 0)
    eng.place("book", UID, limit("sell", "95000.6", "0.01"), 0)
    before = book.seq_id
    (upd, _) = _rest_after(eng, feeds, 100)  # both subscribers get the same frame
    data = upd["data"][0]
    assert upd["action"] == "update" and data["prevSeqId"] == before
    assert data["seqId"] == before + 2 == book.seq_id
    assert data["bids"] == [["95000", "0.01", "0", "1"]]
    assert data["asks"] == [["95000.6", "0.01", "0", "1"]]
    assert _apply(local, upd) is ApplyResult.UPDATE
    # A deletion is size "0".
    eng.cancel("book", UID, {"instIdCode": BTC, "ordId": _resting(eng)}, 0)
    (upd, _) = _rest_after(eng, feeds, 200)
    assert [upd["data"][0]["bids"][0][1], upd["data"][0]["bids"][0][3]] == ["0", "0"]
    assert _apply(local, upd) is ApplyResult.UPDATE
    assert local.best_bid() == ("94999.9", "0.5")


def _resting(eng: Engine) -> str:
    (o,) = [o for o in eng.pending_orders(UID, inst_id=INST) if o["side"] == "buy"]
    return str(o["ordId"])


def test_cadence_holds_pushes_to_the_channel_interval() -> None:
    eng, feeds, _sub, _ = _feeds_with("books")
    eng.place("book", UID, limit("buy", "95000", "0.01"), 0)
    assert _rest_after(eng, feeds, 50) == []  # books: at most every 100 ms
    assert len([f for _, f in feeds.publish(100)]) == 1
    eng2, feeds2, _, _ = _feeds_with("bbo-tbt")
    eng2.place("book", UID, limit("buy", "95000", "0.01"), 0)
    (msg,) = _rest_after(eng2, feeds2, 10)  # bbo-tbt: 10 ms
    assert list(msg["data"][0]) == ["asks", "bids", "ts", "seqId"] and "action" not in msg
    assert msg["data"][0]["bids"] == [["95000", "0.01", "0", "1"]]


def test_snapshot_channels_push_only_when_their_top_changes() -> None:
    eng, feeds, _, _ = _feeds_with("books5")
    eng.place("book", UID, limit("buy", "90000", "0.01"), 0)  # deeper than the top 5
    assert _rest_after(eng, feeds, 100) == []
    eng.place("book", UID, limit("buy", "95000", "0.01"), 0)
    (msg,) = _rest_after(eng, feeds, 200)
    data = msg["data"][0]
    assert list(data) == ["asks", "bids", "instId", "ts", "seqId"] and data["instId"] == INST
    assert len(data["bids"]) == 5 and data["seqId"] == eng.book(INST).seq_id


def test_heartbeat_after_quiet_period_and_on_demand() -> None:
    _eng, feeds, _sub, local = _feeds_with("books")
    feeds.settings.heartbeat_s = 1.0
    assert feeds.publish(999) == []
    (frame,) = [orjson.loads(f) for _, f in feeds.publish(1000)]
    data = frame["data"][0]
    assert data["asks"] == data["bids"] == [] and data["prevSeqId"] == data["seqId"] == local.seq_id
    assert _apply(local, frame) is ApplyResult.HEARTBEAT
    feeds.faults.heartbeat()
    (frame,) = [orjson.loads(f) for _, f in feeds.publish(1001)]
    assert _apply(local, frame) is ApplyResult.HEARTBEAT
    # A snapshot channel repeats its snapshot instead.
    _eng5, feeds5, _, local5 = _feeds_with("books5")
    feeds5.faults.heartbeat("books5", INST)
    (frame,) = [orjson.loads(f) for _, f in feeds5.publish(1)]
    assert frame["data"][0]["seqId"] == local5.seq_id and len(frame["data"][0]["asks"]) == 5


def test_sequence_reset_gap_and_duplicate() -> None:
    eng, feeds, _sub, local = _feeds_with("books")
    before = local.seq_id
    feeds.faults.reset_sequence(INST)
    eng.place("book", UID, limit("buy", "95000", "0.01"), 0)
    (msg,) = _rest_after(eng, feeds, 100)
    data = msg["data"][0]
    assert data["prevSeqId"] == before and data["seqId"] < before  # the reset
    assert _apply(local, msg) is ApplyResult.UPDATE
    eng.place("book", UID, limit("buy", "94999.95", "0.01"), 0)  # off-tick: rejected, no change
    eng.place("book", UID, limit("buy", "95000", "0.02"), 0)
    (msg,) = _rest_after(eng, feeds, 200)
    assert msg["data"][0]["prevSeqId"] == data["seqId"]  # regular sequencing again
    assert _apply(local, msg) is ApplyResult.UPDATE and local.best_bid() == ("95000", "0.03")
    feeds.faults.duplicate()
    eng.place("book", UID, limit("buy", "95000", "0.01"), 0)
    first, second = _rest_after(eng, feeds, 300)
    assert first == second
    assert _apply(local, first) is ApplyResult.UPDATE
    assert _apply(local, second) is ApplyResult.GAP  # a duplicate breaks the sequence
    _, feeds, _, local = _feeds_with("books")
    feeds.faults.gap("books", INST)
    eng = feeds.engine
    eng.place("book", UID, limit("buy", "95000", "0.01"), 0)
    assert _rest_after(eng, feeds, 100) == []  # dropped
    eng.place("book", UID, limit("buy", "95000", "0.01"), 0)
    (msg,) = _rest_after(eng, feeds, 200)
    assert _apply(local, msg) is ApplyResult.GAP


def test_stall_and_no_snapshot_with_a_rest_splice() -> None:
    eng, feeds, _sub, _local = _feeds_with("books")
    feeds.faults.stall(1.0)
    feeds.settings.heartbeat_s = 0.5
    eng.place("book", UID, limit("buy", "95000", "0.01"), 0)
    assert _rest_after(eng, feeds, 600) == []  # stalled for 1 s: not even a heartbeat
    assert feeds.publish(1599) == []
    assert len(feeds.publish(1600)) == 1  # the waiting update
    feeds.faults.no_snapshot()
    late = Sub("late")
    assert feeds.add(late, {"channel": "books", "instId": INST}, 1600) == []
    spliced = LocalBook("books", INST)
    eng.place("book", UID, limit("sell", "95000.1", "0.5"), 0)  # takes the best ask away
    frames = _rest_after(eng, feeds, 1700)
    assert _apply(spliced, frames[1]) is ApplyResult.SPLICE_NEEDED
    snapshot = rest_books(eng.book(INST), 400, 1700)
    assert spliced.splice(snapshot) is ApplyResult.SPLICE_PENDING
    eng.place("book", UID, limit("buy", "94999.8", "1"), 0)
    (_, msg) = _rest_after(eng, feeds, 1800)
    assert _apply(spliced, msg) is ApplyResult.SPLICED
    assert (spliced.bids(), spliced.asks()) == _expected(eng, "books")


def test_legacy_checksum_is_okxs_crc_of_the_book_after_the_push() -> None:
    eng, feeds, _sub, _ = _feeds_with("books")
    feeds.settings.legacy_checksum = True
    local = LocalBook("books", INST, verify_checksum=True)
    (snap,) = feeds.add(Sub("c"), {"channel": "books", "instId": INST}, 0)
    msg = orjson.loads(snap)
    assert msg["data"][0]["checksum"] != 0
    assert _apply(local, msg) is ApplyResult.SNAPSHOT
    eng.place("book", UID, limit("buy", "95000", "0.01"), 0)
    (_, upd) = _rest_after(eng, feeds, 100)
    assert _apply(local, upd) is ApplyResult.UPDATE
    assert upd["data"][0]["checksum"] == okx_checksum(local.bids(), local.asks())


def test_spread_books_use_sprd_id_and_three_element_levels() -> None:
    sprd = "BTC-USDT_BTC-USDT-SWAP"
    _eng, feeds, _sub, local = _feeds_with("sprd-books-l2-tbt", sprd)
    assert local.synced and len(local.asks()[0]) == 2
    # Its checksum is still live (the 2026 deprecation names only the instrument books).
    checked = LocalBook("sprd-books-l2-tbt", sprd, verify_checksum=True)
    (snap,) = feeds.add(Sub("e"), {"channel": "sprd-books-l2-tbt", "sprdId": sprd}, 0)
    msg = orjson.loads(snap)
    assert msg["data"][0]["checksum"] == okx_checksum(local.bids(), local.asks()) != 0
    assert _apply(checked, msg) is ApplyResult.SNAPSHOT
    (snap,) = [
        orjson.loads(f) for f in feeds.add(Sub("d"), {"channel": "sprd-books5", "sprdId": sprd}, 0)
    ]
    assert snap["arg"] == {"channel": "sprd-books5", "sprdId": sprd}
    assert len(snap["data"][0]["asks"][0]) == 3 and "instId" not in snap["data"][0]


def test_push_order_per_instrument_follows_okx() -> None:
    eng = _engine()
    feeds: BookFeeds[Sub] = BookFeeds(eng)
    sub = Sub("a")
    for ch in ("books5", "books", "books50-l2-tbt", "bbo-tbt"):
        feeds.add(sub, {"channel": ch, "instId": INST}, 0)
    eng.place("book", UID, limit("buy", "95000", "0.01"), 0)
    got = [m["arg"]["channel"] for m in _rest_after(eng, feeds, 100)]
    assert got == ["bbo-tbt", "books50-l2-tbt", "books", "books5"]
    feeds.remove(sub, {"channel": "books", "instId": INST})
    feeds.remove_subscriber(sub)
    assert not feeds.active


def test_entitlement_rules() -> None:
    def none(channel: str) -> bool:
        return False

    assert entitlement_error("books-l2-tbt", INST, logged_in=False, tier=9, subscribed=none) == (
        "60011",
        "Please log in",
    )
    code, msg = entitlement_error(  # type: ignore[misc]
        "books50-l2-tbt", INST, logged_in=True, tier=3, subscribed=none
    )
    assert code == "64003" and "fee tier" in msg
    assert entitlement_error("books-l2-tbt", INST, logged_in=True, tier=4, subscribed=none) is None
    code, msg = entitlement_error(  # type: ignore[misc]
        "books", INST, logged_in=False, tier=0, subscribed=lambda ch: ch == "books-l2-tbt"
    )
    assert code == "64004"
    assert msg == (
        "Subscribe to both books and books-l2-tbt for BTC-USDT is not allowed. "
        "Unsubscribe books-l2-tbt first."
    )
    code, msg = entitlement_error(  # type: ignore[misc]
        "books-l2-tbt", INST, logged_in=True, tier=5, subscribed=lambda ch: ch == "books50-l2-tbt"
    )
    assert code == "64004" and msg.startswith("Subscribe to both books50-l2-tbt and books-l2-tbt")
    assert entitlement_error("books", INST, logged_in=False, tier=0, subscribed=none) is None


def test_rest_books_match_the_stream() -> None:
    eng, _feeds, _sub, local = _feeds_with("books")
    item = rest_books(eng.book(INST), 400, 7)
    assert item["seqId"] == local.seq_id and item["ts"] == "7"
    assert [(r[0], r[1]) for r in item["bids"]] == local.bids()
    assert len(rest_books(eng.book(INST), 1, 7)["asks"]) == 1
    full = rest_books_full(eng.book(INST), 5000, 7)
    assert full["asks"][0] == ["95000.1", "0.5", "1"]


def test_a_depth_limited_book_fills_in_from_below_its_depth() -> None:
    eng, feeds, _sub, local = _feeds_with("books50-l2-tbt")
    ids = []
    for i in range(60):  # 60 more bid levels: the side is deeper than 50
        r = eng.place("book", UID, limit("buy", str(94000 - i), "0.01"), 0)
        ids.append(r.ord_id)
    now = 0
    for batch in (ids[:3], ids[3:4], [], ids[10:30]):
        for ord_id in batch:
            eng.cancel("book", UID, {"instIdCode": BTC, "ordId": ord_id}, 0)
        eng.place("book", UID, limit("buy", "95000", "0.01"), 0)
        now += 10
        for msg in _rest_after(eng, feeds, now):
            assert _apply(local, msg) is ApplyResult.UPDATE
        assert (local.bids(), local.asks()) == _expected(eng, "books50-l2-tbt")
        assert len(local.bids()) == min(50, len(eng.book(INST).bids.prices))
