"""``okxws book``: the local book's best levels, spread and sequence, redrawn in place."""

from __future__ import annotations

import re
from decimal import Decimal

from .conftest import Cli
from .terminal import terminal

HEADER = re.compile(
    r"^BTC-USDT books5 on the embedded simulator   seqId -?\d+   updates \d+   resyncs 0   "
    r"last update [\d,]+ ms ago$"
)
#: How rich redraws in place: cursor up one line and erase it, once per line of the frame.
UP_AND_ERASE = b"\x1b[1A\x1b[2K"


async def test_one_frame_into_a_pipe(cli: Cli) -> None:
    result = await cli("book", "BTC-USDT", "--channel", "books5", "--depth", "3", "--count", "3")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert HEADER.match(lines[0]), lines[0]
    assert re.fullmatch(r"spread 0\.2 \(0\.02 bp\)   mid \d+(\.\d+)?", lines[1]), lines[1]
    assert lines[2].split() == ["bid", "size", "bid", "ask", "ask", "size"]
    levels = [[Decimal(v) for v in line.split()] for line in lines[4:]]
    assert len(levels) == 3
    bids, asks = [lv[1] for lv in levels], [lv[2] for lv in levels]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks)  # best first
    assert bids[0] < asks[0]


async def test_redraws_in_place_in_a_terminal() -> None:
    async with terminal("book", "BTC-USDT", "--channel", "books5", "--depth", "2",
                        "--count", "4") as term:  # fmt: skip
        assert await term.exit_code() == 0, term.output
    screen = term.output.decode()
    assert screen.count("BTC-USDT books5") >= 4, screen  # four frames (rich redraws the last)
    # Each later frame first erases the one before: 5 lines (header, spread, 2 table header
    # lines, 2 levels minus the cursor's own line) per redraw.
    assert term.output.count(UP_AND_ERASE) >= 3 * 5, screen
    assert "\x1b[?25h" in screen  # the cursor is shown again on the way out
    assert "Traceback" not in screen


async def test_ctrl_c_stops_the_view_cleanly() -> None:
    async with terminal("book", "BTC-USDT", "--channel", "books5") as term:
        await term.wait_for(lambda out: b"bid size" in out)
        term.press(b"\x03")
        assert await term.exit_code() == 0, term.output
    assert b"Traceback" not in term.output
    assert b"\x1b[?25h" in term.output  # the cursor is shown again


async def test_a_channel_the_simulator_lacks_says_which_it_has(cli: Cli) -> None:
    result = await cli("book", "BTC-USDT", "--channel", "books-elp", "--count", "1")
    assert result.code == 1
    [line] = result.err.splitlines()
    assert line.startswith("okxws book: books-elp BTC-USDT: OKX rejected ")
    assert line.endswith("(the simulator serves every book channel but books-elp)")


async def test_the_400_level_books_channel(cli: Cli) -> None:
    result = await cli("book", "BTC-USDT", "--channel", "books", "--depth", "2", "--count", "2")
    assert result.code == 0, result.err
    assert result.out.startswith("BTC-USDT books on the embedded simulator   seqId ")


async def test_depth_must_be_positive(cli: Cli) -> None:
    result = await cli("book", "BTC-USDT", "--depth", "0")
    assert (result.code, result.err) == (2, "okxws book: error: --depth must be at least 1\n")
