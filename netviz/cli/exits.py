"""Exit codes of the ``netviz`` command (documented in the README; ``netviz.cli`` re-exports
them). A module of its own so that the subcommands can use them without importing the
package that assembles them (which would be an import cycle)."""

EXIT_OK = 0
#: ``eval``: the connection is denied; ``diff``: there are differences
EXIT_DENIED = 1
#: ``gui``: the app cannot start here (a missing system library, no display)
EXIT_CANNOT_START = 1
EXIT_USAGE = 2
#: nothing could be loaded, or a file could not be read / written
EXIT_INPUT = 3
#: ``snapshot``: the cluster could not be reached or read
EXIT_CLUSTER = 4
EXIT_INTERRUPTED = 130
