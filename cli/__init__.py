"""The ``outpost`` command line: the one package above both the core (``app``) and the desktop (``ui``).

``cli.main`` assembles the parser from one module per group of commands (``admin``, ``cases``,
``sync``, ``reports``); each module declares its commands' options beside their handlers.
"""
