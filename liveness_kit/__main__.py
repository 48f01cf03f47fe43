import sys

from liveness_kit.cli import main

sys.exit(main())
