"""What the tests share: registers, cases, enrolled pairs and bundles, PDF text, the command line,
dialog answering and real mail servers. ``tests/conftest.py`` loads the fixtures (``fixtures``);
test modules import the helpers they use from here, never from another test module."""
