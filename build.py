#!/usr/bin/env python3
"""Frontline command line: `python build.py` builds the site into output/."""

import sys

from frontline.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
