# affects: all
# message: no answer|answer channel|not a driver
# Replaces the kit's encoder in the child so that every answer claims success with no data.
import sys

kit = sys.modules["kit"]  # the zygote's, without an import (exercise 04 forbids importing it)

kit.grading.sandbox.protocol.encode = lambda value: b'{"ok": true, "value": {}}'
