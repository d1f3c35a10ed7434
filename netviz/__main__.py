import sys

from netviz.cli import main

sys.exit(main())
