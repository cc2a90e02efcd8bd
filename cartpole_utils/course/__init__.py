"""Course tools: what the notebooks use to teach, not what they teach.

``exercises`` checks the graded exercises, ``probes`` holds notebook 09's probe environments and
its probe-training loop, ``bugs`` the classic DQN bugs as code. They import helpers and lessons;
nothing outside this folder imports them but the package's ``__init__`` (as ``cu.exercises``,
``cu.probes``, ``cu.bugs``).
"""
