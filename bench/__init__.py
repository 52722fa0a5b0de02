"""Benchmarks of Linli against this machine's ceilings: `python -m bench --help`.

Every figure is printed beside a ceiling measured in the same run, and as a ratio to
it: absolute numbers on shared machines drift, ratios much less. Not tests: nothing
here asserts a time.
"""
