"""The benchmark harness behind ``bench/run.py`` (see its docstring for what is measured).

- :mod:`.procs`: processes (pinning, the reply server and the simulator, event loops) and the
  control connection to the reply server;
- :mod:`.contenders`: the floor and okxws in this process, the peers in theirs;
- :mod:`.measures`: the wall-clock measurements (latency, throughput, memory, A/B bursts);
- :mod:`.rounds`: the interleaved rounds of the wall-clock run;
- :mod:`.report`: the Markdown report.

``bench/`` must be on ``sys.path`` (``bench/run.py`` puts it there): the floor client is the
top-level module ``floor_client``.
"""
