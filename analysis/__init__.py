"""Qt-free analyses: functions that take media or arrays and parameters and return typed results."""
