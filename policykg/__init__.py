"""policykg: turn industrial-support policy documents into a knowledge graph.

This package is the small front door shared by every layer: the error tree
(``policykg.errors``), settings read from the environment (``policykg.settings``) and
the command line (``policykg.cli``, the only module that imports everything).
"""

__version__ = "0.1.0"
