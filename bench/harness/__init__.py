"""The benchmark harness behind ``bench/run.py`` (see its docstring for what is measured).

- :mod:`.procs`: processes (pinning, the reply server and the simulator, event loops) and the
  control connection to the reply server;
- :mod:`.contenders`: the floor and okxws in this process, the peers in theirs;
- :mod:`.measures`: the wall-clock measurements (latency, throughput, memory, A/B bursts);
- :mod:`.counting`: instructions per order under callgrind, over real sockets, and the
  per-function breakdown (callgrind by C function, cProfile by Python function);
- :mod:`.count_client`: the client process that :mod:`.counting` runs under valgrind;
- :mod:`.report`: the Markdown report.

``bench/`` must be on ``sys.path`` (``bench/run.py`` puts it there): the floor client is the
top-level module ``floor_client``.
"""
