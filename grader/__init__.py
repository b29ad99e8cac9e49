"""RISC-V Hypervisor Labs autograder (Python 3 standard library only).

Entry points: `python3 -m grader grade`, `python3 -m grader selftest`.
"""
