"""The subscriptions a connection restores after a reconnect."""

from okxws.net.subscriptions import Subscriptions, channel_key
from okxws.protocol.messages import ChannelArg


def test_identity_ignores_the_uid_okx_adds_and_keeps_order() -> None:
    subs = Subscriptions()
    orders: ChannelArg = {"channel": "orders", "instType": "ANY"}
    tickers: ChannelArg = {"channel": "tickers", "instId": "BTC-USDT"}
    subs.add([orders, tickers, {"channel": "orders", "instType": "ANY"}])
    assert subs.args() == [orders, tickers]
    assert {"channel": "orders", "instType": "ANY", "uid": "1"} in subs
    assert channel_key({"instId": "A", "channel": "x"}) == channel_key(
        {"channel": "x", "instId": "A"}
    )
    subs.remove([{"channel": "orders", "instType": "ANY", "uid": "1"}])
    assert subs.args() == [tickers] and len(subs) == 1
